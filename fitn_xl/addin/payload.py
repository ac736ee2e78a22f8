"""What a remote client sends for a workbook, built from an .xlsx file, and the actions it receives applied back.

`payload_from_xlsx` mirrors the VBA client (`RunRemotePython`): each sheet's values from A1 to the last used cell,
dates as ISO texts, tables with their addresses. `apply_actions` plays the value actions a script returns
(`setValues`) into an .xlsx with openpyxl, as the client would into Excel. Used by the tests, the benchmark and a
support check of the server without Excel.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

from ..files import atomic_write

_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, str):  # the text Excel holds: openpyxl leaves the file's escapes (« _x000B_ ») as they are
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def payload_from_xlsx(path: str | Path, version: str | None = None, client: str = "VBA") -> dict:
    """The JSON body the VBA client posts for the workbook at `path` (values only, formulas' cached values)."""
    import openpyxl
    import xlwings as xw

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_json_value(c) for c in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        tables = []
        for t in ws.tables.values():
            first, last = t.ref.split(":")
            header_end = last.rstrip("0123456789") + first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            body = None
            first_row = int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            last_row = int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            if last_row > first_row:
                body = f"{first.rstrip('0123456789')}{first_row + 1}:{last}"
            tables.append({
                "name": t.displayName,
                "range_address": f"{first}:{last}",
                "header_row_range_address": f"{first}:{header_end}",
                "data_body_range_address": body,
                "total_row_range_address": None,
                "show_headers": True,
                "show_totals": False,
                "table_style": "TableStyleMedium2",
                "show_autofilter": True,
            })
        sheets.append({"name": ws.title, "values": rows or [[]], "tables": tables, "pictures": []})
    return {
        "client": client,
        "version": version or xw.__version__,
        "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def _cell_value(value):
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed.date() if parsed.time() == time(0) else parsed
    return None if value == "" else value


def apply_actions(path: str | Path, actions: list[dict], allowed=("setValues",)) -> None:
    """Apply a script's actions to the .xlsx at `path` (atomically). Raises `ValueError` for an action kind
    outside `allowed`; `alert` actions are ignored (they only show a message)."""
    import openpyxl

    path = Path(path)
    wb = openpyxl.load_workbook(path)
    for action in actions:
        kind = action["func"]
        if kind == "alert":
            continue
        if kind not in allowed:
            raise ValueError(f"action non prise en charge : {kind}")
        ws = wb.worksheets[action["sheet_position"]]
        for i, row in enumerate(action["values"]):
            for j, value in enumerate(row):
                ws.cell(action["start_row"] + 1 + i, action["start_column"] + 1 + j).value = _cell_value(value)
    atomic_write(path, wb.save)


__all__ = ["apply_actions", "payload_from_xlsx"]
