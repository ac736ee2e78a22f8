"""FITN formulas written once per row (a table's calculated column) through the add-in's real client code in headless
Chromium: the task pane page served by `fitn-xl serve`, xlwings Server's custom-functions JavaScript with fitn-xl's
batching (`fitn_xl/addin/batchcall.js`), and a stub of Office.js playing Excel (tests/officejs_stub.js: every
invocation of a recalculation in the same tick). Per-row cells equal the column form's, errors included, and a
recalculation is one request holding each table once."""

from __future__ import annotations

import json

import pytest
from chromium_cdp import (
    Chromium,
    PageError,
    calculated_column,
    cell_values,
    executable,
    load_arguments,
    open_taskpane,
)
from test_addin_fixtures import expected_columns, function_arguments, sample_registry
from test_server_http import TOKEN, Server

from fitn_xl.formulas import functions
from fitn_xl.formulas.functions import TABLE_ARGS

pytestmark = pytest.mark.skipif(executable() is None, reason="chromium absent (la CI l'installe)")

N = 60
ERROR_CELL = {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    server = Server(tmp)
    try:
        with Chromium(tmp / "profil") as browser:
            open_taskpane(browser, server.url)
            yield browser, server
    finally:
        server.stop()


def spoiled(n: int = N):
    """A sample registry's arguments (dates as serial numbers, as Office.js sends them) with bad cells: a bad
    amount in Dépenses and a bad score in Notation (one dossier each), a bad population, an Excel error value in a
    Coût global cell and in a Mesure cell, an empty N° dossier."""
    registry = sample_registry(n, seed=5)
    args = function_arguments(registry, serial_dates=True)
    some = args["fitn_montant_propose"]
    some["depenses"][2][5] = "trois cents"
    args["fitn_note"]["notation"][3][4] = "x"
    some["population"][4][0] = "beaucoup"
    some["cout_global"][6][0] = ERROR_CELL
    some["mesure"][9][0] = ERROR_CELL
    some["dossier"][11][0] = ""
    return registry, args


def python_column(name: str, args: dict) -> list:
    """The column form called in Python on the same cells (what the server computes)."""
    got = getattr(functions, name)(**args)
    return [row[0] for row in got] if isinstance(got, list) else [got]


def test_per_row_and_column_give_the_same_cells_through_the_client_code(page):
    browser, _ = page
    registry, args = spoiled()
    specs = load_arguments(browser, args, TABLE_ARGS)
    expected = expected_columns(sample_registry(N, seed=5))
    for name, spec in specs.items():
        rows = cell_values(calculated_column(browser, name, spec, N, "rows"), "rows")
        batches = browser.evaluate("fitnBatch.batches.slice(-1)")
        copies = cell_values(calculated_column(browser, name, spec, N, "rows", copies=True), "rows")
        copied_batch = browser.evaluate("fitnBatch.batches.slice(-1)")
        column = cell_values(calculated_column(browser, name, spec, N, "column"), "column")
        assert rows == column == copies, name
        assert rows == python_column(name, args[name]), name
        tables = sum(1 for a in spec if a and "table" in a)
        # one request for the whole calculated column, each table once (copies recognised by their cells)
        assert batches == [{"calls": N, "groups": 1, "ranges": tables, "cells": batches[0]["cells"]}], name
        assert copied_batch[0]["ranges"] == tables
        spoiled_dossiers = {registry.expenses[1].dossier_id, registry.scores[2].dossier_id}
        untouched = [i for i, a in enumerate(registry.applications)
                     if i not in (4, 6, 9, 11) and a.dossier_id not in spoiled_dossiers]
        bad = {i for i, v in enumerate(rows) if isinstance(v, str) and v.startswith("Erreur : ")}
        assert not bad & set(untouched), name  # a bad cell spoils its own row only
        assert [rows[i] for i in untouched] == [expected[name][i] for i in untouched], name
    messages = {name: python_column(name, args[name]) for name in ("fitn_montant_propose", "fitn_note")}
    assert any("Erreur : Population : « beaucoup »" in str(v) for v in messages["fitn_montant_propose"])
    assert any("tableau « Depenses », ligne 3, colonne « Montant (€) »" in str(v)
               for v in messages["fitn_montant_propose"])
    assert any("tableau « Notation », ligne 4, colonne « Critère 2 »" in str(v) for v in messages["fitn_note"])


def test_one_recalculation_mixing_functions_and_forms_is_one_request(page):
    """Per-row columns of two functions, a column-form call and a call whose row argument is a range (a spill,
    evaluated alone), all in one tick: one request, each answer that of the call alone."""
    browser, _ = page
    _, args = spoiled()
    specs = load_arguments(browser, args, TABLE_ARGS)
    alone = {}
    for name in ("fitn_depenses_exclues", "fitn_note", "fitn_forfait"):
        alone[name, "rows"] = calculated_column(browser, name, specs[name], N, "rows")["results"]
        alone[name, "column"] = calculated_column(browser, name, specs[name], N, "column")["results"]
    spill = [{"table": specs["fitn_forfait"][0]["row"]}] + specs["fitn_forfait"][1:]  # a whole column in one row
    alone["spill"] = calculated_column(browser, "fitn_forfait", spill, 2, "rows")["results"]
    entries = [
        f"{{id: 'FITN_DEPENSES_EXCLUES', lists: fitnExcel.build({json.dumps(specs['fitn_depenses_exclues'])}, {N}, "
        "'rows')}",
        f"{{id: 'FITN_NOTE', lists: fitnExcel.build({json.dumps(specs['fitn_note'])}, {N}, 'rows')}}",
        f"{{id: 'FITN_FORFAIT', lists: fitnExcel.build({json.dumps(specs['fitn_forfait'])}, {N}, 'column')}}",
        f"{{id: 'FITN_FORFAIT', lists: fitnExcel.build({json.dumps(spill)}, 2, 'rows')}}",
    ]
    before = len(browser.evaluate("fitnBatch.batches"))
    together = browser.evaluate(f"fitnExcel.invokeTogether([{', '.join(entries)}])")
    batches = browser.evaluate("fitnBatch.batches")
    assert len(batches) == before + 1 or len(batches) == 20  # one request (the history keeps 20)
    assert batches[-1]["calls"] == 2 * N + 1 + 2
    assert [run["results"] for run in together] == [
        alone["fitn_depenses_exclues", "rows"], alone["fitn_note", "rows"], alone["fitn_forfait", "column"],
        alone["spill"]]
    assert len(alone["spill"][0]["value"]) == N  # the spill of one row is the whole column


def test_ranges_alike_in_the_rows_the_client_samples_are_still_told_apart(page):
    """Two « Depenses » of the same size, equal in their first, middle and last rows (what the client's fingerprint
    looks at) but not in their second: two per-row columns in one recalculation each get their own table."""
    browser, _ = page
    _, args = spoiled()
    first = dict(args["fitn_depenses_exclues"])
    other = dict(args["fitn_cout_eligible"])
    depenses = [list(row) for row in first["depenses"]]
    assert len(depenses) > 4
    depenses[1][5] = depenses[1][5] + 1000  # row 1: neither 0, n // 2 nor n - 1
    other["depenses"] = depenses
    specs = load_arguments(browser, {"fitn_depenses_exclues": first, "fitn_cout_eligible": other}, TABLE_ARGS)
    entries = [f"{{id: '{name.upper()}', lists: fitnExcel.build({json.dumps(specs[name])}, {N}, 'rows', {copies})}}"
               for name in ("fitn_depenses_exclues", "fitn_cout_eligible") for copies in ("false", "true")]
    together = browser.evaluate(f"fitnExcel.invokeTogether([{', '.join(entries)}])")
    (batch,) = browser.evaluate("fitnBatch.batches.slice(-1)")
    assert batch["calls"] == 4 * N and batch["ranges"] == 3  # the two Depenses and one Exclusions
    runs = [cell_values(run, "rows") for run in together]
    assert runs[0] == runs[1] == python_column("fitn_depenses_exclues", first)
    assert runs[2] == runs[3] == python_column("fitn_cout_eligible", other)
    assert runs[2] != python_column("fitn_cout_eligible", {**other, "depenses": first["depenses"]})


def test_a_bad_table_gives_its_error_on_every_row(page):
    browser, _ = page
    _, args = spoiled()
    forfait = dict(args["fitn_forfait"])
    forfait["forfaits"] = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
                           ["3a", "Commune", 5000, 100, 5000]]
    spec = load_arguments(browser, {"fitn_forfait": forfait}, TABLE_ARGS)["fitn_forfait"]
    rows = cell_values(calculated_column(browser, "fitn_forfait", spec, N, "rows"), "rows")
    column = cell_values(calculated_column(browser, "fitn_forfait", spec, N, "column"), "column")
    message = "Erreur : tableau « Forfaits », ligne 2, colonne « Population max » : inférieure à la population min"
    assert column == [message] and rows == [message] * N


def test_a_refused_request_shows_its_reason_in_every_cell(tmp_path):
    """Behind token authentication, without the token: each invocation of the batch fails with the server's
    French reason, as Excel shows an error value with its message."""
    tokens = tmp_path / "jetons.txt"
    tokens.write_text(f"alice:{TOKEN}\n", encoding="utf-8")
    server = Server(tmp_path, "--jetons", str(tokens))
    try:
        with Chromium(tmp_path / "profil") as browser:
            open_taskpane(browser, server.url)
            _, args = spoiled()
            spec = load_arguments(browser, {"fitn_forfait": args["fitn_forfait"]}, TABLE_ARGS)["fitn_forfait"]
            refused = calculated_column(browser, "fitn_forfait", spec, 5, "rows")["results"]
            assert refused == [{"error": "Jeton d'accès absent ou invalide (fitn-xl serve).",
                                "code": "#VALUE!"}] * 5
            browser.evaluate(f"localStorage.setItem('fitn-xl-jeton', {json.dumps(TOKEN)}), true")
            allowed = cell_values(calculated_column(browser, "fitn_forfait", spec, 5, "rows"), "rows")
            assert allowed == python_column("fitn_forfait", args["fitn_forfait"])[:5]
    finally:
        server.stop()


def test_unreadable_batches_get_a_french_400(page):
    _, server = page
    import xlwings

    base = {"client": "Office.js", "version": xlwings.__version__, "runtime": "1.4"}
    status, body = server.request("/xlwings/custom-functions-call", {**base, "tables": [], "groups": []})
    assert status == 400
    assert json.loads(body)["detail"] == ("Lot d'appels de fonctions FITN illisible : « groups » (liste non vide) "
                                          "et « tables » (liste) attendus.")
    group = {"func_name": "fitn_forfait", "rows": 2, "args": [{"cells": ["3a"]}]}
    status, body = server.request("/xlwings/custom-functions-call", {**base, "groups": [group]})
    assert status == 400 and "un argument « cells » a une valeur par ligne du groupe" in json.loads(body)["detail"]
    status, body = server.request("/xlwings/custom-functions-call", {**base, "groups": [
        {"func_name": "fitn_inconnue", "rows": 1, "args": []},
        {"func_name": "fitn_forfait", "rows": 1, "args": [{"cells": ["3a"]}, {"cells": ["Commune"]},
                                                          {"cells": [100]}, {"cells": [None]}]}]})
    assert status == 200
    unknown, forfait = json.loads(body)["result"]
    assert unknown == {"each": {"error": "Appel de fonction FITN illisible : la fonction « fitn_inconnue » n'existe "
                                         "pas dans le complément."}}
    assert forfait == {"rows": [{"result": [[""]]}]}  # no Forfaits table: no forfait
    assert "Traceback" not in server.read_log()


def test_a_page_error_is_reported(page):
    browser, _ = page
    with pytest.raises(PageError):
        browser.evaluate("fitnExcel.invoke('FITN_INCONNUE', [[]])")
