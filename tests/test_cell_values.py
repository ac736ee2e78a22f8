"""What people type, paste or get from a broken formula, on real files (issue 14): every value is read right, or
reported with its sheet, row and column — Excel errors, formulas saved without value, date-times, control
characters, blank rows inside parameter tables, implausible years."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pytest
from conftest import edit_cells, header_column, sample_registry

from fitn_xl import app, schema
from fitn_xl.book.build import build_registry
from fitn_xl.core import compute
from fitn_xl.formulas import functions as f
from fitn_xl.formulas import ranges
from fitn_xl.values import (
    COM_ERRORS,
    EXCEL_ERRORS,
    CellError,
    ExcelError,
    Uncomputed,
    check_value,
    client_value,
    parse_date,
)
from fitn_xl.workbook.read import load_registry, open_workbook

C, E, P = schema.SHEET_APPLICATIONS, schema.SHEET_EXPENSES, schema.SHEET_PARAMETERS
ISSUE_CODES = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
               "#GETTING_DATA")
CLOCK = app.Clock(datetime(2021, 12, 31, 12, 0))


def put_error(ws, row: int, col: int, code: str) -> None:
    """An error cell, as Excel saves one (t="e")."""
    cell = ws.cell(row, col)
    cell.value = code
    cell.data_type = "e"


def places(loaded) -> dict[tuple[str, int | None, str | None], str]:
    return {(i.sheet, i.row, i.column): i.message for i in loaded.issues}


# --- Excel errors and formulas without value -----------------------------------------------------------------


@pytest.mark.parametrize("code", ISSUE_CODES)
def test_an_excel_error_is_an_error_naming_its_cell_in_every_kind_of_column(registry_file, code):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[C]
    for row, header in ((2, "Population"), (3, "Part collectivités (€)"), (4, "Collectivité"), (5, "Mesure"),
                        (6, "Date de fin prévue")):
        put_error(ws, row, header_column(ws, header), code)
    put_error(wb[P], 2, 17, code)  # Q2: « Catégorie exclue », the only row of « Exclusions »
    put_error(wb[P], 3, 7, code)  # G3: « Population min » of the second forfait
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    got = places(loaded)
    assert set(got) == {(C, 2, "Population"), (C, 3, "Part collectivités (€)"), (C, 4, "Collectivité"),
                        (C, 5, "Mesure"), (C, 6, "Date de fin prévue"), (P, 2, "Catégorie exclue"),
                        (P, 3, "Population min")}
    for message in got.values():
        assert message.startswith(f"« {code} » : valeur d'erreur Excel ({EXCEL_ERRORS[code]}), pas une donnée")
    # the rest of the sheet is read as before, even when calamine refuses the error (#SPILL!, #CALC!…)
    assert [a.received_on for a in loaded.registry.applications] == [date(2021, 3, 15)] * 5
    assert loaded.registry.applications[0].applicant == "Commune de Volvic"
    assert all(i.blocking for i in loaded.issues if i.sheet == P)
    assert {i.dossier_id for i in loaded.issues if i.sheet == C} == {"63-001", "63-002", "63-003", "63-004",
                                                                       "63-005"}


@pytest.mark.parametrize(("shown", "code"), [("#VALEUR!", "#VALUE!"), ("#NOM?", "#NAME?"), ("#NOMBRE!", "#NUM!"),
                                           ("#NUL!", "#NULL!"), ("#PROPAGATION!", "#SPILL!"), ("#EPARS!", "#SPILL!"),
                                           ("#CHAMP!", "#FIELD!"), ("#n/a", "#N/A")])
def test_an_error_under_its_french_name_is_that_error(shown, code):
    """As a French Excel shows it (a cell's text, an Office.js error value's basicValue, an export written by
    hand): the error it names, in a function's cell as in check."""
    with pytest.raises(CellError, match=f"^« {re.escape(code)} » : valeur d'erreur Excel"):
        check_value(shown)
    assert client_value({"type": "Error", "basicValue": shown}) == ExcelError(code)
    assert f.fitn_forfait("3a", "Commune", shown, None).startswith(f"Erreur : Population : « {code} » : valeur")


def test_the_issue_cases_are_named_by_check_and_no_amount_moves_silently(registry_file, capsys):
    """#REF! in Population (forfait 5 000 → 8 000 €), #N/A in « Part collectivités » (3d cap), #N/A in an
    Exclusions category, #REF! in a Forfaits bound: `check` exits 1 naming each cell."""
    wb = openpyxl.load_workbook(registry_file)
    put_error(wb[C], 2, header_column(wb[C], "Population"), "#REF!")
    put_error(wb[C], 6, header_column(wb[C], "Part collectivités (€)"), "#N/A")
    put_error(wb[P], 2, 17, "#N/A")
    put_error(wb[P], 2, 8, "#REF!")  # H2: « Population max » of « 3a Commune 0–4 999 → 5 000 € »
    wb.save(registry_file)
    result = app.check(registry_file, clock=CLOCK)
    assert result.status == 1
    text = result.text()
    for where in ("Feuille « Candidatures », ligne 2, colonne « Population » : « #REF! »",
                  "Feuille « Candidatures », ligne 6, colonne « Part collectivités (€) » : « #N/A »",
                  "Feuille « Paramètres », ligne 2, colonne « Catégorie exclue » : « #N/A »",
                  "Feuille « Paramètres », ligne 2, colonne « Population max » : « #REF! »"):
        assert where in text
    # the dossiers whose cells are unreadable are left out of every document, and the jobs refuse bad parameters
    assert {"63-001", "63-005"} <= result.loaded.dossiers_with_errors
    assert result.loaded.blocking
    # no rule is made of a half-read forfait row: 3a Commune rows left are the 5 000+ one only
    rules = [r for r in result.loaded.registry.parameters.forfaits if r.applicant_type == "Commune"]
    assert [(r.population_min, r.population_max, r.amount) for r in rules] == [(5000, None, D(10000))]
    # recalc writes what it did: the forfait row left out (no forfait), not « the default values » (5 000 €)
    edit_cells(registry_file, C, {(4, "Population"): 4000})  # 63-003, 3a Commune: under the half-read row
    assert app.recalc(registry_file, clock=CLOCK).status == 1
    ws = openpyxl.load_workbook(registry_file)[C]
    col = {c.value: c.column for c in ws[1]}
    assert (ws.cell(4, col["Mesure"]).value, ws.cell(4, col["Type de candidat"]).value) == ("3a", "Commune")
    forfait, alerts = (ws.cell(4, col[h]).value for h in ("Forfait (€)", "Alertes"))
    assert forfait is None
    assert alerts.startswith("Paramètres en erreur : 2 (voir fitn-xl check) — calcul provisoire : un paramètre "
                             "illisible prend sa valeur par défaut, une ligne de tableau en erreur est ignorée")


def test_a_formula_saved_without_its_value_is_an_error(registry_file):
    # openpyxl writes formulas without computed value, as any program that does not calculate
    edit_cells(registry_file, C, {(2, "Coût global (€)"): "=S3*2", (3, "Collectivité"): "=CONCAT(\"a\";\"b\")"})
    got = places(load_registry(registry_file))
    assert got[(C, 2, "Coût global (€)")].startswith("« =S3*2 » : formule sans valeur calculée")
    assert got[(C, 3, "Collectivité")].startswith("« =CONCAT(\"a\";\"b\") » : formule sans valeur calculée")


def test_formulas_with_their_value_read_as_their_value(tmp_path):
    """What Excel and LibreOffice save: the formula and its last value (also a cached error, also an empty
    string result); a shared formula's copies; prefixed tags (x:c) as some generators write them."""
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.save(path)
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>IF(1,"","x")</f><v></v></c>'
             '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" t="str"><f>"a"</f><v>a</v></c></row>'
             '<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">A1*2</f><v>4</v></c></row>'
             '<row r="3"><c r="A3"><f t="shared" si="0"/></c><c r="C3" t="e"><v>#SPILL!</v></c></row>'
             '</sheetData></worksheet>')
    _replace_part(path, "xl/worksheets/sheet1.xml", sheet.encode())
    values = open_workbook(path).sheet_values("S")
    assert values[0][:4] == [2.0, "", ExcelError("#DIV/0!"), "a"]
    assert values[1][0] == 4.0
    assert values[2][0] == Uncomputed("")  # a copy of a shared formula, never calculated
    assert values[2][2] == ExcelError("#SPILL!")


def _replace_part(path, part: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in members.items():
            out.writestr(name, content)


# --- control characters ---------------------------------------------------------------------------------------


def test_a_vertical_tab_is_reported_by_check_and_keeps_its_dossier_out_of_the_ditp_list(tmp_path):
    from test_ditp_support import app as laureate
    from test_ditp_support import make_registry

    path = make_registry(tmp_path / "r.xlsx", [laureate(1), laureate(2)])
    # a Word line break pasted into Excel: a vertical tab, saved as its OOXML escape
    edit_cells(path, C, {(3, "Collectivité"): "Commune_x000B_de Saint-Ours"})
    check = app.check(path, clock=CLOCK)
    assert check.status == 1
    assert ("Feuille « Candidatures », ligne 3, colonne « Collectivité » : « Commune\u240bde Saint-Ours » contient un "
            "caractère invisible (tabulation verticale U+000B") in check.text()
    result = app.ditp(path, "2021-06", tmp_path / "out", clock=CLOCK)
    text = result.text()
    assert "IllegalCharacter" not in text and "Traceback" not in text
    assert "Dossier 2021-002 écarté de la liste (erreurs de saisie)" in text and "U+000B" in text
    assert "1 lauréat," in text
    ws = openpyxl.load_workbook(tmp_path / "out" / "liste-ditp_63_2021-06.xlsx")["Lauréats"]
    assert [ws.cell(r, 2).value for r in range(2, ws.max_row)] == ["2021-001"]


@pytest.mark.parametrize("text", ["a\x0bb", "\x01", "x\x0c", "y\x7f", "z\x85", "\ufffe"])
def test_control_characters_are_errors_but_tabs_and_line_breaks_are_text(text):
    with pytest.raises(CellError, match="contient un caractère invisible"):
        check_value(text)
    for fine in ("a\tb", "ligne 1\nligne 2", "a\r\nb", "Saint-Étienne — « ok »"):
        check_value(fine)


def test_a_value_spoiled_by_a_zero_width_character_shows_it_in_its_message(registry_file):
    """« 3a » followed by a zero-width space (pasted from a web page) is no measure: the message shows why, instead
    of « « 3a » n'est pas une valeur de la liste (3a, …) »."""
    edit_cells(registry_file, C, {(2, "Mesure"): "3a\u200b", (3, "Coût global (€)"): "\ufeff10 000"})
    got = places(load_registry(registry_file))
    assert got[(C, 2, "Mesure")].startswith("« 3a⟨U+200B⟩ » n'est pas une valeur de la liste")
    assert got[(C, 3, "Coût global (€)")] == "« ⟨U+FEFF⟩10 000 » n'est pas un montant"


def test_a_control_character_in_an_extra_parameter_row_blocks(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[P]
    last = max(r for r in range(1, 40) if ws.cell(r, 1).value)
    ws.cell(last + 1, 1).value = "Modalités de versement"
    ws.cell(last + 1, 2).value = "80 % à la signature_x000C_20 % au solde"
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    (issue,) = loaded.issues
    assert (issue.sheet, issue.row, issue.column, issue.blocking) == (P, last + 1, "Valeur", True)
    assert issue.message.startswith("Modalités de versement : « 80 % à la signature\u240c20 % au solde »")
    assert "Modalités de versement" not in loaded.registry.parameters.extra


# --- parameter tables read whole ------------------------------------------------------------------------------


def _insert_blank_row(ws, first_col: int, last_col: int, before: int) -> None:
    """Move the cells of columns first_col..last_col from row `before` down by one, leaving that row empty."""
    last = max(r for r in range(1, 60) if any(ws.cell(r, c).value is not None for c in range(first_col,
                                                                                              last_col + 1)))
    for r in range(last, before - 1, -1):
        for c in range(first_col, last_col + 1):
            ws.cell(r + 1, c).value = ws.cell(r, c).value
            ws.cell(r + 1, c).number_format = ws.cell(r, c).number_format
    for c in range(first_col, last_col + 1):
        ws.cell(before, c).value = None


def test_a_blank_row_inside_a_parameter_table_is_skipped_and_noted_never_the_end(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[P]
    _insert_blank_row(ws, 5, 9, 5)  # Forfaits (E:I): 3a Département and below one row down
    _insert_blank_row(ws, 11, 15, 8)  # Grille (K:O): 3b n°3 and below
    ws.cell(3, 17).value = "Autre matériel"  # a second exclusion…
    _insert_blank_row(ws, 17, 17, 3)  # …below a blank row
    _insert_blank_row(ws, 1, 2, 6)  # Parametres (A:B): « Enveloppe départementale » and below
    for t in ws.tables.values():  # the tables grow, as Excel grows them when a row is inserted
        r0, r1 = t.ref.split(":")
        t.ref = f"{r0}:{r1.rstrip('0123456789')}{int(r1.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')) + 1}"
    wb.save(registry_file)
    result = app.check(registry_file, clock=CLOCK)
    loaded = result.loaded
    assert loaded.issues == []  # no « paramètre absent », no lost grid
    assert result.status == 0
    notes = {(n.sheet, n.row): n.message for n in loaded.notes}
    tail = ", ignorée (les lignes suivantes sont lues)"
    assert notes == {(P, 5): f"ligne vide dans le tableau des forfaits{tail}",
                     (P, 8): f"ligne vide dans le tableau de la grille de notation{tail}",
                     (P, 3): f"ligne vide dans le tableau des catégories exclues{tail}",
                     (P, 6): f"ligne vide dans le tableau des paramètres{tail}"}
    assert "Remarque : Feuille « Paramètres », ligne 5 : ligne vide dans le tableau des forfaits" in result.text()
    expected = sample_registry().parameters
    params = loaded.registry.parameters
    assert params.forfaits == expected.forfaits
    assert params.grid == expected.grid
    assert params.excluded_categories == expected.excluded_categories | {"Autre matériel"}
    assert (params.envelope, params.ditp_address) == (expected.envelope, expected.ditp_address)
    assert {n["row"] for n in result.document()["notes"]} == {3, 5, 6, 8}  # `check --json`


def test_grid_errors_name_the_right_column(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[P]
    ws.cell(2, 14).value = -1  # N2: Pondération of 3a n°1
    ws.cell(3, 15).value = 0  # O3: Note maximale of 3a n°2
    wb.save(registry_file)
    got = places(load_registry(registry_file))
    assert got == {(P, 2, "Pondération"): "la pondération ne peut pas être négative",
                   (P, 3, "Note maximale"): "la note maximale doit être positive"}
    # the FITN functions name the same column as the reader
    header = list(schema.GRID.headers)
    for row, message in ((["3a", 1, "Impact", -1, 5], "colonne « Pondération » : la pondération ne peut pas être "
                                                       "négative"),
                         (["3a", 1, "Impact", 1, 0], "colonne « Note maximale » : la note maximale doit être positive"),
                         (["3a", 7, "Impact", 1, 5], "colonne « N° » : le numéro de critère doit aller de 1 à 5")):
        assert f.fitn_note("63-001", "3a", None, [header, row]) == f"Erreur : tableau « Grille », ligne 2, {message}"


# --- dates ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "year"), [("31/12/0022", "0022"), ("01/01/0000", "0000"), ("31/12/2202", "2202"),
                                              ("1999-12-31", "1999"), (datetime(1900, 1, 1), "1900"),
                                              (date(2999, 1, 1), "2999"),
                                              ("31/12/99", "1999"), ("01-01-30", "1930")])  # as Excel reads them
def test_an_implausible_year_is_an_error_not_another_year(typed, year):
    with pytest.raises(CellError, match=f"année {year} invraisemblable \\(attendue entre 2000 et 2100\\)"):
        parse_date(typed)


@pytest.mark.parametrize(("typed", "expected"), [
    (44742.604, date(2022, 6, 30)),  # a date-time as Office.js passes it: its date
    (datetime(2022, 6, 30, 14, 30), date(2022, 6, 30)),
    ("30/06/2022 14:30", date(2022, 6, 30)),
    ("2022-06-30T14:30:00", date(2022, 6, 30)),
    ("31/12/22", date(2022, 12, 31)),
    ("31/12/29 08:00", date(2029, 12, 31)),
    ({"type": "FormattedNumber", "basicValue": 44742.604, "numberFormat": "dd/mm/yyyy hh:mm"}, date(2022, 6, 30)),
])
def test_a_date_time_is_its_date(typed, expected):
    assert parse_date(client_value(typed)) == expected


def test_dates_in_a_registry_with_an_implausible_year_are_located(registry_file):
    edit_cells(registry_file, C, {(2, "Date de fin prévue"): "31/12/0022", (3, "Date de réception"):
                                  datetime(1900, 3, 1, 9, 30)})
    got = places(load_registry(registry_file))
    assert got[(C, 2, "Date de fin prévue")] == ("« 31/12/0022 » : année 0022 invraisemblable (attendue entre 2000 et "
                                                 "2100)")
    assert got[(C, 3, "Date de réception")].startswith("« 01/03/1900 » : année 1900 invraisemblable")


# --- the add-in: classic xlwings (COM) and Office.js ----------------------------------------------------------

FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
            ["3a", "Commune", 0, 4999, 5000], ["3a", "Commune", 5000, None, 10000]]
ELIGIBLE = dict(mesure="3a", type_candidat="Commune", financee_collectivites="", engagement="Oui",
                transformation="Oui", date_fin=date(2022, 6, 30), cout_global=8000, demande=6000)


def test_office_js_date_times_are_dates_and_error_cells_are_errors_in_the_functions():
    assert f.fitn_eligible(**{**ELIGIBLE, "date_fin": 44742.604}) == "Oui"
    shown = f.fitn_motifs(**{**ELIGIBLE, "date_fin": 45108.75})  # 01/07/2023 18:00
    assert shown == "Échéance : fin prévue le 01/07/2023, après le 31/12/2022"
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    got = f.fitn_eligible(**{**ELIGIBLE, "cout_global": na})
    assert got.startswith("Erreur : Coût global (€) : « #N/A » : valeur d'erreur Excel")
    assert "nul ou non renseigné" not in got
    got = f.fitn_montant_propose("3d", "Structure pilote d'un laboratoire d'innovation territoriale", None, "", "Oui",
                                 "Oui", 44742.604, 90000, 60000, {"type": "Error", "errorType": "NotAvailable"},
                                 FORFAITS)
    assert got.startswith("Erreur : Part collectivités (€) : « #N/A »")
    # classic xlwings hands error cells over as COM error codes
    ref = next(k for k, v in COM_ERRORS.items() if v == "#REF!")
    assert f.fitn_forfait("3a", "Commune", ref, FORFAITS).startswith("Erreur : Population : « #REF! »")
    spill = next(k for k, v in COM_ERRORS.items() if v == "#SPILL!")
    assert client_value(spill) == ExcelError("#SPILL!")


def test_an_error_cell_in_a_table_range_names_the_table_row_and_column():
    forfaits = [row[:] for row in FORFAITS]
    forfaits[2][2] = {"type": "Error", "basicValue": "#REF!", "errorType": "Ref"}
    got = f.fitn_forfait("3a", "Commune", 6000, forfaits)
    assert got.startswith("Erreur : tableau « Forfaits », ligne 3, colonne « Population min » : « #REF! »")
    exclusions = [["Catégorie exclue"], ["#N/A"]]  # as xlwings gives an error cell's text
    assert f.fitn_depenses_exclues("D1", [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur",
                                           "Pays de l'éditeur", "Montant (€)"]], exclusions).startswith(
        "Erreur : tableau « Exclusions », ligne 2, colonne « Catégorie exclue » : « #N/A »")


def test_a_blank_row_in_a_table_range_is_skipped():
    with_blank = [FORFAITS[0], FORFAITS[1], [None, "", None, None, ""], FORFAITS[2]]
    assert ranges.forfait_rules(with_blank) == ranges.forfait_rules(FORFAITS)
    assert f.fitn_forfait("3a", "Commune", 6000, with_blank) == 10000


# --- countries --------------------------------------------------------------------------------------------------

EU_TERRITORIES = {"Guadeloupe": "GP", "Martinique": "MQ", "Guyane": "GF", "Guyane française": "GF",
                  "La Réunion": "RE", "Mayotte": "YT", "Saint-Martin": "MF", "Îles Canaries": "IC",
                  "Canaries": "IC", "Ceuta et Melilla": "EA", "Îles Åland": "AX", "Açores": "PT", "Madère": "PT"}
OUTSIDE = {"Royaume-Uni": "GB", "Suisse": "CH", "Norvège": "NO", "Islande": "IS", "Liechtenstein": "LI",
           "États-Unis": "US", "Nouvelle-Calédonie": "NC", "Polynésie française": "PF", "Saint-Barthélemy": "BL",
           "Saint-Pierre-et-Miquelon": "PM", "Groenland": "GL", "Monaco": "MC", "Andorre": "AD"}


def test_licences_from_eu_territories_are_not_extra_eu_through_the_reader_and_the_functions(tmp_path):
    """Each outermost region and EU territory, and the neighbours outside: one dossier per country with a licence
    line of 1 000 € from a publisher there, read from a real registry and computed."""
    from fitn_xl.core import Application, Expense, Registry, parameters_for

    countries = {**EU_TERRITORIES, **OUTSIDE}
    params = parameters_for("971", "Guadeloupe", reference_date=date(2021, 12, 31))
    apps, lines = [], []
    for i in range(1, len(countries) + 1):
        apps.append(Application(f"971-{i:03d}", date(2021, 3, 1), "3c", f"Commune {i}", "Commune", population=8000,
                                decision_commitment=True, digital_transformation=True, planned_end=date(2022, 6, 30),
                                total_cost=D(1000), requested=D(800), title="Projet", status="Reçu"))
        lines.append(Expense(f"971-{i:03d}", "Licence", schema.LICENCE, "Éditeur", "FR", D(1000)))
    path = tmp_path / "r.xlsx"
    build_registry(path, params, Registry(params, tuple(apps), tuple(lines)))
    edit_cells(path, E, {(r, "Pays de l'éditeur"): name for r, name in enumerate(countries, start=2)})
    loaded = load_registry(path)
    assert loaded.issues == []
    assert [e.publisher_country for e in loaded.registry.expenses] == list(countries.values())
    results = compute(loaded.registry, date(2021, 12, 31)).results
    depenses = [list(schema.EXPENSES.headers)] + [[e.dossier_id, e.label, e.category, e.supplier, name, 1000]
                                                  for e, name in zip(loaded.registry.expenses, countries, strict=True)]
    for i, name in enumerate(countries, start=1):
        share = results[f"971-{i:03d}"].spending.extra_eu_share
        by_function = f.fitn_part_hors_ue(f"971-{i:03d}", 1000, depenses)
        if name in EU_TERRITORIES:
            assert share == 0 and by_function == 0, name
            assert not any("hors UE" in w for w in results[f"971-{i:03d}"].warnings), name
        else:
            assert share == 1 and by_function == 1, name


@pytest.mark.parametrize(("typed", "code"), [("Royaume Uni", "GB"), ("Etats Unis", "US"), ("grande-bretagne", "GB"),
                                           ("Saint Martin", "MF"), ("ILES CANARIES", "IC"),
                                           ("Guyane  française", "GF")])
def test_a_country_is_read_whatever_its_case_accents_hyphens_and_spaces(typed, code):
    from fitn_xl.values import parse_country

    assert parse_country(typed) == code


def test_a_country_typed_but_not_understood_is_reported_once_where_it_is(tmp_path):
    """« Germany » on a licence line: « not a known country », not also « required for a licence » (it is typed)."""
    from fitn_xl.core import Application, Expense, Registry, parameters_for

    params = parameters_for("63", "Puy-de-Dôme", reference_date=date(2021, 12, 31))
    app_ = Application("63-001", date(2021, 3, 1), "3c", "Commune", "Commune", population=8000,
                       decision_commitment=True, digital_transformation=True, planned_end=date(2022, 6, 30),
                       total_cost=D(2000), requested=D(800), title="Projet", status="Reçu")
    lines = (Expense("63-001", "Licence", schema.LICENCE, "Éditeur", "DE", D(1000)),
             Expense("63-001", "Licence", schema.LICENCE, "Éditeur", "DE", D(1000)))
    path = tmp_path / "r.xlsx"
    build_registry(path, params, Registry(params, (app_,), lines))
    edit_cells(path, E, {(2, "Pays de l'éditeur"): "Germany", (3, "Pays de l'éditeur"): ""})
    issues = [(i.row, i.column, i.message) for i in load_registry(path).issues]
    assert issues == [
        (2, "Pays de l'éditeur",
         "« Germany » n'est pas un pays connu (nom français, ex. « Allemagne », ou code « DE »)"),
        (3, "Pays de l'éditeur", "obligatoire pour une licence")], issues


def test_the_drop_down_and_the_rule_come_from_the_same_curated_list(blank_registry):
    from stdnum.eu.vat import MEMBER_STATES

    from fitn_xl.core import countries, rules
    from fitn_xl.values import country_names, parse_country

    assert rules.EU_MEMBER_STATES == {c.upper() for c in MEMBER_STATES if c != "xi"}  # xi: Northern Ireland
    assert len(rules.EU_MEMBER_STATES) == 27
    assert rules.EU_CODES == rules.EU_MEMBER_STATES | {"GP", "MQ", "GF", "RE", "YT", "MF", "IC", "EA", "AX"}
    names = country_names()
    for bad in ("pseudo-accents", "pseudo-bidi", "région inconnue", "Nations Unies", "Union européenne", "zone euro",
                "Europe", "Afrique", "Monde", "régions éloignées de l’Océanie"):
        assert bad not in names
        with pytest.raises(CellError):
            parse_country(bad)
    for name in names:  # every name of the list reads back as a country of the list
        assert parse_country(name) in countries.countries()
    ws = openpyxl.load_workbook(blank_registry)["Listes"]
    col = next(c for c in range(1, 20) if ws.cell(1, c).value == "Pays")
    listed = [ws.cell(r, col).value for r in range(2, ws.max_row + 1) if ws.cell(r, col).value]
    assert listed == names
    assert {"Guadeloupe", "Açores", "Madère", "Îles Canaries", "Royaume-Uni", "Suisse"} <= set(listed)


# --- the imports ------------------------------------------------------------------------------------------------


def test_an_error_cell_in_a_ds_export_is_flagged_where_it_is_not_imported_empty(blank_registry, tmp_path):
    from ds_export import fitn_demarche, riom, volvic, write_export

    export = write_export(tmp_path / "export.xlsx", fitn_demarche(), [volvic(), riom()])
    wb = openpyxl.load_workbook(export)
    ws = wb["Dossiers"]
    col = [c.value for c in ws[1]].index("Coût global du projet") + 1
    put_error(ws, 3, col, "#N/A")  # dossier 103
    wb.save(export)
    result = app.import_files(blank_registry, [export], clock=CLOCK)
    text = result.text()
    assert result.status == 0  # the dossier is imported (issue 13), its cell flagged where it is
    loaded = load_registry(blank_registry)
    assert [a.dossier_id for a in loaded.registry.applications] == ["DS-101", "DS-103"]
    (issue,) = [i for i in loaded.issues if i.dossier_id == "DS-103"]
    assert (issue.column, issue.message.split(" : ")[0]) == ("Coût global (€)", "« #N/A »")
    assert "valeur d'erreur Excel" in issue.message and str(issue) in text
    assert loaded.registry.applications[1].total_cost is None  # never read as an empty cell…
    assert loaded.registry.applications[0].total_cost == D("10416.67")


def test_a_control_character_in_an_imported_text_is_kept_and_reported_never_dropped(blank_registry, tmp_path):
    """A vertical tab in a DS export's text (as Excel writes it, « _x000B_ »): written into the registry as Excel
    would write it, so that check names its cell; a text that only looks like an escape stays that text."""
    from ds_export import fitn_demarche, riom, volvic, write_export

    export = write_export(tmp_path / "export.xlsx", fitn_demarche(), [volvic(), riom()])
    wb = openpyxl.load_workbook(export)
    ws = wb["Dossiers"]
    ws.cell(3, [c.value for c in ws[1]].index("Intitulé du projet") + 1).value = "Projet ZZ numérique"
    wb.save(export)
    with zipfile.ZipFile(export) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(export, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data.replace(b"ZZ", b"_x000B_ et _x005F_x0041_"))
    assert app.import_files(blank_registry, [export], clock=CLOCK).status == 0
    loaded = load_registry(blank_registry)
    (issue,) = [i for i in loaded.issues if i.dossier_id == "DS-103"]
    assert (issue.sheet, issue.column) == (C, "Intitulé du projet")
    assert issue.message.startswith("« Projet ␋ et _x0041_ numérique » contient un caractère invisible (tabulation "
                                    "verticale U+000B")
    ws = openpyxl.load_workbook(blank_registry)[C]
    stored = ws.cell(issue.row, header_column(ws, "Intitulé du projet")).value  # openpyxl shows the escapes
    assert stored == "Projet _x000B_ et _x005F_x0041_ numérique"


def test_a_sheet_calamine_cannot_convert_still_reads_dates_as_dates_and_escapes_as_characters(registry_file):
    """A date cell out of any calendar (-1e11) makes calamine give up on the sheet; the fallback reads the XML:
    a date typed in an amount column is still a date (an error there), not its serial number as euros."""
    edit_cells(registry_file, C, {(2, "Date de fin prévue"): -106751991169.0, (3, "Coût global (€)"): date(2021, 6, 1),
                                  (4, "Collectivité"): "Ville_x000B_de X"})
    loaded = load_registry(registry_file)
    got = places(loaded)
    assert set(got) == {(C, 2, "Date de fin prévue"), (C, 3, "Coût global (€)"), (C, 4, "Collectivité")}
    assert got[(C, 3, "Coût global (€)")] == "« 01/06/2021 » est une date, pas un montant"
    assert "tabulation verticale" in got[(C, 4, "Collectivité")]
    assert loaded.registry.applications[4].received_on == date(2021, 3, 15)


def test_a_forfait_row_shadowed_by_an_earlier_one_with_another_amount_is_an_error(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[P]
    last = max(r for r in range(2, 40) if ws.cell(r, 5).value)
    for c, value in enumerate(("3a", "Commune", 3000, 8000, 8000), start=5):  # overlaps 0–4 999 and 5 000+
        ws.cell(last + 1, c).value = value
    wb.save(registry_file)
    got = places(load_registry(registry_file))
    assert got == {(P, last + 1, "Population min"): "populations communes avec la ligne 2 (même mesure, même type de "
                   "candidat, autre montant) : seule la première ligne s'appliquerait ; séparez les tranches de "
                   "population"}
    rows = [list(schema.FORFAITS.headers), ["3a", "Commune", 0, 4999, 5000], ["3a", "Commune", 3000, 8000, 8000]]
    with pytest.raises(ranges.RangeError, match="ligne 3, colonne « Population min » : populations communes avec la "
                                                "ligne 2"):
        ranges.forfait_rules(rows)
    assert ranges.forfait_rules(rows[:2] + [["3a", "Commune", 3000, 8000, 5000]])  # same amount: harmless


def test_an_error_cell_in_a_ditp_list_to_consolidate_is_named(tmp_path):
    from test_ditp_support import app as laureate
    from test_ditp_support import make_registry

    from fitn_xl.ditp import build_monthly_list
    from fitn_xl.ditp.xlsx import NotAListError, read_list_xlsx

    registry = make_registry(tmp_path / "r.xlsx", [laureate(1), laureate(2)])
    listing = build_monthly_list(registry, "2021-06", tmp_path / "out", today=date(2021, 7, 1))
    assert len(read_list_xlsx(listing.xlsx).rows) == 2
    wb = openpyxl.load_workbook(listing.xlsx)
    ws = wb.worksheets[0]
    col = [c.value for c in ws[1]].index("Mesure") + 1
    put_error(ws, 3, col, "#REF!")
    wb.save(listing.xlsx)
    with pytest.raises(NotAListError, match="ligne 3, colonne « Mesure » : « #REF! » : valeur d'erreur Excel"):
        read_list_xlsx(listing.xlsx)
