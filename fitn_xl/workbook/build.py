"""Writing registry tables into an openpyxl workbook: header styles, drop-down lists, validations, formats, print
setup — what every sheet of the registry and of the other workbooks fitn-xl builds shares (`fitn_xl.schema` tables,
no feature). The registry itself is assembled by `fitn_xl.book.build`.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from dataclasses import fields

from openpyxl import Workbook
from openpyxl.chart.text import RichText
from openpyxl.comments import Comment
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.xml.constants import DRAWING_NS

from .. import schema
from ..schema import Column, Kind, Table
from ..values import country_names
from .cells import WRAPPED, departments, number_format, put, row_height, to_excel, wrapped_lines

MAX_ROW = 1_048_576
SHEET_LISTS = "Listes"  # hidden sheet holding the long drop-down lists
TABLE_STYLE = "TableStyleMedium2"

# One font family everywhere, the documents' own: Arial, on every Windows and Mac, which LibreOffice draws with its
# metric twin Liberation Sans. A font without a name (openpyxl's `Font(bold=True)`) is drawn by LibreOffice in its
# default font, a serif one where Liberation Sans is missing: every font here is named.
FONT_NAME = "Arial"
FONT_SIZE = 10


def font(size: float = FONT_SIZE, **kw) -> Font:
    """A `Font` of the registry's family (`FONT_NAME`), `FONT_SIZE` points unless told."""
    return Font(name=FONT_NAME, size=size, **kw)


def new_workbook() -> Workbook:
    """An empty openpyxl workbook whose default font (the « Normal » style, every cell without a font of its own)
    is `FONT_NAME`, `FONT_SIZE` points: openpyxl's default is Calibri 11."""
    wb = Workbook()
    base = font(family=2)
    wb._fonts = IndexedList([base])  # index 0: the font of style 0, before any cell takes one
    wb._named_styles["Normal"].font = copy(base)
    return wb


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = font(bold=True, color="FFFFFF")
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor="7F7F7F")
COMPUTED_HEADER_FONT = font(bold=True, italic=True, color="FFFFFF")
COMPUTED_FILL = PatternFill("solid", fgColor="E7E6E6")
COMPUTED_FONT = font(italic=True, color="404040")
COMPUTED_NOTE = "calculé — colonne remplie par « fitn-xl recalc », ne pas saisir"
TITLE_FONT = font(bold=True, size=14, color="1F4E78")
SECTION_FONT = font(bold=True, size=12, color="1F4E78")
BOLD_FONT = font(bold=True)
NOTE_FONT = font(italic=True, color="595959")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cell_alignment(column: Column) -> Alignment:
    """Body cells: text at the top of its row (rows grow for wrapped text), several lines wrapped, Oui/Non, dates
    and ranks centred (right-aligned, they would run into the next column's text)."""
    centred = column.kind in (Kind.YES_NO, Kind.DATE) or column.attr == "rank"
    return Alignment(vertical="top", wrap_text=column.attr in WRAPPED or None,
                     horizontal="center" if centred else None)


def header_height(headers: Iterable[tuple[str, float]]) -> float:
    """Points for a header row of wrapped bold headers: (text, column width) pairs."""
    return row_height(max((wrapped_lines(text, width, bold=True) for text, width in headers), default=1))


def records_height(columns: Iterable[tuple[Column, float]], rec: dict[str, object]) -> float | None:
    """Points for a body row whose wrapped columns hold several lines; None when one line is enough."""
    lines = max((wrapped_lines(rec.get(c.attr), width) for c, width in columns if c.attr in WRAPPED), default=1)
    return row_height(lines) if lines > 1 else None


def fit_width(ws) -> None:
    """Print (and render) landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


PORTRAIT_MAX_WIDTH = 100  # characters of column width that print at ~90 % on an A4 portrait page
LANDSCAPE_MAX_WIDTH = 250  # ... and at 60 % (still legible) on an A4 landscape page
PRINT_FOOTER = "&A — page &P / &N"  # sheet name, page number / page count


def print_setup(ws, title_rows: str | None = None, title_columns: str | None = None) -> None:
    """A4; portrait when the used columns fit, else landscape; scaled to the page width, as many pages down as
    needed. A sheet too wide to stay legible on one landscape page (« Candidatures »: 38 columns) is scaled to
    two or three pages across instead, with `title_columns` (e.g. "A:A", the N° dossier) repeated on each.
    `title_rows` (e.g. "1:1", the table headers) are repeated at the top of every page; the footer gives the
    sheet name and the page number."""
    default = ws.sheet_format.defaultColWidth or 8.43
    width = sum((ws.column_dimensions[get_column_letter(c)].width or default)
                for c in range(1, ws.max_column + 1) if not ws.column_dimensions[get_column_letter(c)].hidden)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if width > PORTRAIT_MAX_WIDTH else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = max(1, -(-int(width) // LANDSCAPE_MAX_WIDTH))
    ws.page_setup.fitToHeight = 0
    if title_columns and ws.page_setup.fitToWidth > 1:
        ws.print_title_cols = title_columns
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = PRINT_FOOTER
    if title_rows:
        ws.print_title_rows = title_rows


def place_chart(ws, chart, first_col: int, first_row: int, last_col: int, last_row: int) -> None:
    """Add `chart` to `ws` over exactly the cells from (first_row, first_col) to (last_row, last_col), 1-based and
    inclusive: its size follows the cells in every program, so it never runs over what lies below or beside."""
    anchor = TwoCellAnchor(editAs="oneCell")
    anchor._from = AnchorMarker(col=first_col - 1, row=first_row - 1)
    anchor.to = AnchorMarker(col=last_col, row=last_row)
    chart_font(chart)
    ws.add_chart(chart, anchor)


def chart_font(chart) -> None:
    """Write every text of `chart` (title, axes, legend, labels) in `FONT_NAME`, as the cells: the chart's default
    text properties (`c:chartSpace/c:txPr`), which openpyxl 3.1 has no attribute for. Without them Excel draws it
    in Calibri, LibreOffice in Carlito."""
    write = chart._write

    def _write():
        tree = write()
        props = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(
            latin=DrawingFont(typeface=FONT_NAME), cs=DrawingFont(typeface=FONT_NAME))),
            endParaRPr=CharacterProperties())]).to_tree("txPr")
        for paragraph in props.iter(f"{{{DRAWING_NS}}}p"):  # properties only: openpyxl adds an empty run
            for run in paragraph.findall(f"{{{DRAWING_NS}}}r"):
                paragraph.remove(run)
        after = tree.find("spPr")
        (after if after is not None else tree.find("chart")).addnext(props)
        return tree

    chart._write = _write


def show_axes(chart, shown: bool = True) -> None:
    """Show or hide both axes of a bar chart. openpyxl 3.1 leaves their « delete » flag out, which recent Excel
    takes for hidden."""
    chart.x_axis.delete = not shown
    chart.y_axis.delete = not shown


def records_of(items: Iterable, table: Table) -> list[dict[str, object]]:
    out = []
    for item in items:
        rec = {f.name: getattr(item, f.name) for f in fields(item)}
        if table is schema.SCORES:
            for i, v in enumerate(rec.pop("criteria", ()), start=1):
                rec[f"criterion_{i}"] = v
        out.append(rec)
    return out

class SheetKit:
    """Writes `schema` tables into the openpyxl workbook `wb`: one style for input and computed columns, drop-down
    lists (`make_lists` first), input messages, number formats."""

    def __init__(self, wb):
        self.wb = wb
        self.lists: dict[str, str] = {}  # list name -> formula for a DataValidation

    def computed_help(self, table: Table, column: Column) -> str:
        """The note on a computed column's header (none here; the registry builder gives one per column)."""
        return ""

    # --- drop-down lists ------------------------------------------------------------------------------------
    def make_lists(self, ws) -> None:
        lists = {
            "Liste_Mesures": schema.MEASURES,
            "Liste_Types": schema.APPLICANT_TYPES,
            "Liste_OuiNon": schema.YES_NO,
            "Liste_Modes": schema.CONTRACT_MODES,
            "Liste_Statuts": schema.STATUSES,
            "Liste_Categories": schema.EXPENSE_CATEGORIES,
            "Liste_Etats": schema.REPORT_STATES,
            "Liste_Pays": tuple(country_names()),
            "Liste_Departements": (*departments(), schema.ABROAD),
            "Liste_Civilites": schema.CIVILITIES,
            "Liste_Motifs": schema.REFUSAL_GROUNDS,
            "Liste_EtatsDS": schema.DS_STATES,
            "Liste_Versements": schema.PAYMENT_NATURES,
        }
        for i, (name, items) in enumerate(lists.items(), start=1):
            letter = get_column_letter(i)
            ws.cell(1, i, name.removeprefix("Liste_")).font = BOLD_FONT
            for r, item in enumerate(items, start=2):
                ws.cell(r, i, item).number_format = "@"
            ws.column_dimensions[letter].width = 30
            self.wb.defined_names[name] = DefinedName(
                name, attr_text=f"'{SHEET_LISTS}'!${letter}$2:${letter}${len(items) + 1}"
            )
            inline = ",".join(items)
            self.lists[name] = f'"{inline}"' if len(inline) <= 250 and all("," not in x for x in items) else name
        ws.sheet_state = "hidden"

    def _list_of(self, column: Column) -> str | None:
        if column.kind is Kind.COUNTRY:
            return "Liste_Pays"
        if column.kind is Kind.DEPARTMENT:
            return "Liste_Departements"
        if column.kind is Kind.YES_NO:
            return "Liste_OuiNon"
        if column.choices == schema.REFUSAL_GROUNDS:  # suggestions: a ground of one's own may be typed
            return "Liste_Motifs"
        if column.kind is not Kind.CHOICE:
            return None
        return {
            schema.MEASURES: "Liste_Mesures",
            schema.APPLICANT_TYPES: "Liste_Types",
            schema.CONTRACT_MODES: "Liste_Modes",
            schema.STATUSES: "Liste_Statuts",
            schema.EXPENSE_CATEGORIES: "Liste_Categories",
            schema.REPORT_STATES: "Liste_Etats",
            schema.YES_NO: "Liste_OuiNon",
            schema.CIVILITIES: "Liste_Civilites",
            schema.DS_STATES: "Liste_EtatsDS",
            schema.PAYMENT_NATURES: "Liste_Versements",
        }[column.choices]

    def _validation(self, ws, column: Column, computed: bool, rng: str) -> None:
        list_name = self._list_of(column) if not computed else None
        help_text = COMPUTED_NOTE if computed else column.help
        if list_name:
            strict = column.kind in (Kind.CHOICE, Kind.YES_NO)
            dv = DataValidation(
                type="list", formula1=self.lists[list_name], allow_blank=True,
                errorStyle="stop" if strict else "warning", showErrorMessage=True,
                errorTitle="Valeur hors liste",
                error="Choisissez une valeur de la liste déroulante." if strict else
                      "Valeur absente de la liste : vérifiez-la (fitn-xl check la contrôlera).",
            )
        elif help_text:
            dv = DataValidation(allow_blank=True)
        else:
            return
        if help_text:
            dv.showInputMessage = True
            dv.promptTitle = column.header[:32]
            dv.prompt = help_text[:250]
        dv.add(rng)
        ws.add_data_validation(dv)

    # --- tables ---------------------------------------------------------------------------------------------
    def table(self, ws, table: Table, records: list[dict[str, object]], first_col: int = 1,
              validations: bool = True) -> str:
        """Header on row 1 from `first_col`; one row per record (one empty row when none). Returns the ref."""
        columns = table.all_columns
        computed = {c.attr for c in table.computed}
        rows = records or [{}]
        for j, column in enumerate(columns):
            col = first_col + j
            letter = get_column_letter(col)
            is_computed = column.attr in computed
            head = ws.cell(1, col, column.header)
            head.alignment = Alignment(wrap_text=True, vertical="center")
            head.fill = COMPUTED_HEADER_FILL if is_computed else HEADER_FILL
            head.font = COMPUTED_HEADER_FONT if is_computed else HEADER_FONT
            if is_computed:
                head.comment = Comment(f"{COMPUTED_NOTE}.\n{self.computed_help(table, column)}", "fitn-xl",
                                       height=160, width=320)
            fmt = number_format(column)
            align = cell_alignment(column)
            dim = ws.column_dimensions[letter]
            dim.width = column.width + 2
            dim.number_format = fmt
            dim.alignment = align
            if is_computed:
                dim.fill = COMPUTED_FILL
                dim.font = COMPUTED_FONT
            for i, rec in enumerate(rows, start=2):
                cell = put(ws.cell(i, col), to_excel(column, rec.get(column.attr)))
                cell.number_format = fmt
                cell.alignment = align
                if is_computed:
                    cell.fill = COMPUTED_FILL
                    cell.font = COMPUTED_FONT
            if validations:
                self._validation(ws, column, is_computed, f"{letter}2:{letter}{MAX_ROW}")
        ref = f"{get_column_letter(first_col)}1:{get_column_letter(first_col + len(columns) - 1)}{len(rows) + 1}"
        xl = XlTable(displayName=table.name, ref=ref)
        xl.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        ws.add_table(xl)
        widths = [(c, c.width + 2) for c in columns]
        ws.row_dimensions[1].height = max(ws.row_dimensions[1].height or 0,
                                          header_height((c.header, w) for c, w in widths))
        for i, rec in enumerate(rows, start=2):
            height = records_height(widths, rec)
            if height:
                ws.row_dimensions[i].height = max(ws.row_dimensions[i].height or 0, height)
        return ref

    @staticmethod
    def head(cell) -> None:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BOX
