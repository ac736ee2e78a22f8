"""Writing into an existing registry, fast and safe: patch the .xlsx zip directly, never through openpyxl.

Layers, bottom up:
- `fitn_xl.workbook.xlsx`: the zip patched in place (`XlsxPackage`, `SheetXml`, `TableXml`).
- `check_writable` / `atomic_update`: refuse while Excel or LibreOffice holds the file, or when it is read-only;
  hold the registry's lock (`fitn_xl.workbook.lock`: one fitn-xl writer at a time); write a temp file beside it,
  check that nobody rewrote the registry meanwhile, keep the previous version as `NAME.precedent.xlsx`, then
  `os.replace`.
- `fill_computed`, `append_rows`, `append_journal`, `append_input_rows`: writing a table's computed cells or
  new rows (the `recalc` job of `fitn_xl.app` and the imports are built on them).

"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

from .. import schema
from ..files import readable, side_stem
from ..schema import Table
from .cells import WRAPPED, number_format, row_height, to_excel, wrapped_lines
from .lock import FileStamp, RegistryChanged, check_unchanged, registry_lock
from .read import LoadedRegistry, RegistryError
from .xlsx import SheetXml, TableXml, XlsxPackage


class RegistryLocked(RegistryError):
    """The registry is open in Excel or LibreOffice (a lock file sits beside it)."""


class RegistryReadOnly(RegistryError):
    """The registry (or its folder) is read-only: fitn-xl does not replace it (French message)."""


# --- safety: locks, atomic replacement, previous version -------------------------------------------------------


def lock_files(path: str | Path) -> list[Path]:
    """Lock files of Excel (`~$NAME.xlsx`) and LibreOffice (`.~lock.NAME.xlsx#`) present beside `path`."""
    path = Path(path)
    candidates = [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]
    if len(path.stem) > 2:  # Excel shortens long names: ~$ replaces the first two characters
        candidates.append(path.with_name(f"~${path.name[2:]}"))
    return [p for p in candidates if _exists(p)]


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name the system cannot hold (too long): no program made that lock file
        return False


def check_not_open(path: str | Path, force: bool = False) -> None:
    """Raise `RegistryLocked` (French message) while the file is open in Excel or LibreOffice, unless `force`."""
    if force:
        return
    locks = lock_files(path)
    if locks:
        raise RegistryLocked(
            f"« {Path(path).name} » semble ouvert dans Excel ou LibreOffice (fichier de verrou « {locks[0].name} »). "
            "Enregistrez et fermez-le, puis relancez ; ou ajoutez --force si le verrou est périmé."
        )


def read_only(path: str | Path) -> bool:
    """Whether the file at `path` is read-only (no write permission bit, or not writable by this user)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not mode & 0o222 or not os.access(path, os.W_OK)


def check_writable(path: str | Path, force: bool = False) -> None:
    """Refuse (French) to replace `path` while Excel or LibreOffice holds it (unless `force`), or when it or its
    folder is read-only (whatever `force` says: the read-only attribute is the owner's decision)."""
    path = Path(path)
    check_not_open(path, force)
    if path.is_file() and not os.access(path, os.R_OK):  # not even readable: the reader's words, not « read-only »
        raise RegistryReadOnly(
            f"« {path.name} » : accès refusé : vous n'avez pas le droit de lire ce fichier (demandez ce droit ou "
            "copiez le fichier dans un dossier à vous).")
    if read_only(path):
        raise RegistryReadOnly(
            f"« {path.name} » est en lecture seule : fitn-xl ne le modifie pas. Si vous voulez qu'il le soit, retirez "
            "l'attribut lecture seule (Propriétés du fichier, ou chmod u+w), puis relancez.")
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise RegistryReadOnly(
            f"le dossier de « {path.name} » est en lecture seule : fitn-xl ne peut pas y écrire la nouvelle version "
            "du registre. Copiez le registre dans un dossier où vous pouvez écrire, ou demandez ce droit.")


def previous_version_path(path: str | Path) -> Path:
    """`REGISTRE.precedent.xlsx` beside `REGISTRE.xlsx`."""
    path = Path(path)
    return path.with_name(f"{side_stem(path)}.precedent{path.suffix}")  # a long name: shortened (side_stem)


TEMP_SUFFIX = ".fitn-tmp"
STALE_TEMP_SECONDS = 600  # a temp file untouched this long belongs to a writer that was killed


def remove_stale_temps(path: str | Path, keep: Path | None = None, older_than: float = STALE_TEMP_SECONDS,
                       now: float | None = None) -> list[Path]:
    """Delete the temp files a killed writer left beside `path` (`.NAME.xxxxxxxx.fitn-tmp.xlsx`, as made by
    `atomic_update`) not modified for `older_than` seconds, except `keep`. Returns those removed. Another
    registry's temp files (`.NAME.autre.…`) and recent ones (a writer at work) are left alone."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(side_stem(path))}\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX + path.suffix)}")
    limit = (time.time() if now is None else now) - older_than
    removed = []
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return removed
    for candidate in candidates:
        if candidate == keep or not pattern.fullmatch(candidate.name):
            continue
        try:
            if candidate.is_file() and candidate.stat().st_mtime < limit:
                candidate.unlink()
                removed.append(candidate)
        except OSError:  # gone meanwhile, or not ours to delete: never a reason to fail the update
            continue
    return removed


@contextlib.contextmanager
def atomic_update(path: str | Path, force: bool = False, expected: FileStamp | None = None) -> Iterator[Path]:
    """Yield a temp path in the same folder; on success keep the previous version as `NAME.precedent.xlsx`
    (replaced each time) and put the temp file in place with `os.replace`; on any exception remove the temp
    file and leave the original untouched. Temp files left by a killed writer of the same file (older than
    `STALE_TEMP_SECONDS`) are removed first.

    Refused (French) while Excel or LibreOffice holds the file (unless `force`) or when it is read-only. Holds the
    registry's lock throughout (waiting for another fitn-xl writer). `expected`: the file as the caller read it
    (`FileStamp`, default: as it is on entry); if the file is no longer that one just before the replacement
    (another program saved over it), nothing is replaced and `RegistryChanged` is raised."""
    path = Path(path)
    check_writable(path, force)
    with registry_lock(path):
        stamp = expected if expected is not None else FileStamp.of(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{side_stem(path)}.", suffix=TEMP_SUFFIX + path.suffix,
                                        dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        remove_stale_temps(path, keep=tmp)
        try:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            check_unchanged(path, stamp)
            if path.exists():
                shutil.copymode(path, tmp)  # mkstemp made it private (0600): keep the registry's permissions
                _keep_previous(path)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _keep_previous(path: Path) -> None:
    previous = previous_version_path(path)
    staging = previous.with_name(f".{previous.name}.fitn-tmp")
    staging.unlink(missing_ok=True)
    try:
        os.link(path, staging)  # O(1): the previous version keeps the old inode after os.replace
    except OSError:
        shutil.copy2(path, staging)
    os.replace(staging, previous)


# --- computed columns ----------------------------------------------------------------------------------------


def fill_computed(pkg: XlsxPackage, loaded: LoadedRegistry, table: Table,
                   by_row: Mapping[int, Mapping[str, object]]) -> int:
    """Write the computed columns of `table`: `by_row` gives Excel row -> header -> value; every other row of the
    table's data range gets its computed cells cleared. Returns the number of rows given values."""
    positions = loaded.header_columns.get(table.name, {})
    computed = [(c.header, positions[c.header]) for c in table.computed if c.header in positions]
    if not computed:
        return 0
    xt = pkg.tables().get(table.name)
    header_row = loaded.header_rows.get(table.name)  # where the reader found it (its Excel table, else the sheet)
    if header_row is None:
        return 0
    last_row = max(loaded.last_rows.get(table.name, header_row), xt.ref[2] if xt is not None else header_row,
                   max(by_row, default=header_row))
    sheet = pkg.sheet(table.sheet)
    columns = {header: table.column(header) for header, _ in computed}
    restyle = {col: _column_style(pkg, columns[header]) for header, col in computed}
    wrapped = [(header, sheet.col_widths.get(col, columns[header].width + 2)) for header, col in computed
               if columns[header].attr in WRAPPED]
    ours = {row_height(n) for n in range(2, 30)}  # heights this function gives; others are the user's
    written = 0
    for r in range(header_row + 1, last_row + 1):
        given = by_row.get(r)
        values = {col: (given.get(header) if given else None) for header, col in computed}
        if given is not None:
            written += 1
        elif sheet.row(r, create=False) is None:
            continue
        sheet.set_row(r, values, restyle=restyle)
        if wrapped:
            lines = max(wrapped_lines(given.get(h) if given else None, width) for h, width in wrapped)
            if lines > 1:
                sheet.set_row_height(r, row_height(lines))
            elif sheet.row_height(r) in ours:
                sheet.set_row_height(r, None)
    return written


def fit_text_rows(pkg: XlsxPackage, sheet_name: str, rows: Callable[[list[list]], Iterable[int]],
                  columns: Iterable[int], default_width: float = 13) -> int:
    """Give the rows of `sheet_name` that `rows(values)` names (1-based, from the sheet's values) the height their
    text needs in `columns` (1-based; their cells wrap): spreadsheet programs do not grow a row whose height is
    fixed when someone types a longer text (« Paramètres »'s Service instructeur). A row of one line gets back the
    program's own height, unless the user gave it one of his own. Returns the number of rows whose height changed;
    the sheet's part is rewritten only when there is one."""
    part = pkg.sheet_parts[sheet_name]
    sheet = SheetXml(pkg.xml(part))  # read first: a sheet whose heights are right stays byte for byte as it was
    values = pkg.raw_values(sheet_name)
    ours = {row_height(n) for n in range(1, 30)}
    columns = tuple(columns)
    changed = 0
    for r in rows(values):
        if not 1 <= r <= len(values):
            continue
        row = values[r - 1]
        lines = max((wrapped_lines(row[c - 1], sheet.col_widths.get(c, default_width)) for c in columns
                     if c <= len(row) and isinstance(row[c - 1], str)), default=1)
        before = sheet.row_height(r)
        if lines > 1:
            if before != row_height(lines):
                sheet.set_row_height(r, row_height(lines))
                changed += 1
        elif before in ours:
            sheet.set_row_height(r, None)
            changed += 1
    if changed:
        pkg.touch(part)
    return changed


def _column_style(pkg: XlsxPackage, column) -> Callable[[str | None], str]:
    """Style index -> the same style with the number format (and wrapping) the builder gives `column`: a cell
    whose format another program changed (French LibreOffice saving `#,##0.00 "€"` as `#,##0.00,\\€`) gets it
    back."""
    fmt = number_format(column)
    wrap = True if column.attr in WRAPPED else None
    return lambda base: pkg.restyled(base, fmt, wrap)


# --- appending rows ------------------------------------------------------------------------------------------


def append_rows(pkg: XlsxPackage, table: Table | str, rows: list[Mapping[str, object]]) -> list[int]:
    """Append `rows` (keyed by header) to a table of an open package, after its last filled row (the builder's
    empty row is reused), extending the table's ref; returns the Excel rows written. Values are typed as the
    builder types them when `table` is a `schema.Table`."""
    name = table.name if isinstance(table, Table) else table
    schema_table = table if isinstance(table, Table) else None
    xt = pkg.tables().get(name)
    if xt is None and schema_table is not None:  # « converted to range »: the table is its header row
        r0, c0, c1, headers, sheet_name = _header_row(pkg, schema_table)
    else:
        xt = pkg.table(name)  # raises when the table is absent
        r0, c0, _, c1 = xt.ref
        headers, sheet_name = xt.headers, xt.sheet
    position = {h: c0 + i for i, h in enumerate(headers) if h}
    unknown = {h for row in rows for h in row if h not in position}
    known = {c.header for c in schema_table.columns} if schema_table is not None else set()
    if unknown and unknown <= known:  # the table's own headers, renamed or deleted in the file
        missing = ", ".join(f"« {h} »" for h in sorted(unknown))
        raise RegistryError(f"« {readable(pkg.path.name)} », feuille « {sheet_name} » : le tableau n'a plus de "
                            f"colonne {missing} (renommée ou supprimée ?) : rien n'a été ajouté. Rendez-lui son "
                            "en-tête (fitn-xl check les liste), puis relancez.")
    if unknown:
        raise ValueError(f"unknown headers for table {name}: {sorted(unknown)}")
    sheet = pkg.sheet(sheet_name)
    start = sheet.last_filled_row(r0, c0, c1) + 1
    styles = {c: sheet.style_of(r0 + 1, c) for c in range(c0, c1 + 1)}
    columns = {c.header: c for c in schema_table.all_columns} if schema_table is not None else {}
    order = {h: i for i, h in enumerate(headers)}
    written = []
    for i, row in enumerate(rows):
        r = start + i
        values = {position[h]: to_excel(columns.get(h), row[h]) for h in sorted(row, key=order.__getitem__)}
        sheet.set_row(r, values, styles)  # in column order: the new cells need no reordering
        written.append(r)
    if written and xt is not None:
        xt.extend_to(written[-1])
    return written


def _header_row(pkg: XlsxPackage, table: Table) -> tuple[int, int, int, list[str], str]:
    """(header row, first column, last column, headers, sheet) of `table` found by its first header in the first 20
    rows of its sheet, as the reader finds a table without its Excel table. Raises `RegistryError` when absent."""
    if table.sheet not in pkg.sheet_parts:
        raise RegistryError(f"La feuille « {table.sheet} » est absente du classeur.")
    grid = pkg.raw_values(table.sheet)
    first = table.columns[0].header
    for r, row in enumerate(grid[:20], start=1):
        for c, cell in enumerate(row, start=1):
            if isinstance(cell, str) and cell.strip() == first:
                end = c
                while end < len(row) and isinstance(row[end], str) and row[end].strip():
                    end += 1
                return r, c, end, [str(v).strip() for v in row[c - 1:end]], table.sheet
    raise RegistryError(f"Feuille « {table.sheet} » : en-tête « {first} » introuvable, rien n'a été ajouté.")


def append_input_rows(path: str | Path, table: Table, rows: list[Mapping[str, object]],
                      force: bool = False, expected: FileStamp | None = None) -> list[int]:
    """Append rows (keyed by the exact headers of `table`) to one of the registry's tables, atomically. Values are
    typed as the builder types them (dates, amounts as numbers, bool -> Oui/Non, country codes -> names).
    Returns the Excel rows written.

    `expected`: the file as the caller read it when it decided what to append; a file changed since is refused
    (`RegistryChanged`). Without it, rows are appended to the file as it is: a file changed by another program
    during the append is read again and the append redone (once)."""
    path = Path(path)
    for attempt in range(2):
        try:
            with atomic_update(path, force, expected) as tmp, XlsxPackage(path) as pkg:
                written = append_rows(pkg, table, rows)
                pkg.save(tmp)
            return written
        except RegistryChanged:
            if expected is not None or attempt:
                raise
    raise AssertionError("unreachable")


def check_journal(path: str | Path, rows: list[Mapping[str, object]]) -> None:
    """Raise `RegistryError` (French) when `rows` could not be appended to the « Journal » of the registry at
    `path` (no such sheet, a header renamed…): the rows are appended in memory, never saved. For what must not
    happen unless its Journal row can follow it (a send: without its row, it would be made again)."""
    with XlsxPackage(path) as pkg:
        append_rows(pkg, schema.JOURNAL, _stamped(rows))


def _stamped(rows: list[Mapping[str, object]]) -> list[dict[str, object]]:
    stamp = datetime.now().replace(microsecond=0)
    first = schema.JOURNAL.columns[0].header
    return [{first: stamp, **row} if not row.get(first) else dict(row) for row in rows]


def append_journal(path: str | Path, rows: list[Mapping[str, object]], force: bool = False) -> list[int]:
    """Append rows to the « Journal » table (keys: `schema.JOURNAL` headers; « Date et heure » defaults to now)."""
    return append_input_rows(path, schema.JOURNAL, _stamped(rows), force)


__all__ = [
    "FileStamp", "RegistryChanged", "RegistryLocked", "RegistryReadOnly", "SheetXml", "TableXml", "XlsxPackage",
    "append_input_rows", "append_rows", "append_journal", "atomic_update", "check_journal", "check_not_open",
    "check_writable",
    "fill_computed", "lock_files", "previous_version_path", "read_only", "registry_lock", "remove_stale_temps",
]
