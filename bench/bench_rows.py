"""Benchmark of FITN formulas written once per row (a table's calculated column) against the column form, in
headless Chromium through the add-in's real client code.

`fitn-xl serve` runs on a free loopback port; Chromium loads its task pane page as Excel's shared runtime loads it
(xlwings Server's custom-functions JavaScript with fitn-xl's batching, config, auth, every script from the server)
with a stub of Office.js in place of office.js (tests/officejs_stub.js). The stub plays Excel recalculating:

- « une formule par ligne » — a calculated column of N rows, e.g. `=FITN.DEPENSES_EXCLUES([@[N° dossier]];Depenses;
  Exclusions)`: N invocations of the function in the same tick, each with its row's cells and the whole tables;
- « forme colonne » — one invocation on whole columns, `=FITN.DEPENSES_EXCLUES(Candidatures[N° dossier];Depenses;
  Exclusions)`, whose result spills over N rows;

for each function taking a table (COUT_ELIGIBLE, DEPENSES_EXCLUES, PART_HORS_UE, MONTANT_PROPOSE, NOTE), on
registries of 300 and 5 000 dossiers (tests/test_addin_fixtures.sample_registry: about 1.5 expense lines and 1.6
scores per dossier). Times run from the first invocation to the last result, measured alternately in the same run
(medians; ratio: median of the per-trial ratios). Both forms give the same cells (checked on the first trial).

The stub hands every invocation the same table object (as if Excel marshalled the range once). In the « copies »
column (sizes up to COPIES_MAX_ROWS) each invocation gets its own copy of each table, as Excel's deserialised
messages would (Office.js's custom-functions runtime hands each invocation the parameterValues of its own message
entry): the client then recognises the copies by their cells, a cost that grows with rows × table cells. At 5 000
rows, 5 000 copies of the tables would take several GB in the page, so that case uses shared objects only: the
≤ 2× target is measured under the shared-object assumption.

« sans lot » estimates the per-row column sent one request per cell (xlwings' own transport, batching off):
the mean of --before single calls, times N.

    .venv/bin/python bench/bench_rows.py [--rows 300,5000] [--repeat 5] [--before 20]

Target: per-row ≤ 2 × the column form at 5 000 rows, for each function. Exit code 0 when met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_addin import free_port, start_server  # noqa: E402
from chromium_cdp import Chromium, calculated_column, cell_values, executable, load_arguments, open_taskpane  # noqa: E402
from test_addin_fixtures import function_arguments, sample_registry  # noqa: E402

from fitn_xl.formulas.functions import TABLE_ARGS  # noqa: E402

FUNCTIONS = ("fitn_cout_eligible", "fitn_depenses_exclues", "fitn_part_hors_ue", "fitn_montant_propose", "fitn_note")
TARGET_ROWS = 5000
TARGET = 2.0
COPIES_MAX_ROWS = 1000  # beyond, N copies of the tables do not fit in a page


def label(name: str) -> str:
    return "FITN." + name.removeprefix("fitn_").upper()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="300,5000", help="tailles, séparées par des virgules")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=int, default=20, help="appels d'une cellule mesurés sans regroupement")
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    opts = parser.parse_args()
    if executable() is None:
        print("Chromium est absent (paquet Debian « chromium »).")
        return 1
    sizes = [int(s) for s in opts.rows.split(",")]
    names = opts.functions.split(",")
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(port, Path(tmp) / "telechargements")
        try:
            with Chromium(Path(tmp) / "profil") as browser:
                open_taskpane(browser, f"http://127.0.0.1:{port}")
                print("Une formule par ligne (colonne calculée) et forme colonne, dans Chromium par le code client "
                      f"du complément ; médianes sur {opts.repeat} essais alternés, en secondes.")
                for n in sizes:
                    met &= run_size(browser, n, names, opts)
                browser.evaluate("fitnBatch.enabled = true")
                if browser.console:
                    print("Console de la page :", " | ".join(browser.console[:5]))
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"cible (une formule par ligne ≤ {TARGET:g} × la forme colonne, {TARGET_ROWS} lignes) : "
          f"{'atteinte' if met else 'NON atteinte'}")
    return 0 if met else 1


def run_size(browser: Chromium, n: int, names: list[str], opts) -> bool:
    registry = sample_registry(n, seed=3)
    arguments = function_arguments(registry, serial_dates=True)
    browser.evaluate("fitnExcel.values = {}, true")
    specs = load_arguments(browser, {name: arguments[name] for name in names}, TABLE_ARGS)
    copies_too = n <= COPIES_MAX_ROWS
    print(f"\n{n} lignes ({len(registry.expenses)} lignes de dépenses, {len(registry.scores)} notes)")
    print(f"  {'fonction':<24}{'par ligne':>10}{'colonne':>10}{'rapport':>9}"
          + (f"{'copies':>10}{'rapport':>9}" if copies_too else "") + f"{'sans lot (estimé)':>17}   requêtes, plages")
    ok = True
    for name in names:
        spec = specs[name]
        rows = calculated_column(browser, name, spec, n, "rows")
        column = calculated_column(browser, name, spec, n, "column")
        batch = browser.evaluate("fitnBatch.batches.slice(-2)")
        same = cell_values(rows, "rows") == cell_values(column, "column")
        if copies_too:
            copied = calculated_column(browser, name, spec, n, "rows", copies=True)
            same = same and cell_values(copied, "rows") == cell_values(rows, "rows")
        per_row, col, copy_times = [], [], []
        for _ in range(opts.repeat):  # alternate the forms so that the machine's noise hits them alike
            per_row.append(calculated_column(browser, name, spec, n, "rows", keep=False)["ms"] / 1000)
            col.append(calculated_column(browser, name, spec, n, "column", keep=False)["ms"] / 1000)
            if copies_too:
                copy_times.append(calculated_column(browser, name, spec, n, "rows", copies=True,
                                                    keep=False)["ms"] / 1000)
        ratio = statistics.median(a / b for a, b in zip(per_row, col, strict=True))
        line = f"  {label(name):<24}{statistics.median(per_row):10.3f}{statistics.median(col):10.3f}{ratio:9.2f}"
        if copies_too:
            copy_ratio = statistics.median(a / b for a, b in zip(copy_times, col, strict=True))
            line += f"{statistics.median(copy_times):10.3f}{copy_ratio:9.2f}"
        before = estimate_before(browser, name, spec, n, opts.before)
        line += f"{before:17.1f}   {batch[0]['calls']} appels en 1 requête, {batch[0]['ranges']} plage(s) ; "
        line += "résultats identiques" if same else "RÉSULTATS DIFFÉRENTS"
        print(line)
        ok &= same
        if n == TARGET_ROWS:
            ok &= ratio <= TARGET
    return ok


def estimate_before(browser: Chromium, name: str, spec: list, n: int, calls: int) -> float:
    """Seconds the per-row column would take with one request per cell (xlwings' transport, batching off): the
    mean of `calls` invocations made one after the other, times n."""
    if calls <= 0:
        return float("nan")
    browser.evaluate("fitnBatch.enabled = false")
    try:
        total = 0.0
        for _ in range(calls):
            total += calculated_column(browser, name, spec, 1, "rows", keep=False)["ms"] / 1000
    finally:
        browser.evaluate("fitnBatch.enabled = true")
    return total / calls * n


if __name__ == "__main__":
    sys.exit(main())
