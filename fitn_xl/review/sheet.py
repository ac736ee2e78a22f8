"""The « Classement » sheet in an openpyxl workbook: its creation, its data rewritten by recalc, and the dashboard
charts fed by it.

Layout (fixed, so the charts of the « Tableau de bord » keep pointing at the right cells):
- A1 title, A2 how the ranking is built;
- A4:F8 table `SyntheseMesures` (one row per measure), H4:M6 table `SyntheseEnveloppes` (two envelopes);
- from A11 table `Classement` (one row per dossier, variable length), from S11 table `Evaluateurs`.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..core.review import ENVELOPE_LABELS, Review
from ..schema import MEASURES
from ..workbook.build import BOLD_FONT, font, header_height, place_chart, show_axes
from ..workbook.cells import DATE_FORMAT, EURO_FORMAT, SCORE_FORMAT, row_height, wrapped_lines
from .classement import (
    AMOUNT_HEADERS,
    CENTRED_HEADERS,
    DATE_HEADERS,
    ENVELOPES_HEADERS,
    ENVELOPES_TABLE,
    EVALUATORS_HEADERS,
    EVALUATORS_TABLE,
    EXPLANATION,
    MEASURES_HEADERS,
    MEASURES_TABLE,
    RANKING_HEADERS,
    RANKING_TABLE,
    SCORE_HEADERS,
    SHEET_CLASSEMENT,
    WRAPPED_HEADERS,
    envelope_cells,
    evaluator_cells,
    measure_cells,
    ranking_cells,
)

MEASURES_AT = (4, 1)  # (header row, first column)
ENVELOPES_AT = (4, 8)
RANKING_AT = (11, 1)
EVALUATORS_AT = (11, 2 + len(RANKING_HEADERS))  # one blank column after the ranking

WIDTHS = {"Enveloppe": 26, "Collectivité": 26, "Intitulé du projet": 34, "Alertes": 60, "Évaluateur": 20,
          "Tendance": 18, "N° dossier": 13,
          "Statut": 16}  # column H, also the « Enveloppe » of « SyntheseEnveloppes »: « Départementale » on one line
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
NOT_FIT_FILL = PatternFill("solid", fgColor="F8D7DA")


def header_format(header: str) -> str | None:
    """The number format of a « Classement » column (None: General)."""
    if header in AMOUNT_HEADERS:
        return EURO_FORMAT
    if header in SCORE_HEADERS:
        return SCORE_FORMAT
    if header in DATE_HEADERS:
        return DATE_FORMAT
    return None


def _alignment(header: str) -> Alignment:
    return Alignment(wrap_text=header in WRAPPED_HEADERS or None, vertical="top",
                     horizontal="center" if header in CENTRED_HEADERS else None)


def _excel(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _ref(row: int, col: int, headers, n_rows: int) -> str:
    last_col = get_column_letter(col + len(headers) - 1)
    return f"{get_column_letter(col)}{row}:{last_col}{row + max(n_rows, 1)}"


def _write_table(ws, name: str, at: tuple[int, int], headers, rows: list[dict], old_rows: int = 0) -> None:
    """Write headers and rows at `at`, clear what an older, longer version left below, and (re)declare the Excel
    table `name` over them (at least one data row, as Excel requires). Data rows are styled (number formats,
    grey computed fill, wrapped alerts); the first one is the style model the patching writer copies."""
    row0, col0 = at
    widths = [ws.column_dimensions[get_column_letter(col0 + j)].width or 13 for j in range(len(headers))]
    for j, h in enumerate(headers):
        cell = ws.cell(row0, col0 + j, h)
        cell.font = BOLD_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    height = header_height(zip(headers, widths, strict=True))
    ws.row_dimensions[row0].height = max(ws.row_dimensions[row0].height or 0, height)
    n = max(len(rows), 1)
    for i in range(max(n, old_rows)):
        lines = 1
        for j, h in enumerate(headers):
            cell = ws.cell(row0 + 1 + i, col0 + j)
            cell.value = _excel(rows[i].get(h)) if i < len(rows) else None
            if i < n:
                cell.number_format = header_format(h) or "General"
                cell.fill = COMPUTED_FILL
                cell.alignment = _alignment(h)
                if h in WRAPPED_HEADERS:
                    lines = max(lines, wrapped_lines(cell.value, widths[j]))
            else:
                cell.number_format, cell.fill, cell.alignment = "General", PatternFill(), Alignment()
        if lines > 1:  # rows are shared with the table beside: keep the taller
            dim = ws.row_dimensions[row0 + 1 + i]
            dim.height = max(dim.height or 0, row_height(lines))
    ref = _ref(row0, col0, headers, len(rows))
    if name in ws.tables:
        ws.tables[name].ref = ref
        ws.tables[name].autoFilter.ref = ref
    else:
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        ws.add_table(table)


def _table_rows(ws, name: str) -> int:
    if name not in ws.tables:
        return 0
    ref = ws.tables[name].ref
    first, last = ref.split(":")
    return int("".join(ch for ch in last if ch.isdigit())) - int("".join(ch for ch in first if ch.isdigit()))


def add_classement_sheet(workbook, index: int | None = None):
    """Create the « Classement » sheet (empty tables, headers, widths) in a new registry; returns it. To be called
    by the workbook builder; `recalc` fills it with `fill_classement_sheet`."""
    ws = workbook.create_sheet(SHEET_CLASSEMENT, index)
    ws["A1"] = "Classement des dossiers et consommation des enveloppes"
    ws["A1"].font = font(bold=True, size=14)
    ws["A2"] = EXPLANATION
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=13)
    ws.row_dimensions[2].height = 48
    ws["A3"] = "Synthèse par mesure"
    ws["H3"] = "Enveloppes"
    ws.cell(RANKING_AT[0] - 1, 1, "Classement par enveloppe")
    ws.cell(EVALUATORS_AT[0] - 1, EVALUATORS_AT[1], "Évaluateurs : écart moyen aux autres évaluateurs des mêmes "
                                                    "dossiers (négatif = plus sévère)")
    for cell in (ws["A3"], ws["H3"], ws.cell(RANKING_AT[0] - 1, 1), ws.cell(EVALUATORS_AT[0] - 1, EVALUATORS_AT[1])):
        cell.font = BOLD_FONT
    for j, h in enumerate(RANKING_HEADERS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(h, 13)
    for j, h in enumerate(EVALUATORS_HEADERS):
        ws.column_dimensions[get_column_letter(EVALUATORS_AT[1] + j)].width = WIDTHS.get(h, 14)
    ws.row_dimensions[RANKING_AT[0]].height = 32
    ws.freeze_panes = ws.cell(RANKING_AT[0] + 1, 4)
    fill_classement_sheet(ws, None)
    fit = get_column_letter(RANKING_AT[1] + RANKING_HEADERS.index("Dans l'enveloppe"))
    ws.conditional_formatting.add(f"{fit}{RANKING_AT[0] + 1}:{fit}{RANKING_AT[0] + 5000}",
                                  CellIsRule(operator="equal", formula=['"Non"'], fill=NOT_FIT_FILL))
    return ws


def fill_classement_sheet(ws, rv: Review | None) -> None:
    """Rewrite the data of the four tables from a review (None = empty registry). Only this generated sheet is
    touched; it holds no input."""
    measures = measure_cells(rv) if rv else [{"Mesure": m} for m in MEASURES]
    envelopes = envelope_cells(rv) if rv else [{"Enveloppe": label} for label in ENVELOPE_LABELS.values()]
    ranking = ranking_cells(rv) if rv else []
    evaluators = evaluator_cells(rv) if rv else []
    _write_table(ws, MEASURES_TABLE, MEASURES_AT, MEASURES_HEADERS, measures, _table_rows(ws, MEASURES_TABLE))
    _write_table(ws, ENVELOPES_TABLE, ENVELOPES_AT, ENVELOPES_HEADERS, envelopes,
                 max(2, _table_rows(ws, ENVELOPES_TABLE)))
    _write_table(ws, RANKING_TABLE, RANKING_AT, RANKING_HEADERS, ranking, _table_rows(ws, RANKING_TABLE))
    _write_table(ws, EVALUATORS_TABLE, EVALUATORS_AT, EVALUATORS_HEADERS, evaluators,
                 _table_rows(ws, EVALUATORS_TABLE))


def add_review_charts(dashboard, classement, cells: tuple[int, int, int, int],
                      title: tuple[str, bool] = ("Note moyenne /20 par mesure", False)) -> None:
    """The average score per measure, a native chart on the « Tableau de bord » fed by the fixed summary of
    « Classement », over `cells` (first column, first row, last column, last row; 1-based, inclusive). `title`:
    its title and whether it is empty (axes hidden then)."""
    r0, c0 = MEASURES_AT
    scores = BarChart()
    scores.type = "col"
    scores.title, empty = title
    scores.y_axis.majorGridlines = None  # the values are written on the bars
    scores.y_axis.scaling.min, scores.y_axis.scaling.max = 0, 20
    scores.y_axis.majorUnit = 5
    mean_col = c0 + MEASURES_HEADERS.index("Note moyenne /20")
    scores.add_data(Reference(classement, min_col=mean_col, min_row=r0, max_row=r0 + len(MEASURES)),
                    titles_from_data=True)
    scores.set_categories(Reference(classement, min_col=c0, min_row=r0 + 1, max_row=r0 + len(MEASURES)))
    scores.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False,
                                      showPercent=False, numFmt="0.0")  # the value only: nothing to overlap
    scores.legend = None
    show_axes(scores, not empty)
    place_chart(dashboard, scores, *cells)


__all__ = ["SHEET_CLASSEMENT", "add_classement_sheet", "add_review_charts", "add_score_validations",
           "fill_classement_sheet"]


def add_score_validations(ws, parameters, header_row: int = 1, last_row: int = 5000) -> None:
    """Data validation on the « Critère i » columns of « Notation »: a number from 0 to the largest maximum of
    criterion i in the grid (per measure the reader checks the exact maximum and names the cell). To be called by
    the workbook builder on the « Notation » sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..schema import N_CRITERIA

    headers = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for i in range(1, N_CRITERIA + 1):
        col = headers.get(f"Critère {i}")
        maxima = [c.max_score for c in parameters.grid if c.number == i]
        if col is None or not maxima:
            continue
        top = _excel(max(maxima))
        names = sorted({f"{c.measure} : {c.name} (/{_excel(c.max_score)})" for c in parameters.grid if c.number == i})
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(top), allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorTitle="Note hors échelle",
                            error=f"La note du critère {i} va de 0 à {top} (voir la grille de la mesure).",
                            promptTitle=f"Critère {i}"[:32], prompt=" ; ".join(names)[:250])
        letter = get_column_letter(col)
        dv.add(f"{letter}{header_row + 1}:{letter}{last_row}")
        ws.add_data_validation(dv)

