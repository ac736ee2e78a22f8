"""The registry builder and `fitn-xl new`: sheets, tables, headers, drop-downs, formats, template, dashboard."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import header_column

from fitn_xl import schema
from fitn_xl.book import build
from fitn_xl.book.dashboard import DASHBOARD_CELLS
from fitn_xl.cli import main
from fitn_xl.core.params import default_parameters
from fitn_xl.values import country_names
from fitn_xl.workbook.build import PRINT_FOOTER, SHEET_LISTS
from fitn_xl.workbook.cells import EURO_FORMAT, department_name, departments
from fitn_xl.workbook.read import load_registry

TEMPLATE = Path(__file__).resolve().parents[1] / "workbooks" / "registre-vierge.xlsx"
FIXED_ORDER = [schema.SHEET_README, schema.SHEET_PARAMETERS, schema.SHEET_APPLICATIONS, schema.SHEET_EXPENSES,
               schema.SHEET_PROVIDERS, schema.SHEET_SCORES, schema.SHEET_REPORTS, schema.SHEET_DASHBOARD]


def structure(path: Path) -> dict:
    """What must not change between two builds: sheets, tables (name, ref, headers), validations, names."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        out[ws.title] = {
            "tables": sorted((t.name, t.ref, tuple(c.name for c in t.tableColumns)) for t in ws.tables.values()),
            "validations": sorted((str(dv.sqref), dv.type or "", dv.formula1 or "", dv.prompt or "")
                                  for dv in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
            "state": ws.sheet_state,
        }
    return out


def validation_for(ws, header: str):
    letter = openpyxl.utils.get_column_letter(header_column(ws, header))
    found = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{letter}2:")]
    assert len(found) == 1, header
    return found[0]


def list_values(wb, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    ref = wb.defined_names[formula].attr_text
    sheet, cells = ref.split("!")
    return [c[0].value for c in wb[sheet.strip("'")][cells.replace("$", "")]]


def test_sheets_tables_and_headers(blank_registry):
    wb = openpyxl.load_workbook(blank_registry)
    names = wb.sheetnames
    assert [n for n in names if n in FIXED_ORDER] == FIXED_ORDER
    assert names.index(schema.SHEET_JOURNAL) > names.index(schema.SHEET_DASHBOARD)
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    for table in (*schema.INPUT_TABLES, *schema.PARAMETER_TABLES, schema.JOURNAL):
        ws = wb[table.sheet]
        xl = ws.tables[table.name]
        assert [c.name for c in xl.tableColumns] == list(table.headers)
        if table.sheet != schema.SHEET_PARAMETERS:
            assert xl.ref.startswith("A1:")
    assert wb[schema.SHEET_APPLICATIONS].freeze_panes == "B2"
    assert wb[schema.SHEET_EXPENSES].freeze_panes == "A2"
    # an empty table keeps one empty row
    assert wb[schema.SHEET_EXPENSES].tables["Depenses"].ref == "A1:F2"
    params = {r[0]: r[1] for r in wb[schema.SHEET_PARAMETERS].iter_rows(min_row=2, max_col=2, values_only=True)
              if r[0]}
    assert [label for label in params][: len(schema.PARAMETER_ROWS)] == [r.label for r in schema.PARAMETER_ROWS]
    assert params["Département"] == "63" and params["Enveloppe départementale (€)"] == 297000


def test_drop_downs_on_every_closed_list_column(blank_registry):
    wb = openpyxl.load_workbook(blank_registry)
    for table in (*schema.INPUT_TABLES, schema.FORFAITS, schema.GRID, schema.EXCLUSIONS):
        ws = wb[table.sheet]
        for column in table.columns:
            if column.kind not in (schema.Kind.CHOICE, schema.Kind.YES_NO, schema.Kind.COUNTRY):
                continue
            dv = validation_for(ws, column.header) if table.sheet != schema.SHEET_PARAMETERS else None
            if dv is None:
                letter = openpyxl.utils.get_column_letter(
                    build.PARAMETER_TABLE_COLUMNS[table.name] + table.columns.index(column))
                dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(f"{letter}2:"))
            assert dv.type == "list"
            values = list_values(wb, dv.formula1)
            expected = list(column.choices) if column.kind is not schema.Kind.COUNTRY else country_names()
            assert values == expected, column.header
            assert len(dv.formula1) <= 255
    ws = wb[schema.SHEET_APPLICATIONS]
    types = validation_for(ws, "Type de candidat")
    assert not types.formula1.startswith('"')  # the long list goes through a named range
    assert validation_for(ws, "Part collectivités (€)").prompt.startswith("Mesure 3d")
    assert "calculé" in validation_for(ws, "Alertes").prompt
    dep = validation_for(wb[schema.SHEET_PROVIDERS], "Département du siège")
    assert list_values(wb, dep.formula1)[-1] == schema.ABROAD


def test_formats_widths_and_computed_columns_look_different(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    row = 2
    assert ws.cell(row, header_column(ws, "Coût global (€)")).number_format == EURO_FORMAT
    assert ws.cell(row, header_column(ws, "Date de réception")).number_format == "dd/mm/yyyy"
    assert ws.cell(row, header_column(ws, "Part licences hors UE")).number_format.endswith("%")
    assert ws.column_dimensions["D"].width == schema.APPLICATIONS.column("Collectivité").width + 2
    head_input = ws.cell(1, header_column(ws, "Statut"))
    head_computed = ws.cell(1, header_column(ws, "Alertes"))
    assert head_input.fill.fgColor.rgb != head_computed.fill.fgColor.rgb
    assert head_computed.font.italic and not head_input.font.italic
    assert "calculé" in head_computed.comment.text
    assert ws.cell(row, header_column(ws, "Alertes")).fill.fgColor.rgb.endswith("E7E6E6")
    assert ws.protection.sheet is False  # agents must be able to sort and filter
    # inputs typed as real values
    assert ws.cell(row, header_column(ws, "Date de réception")).is_date
    assert ws.cell(row, header_column(ws, "Engagement décisionnel")).value == "Oui"
    assert ws.cell(row, header_column(ws, "Coût global (€)")).value == 8000
    assert all(ws.cell(r, header_column(ws, "Forfait (€)")).value is None for r in range(2, 7))  # left to recalc
    dep = wb[schema.SHEET_EXPENSES]
    assert dep.cell(3, header_column(dep, "Pays de l'éditeur")).value == "États-Unis"
    suivi = wb[schema.SHEET_REPORTS]
    progress = suivi.cell(2, header_column(suivi, "Avancement (%)"))
    assert progress.value == pytest.approx(0.3) and "%" in progress.number_format


def test_readme_explains_every_sheet_and_computed_column(blank_registry):
    wb = openpyxl.load_workbook(blank_registry)
    text = "\n".join(str(c) for row in wb[schema.SHEET_README].iter_rows(values_only=True) for c in row if c)
    for sheet in (schema.SHEET_PARAMETERS, *(t.sheet for t in schema.INPUT_TABLES), schema.SHEET_DASHBOARD,
                  schema.SHEET_JOURNAL):
        assert sheet in text
    for column in schema.APPLICATIONS.computed:
        assert column.header in text
    assert "fitn-xl recalc" in text and "297" in text and "fiche" in text


def test_dashboard_cells_and_native_charts(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_DASHBOARD]
    assert ws[DASHBOARD_CELLS["envelope.départementale.amount"]].value == 297000
    assert ws[DASHBOARD_CELLS["count.total.total"]].value == 5
    with zipfile.ZipFile(registry_file) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert all("'Tableau de bord'!" in c or "Classement" in c for c in charts)
    titles = [t for c in charts for t in re.findall(r"<a:t>([^<]*)</a:t>", c)]
    assert sorted(t for t in titles if "/20" not in t and t != "Dossiers") == [
        "Dossiers par mesure et par statut",
        "Enveloppes : engagé + retenu au classement + reste après propositions retenues (€)"]  # one, not two
    (scores,) = [c for c in charts if "Note moyenne /20 par mesure" in c]
    labels = re.search(r"<(?:c:)?dLbls>(.*?)</(?:c:)?dLbls>", scores).group(1).replace("<c:", "<")
    assert '<showVal val="1"/>' in labels  # the value only: series and category names overlapped
    assert '<showSerName val="0"/>' in labels and '<showCatName val="0"/>' in labels


def test_registry_inputs_round_trip(registry_file, registry_data):
    loaded = load_registry(registry_file)
    assert loaded.issues == []
    assert loaded.registry.applications == registry_data.applications


def test_template_is_rebuilt_by_its_command(tmp_path):
    rebuilt = tmp_path / "registre-vierge.xlsx"
    assert build.main([str(rebuilt)]) == 0
    assert structure(rebuilt) == structure(TEMPLATE)
    loaded = load_registry(TEMPLATE)
    # a blank template only lacks the département
    assert {i.message.split(" :")[0] for i in loaded.issues} == {"Département", "Nom du département"}
    assert loaded.registry.parameters.forfaits == default_parameters().forfaits


def test_departments_table():
    assert len(departments()) == 101
    assert department_name("63") == "Puy-de-Dôme" and department_name("2a") == "Corse-du-Sud"
    assert department_name("1") == "Ain" and department_name("974") == "La Réunion"
    assert department_name("20") is None


def test_new_command(tmp_path, capsys):
    path = tmp_path / "reg.xlsx"
    assert main(["new", str(path), "--departement", "2b"]) == 0
    params = load_registry(path).registry.parameters
    assert (params.department, params.department_name) == ("2B", "Haute-Corse")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not the temp file's private mode
    assert load_registry(path).issues == []
    digest = path.read_bytes()
    assert main(["new", str(path), "--departement", "63"]) == 1
    assert "--force" in capsys.readouterr().err
    assert path.read_bytes() == digest
    assert main(["new", str(path), "--departement", "63", "--nom-departement", "Puy de Dôme", "--force"]) == 0
    assert load_registry(path).registry.parameters.department_name == "Puy de Dôme"
    assert main(["new", str(tmp_path / "x.xlsx"), "--departement", "99"]) == 2
    assert "n'est pas un code de département" in capsys.readouterr().err


FORMULA_LIKE = ("=1+1", "+33 4 73 00 00 00", "-2", "@SOMME(A1)", '=HYPERLINK("http://x","y")')


def formula_elements(path: Path, skip: tuple[str, ...] = ("Simulateur",)) -> dict[str, int]:
    """Number of <f> elements per sheet part (the add-in's Simulateur holds real formulas)."""
    from fitn_xl.workbook.xlsx import XlsxPackage

    with XlsxPackage(path) as pkg:
        return {name: pkg.zip.read(part).count(b"<f>") + pkg.zip.read(part).count(b"<f ")
                for name, part in pkg.sheet_parts.items() if name not in skip}


def test_formula_like_text_is_stored_as_text(tmp_path, registry_data):
    from dataclasses import replace

    reg = registry_data
    apps = [replace(a, applicant=text, title=text) for a, text in zip(reg.applications, FORMULA_LIKE, strict=True)]
    params = replace(reg.parameters, service=FORMULA_LIKE[0], department_name=FORMULA_LIKE[4])
    expenses = [replace(e, label=FORMULA_LIKE[i]) for i, e in enumerate(reg.expenses)]
    reg = replace(reg, parameters=params, applications=tuple(apps), expenses=tuple(expenses))
    path = tmp_path / "formules.xlsx"
    build.build_registry(path, params, reg)
    assert set(formula_elements(path).values()) == {0}
    loaded = load_registry(path)
    assert loaded.issues == []
    assert [a.applicant for a in loaded.registry.applications] == list(FORMULA_LIKE)
    assert [e.label for e in loaded.registry.expenses] == list(FORMULA_LIKE[:4])
    assert loaded.registry.parameters.service == FORMULA_LIKE[0]
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_APPLICATIONS]
    cell = ws.cell(2, header_column(ws, "Collectivité"))
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix  # stays text when edited in Excel
    assert FORMULA_LIKE[4] in wb[schema.SHEET_DASHBOARD]["A1"].value


def test_every_sheet_prints_to_the_page_width_with_its_header_repeated(registry_file):
    from fitn_xl.app import recalc

    recalc(registry_file)  # the patching writer keeps the page setup
    wb = openpyxl.load_workbook(registry_file)
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == 0 and int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.oddFooter.center.text == PRINT_FOOTER
    for table in (*schema.INPUT_TABLES, schema.PARAMETERS, schema.JOURNAL):
        assert wb[table.sheet].print_title_rows == "$1:$1", table.sheet
    assert wb["Classement"].print_title_rows == "$11:$11"
    # narrow sheets in portrait on one page; wide ones in landscape
    assert wb[schema.SHEET_PROVIDERS].page_setup.orientation == "portrait"
    for sheet in (schema.SHEET_EXPENSES, schema.SHEET_SCORES, schema.SHEET_JOURNAL, schema.SHEET_DASHBOARD):
        assert (wb[sheet].page_setup.orientation, wb[sheet].page_setup.fitToWidth) == ("landscape", 1), sheet
    # 42 columns would print at 20 %: several landscape pages across (one per 250 characters of column width),
    # N° dossier repeated on each
    from fitn_xl.workbook.build import LANDSCAPE_MAX_WIDTH

    candidatures = wb[schema.SHEET_APPLICATIONS]
    width = sum(c.width + 2 for c in schema.APPLICATIONS.all_columns)
    assert candidatures.page_setup.fitToWidth == -(-width // LANDSCAPE_MAX_WIDTH) >= 3
    assert candidatures.print_title_cols == "$A:$A"


def test_simulator_sheet_after_the_dashboard_and_ranking_with_cached_values(blank_registry):
    import python_calamine

    from fitn_xl.book.simulator import RESULT_CELLS, SHEET, simulate

    names = openpyxl.load_workbook(blank_registry).sheetnames
    assert names.index(SHEET) == names.index("Classement") + 1 == names.index(schema.SHEET_DASHBOARD) + 2
    assert names.index(SHEET) + 1 == names.index(schema.SHEET_JOURNAL)
    rows = python_calamine.CalamineWorkbook.from_path(str(blank_registry)).get_sheet_by_name(SHEET).to_python()
    shown = {label: rows[int(ref[1:]) - 1][1] for label, ref in RESULT_CELLS.items()}
    expected = simulate(blank_registry)
    assert shown["Forfait (€)"] == expected["Forfait (€)"] == 5000  # cached beside the formulas
    assert shown["Éligible"] == expected["Éligible"] == "Oui"
    with zipfile.ZipFile(blank_registry) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert 'fullCalcOnLoad="1"' not in workbook_xml  # opening the file keeps those values
    assert SHEET in "\n".join(str(c) for r in openpyxl.load_workbook(blank_registry)[schema.SHEET_README]
                              .iter_rows(values_only=True) for c in r if c)
