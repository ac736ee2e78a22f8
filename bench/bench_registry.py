"""Benchmark of the registry at national scale, ratios measured side by side in one run.

    .venv/bin/python bench/bench_registry.py [--reps 5] [--dossiers 5000]

Repetitions are interleaved (A, B, C, … then again); a ratio is the median of the ratios of each repetition, whose
two sides ran seconds apart, so a noisy machine moves both sides. Wall-clock and CPU times are both reported. Targets:
  load + validate (load_registry) ÷ raw python-calamine read of the same sheets   ≤ 2
  all rules for every dossier (core.compute) ÷ load                              ≤ 0.25
  recalc end to end ÷ openpyxl load + save of the same file                      ≤ 1
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import SIZES, cached_registry  # noqa: E402

from fitn_xl import schema  # noqa: E402
from fitn_xl.app import Clock, recalc  # noqa: E402
from fitn_xl.core import compute  # noqa: E402
from fitn_xl.perf import gc_paused  # noqa: E402
from fitn_xl.workbook.read import load_registry  # noqa: E402

SHEETS = (schema.SHEET_PARAMETERS, *(t.sheet for t in schema.INPUT_TABLES))


def raw_calamine(path: Path) -> int:
    """Values of the sheets the reader uses, nothing else: the floor of any reader."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in SHEETS)


def openpyxl_load_save(path: Path, out: Path) -> None:
    """What a plain openpyxl rewrite of the file costs (the usual way to update a workbook)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.save(out)


def timed(fn, *args):
    gc.collect()  # every measure starts from the same heap, not with the previous measure's garbage
    w0, c0 = time.perf_counter(), time.process_time()
    value = fn(*args)
    return value, time.perf_counter() - w0, time.process_time() - c0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Banc d'essai du registre (ratios mesurés côte à côte).")
    parser.add_argument("--reps", type=int, default=5, help="répétitions entrelacées (médianes)")
    parser.add_argument("--dossiers", type=int, default=SIZES["dossiers"], help="taille du registre (5000)")
    args = parser.parse_args(argv)
    scale = args.dossiers / SIZES["dossiers"]
    sizes = {k: max(1, round(v * scale)) for k, v in SIZES.items()}
    path = cached_registry(sizes)
    print(f"Registre : {path.name} ({path.stat().st_size / 1e6:.1f} Mo) — "
          + ", ".join(f"{v} {k}" for k, v in sizes.items()))

    wall: dict[str, list[float]] = {k: [] for k in ("raw", "load", "compute", "recalc", "openpyxl")}
    cpu: dict[str, list[float]] = {k: [] for k in wall}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rep in range(args.reps):
            runs = [
                ("raw", lambda: raw_calamine(path)),
                ("load", lambda: load_registry(path)),
            ]
            for name, fn in runs:
                value, w, c = timed(fn)
                wall[name].append(w)
                cpu[name].append(c)
                if name == "load":
                    loaded = value
                    assert not loaded.issues, loaded.issues[:3]
                value = None
            _, w, c = timed(compute_paused, loaded.registry)
            wall["compute"].append(w)
            cpu["compute"].append(c)
            del loaded
            copy = tmp / f"recalc-{rep}.xlsx"
            shutil.copyfile(path, copy)
            _, w, c = timed(lambda p: recalc(p, force=True, clock=Clock()), copy)
            wall["recalc"].append(w)
            cpu["recalc"].append(c)
            _, w, c = timed(openpyxl_load_save, path, tmp / f"openpyxl-{rep}.xlsx")
            wall["openpyxl"].append(w)
            cpu["openpyxl"].append(c)
            for f in tmp.iterdir():
                f.unlink()
            print(f"  répétition {rep + 1}/{args.reps} : " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in wall.items()),
                  file=sys.stderr)

    med_w = {k: statistics.median(v) for k, v in wall.items()}
    rows = [
        ("load_registry ÷ lecture calamine brute", "load", "raw", 2.0),
        ("core.compute ÷ load_registry", "compute", "load", 0.25),
        ("recalc ÷ openpyxl load + save", "recalc", "openpyxl", 1.0),
    ]
    print()
    print(f"{'mesure':<42} {'médianes (s)':>20} {'ratio':>7} {'ratio CPU':>10} {'cible':>7}")
    ok = True
    for label, a, b, target in rows:
        # median of the ratios of each repetition (both sides measured a few seconds apart, under the same load)
        r_w = statistics.median(x / y for x, y in zip(wall[a], wall[b], strict=True))
        r_c = statistics.median(x / y for x, y in zip(cpu[a], cpu[b], strict=True))
        good = r_w <= target or r_c <= target
        ok &= good
        print(f"{label:<42} {med_w[a]:>9.2f} / {med_w[b]:<8.2f} {r_w:>7.2f} {r_c:>10.2f} {'≤ ' + str(target):>7}"
              f"  {'ok' if good else 'MANQUÉ'}")
    return 0 if ok else 1


def compute_paused(registry):
    """The computation as the jobs run it: with the garbage collector paused (`fitn_xl.app.registry`)."""
    with gc_paused():
        return compute(registry)


if __name__ == "__main__":
    sys.exit(main())
