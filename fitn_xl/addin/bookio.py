"""A registry open in Excel, through xlwings: read it with the workbook reader, write computed values back, take a
snapshot of it as a file for the jobs that read files.

One implementation for every client: `book` is an `xw.Book` — classic xlwings (`xw.Book.caller()`, COM), or the
remote book of xlwings Server built from the client's JSON (Office.js task pane, VBA `RunRemotePython`), whose
writes become the actions the client applies. Only values are read and written; input cells are never written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table

from .. import schema
from ..app.recalculation import Written
from ..book.computed import RecalcCells
from ..core.compute import Computation
from ..values import ExcelError, client_value, control_character, excel_error
from ..workbook import guard
from ..workbook.cells import to_excel
from ..workbook.read import LoadedRegistry, read_book


class _Sheet:
    def __init__(self, values: list[list]):
        self._values = values

    def to_python(self, skip_empty_area: bool = False) -> list[list]:  # noqa: ARG002 - calamine's signature
        return self._values


class _Table:
    """Like python-calamine's table: `start` is the first data row (0-based), `columns` the header texts."""

    def __init__(self, header: tuple[int, int], end: tuple[int, int], columns: list[str]):
        self.header = header
        self.start, self.end, self.columns = (header[0] + 1, header[1]), end, columns


def sheet_values(sheet) -> list[list]:
    """The values of a sheet from A1 to the last used cell (2-D, None for empty cells), error cells as
    `ExcelError` (xlwings reads them as empty unless asked for their text), as the reader reads a file."""
    used = sheet.used_range
    last_row = used.row + used.shape[0] - 1
    last_col = used.column + used.shape[1] - 1
    book = getattr(getattr(sheet, "book", None), "name", "") or "classeur"
    guard.check_extent(last_row, last_col, book, sheet.name)  # a value typed in XFD1048576 (issue 12)
    values = sheet.range((1, 1), (last_row, last_col)).options(ndim=2, err_to_str=True).value
    return [[None if v == "" else client_value(excel_error(v) or v) for v in row] for row in (values or [[None]])]


class BookView:
    """An `xw.Book` seen through python-calamine's reading interface (what `read_book` expects)."""

    def __init__(self, book, sheets: Iterable[str] | None = None):
        self.book = book
        wanted = set(sheets) if sheets is not None else None
        self.sheet_names = [s.name for s in book.sheets]
        self._sheets = {s.name: s for s in book.sheets}
        self._values: dict[str, list[list]] = {}
        self._tables: dict[str, tuple[str, _Table]] = {}
        for s in book.sheets:
            if wanted is not None and s.name not in wanted:
                continue
            for t in s.tables:
                rng = t.range
                r0, c0 = rng.row - 1, rng.column - 1
                r1, c1 = r0 + rng.shape[0] - 1, c0 + rng.shape[1] - 1
                values = self.get_sheet_by_name(s.name).to_python()
                header = values[r0][c0 : c1 + 1] if r0 < len(values) else []
                columns = ["" if v is None else str(v) for v in header]
                self._tables[t.name] = (s.name, _Table((r0, c0), (r1, c1), columns))
        self.table_names = list(self._tables)

    def get_sheet_by_name(self, name: str) -> _Sheet:
        if name not in self._values:
            self._values[name] = sheet_values(self._sheets[name])
        return _Sheet(self._values[name])

    def get_table_by_name(self, name: str) -> _Table:
        return self._tables[name][1]

    def table_sheet(self, name: str) -> str | None:
        entry = self._tables.get(name)
        return entry[0] if entry else None


REGISTRY_SHEETS = (schema.SHEET_PARAMETERS, schema.SHEET_APPLICATIONS, schema.SHEET_EXPENSES,
                   schema.SHEET_PROVIDERS, schema.SHEET_SCORES, schema.SHEET_REPORTS)


def book_path(book) -> Path:
    try:
        return Path(book.fullname)
    except Exception:  # the remote book has only a name
        return Path(book.name)


def read_registry(book, view: BookView | None = None) -> LoadedRegistry:
    """The registry open in Excel, read and validated by the same reader as `fitn-xl check` (raises
    `RegistryError` when the book is not a registry)."""
    return read_book(view or BookView(book, REGISTRY_SHEETS), book_path(book))


def _runs(columns: list[int]) -> list[list[int]]:
    """Consecutive column numbers grouped: [3, 4, 5, 8] -> [[3, 4, 5], [8]]."""
    runs: list[list[int]] = []
    for c in sorted(columns):
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def write_table_computed(book, view: BookView, loaded: LoadedRegistry, table: schema.Table,
                         by_row: dict[int, dict[str, object]]) -> int:
    """Write the computed columns of `table` (Excel row -> header -> value; other rows of the table are emptied),
    one block per run of adjacent computed columns; input columns are never written. Returns the rows given."""
    positions = loaded.header_columns.get(table.name, {})
    by_column = {positions[c.header]: c.header for c in table.computed if c.header in positions}
    header_row = loaded.header_rows.get(table.name)  # where the reader found it, as `fitn-xl recalc` writes
    if not by_column or header_row is None:
        return 0
    # without a ListObject (lost when the sheet was copied or the table converted to a range), the rows the reader
    # found below the header row are the table
    table_last = view.get_table_by_name(table.name).end[0] + 1 if table.name in view.table_names else header_row
    last = max(loaded.last_rows.get(table.name, header_row), table_last, max(by_row, default=header_row))
    if last <= header_row:
        return 0
    sheet = book.sheets[table.sheet]
    for run in _runs(list(by_column)):
        block = []
        for row in range(header_row + 1, last + 1):
            given = by_row.get(row) or {}
            block.append([to_excel(None, given.get(by_column[c])) for c in run])
        sheet.range((header_row + 1, run[0]), (last, run[-1])).value = block
    return len(by_row)


class BookTarget:
    """The registry open in Excel as a `fitn_xl.app.recalc` target: read with the same reader as `fitn-xl check`,
    the computed values written back as `fitn-xl recalc` writes them into a file (input cells never written)."""

    def __init__(self, book):
        self.book = book
        self.name = book_path(book).name
        self.view = BookView(book, REGISTRY_SHEETS)

    def load(self) -> LoadedRegistry:
        return read_registry(self.book, self.view)

    def write(self, loaded: LoadedRegistry, computation: Computation, cells: RecalcCells) -> Written:
        written = Written()
        for table in (schema.APPLICATIONS, schema.SCORES):
            n = write_table_computed(self.book, self.view, loaded, table, cells.tables[table.name])
            if table is schema.APPLICATIONS:
                written.rows_written = n
        if schema.SHEET_DASHBOARD in [s.name for s in self.book.sheets]:
            sheet = self.book.sheets[schema.SHEET_DASHBOARD]
            for ref, value in cells.dashboard.items():
                sheet.range(ref).value = to_excel(None, value)
        return written


def append_journal_rows(book, rows: list[dict[str, object]]) -> int:
    """Append `rows` (keyed by « Journal » header) to the « Journal » sheet of the open workbook, under its last
    filled row, in the order of the sheet's own headers. Returns the number of rows written."""
    if not rows or schema.SHEET_JOURNAL not in [s.name for s in book.sheets]:
        return 0
    sheet = book.sheets[schema.SHEET_JOURNAL]
    existing = sheet_values(sheet)
    header_row = next((i for i, row in enumerate(existing) if schema.JOURNAL.columns[0].header in row), None)
    if header_row is None:
        return 0
    headers = existing[header_row]
    last = max((i + 1 for i, row in enumerate(existing) if any(v not in (None, "") for v in row)), default=0)
    block = [[to_excel(None, row.get(h)) if h else None for h in headers] for row in rows]
    sheet.range((last + 1, 1), (last + len(block), len(headers))).value = block
    return len(block)


def _file_value(value):
    """A value read from Excel as openpyxl writes it so that the reader reads it back the same: an error as its
    code (an error cell), a control character as its OOXML escape (« _x000B_ », which openpyxl refuses raw)."""
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, str) and control_character(value) is not None:
        return "".join(f"_x{ord(ch):04X}_" if control_character(ch) else ch for ch in value)
    return value


def snapshot(book, folder: str | Path | None = None) -> Path:
    """Save the values and tables of every sheet of `book` into a new .xlsx (the registry as Excel shows it,
    unsaved changes included), so that the command-line generators can read it. Returns its path."""
    view = BookView(book)
    wb = Workbook()
    wb.remove(wb.active)
    for name in view.sheet_names:
        ws = wb.create_sheet(name)
        for row in view.get_sheet_by_name(name).to_python():
            ws.append([_file_value(v) for v in row])
    for table_name in view.table_names:
        sheet = view.table_sheet(table_name)
        (r0, c0), (r1, c1) = view.get_table_by_name(table_name).header, view.get_table_by_name(table_name).end
        ws = wb[sheet]
        for c in range(c0, c1 + 1):  # a table's header cells must be unique, non-empty text
            cell = ws.cell(r0 + 1, c + 1)
            if cell.value is None or not isinstance(cell.value, str):
                cell.value = f"Colonne{c + 1}" if cell.value is None else str(cell.value)
        ref = f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{max(r1, r0 + 1) + 1}"
        ws.add_table(Table(displayName=table_name, ref=ref))
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="fitn-xl-"))
    folder.mkdir(parents=True, exist_ok=True)
    stem = book_path(book).stem or "registre"
    path = folder / f"{stem}.xlsx"
    wb.save(path)
    return path
