"""The monthly list as an .xlsx file (openpyxl): typed columns, total row, frozen header; and reading it back.

Text cells are always stored as text: a name such as « =1+1 » or « @SUM(A1) » never becomes a formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..files import atomic_write
from ..values import CellError, check_value
from ..workbook.build import font, header_height, new_workbook
from ..workbook.cells import DATE_FORMAT, EURO_FORMAT, row_height, wrapped_lines
from ..workbook.guard import WorkbookRefused
from ..workbook.read import open_workbook
from .listing import (
    AMOUNT_HEADERS,
    DATE_HEADERS,
    EXTRA_HEADERS,
    H_PAID,
    H_REMAINING,
    LIST_HEADERS,
    ListMeta,
    ListRow,
    Month,
    total,
    total_paid,
    total_remaining,
)

SHEET_LIST = "Lauréats"
SHEET_INFO = "Informations"
TOTAL_LABEL = "Total"
EUR_FORMAT = EURO_FORMAT  # escaped space: survives a save by French LibreOffice (see `fitn_xl.workbook.cells`)
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = font(bold=True, color="FFFFFF")
WIDTHS = {"Département": 12, "N° dossier": 13, "Mesure": 8, "Collectivité porteuse": 30, "Intitulé du projet": 40,
          "Date de décision": 12, "Montant financé (€)": 15, "Date de fin du projet": 12,
          "Entreprises (département du siège)": 40, "État des lieux": 36, H_PAID: 14, H_REMAINING: 14}
WRAPPED = frozenset({"Collectivité porteuse", "Intitulé du projet", "Entreprises (département du siège)",
                     "État des lieux"})

# Rows of the « Informations » sheet (label, attribute of ListMeta or computed).
INFO_DEPARTMENT, INFO_NAME, INFO_MONTH = "Département", "Nom du département", "Mois"


class NotAListError(Exception):
    """The file is not a monthly DITP list made by fitn-xl; the message is French and names the file."""


def put(ws: Worksheet, row: int, col: int, value, number_format: str | None = None):
    """Write one cell; text is forced to a text cell (never a formula), Decimal/dates keep their type."""
    cell = ws.cell(row=row, column=col)
    if value == "":
        value = None  # an empty text cell is no cell value (an empty inline string is not valid for Excel)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would turn '=…' into a formula
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # stays text when edited in Excel
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def write_rows(ws: Worksheet, headers: tuple[str, ...], rows, amount_headers=AMOUNT_HEADERS,
               date_headers=DATE_HEADERS, widths: dict[str, int] | None = None) -> int:
    """Header on row 1 (frozen, filter), then the rows. Returns the last data row."""
    widths = widths or {}
    width = {h: widths.get(h, WIDTHS.get(h, 16)) for h in headers}
    for c, h in enumerate(headers, start=1):
        cell = put(ws, 1, c, h)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width[h]
    ws.row_dimensions[1].height = header_height(width.items())
    r = 1
    for r, values in enumerate(rows, start=2):
        lines = 1
        for c, (h, v) in enumerate(zip(headers, values, strict=True), start=1):
            fmt = EUR_FORMAT if h in amount_headers else DATE_FORMAT if h in date_headers else None
            cell = put(ws, r, c, v, fmt)
            if h in WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = max(lines, wrapped_lines(v, width[h]))
            elif h in date_headers:  # right-aligned, a date runs into the next column's text
                cell.alignment = Alignment(vertical="top", horizontal="center")
            else:
                cell.alignment = Alignment(vertical="top")
        if lines > 1:  # spreadsheet programs do not grow a row a program wrote
            ws.row_dimensions[r].height = row_height(lines)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(r, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    return r


def write_list_xlsx(path: Path, rows: list[ListRow], meta: ListMeta) -> None:
    """Write the list atomically: sheet « Lauréats » (rows + total row) and sheet « Informations »."""
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET_LIST
    headers = (*LIST_HEADERS, *EXTRA_HEADERS)
    last = write_rows(ws, headers, ((*r.values(), *r.extra_values()) for r in rows))
    total_row = last + 1
    amount_col = LIST_HEADERS.index("Montant financé (€)") + 1
    put(ws, total_row, 1, TOTAL_LABEL).font = font(bold=True)
    put(ws, total_row, 2, f"{len(rows)} lauréat{'s' if len(rows) > 1 else ''}").font = font(bold=True)
    put(ws, total_row, amount_col, total(rows), EUR_FORMAT).font = font(bold=True)
    for header, value in ((H_PAID, total_paid(rows)), (H_REMAINING, total_remaining(rows))):
        put(ws, total_row, headers.index(header) + 1, value, EUR_FORMAT).font = font(bold=True)

    info = wb.create_sheet(SHEET_INFO)
    lines = [
        ("Paramètre", "Valeur"),
        (INFO_DEPARTMENT, meta.department),
        (INFO_NAME, meta.department_name),
        (INFO_MONTH, str(meta.month)),
        ("Liste arrêtée au", meta.month.end),
        ("Générée le", meta.generated_on or date.today()),
        ("Service", meta.service),
        ("Destinataire", meta.recipient),
        ("Nombre de lauréats", len(rows)),
        ("Montant total (€)", total(rows)),
        ("Montant versé (€)", total_paid(rows)),
        ("Reste à verser (€)", total_remaining(rows)),
        ("Source", "fitn-xl — fonds de transformation numérique des collectivités, France Relance axe 3"),
    ]
    for r, (label, value) in enumerate(lines, start=1):
        put(ws=info, row=r, col=1, value=label).font = font(bold=r == 1)
        fmt = DATE_FORMAT if isinstance(value, date) else EUR_FORMAT if isinstance(value, Decimal) else None
        put(info, r, 2, value, fmt).font = font(bold=r == 1)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 60
    wb.properties.title = f"Liste des lauréats FITN7 axe 3 – {meta.department_label} – {meta.month.label}"
    wb.properties.creator = "fitn-xl"
    atomic_write(path, wb.save)


# --- reading a list back (consolidation) ---------------------------------------------------------------------


@dataclass
class ListFile:
    path: Path
    department: str
    department_name: str
    month: Month | None
    rows: list[ListRow]


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None


def _to_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_list_xlsx(path: Path) -> ListFile:
    """Read a list written by `write_list_xlsx`. Raises `NotAListError` (French, names the file) otherwise."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise NotAListError(f"« {name} » : fichier introuvable.")
    try:  # not a workbook, renamed, encrypted, truncated, a zip bomb, a value far beyond the list (issue 12)
        book = open_workbook(path, (SHEET_LIST,))
    except WorkbookRefused as exc:
        raise NotAListError(str(exc)) from None
    if SHEET_LIST not in book.sheet_names:
        raise NotAListError(f"« {name} » n'est pas une liste mensuelle DITP : la feuille « {SHEET_LIST} » est "
                            f"absente.")
    try:
        values = book.sheet_values(SHEET_LIST)  # as a registry is read: an Excel error is no empty cell
    except WorkbookRefused as exc:
        raise NotAListError(str(exc)) from None
    header = tuple(_text(v) for v in (values[0] if values else []))
    header = header[: len(LIST_HEADERS)] if len(header) >= len(LIST_HEADERS) else header
    if header != LIST_HEADERS:
        missing = [h for h in LIST_HEADERS if h not in header]
        detail = (f"colonnes absentes : {', '.join('« ' + h + ' »' for h in missing)}" if missing
                  else "colonnes dans un ordre inattendu")
        raise NotAListError(f"« {name} » n'est pas une liste mensuelle DITP ({detail}).")

    info: dict[str, object] = {}
    if SHEET_INFO in book.sheet_names:
        try:
            lines = book.get_sheet_by_name(SHEET_INFO).to_python()
        except WorkbookRefused as exc:
            raise NotAListError(str(exc)) from None
        except Exception:  # calamine's private errors (English): the sheet of information is only a help
            lines = []
        for line in lines:
            if len(line) >= 2:
                info[_text(line[0])] = line[1]
    month = None
    if info.get(INFO_MONTH):
        try:
            month = Month.parse(_text(info[INFO_MONTH]))
        except ValueError:
            month = None

    rows: list[ListRow] = []
    for r, line in enumerate(values[1:], start=2):
        cells = dict(zip(LIST_HEADERS, list(line) + [None] * (len(LIST_HEADERS) - len(line)), strict=False))
        if _text(cells["Département"]) == TOTAL_LABEL:
            break
        if all(_text(v) == "" for v in cells.values()):
            continue
        for header, v in cells.items():
            try:
                check_value(v)
            except CellError as exc:
                raise NotAListError(f"« {name} », feuille « {SHEET_LIST} », ligne {r}, colonne « {header} » : "
                                    f"{exc}.") from None
        try:
            amount = _to_decimal(cells["Montant financé (€)"])
            decided = _to_date(cells["Date de décision"])
            end = _to_date(cells["Date de fin du projet"])
        except ValueError as exc:
            raise NotAListError(f"« {name} », feuille « {SHEET_LIST} », ligne {r} : valeur inattendue "
                                f"« {exc.args[0]} » (montant ou date attendu).") from None
        if amount is None or decided is None or not _text(cells["N° dossier"]):
            raise NotAListError(f"« {name} », feuille « {SHEET_LIST} », ligne {r} : N° dossier, date de décision "
                                f"ou montant manquant.")
        rows.append(ListRow(
            department=_text(cells["Département"]), dossier_id=_text(cells["N° dossier"]),
            measure=_text(cells["Mesure"]), applicant=_text(cells["Collectivité porteuse"]),
            title=_text(cells["Intitulé du projet"]), decided_on=decided, amount=amount, end=end,
            companies=_text(cells["Entreprises (département du siège)"]), progress=_text(cells["État des lieux"]),
        ))
    department = _text(info.get(INFO_DEPARTMENT)) or (rows[0].department if rows else "")
    return ListFile(path, department, _text(info.get(INFO_NAME)), month, rows)
