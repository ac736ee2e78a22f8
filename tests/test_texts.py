"""Texts a user reads about the registry: French elision of month names, no internal table names, no doubled
punctuation, the Lisez-moi counting the dashboard's charts right."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import openpyxl

from fitn_xl import app, schema
from fitn_xl.app import Clock
from fitn_xl.ditp.listing import Month
from fitn_xl.workbook.read import load_registry, table_label

NOW = datetime(2021, 12, 31, 12)


def test_month_names_are_elided_as_french_writes_them():
    assert [Month(2021, m).of_label for m in (4, 5, 8, 10)] == [
        "d'avril 2021", "de mai 2021", "d'août 2021", "d'octobre 2021"]


def test_the_ditp_report_says_d_avril(registry_file, tmp_path):
    app.recalc(registry_file, clock=Clock(NOW))
    result = app.ditp(registry_file, "2021-10", tmp_path / "out", clock=Clock(NOW))
    assert result.status == 0, result.text()
    assert "Liste d'octobre 2021 : " in result.text() and "de octobre" not in result.text()


def test_a_journal_that_cannot_be_written_is_said_once_punctuated(registry_file, tmp_path):
    app.recalc(registry_file, clock=Clock(NOW))
    lock = registry_file.with_name(f".~lock.{registry_file.name}#")
    lock.write_text("autre poste")
    result = app.letters(registry_file, tmp_path / "courriers", clock=Clock(NOW))
    text = result.text()
    assert "Journal" in text and "verrou est périmé)." in text
    assert ".)" not in text and ".." not in text


def test_a_missing_table_is_named_in_french_not_by_its_excel_name(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_EXPENSES]
    del ws.tables[schema.EXPENSES.name]
    ws.delete_rows(1)  # its header row gone
    wb.save(registry_file)
    issues = [i for i in load_registry(registry_file).issues if i.sheet == schema.SHEET_EXPENSES and i.blocking]
    assert [str(i) for i in issues] == [
        "Feuille « Dépenses » : le tableau des dépenses est introuvable (en-tête « N° dossier » absent)"]
    assert table_label(schema.PARAMETERS) == "le tableau des paramètres"
    assert all("Depenses" not in str(i) and "Parametres" not in str(i) for i in issues)


def test_the_readme_sheet_counts_the_dashboard_charts(registry_file):
    with zipfile.ZipFile(registry_file) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_README]
    line = next(row[1].value for row in ws.iter_rows() if row[0].value == schema.SHEET_DASHBOARD)
    words = {2: "deux", 3: "trois", 4: "quatre"}
    assert f"{words[len(charts)]} graphiques" in line


def test_tables_grown_by_recalc_are_named_by_their_sheets(registry_file):
    """Rows typed just below a table: recalc takes them in and says which sheets, as the user sees them
    (« Dépenses »), never the Excel table names (« Depenses »)."""
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_EXPENSES]
    row = ws.tables[schema.EXPENSES.name].ref.split(":")[1]
    below = int("".join(ch for ch in row if ch.isdigit())) + 1
    headers = [c.value for c in ws[1]]
    for header, value in {schema.DOSSIER_ID: "63-001", "Libellé": "Audit complémentaire",
                          "Catégorie": "Prestation d'accompagnement ou de conseil", "Montant (€)": 500}.items():
        ws.cell(below, headers.index(header) + 1, value)
    wb.save(registry_file)
    result = app.recalc(registry_file, clock=Clock(NOW))
    line = next(line.text for line in result.lines if "Tableaux agrandis" in line.text)
    assert line.endswith(f"feuille(s) : « {schema.SHEET_EXPENSES} »") and schema.EXPENSES.name not in line


def test_the_readme_sheet_describes_every_sheet_a_user_sees(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    described = [row[0].value for row in wb[schema.SHEET_README].iter_rows() if row[0].value and row[1].value]
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title != schema.SHEET_README]
    assert [s for s in visible if s not in described] == []
    order = [s for s in described if s in visible]
    assert order == visible  # in the order of the tabs


def test_the_readme_sheet_states_each_default_parameter_as_french_writes_it(registry_file):
    """« Seuil de population » read « 100000 », a share « 10 % » came from a float: each default is written with
    French grouping and signs, the same text as the rule messages."""
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_README]
    lines = {row[0].value: row[1].value for row in ws.iter_rows() if row[1].value and "— source :" in row[1].value}
    shown = {label: text.split(" — source :")[0] for label, text in lines.items()}
    assert shown["Seuil de population"] == "100\u202f000"
    assert shown["Enveloppe départementale (€)"] == "297\u202f000\u00a0€"
    assert shown["Seuil licences hors UE"] == "10\u00a0%"
    assert shown["Échéance des résultats"] == "31/12/2022"
    ungrouped = [v for v in shown.values() if re.search(r"\d{4}", v) and not re.fullmatch(r"\d\d/\d\d/\d{4}", v)]
    assert ungrouped == []  # no « 100000 »
