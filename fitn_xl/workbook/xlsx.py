"""The .xlsx package patched in place: every zip member is copied unchanged except the parts a caller changed.

`XlsxPackage` is the zip; `SheetXml` sets cell values by (row, column) keeping each cell's style (new cells take
their column's style), appends rows and replaces a sheet's data; `TableXml` reads and extends a table's `ref`.
Strings are written as inline strings, so sharedStrings.xml is never touched; numbers and dates as numbers. Knows
nothing of the registry: `fitn_xl.workbook.write` builds the registry's jobs on it.

Test hook: the environment variable FITN_XL_TEST_WRITE_DELAY (seconds) makes `XlsxPackage.save` pause halfway
through writing, so a test can kill the process mid-write.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath

from lxml import etree

from ..files import readable
from ..values import MAX_TEXT, ExcelError, Uncomputed, is_date_format
from . import guard
from .cells import excel_serial, formula_like, to_excel
from .errors import RegistryError
from .guard import column_index, column_letters

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
WORKSHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_T = {name: f"{{{NS}}}{name}" for name in ("row", "c", "v", "f", "is", "t", "sheetData", "dimension", "cols", "col",
                                             "autoFilter", "tableColumn", "numFmts", "numFmt", "cellXfs", "xf",
                                             "sheets", "sheet", "alignment", "protection", "extLst")}
_DIGITS = "0123456789"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _escaped(text: str) -> str:
    """`text` as Excel writes it in a cell: a character XML cannot hold (a vertical tab pasted from Word…) as its
    OOXML escape « _x000B_ », and the « _ » of a text that looks like an escape as « _x005F_ ». The reader then
    reads the text back exactly, and `check` reports the character where it is, instead of it vanishing unsaid."""
    if "_x" in text:
        text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


# --- cell references -----------------------------------------------------------------------------------------


def split_ref(ref: str) -> tuple[int, int]:
    """'AB12' -> (row 12, column 28)."""
    m = _CELL_REF.match(ref.replace("$", "").upper())
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


def split_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C10' -> (first row, first col, last row, last col)."""
    a, _, b = ref.partition(":")
    r0, c0 = split_ref(a)
    r1, c1 = split_ref(b or a)
    return r0, c0, r1, c1


def range_ref(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{column_letters(c0)}{r0}:{column_letters(c1)}{r1}"


def _number_text(value) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


# --- sheets --------------------------------------------------------------------------------------------------


class SheetXml:
    """One worksheet part, parsed with lxml. Rows and columns are 1-based Excel numbers."""

    def __init__(self, root: etree._Element, quoted_style: Callable[[str | None], str] | None = None,
                 where: str = ""):
        self.root = root
        self.where = where  # « « registre.xlsx », feuille « Candidatures » », for messages
        self.quoted_style = quoted_style  # style index -> the same style with Excel's quote prefix
        self.data = root.find(_T["sheetData"])
        if self.data is None:
            raise RegistryError(f"{where + ' : ' if where else ''}la feuille n'a pas de données (élément sheetData "
                                f"absent). {guard.DAMAGED}")
        self._rows: dict[int, etree._Element] = {}
        self._order: list[int] = []
        last = 0
        for row in self.data.iterchildren(_T["row"]):
            number = row.get("r") or str(last + 1)
            if not number.isdigit() or not 0 < int(number) <= 1_048_576:
                raise RegistryError(f"{where + ' : ' if where else ''}une ligne porte le numéro « {number[:20]} », "
                                    f"qu'Excel ne connaît pas. {guard.DAMAGED}")
            r = int(number)
            row.set("r", str(r))
            self._rows[r] = row
            self._order.append(r)
            last = r
        self._order.sort()
        self.col_styles: dict[int, str] = {}
        self.col_widths: dict[int, float] = {}
        cols = root.find(_T["cols"])
        if cols is not None:
            for col in cols.iterchildren(_T["col"]):
                first, last = col.get("min") or "", col.get("max") or ""
                if not (first.isdigit() and last.isdigit()):  # no column of Excel: its width or style is nobody's
                    continue
                first, last = int(first), int(last)
                if last - first > 16384:
                    continue
                for c in range(first, last + 1):
                    if col.get("style") is not None:
                        self.col_styles[c] = col.get("style")
                    if col.get("width") is not None:
                        with contextlib.suppress(ValueError):
                            self.col_widths[c] = float(col.get("width"))
        self._max_row, self._max_col = 0, 0

    # rows and cells
    @property
    def max_row(self) -> int:
        return self._order[-1] if self._order else 0

    def row(self, r: int, create: bool = True) -> etree._Element | None:
        el = self._rows.get(r)
        if el is None and create:
            el = etree.Element(_T["row"], r=str(r))
            i = bisect.bisect(self._order, r)
            if i < len(self._order):
                self._rows[self._order[i]].addprevious(el)
            else:
                self.data.append(el)
            self._order.insert(i, r)
            self._rows[r] = el
        return el

    @staticmethod
    def row_cells(row: etree._Element) -> dict[int, etree._Element]:
        out: dict[int, etree._Element] = {}
        last = 0
        for c in row.iterchildren(_T["c"]):
            ref = c.get("r")
            col = column_index(ref.rstrip(_DIGITS)) if ref else last + 1
            out[col] = c
            last = col
        return out

    def style_of(self, r: int, c: int) -> str | None:
        """The style of cell (r, c) if it exists, else its column's style."""
        row = self._rows.get(r)
        if row is not None:
            cell = self.row_cells(row).get(c)
            if cell is not None and cell.get("s") is not None:
                return cell.get("s")
        return self.col_styles.get(c)

    def set_row(self, r: int, values: Mapping[int, object], styles: Mapping[int, str | None] | None = None,
                restyle: Mapping[int, Callable[[str | None], str]] | None = None) -> None:
        """Set cells of row `r` by column. Existing cells keep their style unless `styles` gives one; new cells
        take `styles[c]`, else their column's style. `restyle[c]`, when given, then turns that style into the one
        the cell gets (e.g. the same with the column's number format put back)."""
        row = self.row(r)
        cells = self.row_cells(row)
        created = False
        for c, value in values.items():
            cell = cells.get(c)
            style = styles.get(c) if styles else None
            if cell is None:
                cell = etree.SubElement(row, _T["c"], r=f"{column_letters(c)}{r}")
                cells[c] = cell
                created = True
                style = style if style is not None else self.col_styles.get(c)
            if restyle is not None and c in restyle:
                style = restyle[c](style if style is not None else cell.get("s"))
            if self.quoted_style is not None and formula_like(value):  # stays text when edited in Excel
                style = self.quoted_style(style if style is not None else cell.get("s"))
            if style is not None:
                cell.set("s", str(style))
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise RegistryError(_too_long(self.where, f"{column_letters(c)}{r}", value))
            _set_value(cell, value)
        if created:
            keys = list(cells)  # the cells in document order (new ones appended at the end)
            if any(a > b for a, b in zip(keys, keys[1:], strict=False)):
                ordered = sorted(cells.items())
                for _, cell in ordered:
                    row.remove(cell)
                row.extend(cell for _, cell in ordered)
            row.attrib.pop("spans", None)
        if values:
            self._max_row = max(self._max_row, r)
            self._max_col = max(self._max_col, max(values))

    def set_values(self, values: Mapping[str, object],
                   restyle: Mapping[str, Callable[[str | None], str]] | None = None) -> None:
        """Set cells by reference: {'B6': 297000, 'A1': 'Titre'}; `restyle` by reference, as for `set_row`."""
        by_row: dict[int, dict[int, object]] = {}
        styles: dict[int, dict[int, Callable[[str | None], str]]] = {}
        for ref, value in values.items():
            r, c = split_ref(ref)
            by_row.setdefault(r, {})[c] = value
            if restyle is not None and ref in restyle:
                styles.setdefault(r, {})[c] = restyle[ref]
        for r, row_values in by_row.items():
            self.set_row(r, row_values, restyle=styles.get(r))

    def set_row_height(self, r: int, height: float | None) -> None:
        """Give row `r` a fixed height in points, or (None) the program's own height again."""
        row = self.row(r, create=height is not None)
        if row is None:
            return
        if height is None:
            for attr in ("ht", "customHeight"):
                row.attrib.pop(attr, None)
        else:
            row.set("ht", f"{height:g}")
            row.set("customHeight", "1")

    def row_height(self, r: int) -> float | None:
        """The height given to row `r` in points, None when it has the default height."""
        row = self._rows.get(r)
        ht = None if row is None else row.get("ht")
        return float(ht) if ht else None

    def row_is_empty(self, r: int, first_col: int = 1, last_col: int = 16384) -> bool:
        row = self._rows.get(r)
        if row is None:
            return True
        for c, cell in self.row_cells(row).items():
            if first_col <= c <= last_col and _has_value(cell):
                return False
        return True

    def last_filled_row(self, after: int, first_col: int = 1, last_col: int = 16384) -> int:
        """Last row below `after` with a value in columns first_col..last_col (`after` when none)."""
        for r in reversed(self._order):
            if r <= after:
                break
            if not self.row_is_empty(r, first_col, last_col):
                return r
        return after

    def replace_data(self, rows: list[list[object]], start_row: int = 1,
                     styles: Mapping[int, str | None] | None = None,
                     restyle: Mapping[int, Callable[[str | None], str]] | None = None) -> None:
        """Remove every row from `start_row` down and write `rows` there (column 1 = A). `styles`: column ->
        style index for the new cells (else the column's style); `restyle` as for `set_row`."""
        for r in [r for r in self._order if r >= start_row]:
            self.data.remove(self._rows.pop(r))
        self._order = [r for r in self._order if r < start_row]
        for i, values in enumerate(rows):
            self.set_row(start_row + i, {c: v for c, v in enumerate(values, start=1)}, styles, restyle)
        self._fix_dimension(shrink=True)

    def _fix_dimension(self, shrink: bool = False) -> None:
        dim = self.root.find(_T["dimension"])
        if dim is None:
            return
        try:
            r0, c0, r1, c1 = split_range(dim.get("ref", "A1"))
        except ValueError:
            r0 = c0 = r1 = c1 = 1
        max_row = self.max_row if shrink else max(r1, self._max_row)
        dim.set("ref", range_ref(min(r0, max(max_row, 1)), c0, max(max_row, 1), max(c1, self._max_col)))

    def to_bytes(self) -> bytes:
        self._fix_dimension()
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """A cell's text with the OOXML escapes of characters XML cannot hold (« _x000B_ ») decoded, as Excel and
    calamine read it."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _has_value(cell: etree._Element) -> bool:
    v = cell.find(_T["v"])
    if v is not None and (v.text or "") != "":
        return True
    return cell.find(_T["is"]) is not None or cell.find(_T["f"]) is not None


def _too_long(where: str, ref: str, text: str) -> str:
    """No cell of Excel holds more than `MAX_TEXT` characters: Excel « repairs » a file that has one."""
    n = f"{len(text):,}".replace(",", "\u202f")
    return (f"{where + ', ' if where else ''}cellule {ref} : texte de {n} caractères, plus que les 32\u202f767 qu'une "
            "cellule d'Excel peut contenir : rien n'a été écrit. Raccourcissez-le là d'où il vient (formulaire, "
            "démarche DS), puis relancez.")


def _set_value(cell: etree._Element, value) -> None:
    if len(cell):
        for child in list(cell):
            cell.remove(child)
    if "t" in cell.attrib:
        del cell.attrib["t"]
    if value is None or value == "":
        return
    if type(value) is not str:
        value = to_excel(None, value)
    if isinstance(value, str):
        text = _escaped(readable(value))  # (a file name with undecodable bytes: still valid XML)
        cell.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(cell, _T["is"]), _T["t"])
        t.text = text
        if text != text.strip() or "\n" in text:
            t.set(XML_SPACE, "preserve")
        return
    v = etree.SubElement(cell, _T["v"])
    if isinstance(value, datetime | date):
        v.text = _number_text(excel_serial(value))
    else:
        v.text = _number_text(value)


class TableXml:
    """One table part (xl/tables/tableN.xml)."""

    def __init__(self, part: str, root: etree._Element, sheet: str):
        self.part, self.root, self.sheet = part, root, sheet
        self.name = root.get("displayName") or root.get("name")

    @property
    def ref(self) -> tuple[int, int, int, int]:
        return split_range(self.root.get("ref"))

    @property
    def headers(self) -> list[str]:
        return [c.get("name") for c in self.root.iter(_T["tableColumn"])]

    def extend_to(self, last_row: int) -> bool:
        """Grow the table down to `last_row` (ref and autoFilter). False when it already reaches it."""
        r0, c0, r1, c1 = self.ref
        if last_row <= r1:
            return False
        self.root.set("ref", range_ref(r0, c0, last_row, c1))
        af = self.root.find(_T["autoFilter"])
        if af is not None:
            af.set("ref", range_ref(r0, c0, last_row, c1))
        return True

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_AXES = tuple(f"{{{C_NS}}}{name}" for name in ("catAx", "valAx", "dateAx", "serAx"))


class ChartXml:
    """One chart part (xl/charts/chartN.xml): its title's text and whether its axes and legend show."""

    def __init__(self, part: str, root: etree._Element, changed: Callable[[str], None] = lambda part: None):
        self.part, self.root, self._changed = part, root, changed  # `changed(part)`: marks the part modified

    def _title_runs(self) -> list[etree._Element]:
        title = self.root.find(f"{{{C_NS}}}chart/{{{C_NS}}}title")
        return [] if title is None else list(title.iter(f"{{{A_NS}}}t"))

    @property
    def title(self) -> str:
        return "".join(t.text or "" for t in self._title_runs())

    def set_title(self, text: str) -> bool:
        """Replace the text of a chart's written title (its first run gets it all). False when it has none."""
        runs = self._title_runs()
        if not runs:
            return False
        if self.title == text:
            return True
        runs[0].text = text
        for t in runs[1:]:
            run = t.getparent()
            run.getparent().remove(run)
        self._changed(self.part)
        return True

    def show_axes(self, shown: bool) -> None:
        plot = self.root.find(f"{{{C_NS}}}chart/{{{C_NS}}}plotArea")
        for axis in [] if plot is None else [el for el in plot if el.tag in _AXES]:
            flag = axis.find(f"{{{C_NS}}}delete")
            if flag is None:  # schema order: axId, scaling, delete, …
                flag = etree.Element(f"{{{C_NS}}}delete")
                scaling = axis.find(f"{{{C_NS}}}scaling")
                if scaling is not None:
                    scaling.addnext(flag)
                else:
                    axis.insert(1, flag)
            if flag.get("val") != ("0" if shown else "1"):
                flag.set("val", "0" if shown else "1")
                self._changed(self.part)

    def show_legend(self, shown: bool, position: str = "r") -> None:
        """Add a legend (at `position`: « r », « b »…) when `shown` and the chart has none; remove it when not."""
        chart = self.root.find(f"{{{C_NS}}}chart")
        plot = None if chart is None else chart.find(f"{{{C_NS}}}plotArea")
        if plot is None:
            return
        legend = chart.find(f"{{{C_NS}}}legend")
        if shown and legend is None:
            legend = etree.Element(f"{{{C_NS}}}legend")
            etree.SubElement(legend, f"{{{C_NS}}}legendPos").set("val", position)
            etree.SubElement(legend, f"{{{C_NS}}}overlay").set("val", "0")
            plot.addnext(legend)  # schema order: …, plotArea, legend, plotVisOnly, …
            self._changed(self.part)
        elif not shown and legend is not None:
            chart.remove(legend)
            self._changed(self.part)


# --- the package ---------------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True, load_dtd=False,
                          no_network=True)


def _rels_path(part: str) -> str:
    p = PurePosixPath(part)
    return str(p.parent / "_rels" / f"{p.name}.rels")


class XlsxPackage:
    """An .xlsx opened for patching. `save(dst)` writes every member unchanged except the patched ones."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise RegistryError(f"« {readable(self.path.name)} » n'est pas un classeur Excel lisible (archive "
                                "incomplète ou endommagée).") from None
        self.names = self.zip.namelist()
        self._xml: dict[str, etree._Element] = {}
        self._sheets: dict[str, SheetXml] = {}
        self._tables: dict[str, TableXml] | None = None
        self._dirty: set[str] = set()
        self._removed: set[str] = set()
        self._new: dict[str, bytes] = {}
        self._quoted: dict[str | None, str] = {}
        self._restyled: dict[tuple, str] = {}
        wb = self.xml("xl/workbook.xml")
        rels = self.xml(_rels_path("xl/workbook.xml"))
        targets = {r.get("Id"): guard.part_target("xl/workbook.xml", r.get("Target")) for r in rels}
        self.sheet_parts: dict[str, str] = {}
        for s in wb.iter(_T["sheet"]):
            self.sheet_parts[s.get("name")] = targets.get(s.get(f"{{{R_NS}}}id"), "")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> XlsxPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def xml(self, part: str, sheet: str | None = None) -> etree._Element:
        """The part parsed by lxml, first checked on its bytes (`guard.check_patchable`: size, elements, and rows of
        a worksheet, `sheet` being its name, which the refusal then names)."""
        if part not in self._xml:
            if part in self._new:
                data = self._new[part]
            else:  # CRC checked, no DTD, bounded on its bytes before lxml allocates (issue 12)
                data = guard.read_part(self.zip, part, self.path.name, sheet)
                guard.check_patchable(data, self.path.name, part, sheet)
            try:
                self._xml[part] = etree.fromstring(data, _PARSER)
            except etree.XMLSyntaxError:
                raise RegistryError(f"« {readable(self.path.name)} » : la partie interne « {part} » n'est pas un XML "
                                    f"valide. {guard.DAMAGED}") from None
        return self._xml[part]

    def touch(self, part: str) -> None:
        self._dirty.add(part)

    def sheet(self, name: str) -> SheetXml:
        """The worksheet `name`, parsed for patching (marked as modified)."""
        if name not in self._sheets:
            part = self.sheet_parts.get(name)
            if not part or (part not in self.names and part not in self._new):
                raise RegistryError(f"« {readable(self.path.name)} » : la feuille « {name} » est absente du classeur "
                                    "(renommée ou supprimée ?) : rendez-lui son nom, ou repartez d'un registre créé "
                                    "par fitn-xl new.")
            self._sheets[name] = SheetXml(self.xml(part, name), self.style_with_quote_prefix,
                                          f"« {readable(self.path.name)} », feuille « {name} »")
            self.touch(part)
        return self._sheets[name]

    def tables(self) -> dict[str, TableXml]:
        """Every table of the workbook by name (tables are not marked modified until `table()` is called)."""
        if self._tables is None:
            self._tables = {}
            for sheet, part in self.sheet_parts.items():
                rels = _rels_path(part)
                if rels not in self.names:
                    continue
                for rel in self.xml(rels):
                    if rel.get("Type", "").endswith("/table"):
                        tpart = guard.part_target(part, rel.get("Target"))
                        table = TableXml(tpart, self.xml(tpart), sheet)
                        try:
                            table.ref  # noqa: B018 - read once here: a malformed one is the file's fault
                        except (ValueError, TypeError):
                            raise RegistryError(
                                f"« {readable(self.path.name)} », feuille « {sheet} » : la plage du tableau "
                                f"« {table.name} » (« {str(table.root.get('ref'))[:30]} ») n'est pas une plage de "
                                f"cellules. {guard.DAMAGED}") from None
                        self._tables[table.name] = table
        return self._tables

    def charts(self, sheet: str) -> list[ChartXml]:
        """The charts drawn on worksheet `sheet`, parsed for patching (marked as modified once changed)."""
        part = self.sheet_parts.get(sheet)
        out: list[ChartXml] = []
        if not part or _rels_path(part) not in self.names:
            return out
        for rel in self.xml(_rels_path(part)):
            if not rel.get("Type", "").endswith("/drawing"):
                continue
            drawing = guard.part_target(part, rel.get("Target"))
            if _rels_path(drawing) not in self.names:
                continue
            for chart_rel in self.xml(_rels_path(drawing)):
                if chart_rel.get("Type", "").endswith("/chart"):
                    chart = guard.part_target(drawing, chart_rel.get("Target"))
                    if chart in self.names:
                        out.append(ChartXml(chart, self.xml(chart), self.touch))
        return out

    def table(self, name: str) -> TableXml:
        table = self.tables().get(name)
        if table is None:
            raise RegistryError(f"« {readable(self.path.name)} » : le tableau Excel « {name} » est absent du classeur "
                                "(converti en plage ?) : recréez-le (sélectionnez ses lignes, Insertion > Tableau, "
                                f"puis nommez-le « {name} » dans Création de tableau), ou repartez d'un registre créé "
                                "par fitn-xl new.")
        self.touch(table.part)
        return table

    def shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.names:
            return []
        root = self.xml("xl/sharedStrings.xml")
        return ["".join(t.text or "" for t in si.iter(_T["t"])) for si in root]

    def date_styles(self) -> frozenset[str]:
        """Indexes (as in a cell's `s`) of the cell styles whose number format shows a date."""
        if "xl/styles.xml" not in self.names:
            return frozenset()
        styles = self.xml("xl/styles.xml")
        num_fmts = styles.find(_T["numFmts"])
        custom = {} if num_fmts is None else {f.get("numFmtId"): f.get("formatCode") or ""
                                              for f in num_fmts.iterchildren(_T["numFmt"])}
        xfs = styles.find(_T["cellXfs"])
        out = set()
        for i, xf in enumerate([] if xfs is None else xfs.iterchildren(_T["xf"])):
            fmt = xf.get("numFmtId") or "0"
            if fmt in custom:
                if is_date_format(custom[fmt]):
                    out.add(str(i))
            elif fmt.isdigit() and (14 <= int(fmt) <= 22 or 27 <= int(fmt) <= 36 or 45 <= int(fmt) <= 58):
                out.add(str(i))  # Excel's built-in date and time formats
        return frozenset(out)

    def raw_values(self, sheet: str) -> list[list]:
        """Cell values of a sheet from A1, read from the XML (numbers as float, a date cell as its date-time when
        its serial is a date, text as str with its _xHHHH_ escapes decoded, booleans, `ExcelError` for error cells,
        `Uncomputed` for formulas saved without value, '' for empty): a fallback for sheets calamine cannot
        convert (a date cell out of any calendar, e.g. 1e12, stays its number)."""
        strings = [_unescape(s) for s in self.shared_strings()]
        dates = self.date_styles()
        part = self.sheet_parts.get(sheet)
        root = self.xml(part, sheet)
        data = root.find(_T["sheetData"])
        grid: dict[int, dict[int, object]] = {}
        for row in data.iterchildren(_T["row"]):
            number = row.get("r") or ""
            if not number.isdigit():
                raise RegistryError(f"« {readable(self.path.name)} », feuille « {sheet} » : une ligne porte le numéro "
                                    f"« {number[:20]} », qu'Excel ne connaît pas. {guard.DAMAGED}")
            r = int(number)
            for c, cell in SheetXml.row_cells(row).items():
                t = cell.get("t")
                v = cell.find(_T["v"])
                text = v.text if v is not None else None
                if t == "s" and text is not None:
                    value = strings[int(text)] if text.isdigit() and int(text) < len(strings) else ""
                elif t == "inlineStr":
                    value = _unescape("".join(x.text or "" for x in cell.iter(_T["t"])))
                elif t == "e":
                    value = ExcelError((text or "#N/A").strip().upper())
                elif cell.find(_T["f"]) is not None and (v is None or (not text and t != "str")):
                    value = Uncomputed((cell.find(_T["f"]).text or "").strip())  # no computed value saved
                elif t == "b":
                    value = text == "1"
                elif t == "str":
                    value = text or ""
                elif text is None:
                    value = ""
                else:
                    try:
                        value = float(text)
                    except ValueError:
                        value = text
                    else:
                        if cell.get("s") in dates and 0 <= value < 2_958_466:  # up to 31/12/9999
                            value = datetime(1899, 12, 30) + timedelta(days=value)
                grid.setdefault(r, {})[c] = value
        if not grid:
            return []
        width = max(max(cols) for cols in grid.values())
        return [[grid.get(r, {}).get(c, "") for c in range(1, width + 1)] for r in range(1, max(grid) + 1)]

    # styles
    _BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}

    def format_id(self, format_code: str) -> int:
        """The numFmtId of number format `format_code` in styles.xml (added when absent)."""
        fmt_id = self._BUILTIN_FORMATS.get(format_code)
        if fmt_id is not None:
            return fmt_id
        styles = self.xml("xl/styles.xml")
        num_fmts = styles.find(_T["numFmts"])
        existing = {} if num_fmts is None else {f.get("formatCode"): int(f.get("numFmtId"))
                                               for f in num_fmts.iterchildren(_T["numFmt"])
                                               if (f.get("numFmtId") or "").isdigit()}
        fmt_id = existing.get(format_code)
        if fmt_id is None:
            if num_fmts is None:
                num_fmts = etree.Element(_T["numFmts"])
                styles.insert(0, num_fmts)
            fmt_id = max([163, *existing.values()]) + 1
            etree.SubElement(num_fmts, _T["numFmt"], numFmtId=str(fmt_id), formatCode=format_code)
            num_fmts.set("count", str(len(num_fmts)))
            self.touch("xl/styles.xml")
        return fmt_id

    def style_with_format(self, format_code: str, base: str | None = None) -> str:
        """Index of a cell style with number format `format_code` (copied from style `base`); added if needed."""
        return self.restyled(base, number_format=format_code)

    def restyled(self, base: str | None, number_format: str | None = None, wrap: bool | None = None) -> str:
        """Index of the cell style `base` (None = the default style) with number format `number_format` and, when
        `wrap` is given, text wrapping on or off (wrapped text sits at the top of its row). The same style when it
        already has them; else an identical existing style, or a new one added to styles.xml. Memoized."""
        key = (base, number_format, wrap)
        found = self._restyled.get(key)
        if found is not None:
            return found
        styles = self.xml("xl/styles.xml")
        xfs = styles.find(_T["cellXfs"])
        items = list(xfs.iterchildren(_T["xf"]))
        index = int(base) if base is not None and base.isdigit() and int(base) < len(items) else 0
        model = etree.fromstring(etree.tostring(items[index]))
        if number_format is not None:
            fmt_id = str(self.format_id(number_format))
            if model.get("numFmtId", "0") != fmt_id:
                model.set("numFmtId", fmt_id)
                model.set("applyNumberFormat", "1")
        if wrap is not None:
            align = model.find(_T["alignment"])
            if wrap and align is None:
                align = etree.SubElement(model, _T["alignment"])
                extension = model.find(_T["extLst"])
                if extension is not None:  # schema order: alignment, protection, extLst
                    extension.addprevious(align)
                protection = model.find(_T["protection"])
                if protection is not None:
                    protection.addprevious(align)
            if align is not None:
                if wrap:
                    align.set("wrapText", "1")
                    align.set("vertical", "top")
                else:
                    align.attrib.pop("wrapText", None)
                model.set("applyAlignment", "1")
        wanted = etree.tostring(model)
        if wanted == etree.tostring(items[index]):
            found = str(index)
        else:
            found = next((str(i) for i, xf in enumerate(items) if etree.tostring(xf) == wanted), None)
            if found is None:
                xfs.append(model)
                xfs.set("count", str(len(items) + 1))
                self.touch("xl/styles.xml")
                found = str(len(items))
        self._restyled[key] = found
        return found

    def repair_number_formats(self, damaged: Mapping[str, str]) -> int:
        """Give every number format whose code is a key of `damaged` the code it maps to (formats another program
        rewrote wrongly). Returns the number of formats repaired."""
        if "xl/styles.xml" not in self.names:
            return 0
        num_fmts = self.xml("xl/styles.xml").find(_T["numFmts"])
        repaired = 0
        for fmt in [] if num_fmts is None else num_fmts.iterchildren(_T["numFmt"]):
            right = damaged.get(fmt.get("formatCode"))
            if right is not None:
                fmt.set("formatCode", right)
                repaired += 1
        if repaired:
            self.touch("xl/styles.xml")
        return repaired

    def style_with_quote_prefix(self, base: str | None) -> str:
        """Index of style `base` (None = the default) with Excel's quote prefix set: text such as « =1+1 » then
        stays text when someone edits the cell. Added to styles.xml once per base style."""
        cache = self._quoted
        if base in cache:
            return cache[base]
        styles = self.xml("xl/styles.xml")
        xfs = styles.find(_T["cellXfs"])
        items = list(xfs.iterchildren(_T["xf"]))
        index = int(base) if base is not None and base.isdigit() and int(base) < len(items) else 0
        if items[index].get("quotePrefix") in ("1", "true"):
            cache[base] = str(index)
            return cache[base]
        model = etree.fromstring(etree.tostring(items[index]))
        model.set("quotePrefix", "1")
        wanted = etree.tostring(model)
        found = next((i for i, xf in enumerate(items) if etree.tostring(xf) == wanted), None)
        if found is None:
            xfs.append(model)
            xfs.set("count", str(len(items) + 1))
            self.touch("xl/styles.xml")
            found = len(items)
        cache[base] = str(found)
        return cache[base]

    # new sheets
    def add_sheet(self, name: str) -> SheetXml:
        """Append an empty worksheet `name` (workbook, relationships and content types updated)."""
        if name in self.sheet_parts:
            raise ValueError(f"sheet {name!r} exists")
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in self.names or f"xl/worksheets/sheet{n}.xml" in self._new:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        self._new[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" '
                           f'xmlns:r="{R_NS}"><dimension ref="A1"/><sheetData/></worksheet>').encode()
        rels = self.xml(_rels_path("xl/workbook.xml"))
        ids = {r.get("Id") for r in rels}
        k = len(ids) + 1
        while f"rId{k}" in ids:
            k += 1
        etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship", Id=f"rId{k}", Type=WORKSHEET_TYPE,
                         Target=f"worksheets/sheet{n}.xml")
        wb = self.xml("xl/workbook.xml")
        sheets = wb.find(_T["sheets"])
        sheet_id = max([int(s.get("sheetId")) for s in sheets if (s.get("sheetId") or "").isdigit()] or [0]) + 1
        etree.SubElement(sheets, _T["sheet"], {"name": name, "sheetId": str(sheet_id), f"{{{R_NS}}}id": f"rId{k}"})
        ct = self.xml("[Content_Types].xml")
        etree.SubElement(ct, f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=WORKSHEET_CT)
        for p in ("xl/workbook.xml", _rels_path("xl/workbook.xml"), "[Content_Types].xml"):
            self.touch(p)
        self.sheet_parts[name] = part
        self.touch(part)
        self._sheets[name] = SheetXml(self.xml(part), self.style_with_quote_prefix)
        return self._sheets[name]

    def _drop_calc_chain(self) -> None:
        """calcChain.xml is only a cache of formula cells; Excel rebuilds it (and may complain when stale)."""
        part = "xl/calcChain.xml"
        if part not in self.names:
            return
        self._removed.add(part)
        ct = self.xml("[Content_Types].xml")
        for el in list(ct):
            if el.get("PartName") == "/" + part:
                ct.remove(el)
        rels = self.xml(_rels_path("xl/workbook.xml"))
        for el in list(rels):
            if el.get("Target", "").endswith("calcChain.xml"):
                rels.remove(el)
        self.touch("[Content_Types].xml")
        self.touch(_rels_path("xl/workbook.xml"))

    def _bytes(self, part: str) -> bytes:
        for sheet in self._sheets.values():
            if self._xml.get(part) is sheet.root:
                return sheet.to_bytes()
        return etree.tostring(self._xml[part], xml_declaration=True, encoding="UTF-8", standalone=True)

    def save(self, dst: str | Path) -> None:
        """Write the patched workbook to `dst` (a new file; use `atomic_update` to replace the original)."""
        if any(p.startswith("xl/worksheets/") for p in self._dirty):
            self._drop_calc_chain()
        delay = float(os.environ.get("FITN_XL_TEST_WRITE_DELAY") or 0)
        members = [i for i in self.zip.infolist() if i.filename not in self._removed]
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for n, info in enumerate(members):
                if delay and n == len(members) // 2:
                    out.fp.flush()
                    time.sleep(delay)
                if info.filename in self._dirty:
                    data = self._bytes(info.filename)
                    zinfo = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    zinfo.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zinfo, data)
                else:
                    _copy_member(self.zip, info, out)
            for part in self._new:
                if part not in self.names:
                    zinfo = zipfile.ZipInfo(part, date_time=time.localtime()[:6])
                    zinfo.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zinfo, self._bytes(part) if part in self._xml else self._new[part])


def _copy_member(src: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member. Its content is unchanged; it is recompressed only by zipfile's streaming API."""
    zinfo = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    zinfo.compress_type = info.compress_type
    zinfo.external_attr = info.external_attr
    with src.open(info) as fin, out.open(zinfo, "w", force_zip64=info.file_size > 2**31) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
