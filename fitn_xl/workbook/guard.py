"""Opening a workbook nobody vouches for: what is checked before python-calamine, openpyxl or lxml allocate.

A registry, a DITP list to consolidate or a Démarches Simplifiées export may be anything: empty, truncated, another
format renamed, encrypted, a zip bomb, XML with entity declarations, a value typed in cell XFD1048576 (python-calamine
then asks for 550 GB and the process aborts), a sheet of 1.5 million rows. `inspect` reads the zip's
directory and the small parts every reader needs; `check_sheet` reads a worksheet part before calamine reads the
same sheet; both raise `WorkbookRefused`, a French message naming the file, the sheet and the limit, and saying
what to do. The limits are far above any real registry (5 000 dossiers at national scale: 38 columns, 25 000
expense lines) and far below what exhausts a workstation.

Reading a worksheet part costs one decompression (the reader decompresses each sheet anyway: `cellscan`; the
registry's reader does it in a thread, ahead of calamine) and one search; a sheet whose cells are not all where its
`<dimension>` says, or written otherwise than Excel, LibreOffice and openpyxl write them (cells without their
reference first, a namespace prefix), is counted cell by cell, as calamine would place them. The length of one text
is bounded where values are read (`values.check_value`: no more than an Excel cell holds). A part that fitn-xl
patches (parsed whole by lxml: `XlsxPackage.xml`) is bounded on its bytes first (`check_patchable`: its size, its
elements, a worksheet's `<row>` elements, empty ones included).
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.text import number
from ..files import readable
from .errors import RegistryError

# --- limits ----------------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 512 * 1024 * 1024  # the file on disk
MAX_MEMBERS = 10_000  # parts in the zip
MAX_PART_BYTES = 256 * 1024 * 1024  # one part, uncompressed (the national bench registry's largest: 9 MB)
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # every part, uncompressed
MAX_PATCHED_BYTES = 64 * 1024 * 1024  # a part parsed whole by lxml to be patched (about ten times its size in memory)
MAX_ROWS = 250_000  # rows of a sheet, up to its last filled cell
MAX_COLUMNS = 2_000  # columns of a sheet, up to its last filled cell (Excel's limit: 16 384)
MAX_CELLS = 10_000_000  # rows × columns of a sheet: what calamine allocates, 32 bytes each
MAX_SHARED_STRINGS = 1_000_000  # texts of the shared table (each typed text once; calamine holds them all)
MAX_STYLES = 100_000  # <xf> cell formats of styles.xml (Excel makes at most 65 490; calamine holds them all)
# a worksheet part fitn-xl patches (parsed whole by lxml, about 400 bytes an element): its XML elements and its
# <row> elements, empty ones included (a national registry's largest sheet: 411 163 elements, 25 001 rows)
MAX_PATCHED_ELEMENTS = 2_000_000
MAX_PATCHED_ROWS = MAX_ROWS

XLSX, ODS = "xlsx", "ods"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, or an encrypted .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_HEAD = 64 * 1024

UNRECOGNISED = ("n'est pas un classeur Excel (.xlsx) : son contenu n'est pas celui d'un classeur (un autre fichier "
                "renommé ?).")  # bytes that are no known format
WHAT_TO_DO_LIMITS = ("Effacez les cellules remplies au-delà des tableaux (dans Excel, Ctrl+Fin montre la dernière "
                     "cellule utilisée ; sélectionnez les lignes ou colonnes en trop, clic droit, Supprimer), "
                     "enregistrez, puis relancez.")
DAMAGED = ("Le fichier est endommagé : reprenez la version précédente (fichier « .precedent.xlsx » à côté du "
           "registre) ou une sauvegarde, ou ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau.")


class WorkbookRefused(RegistryError):
    """A workbook fitn-xl does not read (French). `str()` names the file (and the sheet); `reason` does not name
    the file, for the readers whose messages name it themselves."""

    def __init__(self, file: str, reason: str, sheet: str | None = None):
        self.file, self.sheet, self.reason = readable(file), sheet, reason
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.sheet and self.reason.startswith(_SUBJECT):  # « x.xlsx » n'est pas…, « x.xlsx » est vide…
            return f"« {self.file} » {self.reason}"
        return f"« {self.file} »{self.where} : {self.reason}"

    @property
    def where(self) -> str:
        return f", feuille « {self.sheet} »" if self.sheet else ""

    def local(self) -> str:
        """The message without the file name: « feuille « X » : … », « ce n'est pas… », « c'est… » or the reason."""
        if self.sheet:
            return f"feuille « {self.sheet} » : {self.reason}"
        if self.reason.startswith("n'est"):
            return f"ce {self.reason}"
        if self.reason.startswith(("est un ", "est une ")):
            return f"c'{self.reason}"
        if self.reason.startswith(_SUBJECT):
            return f"le fichier {self.reason}"
        return self.reason


_SUBJECT = ("n'est ", "est ", "pèse ")  # reasons said of the file itself


def _mb(n: int) -> str:
    return f"{number(max(n // (1024 * 1024), 1))} Mo"


def _limits() -> str:
    return (f"{number(MAX_ROWS)} lignes, {number(MAX_COLUMNS)} colonnes et {number(MAX_CELLS)} cellules par feuille "
            "au plus")


# --- the package -----------------------------------------------------------------------------------------------


@dataclass
class Package:
    """A zip that passed `inspect`: its kind (`XLSX` or `ODS`) and, for an .xlsx, each sheet's part."""

    path: Path
    kind: str
    sheet_parts: dict[str, str]
    infos: dict[str, zipfile.ZipInfo]

    @property
    def name(self) -> str:
        return self.path.name

    def read(self, zf: zipfile.ZipFile, part: str, sheet: str | None = None) -> bytes:
        """A part's bytes, at most `MAX_PART_BYTES` whatever its header says, its CRC checked."""
        return read_part(zf, part, self.name, sheet)

    def check_sheet(self, zf: zipfile.ZipFile, sheet: str) -> bytes:
        """The worksheet part of `sheet`, checked (`check_sheet_xml`); its bytes."""
        part = self.sheet_parts.get(sheet)
        if not part or part not in self.infos:
            raise WorkbookRefused(self.name, f"la feuille est déclarée mais son contenu est absent du fichier. "
                                             f"{DAMAGED}", sheet)
        xml = self.read(zf, part, sheet)
        check_sheet_xml(xml, self.name, sheet)
        return xml


def read_part(zf: zipfile.ZipFile, part: str, file: str, sheet: str | None = None,
              limit: int = MAX_PART_BYTES) -> bytes:
    """A part's bytes, at most `limit` whatever its header says, its CRC checked, without DTD; else
    `WorkbookRefused`."""
    try:
        with zf.open(part) as stream:
            data = stream.read(limit + 1)
    except KeyError:
        raise WorkbookRefused(file, f"la partie interne « {part} » est absente. {DAMAGED}", sheet) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise WorkbookRefused(file, f"la partie interne « {part} » est illisible ({_zip_reason(exc)}). {DAMAGED}",
                              sheet) from None
    if len(data) > limit:
        raise WorkbookRefused(file, f"la partie interne « {part} » dépasse {_mb(limit)} une fois décompressée : "
                                    "fichier refusé.", sheet)
    _refuse_dtd(data, part, file, sheet)
    return data


def _zip_reason(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "contrôle d'intégrité faux"
    if "password" in text or "encrypted" in text:
        return "partie chiffrée"
    if "compression" in text.lower():
        return "méthode de compression inconnue"
    return "données compressées invalides ou tronquées"


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _refuse_dtd(data: bytes, part: str, file: str, sheet: str | None = None) -> None:
    """An OOXML or OpenDocument part never declares a DTD or entities (the XML « bombs » need them)."""
    if not part.endswith((".xml", ".rels", ".vml")):
        return
    head = data[:_HEAD]
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    if b"<!" in prolog.replace(b"<!--", b"") or head.startswith((b"\xfe\xff", b"\xff\xfe")):
        raise WorkbookRefused(file, f"la partie interne « {part} » contient une déclaration de DTD ou d'entités, "
                                    "jamais présente dans un classeur : fichier refusé (piégé ?).", sheet)


def _identify(path: Path, head: bytes) -> str | None:
    """The French reason a file that is not a zip cannot be a workbook."""
    if not head:
        return ("est vide (0 octet). Reprenez la version précédente (fichier « .precedent.xlsx » à côté "
                "du registre) ou une sauvegarde.")
    if head.startswith(_OLE):
        try:
            with open(path, "rb") as f:
                start = f.read(1024 * 1024)
        except OSError:
            start = b""
        if _ENCRYPTED in start:
            return ("est protégé par un mot de passe (chiffré) : fitn-xl ne peut pas le lire. Ouvrez-le "
                    "dans Excel, retirez le mot de passe (Fichier > Informations > Protéger le classeur > Chiffrer "
                    "avec mot de passe : videz le champ), enregistrez, puis relancez.")
        return ("est un classeur Excel 97-2003 (.xls) ou un autre document Office ancien, pas un classeur .xlsx : "
                "ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format « Classeur Excel (.xlsx) ».")
    if head.startswith(b"%PDF"):
        return "est un document PDF, pas un classeur Excel (.xlsx)."
    if head.startswith(b"PK"):
        return f"l'archive zip est incomplète ou endommagée. {DAMAGED}"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return ("est un fichier XML ou HTML, pas un classeur Excel (.xlsx) : ouvrez-le dans Excel ou LibreOffice "
                "et enregistrez-le au format « Classeur Excel (.xlsx) ».")
    return UNRECOGNISED


def inspect(path: str | Path, expected: str = XLSX) -> Package:
    """Check the file at `path` before any reader opens it: a file (not a folder), not empty, not too large, a zip
    holding a workbook (an .xlsx, or an .ods when `expected` is `ODS` or the file is named .ods), parts of sane
    sizes, no encrypted part, the small parts every reader parses readable and without DTD; for an .xlsx, the part of
    each sheet. Raises `WorkbookRefused`."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise WorkbookRefused(name, f"le fichier n'existe pas (chemin « {readable(str(path))} »).")
    if path.is_dir():
        raise WorkbookRefused(name, "est un dossier, pas un fichier : donnez le chemin du classeur lui-même.")
    if not path.is_file():
        raise WorkbookRefused(name, "n'est pas un fichier ordinaire (tube, périphérique…).")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except PermissionError:
        raise WorkbookRefused(name, "accès refusé : vous n'avez pas le droit de lire ce fichier (demandez ce droit "
                                    "ou copiez le fichier dans un dossier à vous).") from None
    except OSError as exc:
        from ..files import os_reason

        raise WorkbookRefused(name, f"lecture impossible ({os_reason(exc)}).") from None
    if size > MAX_FILE_BYTES:
        raise WorkbookRefused(name, f"pèse plus de {_mb(MAX_FILE_BYTES)} : ce n'est pas un registre ou une "
                                    "liste que fitn-xl lit.")
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise WorkbookRefused(name, _identify(path, head))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise WorkbookRefused(name, f"l'archive zip est incomplète ou endommagée. {DAMAGED}") from None
    with zf:
        return _inspect_zip(path, zf, expected)


def _inspect_zip(path: Path, zf: zipfile.ZipFile, expected: str) -> Package:
    name = path.name
    infos_list = zf.infolist()
    if len(infos_list) > MAX_MEMBERS:
        raise WorkbookRefused(name, f"l'archive contient {number(len(infos_list))} éléments : ce n'est pas un "
                                    "classeur que fitn-xl lit (piégé ?).")
    infos = {i.filename: i for i in infos_list}
    total = 0
    for info in infos_list:
        if info.flag_bits & 0x1:
            raise WorkbookRefused(name, "des parties de l'archive sont chiffrées : fitn-xl ne lit pas un classeur "
                                        "protégé par mot de passe. Retirez la protection dans Excel, enregistrez, "
                                        "puis relancez.")
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookRefused(name, f"la partie interne « {info.filename} » dépasse {_mb(MAX_PART_BYTES)} une "
                                        "fois décompressée : fichier refusé (archive piégée ?).")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise WorkbookRefused(name, f"le contenu décompressé dépasse {_mb(MAX_TOTAL_BYTES)} : fichier refusé "
                                    "(archive piégée ?).")
    kind = _kind(zf, infos)
    if kind is None:
        raise WorkbookRefused(name, _not_a_workbook(infos))
    if kind == ODS:
        if expected != ODS and path.suffix.lower() != ".ods":
            raise WorkbookRefused(name, "est un classeur OpenDocument (.ods) renommé : ouvrez-le dans LibreOffice "
                                        "et enregistrez-le au format « Excel 2007-365 (.xlsx) », puis relancez.")
        check_ods_xml(read_part(zf, "content.xml", name), name)
        return Package(path, ODS, {}, infos)
    return Package(path, XLSX, _sheet_parts(zf, infos, name), infos)


def _kind(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> str | None:
    if "xl/workbook.xml" in infos:
        return XLSX
    if "content.xml" in infos:
        mimetype = zf.read("mimetype")[:200].strip() if "mimetype" in infos and infos["mimetype"].file_size < 200 \
            else ODS_MIMETYPE
        if mimetype.startswith(ODS_MIMETYPE):
            return ODS
    return None


def _not_a_workbook(infos: dict[str, zipfile.ZipInfo]) -> str:
    if "word/document.xml" in infos:
        return "est un document Word (.docx), pas un classeur Excel (.xlsx)."
    if any(n.startswith("ppt/") for n in infos):
        return "est une présentation PowerPoint (.pptx), pas un classeur Excel (.xlsx)."
    if "content.xml" in infos:
        return "est un document OpenDocument qui n'est pas un classeur (texte, présentation…)."
    if any(n.startswith("xl/") for n in infos):
        return f"la partie interne « xl/workbook.xml » est absente. {DAMAGED}"
    return "est une archive zip, pas un classeur Excel (.xlsx) (partie « xl/workbook.xml » absente)."


_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_XATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(tag: bytes) -> dict[str, str]:
    out = {}
    for m in _XATTR.finditer(tag):
        key = m.group(1).decode("ascii", "replace").rpartition(":")[2]
        raw = m.group(2) if m.group(2) is not None else m.group(3)
        out.setdefault(key, _unescape(raw.decode("utf-8", "replace")))
    return out


def _int(text: str | None, default: int = 1) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text) if "&" in text else text


def _sheet_parts(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], name: str) -> dict[str, str]:
    workbook = read_part(zf, "xl/workbook.xml", name)
    rels = read_part(zf, "xl/_rels/workbook.xml.rels", name) if "xl/_rels/workbook.xml.rels" in infos else b""
    if "_rels/.rels" not in infos:
        raise WorkbookRefused(name, f"la partie interne « _rels/.rels » est absente. {DAMAGED}")
    targets = {}
    shared = None
    for m in _REL.finditer(rels):
        a = _attrs(m.group(1))
        target = a.get("Target", "")
        part = part_target("xl/workbook.xml", target)
        targets[a.get("Id", "")] = part
        if a.get("Type", "").endswith("/sharedStrings"):
            shared = part
    sheets = {}
    for m in _SHEET.finditer(workbook):
        a = _attrs(m.group(1))
        if "name" in a:
            sheets[a["name"]] = targets.get(a.get("id", ""), "")
    if shared and shared in infos:  # read whole by calamine when it opens the file: its texts counted first
        _count_items(zf, shared, name, "si", MAX_SHARED_STRINGS, "textes")
    if "xl/styles.xml" in infos:  # read whole by calamine too: its cell formats counted first
        _count_items(zf, "xl/styles.xml", name, "xf", MAX_STYLES, "formats de cellule (Excel en permet 65\u202f490)")
    return sheets


_CHUNK = 4 * 1024 * 1024


@functools.lru_cache(maxsize=8)
def _item(tag: str) -> re.Pattern:
    return re.compile(rb"<(?:[\w.-]+:)?" + tag.encode() + rb"[\s>/]")


def _count_items(zf: zipfile.ZipFile, part: str, file: str, tag: str, limit: int, what: str) -> None:
    """Refuse a part calamine reads whole when it opens a workbook holding more than `limit` `<tag>` elements (the
    shared texts, the cell formats: a few hundred KB zipped can declare tens of millions, seconds and gigabytes
    before the first cell is read). Counted while the part is decompressed, a few MB at a time; its size, CRC and
    prolog checked as `read_part` does."""
    count, size, tail, prefixed = 0, 0, b"", None
    plain = b"<" + tag.encode()
    try:
        with zf.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                if prefixed is None:
                    _refuse_dtd(chunk, part, file)
                    root = _ROOT_START.search(chunk[:_HEAD])
                    prefixed = root is not None and b":" in chunk[root.start():root.start() + 40].split(b" ")[0]
                size += len(chunk)
                if size > MAX_PART_BYTES:
                    raise WorkbookRefused(file, f"la partie interne « {part} » dépasse {_mb(MAX_PART_BYTES)} une fois "
                                                "décompressée : fichier refusé.")
                buf = tail + chunk
                if prefixed:  # matches wholly inside `tail` were counted with the previous chunk
                    count += sum(1 for m in _item(tag).finditer(buf) if m.end() > len(tail))
                    tail = buf[-64:]
                else:  # `<xf` also counts `<xfrm`-like names: none in these parts
                    count += buf.count(plain)
                    tail = buf[-len(plain) + 1:]
                if count > limit:
                    raise WorkbookRefused(file, f"la partie interne « {part} » contient plus de {number(limit)} "
                                                f"{what} : fichier refusé (piégé ?).")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise WorkbookRefused(file, f"la partie interne « {part} » est illisible ({_zip_reason(exc)}). "
                                    f"{DAMAGED}") from None


def part_target(base_part: str, target: str) -> str:
    """The part a relationship of `base_part` points to: « worksheets/sheet1.xml » of « xl/workbook.xml » is
    « xl/worksheets/sheet1.xml »; « ../drawings/drawing1.xml » goes up; « /xl/… » is from the package's root."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = base_part.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


# --- worksheets ------------------------------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref\s*=\s*"(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')
_PREFIXED_ROOT = re.compile(rb"<[\w.-]+:worksheet\b")


@functools.cache
def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@functools.cache
def column_letters(index: int) -> str:
    """28 -> 'AB'."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _at_most(text: str, alphabet: str) -> str:
    """A regex alternation matching the strings over `alphabet` (in its order) not greater than `text` in that
    order, shorter strings included (for digits: a number from 1 to `text`, without leading zero)."""
    first, last = alphabet[0], alphabet[-1]
    cls = f"[{first}-{last}]"
    digits = first == "0"
    head = "[1-9]" if digits else cls
    n = len(text)
    alts = [f"{head}{cls}{{0,{n - 2}}}" if n > 2 else head] if n > 1 else []
    for i, ch in enumerate(text):
        low = "1" if digits and i == 0 else first
        if ch > low:
            alts.append(f"{text[:i]}[{low}-{alphabet[alphabet.index(ch) - 1]}]{cls * (n - i - 1)}")
    alts.append(text)
    return "|".join(alts)


@functools.lru_cache(maxsize=256)
def _outside(col: str, row: str) -> re.Pattern:
    """The start of a `<c>` element that is not written as Excel, LibreOffice and openpyxl write it within the
    dimension `col``row`: its first attribute the reference, in double quotes, upper case, not beyond the
    dimension. One search of the part; anything it finds sends the sheet to the exact count (`_extent`)."""
    cols = _at_most(col, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = _at_most(row, "0123456789")
    return re.compile(f'<c(?! r="(?:{cols})(?:{rows})")[\\s>/]'.encode())


def check_extent(rows: int, cols: int, file: str, sheet: str) -> None:
    """Refuse a sheet whose used range (from A1) reaches row `rows`, column `cols` beyond the limits: what the
    add-in checks before asking Excel for a sheet's values."""
    if not _within_limits(rows, cols):
        raise WorkbookRefused(file, f"sa zone utilisée va jusqu'à la cellule {column_letters(cols)}{rows} : la feuille "
                                    f"dépasse ce que fitn-xl lit ({_limits()}). {WHAT_TO_DO_LIMITS}", sheet)


@functools.lru_cache(maxsize=64)
def _misshapen(letters: int, digits: int) -> re.Pattern:
    """The start of a `<c>` element whose first attribute is not a reference of at most `letters` upper-case letters
    and `digits` digits, in double quotes (the cheaper search when that shape alone keeps a sheet within limits)."""
    return re.compile(f'<c(?! r="[A-Z]{{1,{letters}}}[1-9][0-9]{{0,{digits - 1}}}")[\\s>/]'.encode())


def _within_limits(rows: int, cols: int) -> bool:
    return rows <= MAX_ROWS and cols <= MAX_COLUMNS and rows * cols <= MAX_CELLS


def check_sheet_xml(xml: bytes, file: str, sheet: str) -> None:
    """Refuse (`WorkbookRefused`) a worksheet part whose filled cells reach beyond the limits, or that declares a
    DTD. The cells are those calamine would read: its `<c>` elements holding something, placed by their reference
    (or after the previous cell of the row).

    One search of the part is enough for a sheet written as Excel, LibreOffice or openpyxl write it: every cell
    starts with its reference and none lies beyond the sheet's `<dimension>` (by the count of its letters and
    digits when that already keeps the sheet within the limits, by its value otherwise); anything else is counted
    cell by cell (`_extent`). The text of one cell is bounded where values are read (`values.check_value`)."""
    _refuse_dtd(xml, "feuille.xml", file, sheet)
    head = xml[:_HEAD]
    dim = _DIMENSION.search(head)
    if dim is not None and _PREFIXED_ROOT.search(head) is None:
        col, row = dim.group(1).decode(), dim.group(2).decode()
        coarse_rows, coarse_cols = 10 ** len(row) - 1, (26, 702, 16384)[len(col) - 1]
        if _within_limits(coarse_rows, coarse_cols):
            if _misshapen(len(col), len(row)).search(xml) is None:
                return
        elif _within_limits(int(row), column_index(col)) and _outside(col, row).search(xml) is None:
            return
    rows, cols, far = _extent(xml)  # the dimension cannot be trusted: place every cell as calamine does
    if not _within_limits(rows, cols):
        where = (f"une valeur en {far}" if far == f"{column_letters(cols)}{rows}" else
                 f"des valeurs jusqu'à la ligne {number(rows)} et la colonne {column_letters(cols)} (par exemple "
                 f"en {far})")
        raise WorkbookRefused(file, f"{where} : la feuille dépasse ce que fitn-xl lit ({_limits()}). "
                                    f"{WHAT_TO_DO_LIMITS}", sheet)


def check_patchable(xml: bytes, file: str, part: str, sheet: str | None = None) -> None:
    """Refuse (`WorkbookRefused`) a part too large to be parsed whole by lxml for patching: more than
    `MAX_PATCHED_BYTES` or `MAX_PATCHED_ELEMENTS` elements, and for a worksheet (`sheet`: its name) more than
    `MAX_PATCHED_ROWS` `<row>` elements (empty or only formatted rows count: lxml holds each one). Counted on the
    bytes, before lxml allocates; a worksheet's message names it and says what to do."""
    elements = xml.count(b"<") - xml.count(b"</") - xml.count(b"<?") - xml.count(b"<!")
    rows = xml.count(b"<row") if sheet else 0
    if len(xml) > MAX_PATCHED_BYTES:
        what = f"dépasse {_mb(MAX_PATCHED_BYTES)} une fois décompressée"
    elif rows > MAX_PATCHED_ROWS:
        what = (f"enregistre {number(rows)} lignes, vides ou seulement mises en forme pour la plupart "
                f"({number(MAX_PATCHED_ROWS)} au plus)")
    elif elements > MAX_PATCHED_ELEMENTS:
        what = f"compte {number(elements)} éléments XML ({number(MAX_PATCHED_ELEMENTS)} au plus)"
    else:
        return
    if sheet is None:
        raise WorkbookRefused(file, f"la partie interne « {part} » {what} : fichier refusé.")
    raise WorkbookRefused(file, f"elle {what} : fitn-xl ne la modifie pas. Supprimez les lignes et colonnes en trop "
                                "au-delà des tableaux (dans Excel, Ctrl+Fin montre la dernière cellule utilisée ; "
                                "sélectionnez les lignes ou colonnes en trop, clic droit, Supprimer), enregistrez, "
                                "puis relancez.", sheet)


_CANONICAL_FILLED = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>')
_TAGS = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c|v|is|f)(?=[\s/>])([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def _extent(xml: bytes) -> tuple[int, int, str]:
    """(last row, last column, reference of a cell there), 1-based, of the cells holding something (a value, an
    inline string, a formula), placed as calamine places them: by their reference, else after the previous cell of
    the row; a row without reference follows the previous one. Cells all written with their reference first (but
    beyond the dimension) are found by one search; others are followed tag by tag."""
    if _misshapen(3, 7).search(xml) is None:
        found = _CANONICAL_FILLED.findall(xml)
        if not found:
            return 0, 0, "A1"
        by_row = max(found, key=lambda cell: int(cell[1]))
        letters = max({c for c, _ in found}, key=lambda c: (len(c), c))
        last_row, last_col = int(by_row[1]), column_index(letters.decode())
        far = by_row if last_row > MAX_ROWS else next(cell for cell in found if cell[0] == letters)
        return last_row, last_col, (far[0] + far[1]).decode()
    max_row = max_col = 0
    far = "A1"
    row = 0  # 1-based current row
    col = 0  # 1-based column of the previous cell
    cell: tuple[int, int] | None = None  # the open <c> element's position
    filled = False
    for m in _TAGS.finditer(xml):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"row":
            if closing:
                continue
            r = _R_ATTR.search(attrs)
            text = (r.group(1) if r.group(1) is not None else r.group(2)) if r else b""
            row = int(text) if text.isdigit() and len(text) <= 9 else row + 1
            col = 0
        elif tag == b"c":
            if closing:
                if cell is not None and filled and (cell[0] > max_row or cell[1] > max_col):
                    max_row, max_col = max(max_row, cell[0]), max(max_col, cell[1])
                    far = f"{column_letters(cell[1])}{cell[0]}"
                cell = None
                continue
            r = _R_ATTR.search(attrs)
            text = (r.group(1) if r.group(1) is not None else r.group(2)).decode("ascii", "replace") if r else ""
            ref = _REF.fullmatch(text.replace("$", ""))
            if ref:
                rr, c = int(ref.group(2)), column_index(ref.group(1).upper())
            else:
                rr, c = row, col + 1
            col = c
            cell, filled = ((rr, c), False) if not empty else (None, False)
        elif cell is not None and not closing:  # <v>, <is>, <f> inside a cell
            filled = True
    return max_row, max_col, far


# --- OpenDocument ----------------------------------------------------------------------------------------------

_ODS_TAGS = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")


def check_ods_xml(xml: bytes, file: str) -> None:
    """The same limits for the tables of an OpenDocument spreadsheet's content.xml, repeated rows and cells
    (`number-rows-repeated`, `number-columns-repeated`) counted as calamine expands them when they hold a value."""
    sheet = None
    row = col = 0  # rows before the current one, columns before the current cell
    row_repeat = 1
    max_row = max_col = 0
    row_max_col = 0
    for m in _ODS_TAGS.finditer(xml):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            if closing:
                _check_ods_extent(file, sheet, max_row, max_col)
                sheet, max_row, max_col = None, 0, 0
            else:
                sheet, row, max_row, max_col = _attrs(attrs).get("name", "?"), 0, 0, 0
            continue
        a = _attrs(attrs) if not closing else {}
        if tag == b"table-row":
            if closing:
                if row_max_col:
                    max_row, max_col = max(max_row, row + row_repeat), max(max_col, row_max_col)
                row += row_repeat
                continue
            row_repeat = max(_int(a.get("number-rows-repeated")), 1)
            col, row_max_col = 0, 0
            if empty:
                row += row_repeat
            continue
        if closing:
            continue
        repeat = max(_int(a.get("number-columns-repeated")), 1)
        valued = not empty or "value-type" in a or "formula" in a
        if valued:
            row_max_col = col + repeat
        col += repeat
    if sheet is not None:
        _check_ods_extent(file, sheet, max_row, max_col)


def _check_ods_extent(file: str, sheet: str | None, rows: int, cols: int) -> None:
    if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
        raise WorkbookRefused(file, f"des valeurs s'étendent jusqu'à la ligne {number(rows)} et la colonne "
                                    f"{column_letters(cols)} : la feuille dépasse ce que fitn-xl lit ({_limits()}). "
                                    f"{WHAT_TO_DO_LIMITS}", sheet)


def check_sheets(path: str | Path, sheets: Iterable[str] | None = None) -> Package:
    """`inspect` the file, then check the worksheet parts of `sheets` (default: every sheet)."""
    package = inspect(path)
    if package.kind == XLSX:
        with zipfile.ZipFile(package.path) as zf:
            for sheet in package.sheet_parts if sheets is None else sheets:
                if sheet in package.sheet_parts:
                    package.check_sheet(zf, sheet)
    return package


__all__ = ["MAX_CELLS", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_PART_BYTES", "MAX_ROWS", "MAX_SHARED_STRINGS",
           "MAX_STYLES", "ODS", "XLSX", "Package", "WorkbookRefused", "check_extent", "check_ods_xml",
           "check_patchable", "check_sheet_xml", "check_sheets", "column_index", "column_letters", "inspect",
           "part_target", "read_part"]
