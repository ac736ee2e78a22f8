"""The add-in under xlwings Server's real conversions. These tests need XLWINGS_ON_SERVER=true set before the first
`import xlwings`, so they only run in the subprocess started by `test_addin_server.py` (skipped otherwise)."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from datetime import date

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("XLWINGS_ON_SERVER") != "true",
                                reason="run by test_addin_server.py in a subprocess with XLWINGS_ON_SERVER=true")

if os.environ.get("XLWINGS_ON_SERVER") == "true":
    import python_calamine
    import xlwings as xw
    import xlwings.server
    from test_addin_fixtures import expected_columns, function_arguments, sample_registry, write_sample

    from fitn_xl import schema
    from fitn_xl.addin import remote, scripts
    from fitn_xl.addin.payload import apply_actions, payload_from_xlsx
    from fitn_xl.formulas import functions


@functools.cache
def big_sample():
    """Arguments (dates as serial numbers, as Office.js sends them) and the core's results for 5 000 dossiers."""
    registry = sample_registry(5000, seed=3)
    return function_arguments(registry, serial_dates=True), expected_columns(registry)


def call(name: str, arguments: dict) -> list[list]:
    """One Office.js custom-function call (each argument a 2-D matrix), as the server receives it."""
    fn = getattr(functions, name)
    order = [a["name"] for a in fn.__xlfunc__["args"]]
    args = []
    for arg in order:
        value = arguments.get(arg)
        args.append(value if isinstance(value, list) else [[value]])
    data = {"client": "Office.js", "version": xw.__version__, "runtime": "1.4", "func_name": name, "args": args,
            "caller_address": None}
    return asyncio.run(xlwings.server.custom_functions_call(data, functions))


def test_meta_lists_every_function_with_its_french_documentation():
    meta = xlwings.server.custom_functions_meta(functions)
    by_id = {f["id"]: f for f in meta["functions"]}
    assert set(by_id) == {fn.__name__.upper() for fn in functions.FUNCTIONS}
    assert by_id["FITN_FORFAIT"]["name"] == "FORFAIT"  # FITN.FORFAIT under the manifest's namespace
    for fn in functions.FUNCTIONS:
        entry = by_id[fn.__name__.upper()]
        assert entry["description"] == " ".join(fn.__doc__.split())
        assert "\n" not in entry["description"]
        for param in entry["parameters"]:
            assert param["description"] == functions.DOC[param["name"]] or \
                param["description"].startswith(functions.DOC[param["name"]])
            assert not param["description"].startswith("Positional argument")
    optional = {p["name"] for p in by_id["FITN_MONTANT_PROPOSE"]["parameters"] if p.get("optional")}
    assert optional == {"parametres", "dossier", "depenses", "exclusions"}


@pytest.mark.parametrize("name", [
    "fitn_forfait", "fitn_depenses_exclues", "fitn_cout_eligible", "fitn_part_hors_ue", "fitn_eligible",
    "fitn_motifs", "fitn_montant_propose", "fitn_note"])
def test_one_row_and_5000_rows_through_the_server_equal_the_core(name):
    all_args, all_expected = big_sample()
    args, expected = all_args[name], all_expected[name]
    got = call(name, args)
    assert len(got) == 5000
    assert [row[0] for row in got] == expected
    tables = {"forfaits", "grille", "exclusions", "depenses", "notation", "parametres"}
    for i in (0, 1, 2, 3, 4999):
        one = {k: (v if k in tables else v[i][0]) for k, v in args.items()}
        assert call(name, one) == [[expected[i]]]


def test_error_text_goes_through_the_server():
    forfaits = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
                ["3a", "Commune", 0, 4999, 5000]]
    got = call("fitn_forfait", {"mesure": "3a", "type_candidat": "Commune", "population": "beaucoup",
                                "forfaits": forfaits})
    assert got == [["Erreur : Population : « beaucoup » n'est pas un nombre"]]


def _computed(path) -> dict:
    """Computed values of Candidatures and Notation (by row) and the dashboard, read back from the file."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    out = {}
    for table in (schema.APPLICATIONS, schema.SCORES):
        rows = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False)
        header = rows[0]
        wanted = [i for i, h in enumerate(header) if h in {c.header for c in table.computed}]
        assert wanted, table.name
        out[table.name] = [[row[i] if i < len(row) else "" for i in wanted] for row in rows[1:]]
    dash = book.get_sheet_by_name(schema.SHEET_DASHBOARD).to_python(skip_empty_area=False)
    out["dashboard"] = [row for i, row in enumerate(dash) if i != 1]  # row 2: « Mis à jour le » (time)
    return out


def test_recalculer_script_gives_the_same_values_as_fitn_xl_recalc(tmp_path):
    from fitn_xl import cli

    original = tmp_path / "registre.xlsx"
    registry = write_sample(original, 40, seed=5)
    assert any(a.status == "Lauréat" for a in registry.applications)
    by_cli, by_script = tmp_path / "cli.xlsx", tmp_path / "script.xlsx"
    shutil.copy(original, by_cli)
    shutil.copy(original, by_script)
    assert cli.main(["recalc", str(by_cli), "--force"]) == 0

    book = xw.Book(json=payload_from_xlsx(by_script))  # what the VBA client sends
    outcome = scripts.recalculate(book, today=date.today())
    assert outcome.ok, outcome.message
    actions = book.json()["actions"]
    assert {a["func"] for a in actions} == {"setValues"}
    apply_actions(by_script, actions)

    got, want = _computed(by_script), _computed(by_cli)
    assert got[schema.APPLICATIONS.name] == want[schema.APPLICATIONS.name]
    assert got[schema.SCORES.name] == want[schema.SCORES.name]
    assert got["dashboard"] == want["dashboard"]
    assert any(row[0] not in ("", None) for row in got[schema.APPLICATIONS.name])


def test_recalculer_never_writes_input_columns(tmp_path):
    path = tmp_path / "registre.xlsx"
    write_sample(path, 8)
    book = xw.Book(json=payload_from_xlsx(path))
    scripts.recalculate(book)
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        schema.SHEET_APPLICATIONS).to_python()
    header = rows[0]
    first_computed = min(header.index(h) for h in schema.COMPUTED_HEADERS if h in header)
    for action in book.json()["actions"]:
        if action["sheet_position"] == [s.name for s in book.sheets].index(schema.SHEET_APPLICATIONS):
            assert action["start_column"] >= first_computed


def test_recalculer_through_custom_scripts_call_alerts_in_french(tmp_path):
    path = tmp_path / "registre.xlsx"
    write_sample(path, 6)
    book = xw.Book(json=payload_from_xlsx(path))
    book = asyncio.run(xlwings.server.custom_scripts_call(remote, "recalculer", typehint_to_value={xw.Book: book}))
    actions = book.json()["actions"]
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1
    assert alerts[0]["args"][0].startswith("Registre recalculé\u00a0: registre.xlsx\n  6 dossier(s), ")


def test_a_book_that_is_not_a_registry_gets_a_french_message(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "autre.xlsx"
    wb = Workbook()
    wb.active["A1"] = "bonjour"
    wb.save(path)
    book = xw.Book(json=payload_from_xlsx(path))
    outcome = scripts.recalculate(book)
    assert not outcome.ok
    assert outcome.message.startswith("Erreur : La feuille « Paramètres » est absente")
    assert book.json()["actions"] == []


def test_recalculer_without_the_candidatures_listobject_equals_fitn_xl_recalc(tmp_path):
    """A « Candidatures » sheet whose table (ListObject) was lost: rows are read from the sheet's header row, as
    `fitn-xl check` and `fitn-xl recalc` read them, and the same values are written."""
    import openpyxl

    from fitn_xl import cli

    original = tmp_path / "registre.xlsx"
    write_sample(original, 12, seed=5)
    wb = openpyxl.load_workbook(original)
    del wb[schema.SHEET_APPLICATIONS].tables[schema.APPLICATIONS.name]
    wb.save(original)
    by_cli, by_script = tmp_path / "cli.xlsx", tmp_path / "script.xlsx"
    shutil.copy(original, by_cli)
    shutil.copy(original, by_script)
    assert cli.main(["recalc", str(by_cli), "--force"]) == 0

    payload = payload_from_xlsx(by_script)
    assert not next(s for s in payload["sheets"] if s["name"] == schema.SHEET_APPLICATIONS)["tables"]
    book = xw.Book(json=payload)
    outcome = scripts.recalculate(book, today=date.today())
    assert outcome.message.startswith("Registre recalculé : script.xlsx\n  12 dossier(s), "), outcome.message
    apply_actions(by_script, book.json()["actions"])
    got, want = _computed(by_script), _computed(by_cli)
    assert got[schema.APPLICATIONS.name] == want[schema.APPLICATIONS.name]
    assert any(row[0] not in ("", None) for row in got[schema.APPLICATIONS.name])


def test_recalculer_without_candidatures_headers_names_the_sheet(tmp_path):
    import openpyxl

    path = tmp_path / "registre.xlsx"
    write_sample(path, 3)
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_APPLICATIONS]
    del ws.tables[schema.APPLICATIONS.name]
    ws.delete_rows(1)  # the header row is gone
    wb.save(path)
    book = xw.Book(json=payload_from_xlsx(path))
    outcome = scripts.recalculate(book)
    assert not outcome.ok
    assert outcome.message.startswith("Erreur : le tableau « Candidatures » de la feuille "
                                      "« Candidatures » est introuvable"), outcome.message
    assert book.json()["actions"] == []


def _inconsistent_book(tmp_path):
    path = tmp_path / "registre.xlsx"
    write_sample(path, 3)
    payload = payload_from_xlsx(path)
    sheet = next(s for s in payload["sheets"] if s["name"] == schema.SHEET_APPLICATIONS)
    sheet["tables"][0]["range_address"] = "nimportequoi"  # a client payload whose table address is unreadable
    return xw.Book(json=payload)


def test_unexpected_error_detail_only_with_fitn_xl_debug(tmp_path, monkeypatch):
    monkeypatch.delenv("FITN_XL_DEBUG", raising=False)
    book = asyncio.run(xlwings.server.custom_scripts_call(remote, "recalculer",
                                                          typehint_to_value={xw.Book: _inconsistent_book(tmp_path)}))
    (alert,) = book.json()["actions"]
    assert alert["func"] == "alert" and alert["args"][3] == "critical"
    assert alert["args"][0].startswith("Recalcul\u00a0: erreur inattendue (NoSuchObjectError), le travail n'a pas "
                                       "abouti.")
    assert "nimportequoi" not in alert["args"][0] and "Détail" not in alert["args"][0]

    monkeypatch.setenv("FITN_XL_DEBUG", "1")
    book = asyncio.run(xlwings.server.custom_scripts_call(remote, "recalculer",
                                                          typehint_to_value={xw.Book: _inconsistent_book(tmp_path)}))
    (alert,) = book.json()["actions"]
    assert "Détail (FITN_XL_DEBUG)\u00a0:" in alert["args"][0] and "nimportequoi" in alert["args"][0]
    assert len(alert["args"][0]) <= scripts.MAX_ALERT


def test_a_button_runs_the_job_and_shows_the_report_the_command_line_prints(tmp_path, capsys):
    """« Générer les courriers » and `fitn-xl letters` are one job: same documents, same French report (the output
    folder aside), and the Journal rows the job added land in the open workbook."""
    from fitn_xl import cli

    path = tmp_path / "registre.xlsx"
    write_sample(path, 12, seed=7)
    by_cli = tmp_path / "cli"
    code = cli.main(["letters", str(path), "-o", str(by_cli)])
    printed = capsys.readouterr()
    book = xw.Book(json=payload_from_xlsx(path))
    by_button = tmp_path / "bouton"
    outcome = scripts.generate_letters(book, by_button)
    assert outcome.ok is (code == 0)
    assert sorted(p.name for p in outcome.files) == sorted(p.name for p in by_cli.iterdir())
    report = [line for line in (printed.out + printed.err).splitlines() if line]
    shown = outcome.message.replace(str(by_button), str(by_cli)).splitlines()
    assert sorted(shown[2:]) == sorted(report)  # after the button's two lines: files produced, Journal rows copied
    journal = [a for a in book.json()["actions"] if a["func"] == "setValues" and a["sheet_position"] ==
               [s.name for s in book.sheets].index(schema.SHEET_JOURNAL)]
    assert journal and len(journal[-1]["values"]) == len(outcome.files)


# --- what people type, through xlwings Server's real conversions (issue 14) -----------------------------------

_ELIGIBLE = dict(mesure="3a", type_candidat="Commune", financee_collectivites="", engagement="Oui",
                 transformation="Oui", date_fin="30/06/2022", cout_global=8000, demande=6000)


def test_office_js_date_times_are_dates_and_error_cells_errors_through_the_server():
    assert call("fitn_eligible", {**_ELIGIBLE, "date_fin": 44742.604}) == [["Oui"]]  # 30/06/2022 14:30
    formatted = {"type": "FormattedNumber", "basicValue": 44742.604, "numberFormat": "dd/mm/yyyy hh:mm"}
    assert call("fitn_eligible", {**_ELIGIBLE, "date_fin": formatted}) == [["Oui"]]
    assert call("fitn_motifs", {**_ELIGIBLE, "date_fin": 45108.75}) == [
        ["Échéance : fin prévue le 01/07/2023, après le 31/12/2022"]]
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    (got,), = call("fitn_eligible", {**_ELIGIBLE, "cout_global": na})
    assert got.startswith("Erreur : Coût global (€) : « #N/A » : valeur d'erreur Excel"), got
    forfaits = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
                ["3a", "Commune", {"type": "Error", "basicValue": "#REF!", "errorType": "Ref"}, 4999, 5000]]
    (got,), = call("fitn_forfait", {"mesure": "3a", "type_candidat": "Commune", "population": 100,
                                    "forfaits": forfaits})
    assert got.startswith("Erreur : tableau « Forfaits », ligne 2, colonne « Population min » : « #REF! »"), got


def test_a_book_open_in_excel_is_read_as_its_file_error_cells_and_control_characters_included(tmp_path):
    """The remote book (what the VBA client or the task pane sends: error cells as their text, control characters
    as Excel holds them) gives the reader the same problems, at the same places, as `fitn-xl check` on the file."""
    import openpyxl

    from fitn_xl.addin import bookio
    from fitn_xl.workbook.read import load_registry

    path = tmp_path / "registre.xlsx"
    write_sample(path, 6)
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_APPLICATIONS]
    headers = [c.value for c in ws[1]]
    for row, header, code in ((2, "Population", "#REF!"), (3, "Part collectivités (€)", "#N/A"),
                              (4, "Date de fin prévue", "#SPILL!")):
        cell = ws.cell(row, headers.index(header) + 1)
        cell.value, cell.data_type = code, "e"
    ws.cell(5, headers.index("Collectivité") + 1).value = "Commune_x000B_de Saint-Ours"  # a vertical tab
    ws.cell(6, headers.index("Date de réception") + 1).value = "31/12/0022"
    wb.save(path)
    expected = sorted((i.sheet, i.row, i.column, i.message) for i in load_registry(path).issues)
    assert len(expected) == 5
    got = sorted((i.sheet, i.row, i.column, i.message) for i in bookio.read_registry(
        xw.Book(json=payload_from_xlsx(path))).issues)
    assert got == expected


def test_alerts_have_french_spacing_each_client_can_show(tmp_path):
    """Office.js shows narrow no-break spaces; VBA's message box (cp1252) gets ordinary no-break spaces."""
    path = tmp_path / "registre.xlsx"
    write_sample(path, 4)
    shown = {}
    for client in ("Office.js", "VBA"):
        book = xw.Book(json=payload_from_xlsx(path, client=client))
        book = asyncio.run(xlwings.server.custom_scripts_call(remote, "recalculer",
                                                              typehint_to_value={xw.Book: book}))
        shown[client] = next(a for a in book.json()["actions"] if a["func"] == "alert")["args"][0]
    assert shown["Office.js"].startswith("Registre recalculé\u202f: ") and "\u00a0:" not in shown["Office.js"]
    assert shown["VBA"].startswith("Registre recalculé\u00a0: ") and "\u202f" not in shown["VBA"]
    shown["VBA"].encode("cp1252")
