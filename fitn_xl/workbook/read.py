"""Reading a registry workbook into core values, with every problem reported at once (SPEC §5).

Values only, through python-calamine (fast, never modifies the file). Each table is found by its Excel table name;
rows typed just below a table that Excel did not extend are read too. A bad cell gives an `Issue` naming the
sheet, the row and the column; the record is kept with that cell empty so other checks still run, and its dossier
is marked as having errors.
"""

from __future__ import annotations

import dataclasses
import io
import os
import stat
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path

import python_calamine

from .. import schema
from ..core import rules
from ..core.model import (
    Application,
    Criterion,
    Expense,
    ForfaitRule,
    Parameters,
    Payment,
    Provider,
    Registry,
    Report,
    Score,
)
from ..core.params import default_parameters
from ..core.text import number
from ..files import readable
from ..perf import gc_paused
from ..schema import DOSSIER_ID, LAUREATE_STATUSES, Column, Table
from ..values import CellError, check_value, parse_cell, parse_column, parse_text
from . import cellscan, guard
from .errors import RegistryError
from .lock import FileStamp


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in the workbook. `row` is the Excel row number; `column` the exact header.

    `blocking`: the problem makes every computation unreliable (a parameter, a missing table or column), so jobs
    refuse to run. A problem in one row is not blocking: its dossier (`dossier_id`) is flagged and skipped, and a
    row tied to no dossier (duplicated, missing or unknown N° dossier) is left out; `check` still reports both."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    dossier_id: str | None = field(default=None, compare=False)
    blocking: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        where = [f"Feuille « {self.sheet} »"]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.message}"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message,
                "dossier": self.dossier_id, "blocking": self.blocking}


@dataclass
class LoadedRegistry:
    """A registry as read: the values, every problem, and where each record sits in the workbook."""

    path: Path
    registry: Registry
    issues: list[Issue]
    application_rows: dict[str, int]  # dossier_id -> Excel row in « Candidatures »
    header_columns: dict[str, dict[str, int]]  # table name -> header -> 1-based Excel column
    last_rows: dict[str, int]  # table name -> last Excel row holding data (header row when empty)
    rows: dict[str, list[int]] = field(default_factory=dict)
    """Table name -> the Excel row of each record, aligned with the registry's tuple for that table
    (`rows["Notation"][i]` is where `registry.scores[i]` sits); for every input table."""
    header_rows: dict[str, int] = field(default_factory=dict)
    """Table name -> the Excel row of its header row, where the reader found it (its Excel table, else the first of
    the sheet's first 20 rows holding its first header); absent when the table was not found."""
    notes: list[Issue] = field(default_factory=list)
    """What the reader noticed without it being an error (an empty row inside a parameter table, skipped): `check`
    shows them, nothing is refused for them."""
    outdated: list[Issue] = field(default_factory=list)
    """The columns and tables a later version of fitn-xl added that this registry lacks (made by an earlier version):
    read as empty, each also in `notes`; `fitn-xl upgrade` rebuilds the registry with them."""
    stamp: FileStamp | None = None
    """The file as it was when it was read (`fitn_xl.workbook.lock.FileStamp`): a job writing back what it computed
    from this reading gives it to `atomic_update`, which refuses to replace a file changed since."""

    @property
    def blocking(self) -> bool:
        """Whether some problem blocks every job (`Issue.blocking`: parameters, missing tables or columns)."""
        return any(i.blocking for i in self.issues)

    @property
    def dossiers_with_errors(self) -> set[str]:
        return {i.dossier_id for i in self.issues if i.dossier_id is not None}

    def valid_dossiers(self) -> list[Application]:
        bad = self.dossiers_with_errors
        return [a for a in self.registry.applications if a.dossier_id not in bad]


@dataclass
class _Rows:
    """The records of one table, a column at a time: the Excel row of each record, and for each column of the
    table found in the workbook (attr) its raw values, aligned with `excel_rows`; plus header positions."""

    table: Table
    excel_rows: list[int]
    raw: dict[str, list]
    columns: dict[str, int]
    last_row: int
    header_row: int | None  # 1-based Excel row of the header; None when the table was not found

    def raw_column(self, attr: str) -> list | repeat:
        """The raw values of a column, None for each record when the column is absent."""
        values = self.raw.get(attr)
        return repeat(None, len(self.excel_rows)) if values is None else values


_TABLE_LABELS = {
    schema.PARAMETERS.name: "le tableau des paramètres", schema.FORFAITS.name: "le tableau des forfaits",
    schema.GRID.name: "le tableau de la grille de notation", schema.EXCLUSIONS.name: "le tableau des catégories "
    "exclues", schema.APPLICATIONS.name: "le tableau des candidatures", schema.EXPENSES.name: "le tableau des dépenses",
    schema.PROVIDERS.name: "le tableau des prestataires", schema.SCORES.name: "le tableau de notation",
    schema.REPORTS.name: "le tableau de suivi", schema.JOURNAL.name: "le tableau du journal",
}


def table_label(table: Table) -> str:
    """How a message names a table of the registry: « le tableau des forfaits », not its Excel name (ASCII,
    « Depenses »), which the sheet named beside it makes useless."""
    return _TABLE_LABELS.get(table.name, f"le tableau « {table.name} »")


def is_ods(path: str | Path) -> bool:
    """Whether the file at `path` is an OpenDocument spreadsheet (LibreOffice's .ods), whatever its name says: its
    zip's first member, « mimetype », names the format. Anything but a regular file (a named pipe would block the
    opening) and a « mimetype » larger than its name are not."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("mimetype")
            if info.file_size > 200:
                return False
            with z.open(info) as member:
                return member.read(200).strip() == guard.ODS_MIMETYPE
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error):
        return False


# the sheets `load_registry` reads, in the order it reads them
REGISTRY_SHEETS = (schema.SHEET_PARAMETERS, schema.SHEET_APPLICATIONS, schema.SHEET_EXPENSES, schema.SHEET_PROVIDERS,
                   schema.SHEET_SCORES, schema.SHEET_REPORTS)


def _open(path: Path, sheets: tuple[str, ...] = ()) -> _TablesFromParts:
    """The workbook at `path` for reading values, once `guard` found nothing to refuse in it (`WorkbookRefused`, a
    `RegistryError`: empty, renamed, encrypted, truncated, a zip bomb, a value in XFD1048576…). `sheets`: those the
    caller will read, in order."""
    package = guard.inspect(path)
    return _TablesFromParts(_calamine(path, package), path, package, sheets)


def _calamine(path: Path, package: guard.Package) -> python_calamine.CalamineWorkbook:
    """python-calamine's book, its errors (English, several private types) said in French. A name the system
    accepts but that is not valid text (bytes of another encoding) is opened through a file object."""
    try:
        if str(path).encode("utf-8", "surrogateescape") != str(path).encode("utf-8", "replace"):
            return python_calamine.CalamineWorkbook.from_filelike(open(path, "rb"))  # noqa: SIM115 - calamine keeps it
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:
        raise guard.WorkbookRefused(package.name, f"le classeur ne peut pas être lu. {guard.DAMAGED}") from None


def open_workbook(path: str | Path, sheets: tuple[str, ...] = ()):
    """Any .xlsx opened for reading values as the registry is read (`sheet_values(name)`: Excel errors and formulas
    without computed value in place, as `ExcelError` and `Uncomputed`); the importers read their files this way.
    Raises `guard.WorkbookRefused` (a `RegistryError`, French) for a file fitn-xl does not read."""
    return _open(Path(path), sheets)


@dataclass(frozen=True)
class _TableRef:
    """What `_locate` needs of a table, in calamine's convention: `start` is (first data row, first column) and
    `end` (last row, last column), 0-based; `columns` are the headers."""

    start: tuple[int, int]
    end: tuple[int, int]
    columns: list[str]


class _TablesFromParts:
    """A calamine book whose table lookups read the `ref` of the table parts (xl/tables/*.xml, a few hundred
    bytes each): calamine's `get_table_by_name` reads every cell of the table, as long as the sheet itself."""

    def __init__(self, book, path: Path, package: guard.Package | None = None, sheets: tuple[str, ...] = ()):
        from .xlsx import XlsxPackage

        self._book = book
        self._path = path
        self._package = package
        self._ahead = _Ahead(path, package, sheets) if package is not None and package.kind == guard.XLSX and sheets \
            else None
        self._tables: dict[str, _TableRef] = {}
        self._sheet_parts: dict[str, str] = {}
        self._from_parts = True  # False: table lookups by calamine (a workbook without tables is no odd package)
        if is_ods(path):  # no Excel table (calamine has no table lookup for .ods): tables found by their headers
            return
        try:
            with XlsxPackage(path) as pkg:
                self._sheet_parts = dict(pkg.sheet_parts)
                for name, t in pkg.tables().items():
                    r0, c0, r1, c1 = t.ref  # 1-based, header row first
                    self._tables[name] = _TableRef((r0, c0 - 1), (r1 - 1, c1 - 1), t.headers)
        except Exception:  # an odd package: fall back on calamine's own table reading
            self._tables, self._from_parts = {}, False
            try:
                self._book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
            except Exception:  # no table calamine can read either (an .ods, a name calamine cannot open)
                self._from_parts = True

    def sheet_values(self, name: str) -> list[list]:
        """The values of sheet `name` from A1, as calamine reads them, with the cells calamine reads as empty
        although they are not (Excel errors, formulas without computed value: `cellscan`) in place."""
        part = self._sheet_parts.get(name)
        xml = self._checked_xml(name) if part else b""
        found = cellscan.special_cells(xml) if xml and cellscan.has_special_cells(xml) else {}
        patched = cellscan.calamine_safe(xml, found) if found else None
        try:
            if patched is None:
                values = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            else:  # calamine refuses a sheet holding an error it does not know: read it with those written #N/A
                values = _patched_book(self._path, {part: patched}).get_sheet_by_name(name).to_python(
                    skip_empty_area=False)
        except Exception:  # calamine's private error types, English: malformed XML, a reference it cannot place…
            raise guard.WorkbookRefused(self._path.name, f"la feuille est illisible. {guard.DAMAGED}", name) from None
        return cellscan.overlay(values, found) if found else values

    def _checked_xml(self, name: str) -> bytes:
        """The worksheet part of `name`, checked by `guard` (`WorkbookRefused` when it exceeds a limit)."""
        package = self._package
        if package is None or package.kind != guard.XLSX:
            return b""
        if self._ahead is not None:
            ready = self._ahead.take(name)
            if ready is not None:
                return ready
        with zipfile.ZipFile(self._path) as zf:
            return package.check_sheet(zf, name)

    def get_sheet_by_name(self, name: str):
        """calamine's sheet, once `guard` checked its part."""
        if name in self._sheet_parts:
            self._checked_xml(name)
        return self._book.get_sheet_by_name(name)

    @property
    def table_names(self) -> list[str]:
        return list(self._tables) if self._from_parts else self._book.table_names

    def get_table_by_name(self, name: str):
        return self._tables[name] if self._from_parts else self._book.get_table_by_name(name)

    def __getattr__(self, name):
        return getattr(self._book, name)


class _Ahead:
    """The worksheet parts a reader will read, decompressed and checked by `guard` in a thread, each while calamine
    (which releases the interpreter) reads the previous sheet: the check costs the reader next to nothing."""

    def __init__(self, path: Path, package: guard.Package, sheets: tuple[str, ...]):
        self._order = [s for s in dict.fromkeys(sheets) if s in package.sheet_parts]
        self._done = {s: threading.Event() for s in self._order}
        self._results: dict[str, bytes | BaseException] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._run, args=(path, package), daemon=True,
                                        name="fitn-xl-lecture")
        self._thread.start()

    def _run(self, path: Path, package: guard.Package) -> None:
        try:
            with zipfile.ZipFile(path) as zf:
                for sheet in self._order:
                    if self._stop:
                        break
                    try:
                        self._results[sheet] = package.check_sheet(zf, sheet)
                    except BaseException as exc:  # given to the reader, in its thread
                        self._results[sheet] = exc
                    self._done[sheet].set()
        except BaseException as exc:
            for sheet in self._order:
                self._results.setdefault(sheet, exc)
        finally:
            for event in self._done.values():
                event.set()

    def take(self, sheet: str) -> bytes | None:
        """The checked part of `sheet` (None when it was not read ahead); raises what checking it raised."""
        event = self._done.get(sheet)
        if event is None:
            return None
        event.wait()
        result = self._results.pop(sheet, None)
        if isinstance(result, BaseException):
            self._stop = True
            raise result
        return result


def _patched_book(path: Path, parts: dict[str, bytes]) -> python_calamine.CalamineWorkbook:
    """The workbook at `path` with some parts replaced, opened by calamine from memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            out.writestr(info.filename, parts.get(info.filename) or src.read(info))
    buffer.seek(0)
    return python_calamine.CalamineWorkbook.from_filelike(buffer)


def _sheet_values(book, sheet: str, cache: dict) -> list[list]:
    if sheet not in cache:
        if sheet not in book.sheet_names:
            path = getattr(book, "_path", None)
            where = f"« {readable(path.name)} » : l" if isinstance(path, Path) else "L"
            raise RegistryError(f"{where}a feuille « {sheet} » est absente du classeur : ce n'est pas un registre "
                                "fitn-xl (ou la feuille a été renommée : rendez-lui son nom).")
        read = getattr(book, "sheet_values", None)  # a file: with the cells calamine reads as empty
        try:
            cache[sheet] = read(sheet) if read else book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except BaseException as exc:  # calamine panics (a BaseException) on a date cell out of range, e.g. 1e12
            path = getattr(book, "path", None)
            if type(exc).__name__ != "PanicException" or not isinstance(path, str) or not zipfile.is_zipfile(path):
                raise
            from .xlsx import XlsxPackage  # values without date conversion; DATE columns read serial numbers

            with XlsxPackage(path) as pkg:
                cache[sheet] = pkg.raw_values(sheet)
    return cache[sheet]


UPGRADE_HINT = "« fitn-xl upgrade REGISTRE.xlsx » les ajoute en gardant toutes les saisies"


def _outdated(table: Table, header: str | None, row: int | None) -> Issue:
    """What a registry of an earlier version lacks: a table (`header` None) or one of its columns."""
    what = f"{table_label(table)} absent" if header is None else "colonne absente"
    return Issue(table.sheet, row, header, f"{what} (registre créé par une version précédente de fitn-xl)")


def outdated_notes(outdated: list[Issue]) -> list[Issue]:
    """One note per sheet for what an earlier version's registry lacks: « il lui manque les colonnes « A », « B »
    (lues vides) ; … »."""
    by_sheet: dict[str, list[Issue]] = {}
    for issue in outdated:
        by_sheet.setdefault(issue.sheet, []).append(issue)
    notes = []
    for sheet, items in by_sheet.items():
        names = [f"« {i.column} »" for i in items if i.column]
        parts = [f"la colonne {names[0]} (lue vide)" if len(names) == 1 else
                 f"les colonnes {', '.join(names)} (lues vides)"] if names else []
        parts += [i.message.split(" absent")[0] + (" (valeur par défaut)" if "paramètre" in i.message else
                                                   " (lu vide)") for i in items if not i.column]
        notes.append(Issue(sheet, None, None, "ce registre a été créé par une version précédente de fitn-xl, il lui "
                                              f"manque {' et '.join(parts)} ; {UPGRADE_HINT}"))
    return notes


def _locate(book, table: Table, values: list[list], issues: list[Issue],
            outdated: list[Issue] | None = None) -> tuple[int, int, int] | None:
    """(header row index, first col index, last col index), 0-based, of `table` in its sheet."""
    if table.name in book.table_names:
        t = book.get_table_by_name(table.name)
        (r0, c0), (_, c1) = t.start, t.end
        # calamine's `start` is the first data row (the header is the row above); older versions gave the header
        # row itself: take the row that holds the table's first header.
        first_header = t.columns[0] if t.columns else None
        for r in (r0 - 1, r0):
            if 0 <= r < len(values) and c0 < len(values[r]) and parse_text(values[r][c0]) == first_header:
                return r, c0, c1
        return max(r0 - 1, 0), c0, c1
    first = table.columns[0].header
    second = table.columns[1].header if len(table.columns) > 1 else None
    for r, row in enumerate(values[:20]):
        for c, cell in enumerate(row):
            # its first header, followed by its second (« Forfaits » and « Grille » both begin with « Mesure »)
            if isinstance(cell, str) and cell.strip() == first and (
                    second is None or c + 1 >= len(row) or parse_text(row[c + 1]) in (second, "")):
                # without its Excel table, a table's header row ends at its first empty cell: the tables of
                # « Paramètres » sit side by side, one empty column apart
                end = c
                while end + 1 < len(row) and parse_text(row[end + 1]):
                    end += 1
                return r, c, end
    if outdated is not None and schema.added_later(table):
        outdated.append(_outdated(table, None, None))
    else:
        issues.append(Issue(table.sheet, None, None, f"{table_label(table)} est introuvable (en-tête « {first} » "
                                                     "absent)", blocking=True))
    return None


def _read_table(book, table: Table, cache: dict, issues: list[Issue], notes: list[Issue] | None = None,
                outdated: list[Issue] | None = None) -> _Rows:
    """The rows of `table`, down to the last filled one: an empty row is skipped, never the end of the table
    (`notes`, when given, gets a note for each empty row between filled ones). With `outdated`, a table or an
    input column that a later version added (`schema.added_later`) and the workbook lacks is read as empty and
    noted there, instead of blocking."""
    if outdated is not None and table.sheet not in book.sheet_names and schema.added_later(table):
        outdated.append(_outdated(table, None, None))
        return _Rows(table, [], {}, {}, 1, None)
    values = _sheet_values(book, table.sheet, cache)
    where = _locate(book, table, values, issues, outdated)
    if where is None:
        return _Rows(table, [], {}, {}, 1, None)
    r0, c0, c1 = where
    header = [parse_text(v) for v in values[r0][c0 : c1 + 1]] if r0 < len(values) else []
    positions = {h: c0 + i for i, h in enumerate(header) if h}
    columns: list[tuple[Column, int]] = []
    for col in table.columns:
        if col.header in positions:
            columns.append((col, positions[col.header]))
        elif outdated is not None and schema.added_later(table, col.header):
            outdated.append(_outdated(table, col.header, r0 + 1))
        else:
            issues.append(Issue(table.sheet, r0 + 1, col.header, "colonne absente du tableau", blocking=True))
    excel_rows: list[int] = []
    picked_rows: list[tuple] = []
    last = r0
    indices = [c for _, c in columns]
    width = max(indices, default=-1) + 1
    pick = itemgetter(*indices) if len(indices) > 1 else (lambda line: tuple(line[c] for c in indices))
    gaps: list[int] = []  # empty rows (0-based) after the last filled one so far
    for r in range(r0 + 1, len(values)):
        line = values[r]
        if len(line) < width:
            line = [*line, *([None] * (width - len(line)))]
        picked = pick(line)
        for v in picked:
            if not (v is None or v == "" or (isinstance(v, str) and not v.strip())):
                break
        else:  # every cell empty
            if notes is not None:
                gaps.append(r)
            continue
        if gaps:
            notes.extend(Issue(table.sheet, g + 1, None, f"ligne vide dans {table_label(table)}, ignorée (les lignes "
                                                         "suivantes sont lues)") for g in gaps)
            gaps = []
        excel_rows.append(r + 1)
        picked_rows.append(picked)
        last = r
    raw = {col.attr: [] for col, _ in columns} if not picked_rows else dict(
        zip((col.attr for col, _ in columns), map(list, zip(*picked_rows, strict=True)), strict=True))
    return _Rows(table, excel_rows, raw, {h: c + 1 for h, c in positions.items()}, last + 1, r0 + 1)


@dataclass
class _Parsed:
    """A table's parsed values: `values[attr][i]` is record i's value of that column (None where the cell is bad),
    `errors[i]` the bad cells of record i, in column order."""

    rows: _Rows
    values: dict[str, list]
    errors: dict[int, list[tuple[Column, CellError]]]

    def column(self, attr: str) -> list | repeat:
        """The parsed values of a column, None for each record when the column is absent."""
        values = self.values.get(attr)
        return repeat(None, len(self.rows.excel_rows)) if values is None else values

    def record(self, i: int) -> dict:
        """Record i as {attr: value} for the columns found in the workbook."""
        return {attr: values[i] for attr, values in self.values.items()}


class _Parser:
    """Parses tables, collecting issues.

    Parsing is pure and registries repeat values (drop-downs, Oui/Non, dates, départements…), so each distinct raw
    value of a column is parsed once per load, a whole table's column at a time (`parse_column`); `report` then
    reports one record's bad cells, exactly as parsing that row alone would."""

    def __init__(self, issues: list[Issue], blocking: bool = False):
        self.issues = issues
        self.blocking = blocking  # every issue it reports blocks (the parameters' parser)
        # {(type, raw): value or CellError} per way of parsing: `parse_cell` depends only on the column's kind,
        # choices and required flag, so « N° dossier » of every table shares one.
        self._memos: dict[tuple, dict] = {}

    def parse(self, rows: _Rows) -> _Parsed:
        values: dict[str, list] = {}
        errors: dict[int, list[tuple[Column, CellError]]] = {}
        for col in rows.table.columns:
            raw = rows.raw.get(col.attr)
            if raw is None:
                continue
            out, bad = parse_column(raw, col, self._memos.setdefault((col.kind, col.choices, col.required), {}))
            for i in bad:
                errors.setdefault(i, []).append((col, out[i]))
                out[i] = None
            values[col.attr] = out
        return _Parsed(rows, values, errors)

    def report(self, parsed: _Parsed, i: int, dossier_id: str | None = None) -> None:
        """Issues for the bad cells of record i, if any."""
        bad = parsed.errors.get(i)
        if bad:
            table, excel_row = parsed.rows.table, parsed.rows.excel_rows[i]
            for col, exc in bad:
                self.issues.append(Issue(table.sheet, excel_row, col.header, str(exc), dossier_id, self.blocking))

    def issue(self, table: Table, excel_row: int, header: str | None, message: str, dossier_id: str | None):
        self.issues.append(Issue(table.sheet, excel_row, header, message, dossier_id, self.blocking))


def _builder(model, parsed: _Parsed, attrs: tuple[str, ...] | None = None) -> Callable[[int], object]:
    """A function of record i giving `model` built from its columns (`attrs`: the fields taken from the table,
    default every field), a field whose column is absent or whose cell is bad taking its default (None stays None
    for a field defaulting to None). Every model is built at once, positionally."""
    fields = [f for f in dataclasses.fields(model) if attrs is None or f.name in attrs]
    n = len(parsed.rows.excel_rows)
    columns = []
    for f in fields:
        values = parsed.values.get(f.name)
        columns.append(repeat(f.default, n) if values is None else values)
    built = list(map(model, *columns)) if columns else [model() for _ in range(n)]
    if parsed.errors:  # a bad cell is None: a field not defaulting to None takes its default instead
        fixed = [(k, f.name, f.default) for k, f in enumerate(fields) if f.default is not None]
        for i in parsed.errors:
            changes = {name: default for k, name, default in fixed if getattr(built[i], name) is None}
            if changes:
                built[i] = dataclasses.replace(built[i], **changes)
    return built.__getitem__


def _parameters(book, cache, issues: list[Issue], notes: list[Issue], broken_grids: set[str],
                outdated: list[Issue]) -> Parameters:
    """The parameters; `broken_grids` gets the measures whose grid has a row in error (already reported: their
    scores are not reported again against the criteria that row would have given)."""
    p = _Parser(issues, blocking=True)  # the parameters: a problem there skews every dossier
    base = default_parameters()
    rows = _read_table(book, schema.PARAMETERS, cache, issues, notes)
    known = {r.label: r for r in schema.PARAMETER_ROWS}
    values: dict[str, object] = {}
    extra: dict[str, object] = {}
    seen: set[str] = set()
    for excel_row, raw_label, raw_value in zip(rows.excel_rows, rows.raw_column("label"), rows.raw_column("value"),
                                               strict=True):
        try:
            check_value(raw_label)
        except CellError as exc:
            p.issue(schema.PARAMETERS, excel_row, "Paramètre", str(exc), None)
            continue
        label = parse_text(raw_label)
        if not label:
            continue
        seen.add(label)
        spec = known.get(label)
        if spec is None:
            try:  # a row beyond the contract (read by the documents): no Excel error, no control character
                check_value(raw_value)
            except CellError as exc:
                p.issue(schema.PARAMETERS, excel_row, "Valeur", f"{label} : {exc}", None)
                continue
            extra[label] = raw_value
            continue
        column = Column(spec.label, spec.attr, spec.kind, spec.required)
        try:
            value = parse_cell(raw_value, column)
            if value is not None or spec.required:  # an empty optional row keeps its default (« Taux de
                values[spec.attr] = value           # l'avance » empty: 50 %), never None where a value is due
        except CellError as exc:
            p.issue(schema.PARAMETERS, excel_row, "Valeur", f"{spec.label} : {exc}", None)
    for spec in schema.PARAMETER_ROWS:
        if spec.required and spec.label not in seen:
            if spec.label in schema.FIRST_PARAMETERS:
                issues.append(Issue(schema.SHEET_PARAMETERS, None, "Paramètre",
                                    f"le paramètre « {spec.label} » est absent", blocking=True))
            else:  # a parameter of a later version: its default meanwhile
                outdated.append(Issue(schema.SHEET_PARAMETERS, None, None, f"le paramètre « {spec.label} » absent "
                                                                           "(registre d'une version précédente)"))

    forfaits: list[ForfaitRule] = []
    forfait_rows: list[int] = []
    parsed = p.parse(_read_table(book, schema.FORFAITS, cache, issues, notes))
    for i, excel_row in enumerate(parsed.rows.excel_rows):
        p.report(parsed, i)
        rec = parsed.record(i)
        if i in parsed.errors:  # a bound or an amount unread: no rule rather than a wrong one
            continue
        if all(rec.get(k) not in (None, "") for k in ("measure", "applicant_type", "amount")):
            lo, hi = rec.get("population_min"), rec.get("population_max")
            rule = ForfaitRule(rec["measure"], rec["applicant_type"], rec["amount"], lo, hi)
            if lo is not None and hi is not None and lo > hi:
                p.issue(schema.FORFAITS, excel_row, "Population max", "inférieure à la population min", None)
            elif (k := rules.forfait_conflict(rule, forfaits)) is not None:
                p.issue(schema.FORFAITS, excel_row, "Population min", _overlap_message(forfait_rows[k]), None)
                continue
            forfaits.append(rule)
            forfait_rows.append(excel_row)

    grid = []
    parsed = p.parse(_read_table(book, schema.GRID, cache, issues, notes))
    numbers: set[tuple[str, int]] = set()
    for i, excel_row in enumerate(parsed.rows.excel_rows):
        p.report(parsed, i)
        rec = parsed.record(i)
        before = len(issues)
        if any(rec.get(k) in (None, "") for k in ("measure", "number", "name", "weight", "max_score")):
            if i in parsed.errors and rec.get("measure"):
                broken_grids.add(rec["measure"])
            continue
        if not 1 <= rec["number"] <= schema.N_CRITERIA:
            p.issue(schema.GRID, excel_row, "N°", f"le numéro de critère doit aller de 1 à {schema.N_CRITERIA}", None)
        elif (rec["measure"], rec["number"]) in numbers:
            p.issue(schema.GRID, excel_row, "N°", f"critère {rec['number']} en double pour la mesure {rec['measure']}",
                    None)
        elif rec["max_score"] <= 0:
            p.issue(schema.GRID, excel_row, "Note maximale", "la note maximale doit être positive", None)
        elif rec["weight"] < 0:
            p.issue(schema.GRID, excel_row, "Pondération", "la pondération ne peut pas être négative", None)
        else:
            numbers.add((rec["measure"], rec["number"]))
            grid.append(Criterion(rec["measure"], rec["number"], rec["name"], rec["weight"], rec["max_score"]))
        if len(issues) > before:
            broken_grids.add(rec["measure"])

    parsed = p.parse(_read_table(book, schema.EXCLUSIONS, cache, issues, notes))
    excluded = set()
    for i, category in enumerate(parsed.column("category")):
        p.report(parsed, i)
        if category:
            excluded.add(category)

    return Parameters(
        **{
            **{k: getattr(base, k) for k in ("effect_within_years", "report_every_days", "disagreement_threshold")},
            **{s.attr: getattr(base, s.attr) for s in schema.PARAMETER_ROWS},
            **values,
        },
        forfaits=tuple(forfaits),
        grid=tuple(grid),
        excluded_categories=frozenset(excluded),
        extra=extra,
    )


def _overlap_message(row: int) -> str:
    return (f"populations communes avec la ligne {row} (même mesure, même type de candidat, autre montant) : seule "
            "la première ligne s'appliquerait ; séparez les tranches de population")


def _children(
    parsed: _Parsed, parser: _Parser, known_ids: set[str], build: Callable[[int, int, str], object | None]
) -> tuple[list, list[int]]:
    """The records kept (known N° dossier, built by `build(i, excel_row, dossier_id)`) and the Excel row of each."""
    out, where = [], []
    table = parsed.rows.table
    id_header = table.column(DOSSIER_ID).header
    errors = parsed.errors
    # the parsed « N° dossier » is its text (parse_text), None only where the cell is empty (a required column)
    ids = parsed.column("dossier_id")
    for i, (excel_row, dossier_id) in enumerate(zip(parsed.rows.excel_rows, ids, strict=True)):
        if not dossier_id:
            parser.issue(table, excel_row, DOSSIER_ID, "valeur obligatoire manquante", None)
            continue
        if dossier_id not in known_ids:
            parser.issue(table, excel_row, id_header,
                         f"« {dossier_id} » est inconnu (absent de la feuille « {schema.SHEET_APPLICATIONS} »)", None)
            continue
        if i in errors:
            parser.report(parsed, i, dossier_id)
        item = build(i, excel_row, dossier_id)
        if item is not None:
            out.append(item)
            where.append(excel_row)
    return out, where


def journal_rows(path: str | Path) -> list[tuple[int, dict[str, object]]]:
    """The rows of the « Journal » table: (Excel row, {attr of `schema.JOURNAL`: raw cell value}), empty rows left
    out; [] when the registry has no journal. Raises `RegistryError` when the file is not a workbook."""
    book = _open(Path(path), (schema.SHEET_JOURNAL,))
    if schema.SHEET_JOURNAL not in book.sheet_names:
        return []
    rows = _read_table(book, schema.JOURNAL, {}, [])
    columns = {col.attr: list(rows.raw_column(col.attr)) for col in schema.JOURNAL.columns}
    return [(r, {attr: values[i] for attr, values in columns.items()}) for i, r in enumerate(rows.excel_rows)]


def load_registry(path: str | Path) -> LoadedRegistry:
    """Read and validate a registry. Raises `RegistryError` only when the file is not a registry at all."""
    path = Path(path)
    stamp = FileStamp.of(path)  # before reading: a change made during the reading is a change too
    book = _open(path, REGISTRY_SHEETS)
    with gc_paused():  # a few objects per cell, no reference cycle
        loaded = read_book(book, path)
    loaded.stamp = stamp
    return loaded


def read_book(book, path: str | Path) -> LoadedRegistry:
    """Like `load_registry`, from an open book with python-calamine's reading interface (`sheet_names`,
    `table_names`, `get_sheet_by_name(n).to_python(skip_empty_area=False)`, `get_table_by_name(n).start/.end`);
    the Excel add-in passes a workbook open in Excel this way. `path` is only recorded."""
    path = Path(path)
    cache: dict[str, list[list]] = {}
    issues: list[Issue] = []
    notes: list[Issue] = []
    outdated: list[Issue] = []
    broken_grids: set[str] = set()
    params = _parameters(book, cache, issues, notes, broken_grids, outdated)
    parser = _Parser(issues)

    apps_rows = _read_table(book, schema.APPLICATIONS, cache, issues, outdated=outdated)
    parsed = parser.parse(apps_rows)
    build_application = _builder(Application, parsed)
    applications: list[Application] = []
    application_rows: dict[str, int] = {}
    ids = parsed.column("dossier_id")
    for i, (excel_row, dossier_id) in enumerate(zip(apps_rows.excel_rows, ids, strict=True)):
        dossier_id = dossier_id or ""  # None: an empty cell
        if dossier_id in application_rows:
            parser.issue(schema.APPLICATIONS, excel_row, DOSSIER_ID,
                         f"« {dossier_id} » est en double (déjà ligne {application_rows[dossier_id]})", None)
            continue
        parser.report(parsed, i, dossier_id or None)
        if not dossier_id:
            continue
        application_rows[dossier_id] = excel_row
        app = build_application(i)
        if app.status in LAUREATE_STATUSES:
            for attr, header in (("decided_on", "Date de décision"), ("granted", "Montant accordé (€)")):
                if getattr(app, attr) is None and not any(
                    x.row == excel_row and x.column == header and x.sheet == schema.SHEET_APPLICATIONS for x in issues
                ):
                    parser.issue(schema.APPLICATIONS, excel_row, header,
                                 f"obligatoire pour un dossier au statut « {app.status} »", dossier_id)
        if app.received_on and app.decided_on and app.decided_on < app.received_on:
            parser.issue(schema.APPLICATIONS, excel_row, "Date de décision",
                         "antérieure à la date de réception", dossier_id)
        applications.append(app)
    known = set(application_rows)
    measure_of = {a.dossier_id: a.measure for a in applications}

    def expenses(parsed: _Parsed):
        make = _builder(Expense, parsed)
        category, country, amount = (parsed.column(a) for a in ("category", "publisher_country", "amount"))
        category, country, amount = (list(c) for c in (category, country, amount))

        unreadable_country = {i for i, bad in parsed.errors.items()
                              if any(col.attr == "publisher_country" for col, _ in bad)}

        def expense(i, excel_row, dossier_id):
            # a country typed but not understood is already reported as such: not « missing » as well
            if rules.missing_country(category[i], country[i]) and i not in unreadable_country:
                parser.issue(schema.EXPENSES, excel_row, "Pays de l'éditeur", rules.MISSING_COUNTRY, dossier_id)
            return make(i) if amount[i] is not None else None

        return expense

    def providers(parsed: _Parsed):
        make = _builder(Provider, parsed)
        return lambda i, excel_row, dossier_id: make(i)

    def reports(parsed: _Parsed):
        make = _builder(Report, parsed)
        return lambda i, excel_row, dossier_id: make(i)

    def payments(parsed: _Parsed):
        make = _builder(Payment, parsed)
        amount = list(parsed.column("amount"))
        return lambda i, excel_row, dossier_id: make(i) if amount[i] is not None else None

    grids: dict[str, dict[int, Criterion]] = {}

    def scores(parsed: _Parsed):
        criterion_columns = [(i, list(parsed.column(f"criterion_{i}")), f"Critère {i}")
                             for i in range(1, schema.N_CRITERIA + 1)]
        evaluator, conflict, comment = (list(parsed.column(a)) for a in ("evaluator", "conflict", "comment"))

        def score(row, excel_row, dossier_id):
            measure = measure_of.get(dossier_id, "")
            criteria = grids.get(measure)
            if criteria is None:
                criteria = grids[measure] = {c.number: c for c in params.criteria_of(measure)}
            values = []
            for i, column, header in criterion_columns:
                v = column[row]
                if v is not None:
                    crit = criteria.get(i)
                    if crit is None:
                        # a missing or unknown measure, a grid row in error: already reported
                        if measure and measure not in broken_grids:
                            parser.issue(schema.SCORES, excel_row, header,
                                         f"la grille de la mesure {measure} n'a pas de critère {i}", dossier_id)
                        v = None
                    elif v < 0 or v > crit.max_score:
                        parser.issue(schema.SCORES, excel_row, header,
                                     f"{number(v)} hors de l'échelle du critère « {crit.name} » "
                                     f"(0 à {number(crit.max_score)})", dossier_id)
                        v = None
                values.append(v)
            # None (a bad or absent cell) takes the field's default, as for every model
            return Score(dossier_id, "" if evaluator[row] is None else evaluator[row], conflict[row], tuple(values),
                         "" if comment[row] is None else comment[row])

        return score

    tables = {}
    record_rows = {schema.APPLICATIONS.name: [application_rows[a.dossier_id] for a in applications]}
    last_rows = {schema.APPLICATIONS.name: apps_rows.last_row}
    header_columns = {schema.APPLICATIONS.name: apps_rows.columns}
    header_rows = {schema.APPLICATIONS.name: apps_rows.header_row}
    for table, builder in ((schema.EXPENSES, expenses), (schema.PROVIDERS, providers), (schema.SCORES, scores),
                           (schema.REPORTS, reports), (schema.PAYMENTS, payments)):
        rows = _read_table(book, table, cache, issues, outdated=outdated)
        parsed = parser.parse(rows)
        tables[table.name], record_rows[table.name] = _children(parsed, parser, known, builder(parsed))
        last_rows[table.name] = rows.last_row
        header_columns[table.name] = rows.columns
        header_rows[table.name] = rows.header_row

    registry = Registry(
        parameters=params,
        applications=tuple(applications),
        expenses=tuple(tables[schema.EXPENSES.name]),
        providers=tuple(tables[schema.PROVIDERS.name]),
        scores=tuple(tables[schema.SCORES.name]),
        reports=tuple(tables[schema.REPORTS.name]),
        payments=tuple(tables[schema.PAYMENTS.name]),
    )
    return LoadedRegistry(path, registry, issues, application_rows, header_columns, last_rows, record_rows,
                          {name: row for name, row in header_rows.items() if row is not None},
                          notes + outdated_notes(outdated), outdated)


__all__ = ["Issue", "LoadedRegistry", "RegistryError", "load_registry", "open_workbook", "read_book"]
