"""Démarches Simplifiées at national scale: `fitn-xl import` of a 5 000-dossier DS export and `fitn-xl ds-sync` of
the same data, each against `recalc` of the registry it gives, ratios measured side by side in one run.

    .venv/bin/python bench/bench_ds.py [--reps 3] [--dossiers 5000]

The export is built as DS builds it (`tests/ds_export.py`: caxlsx's inline strings, the `(stable_id)` block
sheets, 0 for an empty number…), with a fixed seed: 5 000 dossiers of the démarche of `docs/demarche-ds.md`, about
17 500 expense lines and 7 500 providers, every DS state. The API is the tests' local GraphQL server (DS's published
schema run by graphql-core, `tests/ds_api_server.py`) in **another process** on 127.0.0.1, so that the CPU time of
the sync is fitn-xl's alone; the server's own time shows in the « lecture seule de l'API » line (the same pages
fetched by `ds_api.fetch`, nothing else), which no client can save.

Repetitions are interleaved (import, its recalc, sync, its recalc, fetch; then again); a ratio is the median of
the ratios of each repetition. Targets (wall-clock or CPU):
  import of the export ÷ recalc of the registry it gives            ≤ 4
  ds-sync ÷ recalc of the registry it gives (CPU: without the server) ≤ 4
The issue gives no figure; 4 is what the work asks: recalc reads the registry and writes its computed columns
(≈ 75 000 cells for 5 000 dossiers), an import reads every cell of the export (≈ 230 000), writes ≈ 280 000 cells
(dossiers, lines, Journal) and reads the written registry again to check it before it replaces the file.
The two registries are checked to be the same (dossiers, lines, DS decisions) before anything is measured.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ds_export import (  # noqa: E402
    CATEGORIES,
    EXPENSES_BLOCK,
    INSTRUCTEUR,
    MEASURES,
    PROVIDERS_BLOCK,
    TYPES,
    Dossier,
    Geo,
    fitn_demarche,
    write_export,
)
from stdnum import luhn  # noqa: E402

from fitn_xl.app import Clock, ds_sync, import_files, recalc  # noqa: E402
from fitn_xl.book.build import build_registry  # noqa: E402
from fitn_xl.core.params import parameters_for  # noqa: E402
from fitn_xl.forms import ds_api  # noqa: E402
from fitn_xl.workbook.read import load_registry  # noqa: E402

SEED = 2021
NUMBER, TOKEN = 4242, "jeton-du-banc-d-essai"
CLOCK = Clock(datetime(2021, 6, 2, 9, 0))
STATES = ["en_construction"] * 3 + ["en_instruction"] * 4 + ["accepte"] * 2 + ["refuse", "sans_suite"]
COUNTRIES = [("France", "FR")] * 6 + [("Allemagne", "DE"), ("États-Unis", "US"), ("Irlande", "IE")]


def _siret(seed: int) -> str:
    body = f"{seed % 10**8:08d}"
    siren = body + luhn.calc_check_digit(body)
    nic = siren + f"{seed % 9000 + 1:04d}"
    return nic + luhn.calc_check_digit(nic)


def dossiers(n: int) -> list[Dossier]:
    """`n` dossiers of the démarche, varied (fixed seed): every DS state, 3-decimal amounts, empty populations,
    1 to 6 expense lines, 0 to 3 providers."""
    rng = random.Random(SEED)
    out = []
    start = datetime(2021, 3, 1, 9, 0)
    for i in range(n):
        number = 10_001 + i
        kind = rng.choice(TYPES[:9])
        commune = kind == "Commune"
        depose = start + timedelta(minutes=7 * i)
        state = rng.choice(STATES)
        instruction = depose + timedelta(days=3) if state != "en_construction" else None
        processed = depose + timedelta(days=40) if state in ("accepte", "refuse", "sans_suite") else None
        updated = processed or instruction or depose
        cost = rng.randrange(5_000, 400_000)
        champs = {
            1634701: f"{'Commune' if commune else kind} n° {i}", 1634702: f"Mme Agent {i}", 1634703: "Maire",
            1634704: f"{i} place de la Mairie\n63000 Ville {i}", 1634705: f"mairie{i}@example.fr",
            1634706: "0473000000", 1634707: rng.choice(MEASURES), 1634708: f"Projet numérique n° {i}.",
            1634709: f"{cost}.{rng.randrange(1000):03d}" if i % 5 == 0 else str(cost),
            1634710: str(rng.randrange(1_000, 100_000)), 1634711: "true", 1634712: f"Projet numérique n° {i}",
            1634713: kind, 1634714: f"63{i % 1000:03d}" if commune else f"2{i:08d}"[:9],
            1634717: f"2022-{rng.randrange(1, 13):02d}-28"}
        if rng.random() < 0.8:  # else left empty: 0 in the export
            champs[1634715] = str(rng.randrange(200, 600_000))
        if state == "accepte":
            champs[1634729] = str(rng.randrange(1_000, 50_000))
        expenses = []
        for j in range(rng.randrange(1, 7)):
            country = rng.choice(COUNTRIES)
            expenses.append({1634719: f"Dépense {j + 1}", 1634720: rng.choice(CATEGORIES[:6]),
                             1634721: f"Fournisseur {rng.randrange(500)}", 1634722: Geo(*country),
                             1634723: f"{rng.randrange(500, 80_000)}.{rng.randrange(100):02d}"})
        providers = [{1634725: f"Société {rng.randrange(2_000)}", 1634726: _siret(rng.randrange(10**8)),
                      1634727: Geo("Puy-de-Dôme", "63") if rng.random() < 0.9 else Geo("Etranger", "99"),
                      1634728: str(rng.randrange(500, 80_000))} for _ in range(rng.randrange(0, 4))]
        rows = {EXPENSES_BLOCK: expenses}
        if providers:
            rows[PROVIDERS_BLOCK] = providers
        out.append(Dossier(number, _siret(number), champs[1634701].upper(), state=state, depose_at=depose,
                           updated_at=updated, en_instruction_at=instruction, processed_at=processed,
                           motivation="Décision du comité" if processed else None,
                           instructeurs=(INSTRUCTEUR,) if instruction else (), champs=champs, rows=rows))
    return out


def serve(n: int) -> None:
    """The API server process: prints its URL, answers until its standard input closes."""
    from ds_api_server import FakeDs

    fake = FakeDs(NUMBER, "FITN7 axe 3 — banc d'essai", fitn_demarche(), dossiers(n), TOKEN, (INSTRUCTEUR,))
    with fake.serve() as url:
        print(url, flush=True)
        sys.stdin.read()


def timed(fn, *args, **kwargs):
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - w0, time.process_time() - c0


def contents(path: Path) -> dict:
    loaded = load_registry(path)
    return {"apps": loaded.registry.applications, "expenses": loaded.registry.expenses,
            "providers": loaded.registry.providers, "issues": [(i.row, i.column, i.message) for i in loaded.issues]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Banc d'essai de l'import DS et de ds-sync (ratios côte à côte).")
    parser.add_argument("--reps", type=int, default=3, help="répétitions entrelacées (médianes)")
    parser.add_argument("--dossiers", type=int, default=5000, help="dossiers de la démarche (5000)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    n = args.dossiers
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = dossiers(n)
        export = Path(write_export(tmp / f"dossiers_banc_{n}.xlsx", fitn_demarche(), data))
        lines = sum(len(r) for d in data for r in d.rows.values())
        print(f"Export DS : {export.name} ({export.stat().st_size / 1e6:.1f} Mo) — {n} dossiers, {lines} lignes de "
              "blocs répétables")
        blank = tmp / "vierge.xlsx"
        build_registry(blank, parameters_for("63", "Puy-de-Dôme"))
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(n)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            url = server.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                print("Le serveur GraphQL de test n'a pas démarré.", file=sys.stderr)
                return 1
            return _measure(args, tmp, blank, export, url, n)
        finally:
            server.stdin.close()
            server.wait(timeout=30)


def _measure(args, tmp: Path, blank: Path, export: Path, url: str, n: int) -> int:
    wall: dict[str, list[float]] = {k: [] for k in ("import", "recalc_import", "sync", "recalc_sync", "fetch")}
    cpu: dict[str, list[float]] = {k: [] for k in wall}

    def record(name: str, w: float, c: float) -> None:
        wall[name].append(w)
        cpu[name].append(c)

    for rep in range(args.reps):
        by_export, by_api = tmp / f"import-{rep}.xlsx", tmp / f"sync-{rep}.xlsx"
        shutil.copyfile(blank, by_export)
        shutil.copyfile(blank, by_api)
        result, w, c = timed(import_files, by_export, [export], clock=CLOCK)
        assert result.ok, result.text()[-2000:]
        record("import", w, c)
        _, w, c = timed(recalc, by_export, force=True, clock=CLOCK)
        record("recalc_import", w, c)
        result, w, c = timed(ds_sync, by_api, NUMBER, instance=url, token=TOKEN, clock=CLOCK)
        assert result.ok, result.text()[-2000:]
        record("sync", w, c)
        _, w, c = timed(recalc, by_api, force=True, clock=CLOCK)
        record("recalc_sync", w, c)
        fetched, w, c = timed(ds_api.fetch, ds_api.Client(url, TOKEN), NUMBER)
        assert len(fetched.dossiers) == n
        record("fetch", w, c)
        if rep == 0:
            same = contents(by_export) == contents(by_api)
            print(f"  même registre par l'export et par l'API : {'oui' if same else 'NON'}", file=sys.stderr)
            if not same:
                return 1
        for f in (by_export, by_api):
            f.unlink()
        print(f"  répétition {rep + 1}/{args.reps} : " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in wall.items()),
              file=sys.stderr)

    med = {k: statistics.median(v) for k, v in wall.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    rows = [
        (f"import de l'export ({n} dossiers) ÷ recalc", "import", "recalc_import", 4.0),
        ("ds-sync des mêmes données ÷ recalc", "sync", "recalc_sync", 4.0),
        ("lecture seule de l'API ÷ ds-sync", "fetch", "sync", None),
    ]
    print()
    print(f"{'mesure':<44} {'médianes (s)':>20} {'ratio':>7} {'ratio CPU':>10} {'cible':>7}")
    ok = True
    for label, a, b, target in rows:
        r_w = statistics.median(x / y for x, y in zip(wall[a], wall[b], strict=True))
        r_c = statistics.median(x / y for x, y in zip(cpu[a], cpu[b], strict=True))
        verdict = ""
        if target is not None:
            good = r_w <= target or r_c <= target
            ok &= good
            verdict = "  ok" if good else "  MANQUÉ"
        shown = f"≤ {target:g}" if target is not None else "info"
        print(f"{label:<44} {med[a]:>9.2f} / {med[b]:<8.2f} {r_w:>7.2f} {r_c:>10.2f} {shown:>7}{verdict}")
    print(f"\nCPU de fitn-xl (médianes) : import {med_cpu['import']:.2f} s, ds-sync {med_cpu['sync']:.2f} s "
          f"(le serveur tourne dans un autre processus), recalc {med_cpu['recalc_import']:.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
