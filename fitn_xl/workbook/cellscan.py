"""The cells python-calamine reads as empty although they are not: Excel error values (« #N/A », « #REF! »…) and
formulas saved without a computed value. Found in the worksheet's XML, so the reader can report them.

calamine (0.9) gives an error cell as '' and leaves an uncomputed formula out; it refuses a whole sheet holding an
error it does not know (« #SPILL! », « #CALC! »…): `calamine_safe` gives the sheet part with those errors replaced
by one it knows, the real codes coming from `special_cells`.
"""

from __future__ import annotations

import re
from html import unescape

from ..values import ExcelError, Uncomputed
from .xlsx import column_index

# what calamine 0.9 converts (any other error code makes it refuse the sheet)
CALAMINE_ERRORS = frozenset(("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"))

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c)
_HINT = re.compile(rb"""\bt\s*=\s*["']e["']|<""" + _P + rb"""f[\s/>]""")
_ROW_START = re.compile(rb"<" + _P + rb"row[\s>]")
_ROW_END = re.compile(rb"</" + _P + rb"row>")
_CELL = re.compile(rb"<(" + _P + rb")c\b([^>]*?)(/?)>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"^([A-Z]{1,3})([0-9]+)$")
_F = re.compile(rb"<" + _P + rb"f\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"f>)", re.S)
_V = re.compile(rb"<" + _P + rb"v\b[^>]*?(?:/>|>(.*?)</" + _P + rb"v>)", re.S)


def _sheet_data(xml: bytes) -> tuple[int, int]:
    start = xml.find(b"sheetData")
    if start < 0:
        return 0, 0
    end = xml.rfind(b"sheetData")
    return start, (end if end > start else len(xml))


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")


def has_special_cells(xml: bytes) -> bool:
    """Whether the sheet part may hold an error cell or a formula: two plain searches (`t="e"`, `<f`, in the
    quotes and the namespace prefix the part's root element uses); `special_cells` tells."""
    start, end = _sheet_data(xml)
    root = _ROOT.search(xml, 0, start if start > 0 else min(len(xml), 4096))
    prefix = root.group(1) or b"" if root else b""
    quote = b"'" if root and b"='" in root.group() and b'="' not in root.group() else b'"'
    return xml.find(b"<" + prefix + b"f", start, end) >= 0 or xml.find(b"t=" + quote + b"e" + quote, start, end) >= 0


def special_cells(xml: bytes) -> dict[tuple[int, int], ExcelError | Uncomputed]:
    """(row, column), 0-based, -> what the cell holds, for the error cells and the formula cells without a computed
    value of a worksheet part. Only the rows holding a hint are parsed: a sheet of plain values costs one search."""
    start, end = _sheet_data(xml)
    out: dict[tuple[int, int], ExcelError | Uncomputed] = {}
    pos = start
    while True:
        hint = _HINT.search(xml, pos, end)
        if hint is None:
            return out
        row_start = _last_row_start(xml, start, hint.start())
        row_end = _row_end(xml, hint.end(), end)
        _scan_row(xml[row_start:row_end], out)
        pos = row_end


def _last_row_start(xml: bytes, floor: int, before: int) -> int:
    """Where the <row> element holding position `before` starts."""
    i = before
    while (i := xml.rfind(b"row", floor, i)) >= 0:
        lt = xml.rfind(b"<", floor, i)
        if lt >= 0 and _ROW_START.match(xml, lt):
            return lt
    return floor


def _row_end(xml: bytes, after: int, end: int) -> int:
    m = _ROW_END.search(xml, after, end)
    return m.end() if m else end


def _scan_row(row: bytes, out: dict) -> None:
    m = _ROW_START.search(row)
    row_number = None
    if m:
        tag_end = row.find(b">", m.start())
        attrs = _attrs(row[m.start():tag_end])
        row_number = int(attrs[b"r"]) if attrs.get(b"r", b"").isdigit() else None
    cells = list(_CELL.finditer(row))
    last_col = 0
    for k, cell in enumerate(cells):
        attrs = _attrs(cell.group(2))
        ref = _REF.match(attrs.get(b"r", b""))
        if ref:
            col, r = column_index(ref.group(1).decode()), int(ref.group(2))
        elif row_number is not None:
            col, r = last_col + 1, row_number
        else:
            continue  # no position to tell: calamine would not know it either
        last_col = col
        if cell.group(3):  # <c …/>: an empty cell
            continue
        body_end = cells[k + 1].start() if k + 1 < len(cells) else len(row)
        body = row[cell.end():body_end]
        kind = attrs.get(b"t", b"n")
        v = _V.search(body)
        value = None if v is None else (v.group(1) or b"")
        if kind == b"e":
            code = unescape(value.decode("utf-8", "replace")).strip() if value else ""
            out[(r - 1, col - 1)] = ExcelError(code.upper() or "#N/A")
            continue
        f = _F.search(body)
        if f is None:
            continue
        if v is None or (value.strip() == b"" and kind not in (b"str", b"inlineStr")):
            formula = unescape((f.group(2) or b"").decode("utf-8", "replace")).strip()
            out[(r - 1, col - 1)] = Uncomputed(formula)


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1).split(b":")[-1]: (m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(tag)}


def calamine_safe(xml: bytes, found: dict[tuple[int, int], ExcelError | Uncomputed]) -> bytes | None:
    """The sheet part with the error codes calamine refuses written as « #N/A » (the real codes are in `found`),
    or None when it has none."""
    if all(not isinstance(v, ExcelError) or v.code in CALAMINE_ERRORS for v in found.values()):
        return None
    unknown = sorted({v.code for v in found.values() if isinstance(v, ExcelError)} - CALAMINE_ERRORS)
    pattern = re.compile(rb"(<" + _P + rb"v\b[^>]*>)\s*(" + b"|".join(re.escape(c.encode()) for c in unknown) +
                         rb")\s*(</" + _P + rb"v>)", re.I)
    return pattern.sub(rb"\1#N/A\3", xml)


def overlay(values: list[list], found: dict[tuple[int, int], ExcelError | Uncomputed]) -> list[list]:
    """`values` (a sheet from A1, as calamine gives it) with the special cells put in place, rows and columns
    added where calamine left them out."""
    for (r, c), value in found.items():
        while len(values) <= r:
            values.append([])
        row = values[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        row[c] = value
    return values


__all__ = ["CALAMINE_ERRORS", "calamine_safe", "has_special_cells", "overlay", "special_cells"]
