"""The files Démarches Simplifiées (DS) lets an instructeur download — « export des dossiers » in .xlsx, .ods or
.csv — read into plain tables (sheet name -> rows of cell values, header row first).

What DS writes (its `ProcedureExportService`, through the Ruby libraries caxlsx, rodf and CSV):
- .xlsx: sheets « Dossiers », « Etablissements », « Avis », then one sheet per repeatable block that has rows;
  text as inline strings, numbers as numbers, dossier dates as date-time cells.
- .ods: the same sheets, written by rodf, which puts **no `mimetype` entry** in the archive: python-calamine
  refuses such a file, so it is repaired in memory (the entry added first, uncompressed, as the format asks)
  before reading. Dates are text there (« 2021-03-01 10:30:00 +0100 »), numbers floats.
- .csv: the « Dossiers » sheet only (no repeatable block, no Etablissements), comma-separated, UTF-8; for legal
  entities the establishment columns (« Établissement SIRET »…) stand where the .xlsx has « Entreprise raison
  sociale ». A copy re-saved by a French spreadsheet (semicolons, Windows-1252) is read too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from ..workbook import guard
from ..workbook.read import open_workbook
from .docx_in import FormError, check_zip

XLSX, ODS, CSV, API = "xlsx", "ods", "csv", "api"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MAX_CSV_BYTES = 200 * 1024 * 1024
MAIN_SHEET = "Dossiers"
ESTABLISHMENTS_SHEET = "Etablissements"


@dataclass
class Tables:
    """An export as tables: `sheets` maps each sheet name to its rows (lists of cell values, header first), in
    the file's order. `kind` is XLSX, ODS, CSV or API (dossiers read through the API, laid out as an export)."""

    kind: str
    sheets: dict[str, list[list]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.sheets)


def kind_of(path: Path) -> str | None:
    """XLSX, ODS or CSV from the file name; None for another kind of file."""
    return {".xlsx": XLSX, ".xlsm": XLSX, ".ods": ODS, ".csv": CSV}.get(path.suffix.lower())


def read_tables(path: str | Path) -> Tables:
    """Every sheet of a DS export. Raises `FormError` (French, without the file name) when the file cannot be
    read as the export its name says."""
    path = Path(path)
    kind = kind_of(path)
    if kind == CSV:
        return Tables(CSV, {MAIN_SHEET: _csv_rows(path)})
    if kind is None:
        raise FormError("ce n'est pas un export Démarches Simplifiées (.xlsx, .ods ou .csv attendu)")
    try:  # sizes, renamed formats, encryption, DTDs, cells far beyond the data (issue 12)
        guard.inspect(path, expected=kind)
    except guard.WorkbookRefused as exc:
        if exc.reason != guard.UNRECOGNISED:  # bytes of no known format: said below
            raise FormError(exc.local()) from None
    if not zipfile.is_zipfile(path):
        what = "classeur Excel (.xlsx)" if kind == XLSX else "classeur OpenDocument (.ods)"
        raise FormError(f"ce n'est pas un {what} exporté de Démarches Simplifiées")
    with zipfile.ZipFile(path) as zf:
        check_zip(zf)
        names = set(zf.namelist())
        if kind == ODS and "content.xml" not in names:
            raise FormError("classeur OpenDocument sans contenu (content.xml absent)")
        if kind == XLSX and "xl/workbook.xml" not in names:
            raise FormError("ce n'est pas un classeur Excel (.xlsx) : xl/workbook.xml absent")
        source = _with_mimetype(zf) if kind == ODS and "mimetype" not in names else None
    try:
        if kind == XLSX:  # as the registry is read: an Excel error value is an error, not an empty cell
            book = open_workbook(path)
            sheets = {name: book.sheet_values(name) for name in book.sheet_names}
        else:
            book = python_calamine.CalamineWorkbook.from_filelike(source) if source is not None else \
                python_calamine.CalamineWorkbook.from_path(str(path))
            sheets = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                      for name in book.sheet_names}
    except guard.WorkbookRefused as exc:  # a sheet beyond the limits
        raise FormError(exc.local()) from None
    except Exception:  # calamine raises several private error types (English text)
        raise FormError(f"classeur illisible : {guard.DAMAGED}") from None
    return Tables(kind, sheets)


def _with_mimetype(zf: zipfile.ZipFile) -> io.BytesIO:
    """The archive with the `mimetype` entry an OpenDocument file must start with (rodf leaves it out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as fixed:
        fixed.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for info in zf.infolist():
            fixed.writestr(info.filename, zf.read(info))
    out.seek(0)
    return out


def _csv_rows(path: Path) -> list[list]:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise FormError(f"fichier CSV trop volumineux ({size // (1024 * 1024)} Mo) : fichier refusé")
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise FormError("ce n'est pas un fichier CSV (contenu binaire)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # re-saved by a French Excel
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FormError("le fichier CSV est vide")
    return [[cell if cell != "" else None for cell in row] for row in rows]


__all__ = ["API", "CSV", "ESTABLISHMENTS_SHEET", "MAIN_SHEET", "ODS", "XLSX", "Tables", "kind_of", "read_tables"]
