"""The registry's « Journal » for DITP sends: one row per list sent, read back to refuse a second send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import python_calamine

from .. import schema
from .listing import Month

EXCEL_EPOCH = datetime(1899, 12, 30)

OPERATION_SEND = "Envoi liste DITP"
_HEADERS = {c.attr: c.header for c in schema.JOURNAL.columns}


@dataclass(frozen=True)
class SendRecord:
    """A « Journal » row of a DITP send (values as text, as typed in the sheet)."""

    row: int
    timestamp: str
    month: str
    recipient: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, float) and value > 20000 and not value.is_integer():  # a date-time left unformatted
        return (EXCEL_EPOCH + timedelta(days=value)).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def previous_sends(registry_path: str | Path, month: Month) -> list[SendRecord]:
    """Rows of « Journal » recording a send of the list of `month` (none when the sheet is absent or empty)."""
    book = python_calamine.CalamineWorkbook.from_path(str(registry_path))
    if schema.SHEET_JOURNAL not in book.sheet_names:
        return []
    values = book.get_sheet_by_name(schema.SHEET_JOURNAL).to_python(skip_empty_area=False)
    wanted_headers = (_HEADERS["operation"], _HEADERS["month"])
    r = next((i for i, line in enumerate(values[:20])
              if all(h in [_text(v) for v in line] for h in wanted_headers)), None)
    if r is None:
        return []
    header = [_text(v) for v in values[r]]
    col = {attr: header.index(h) for attr, h in _HEADERS.items() if h in header}

    def get(line, attr):
        c = col.get(attr)
        value = line[c] if c is not None and c < len(line) else None
        if attr == "month" and isinstance(value, datetime):  # « 2021-06 » turned into a date by Excel
            return f"{value.year:04d}-{value.month:02d}"
        return _text(value)

    wanted = str(month)
    return [
        SendRecord(r + 2 + i, get(line, "timestamp"), get(line, "month"), get(line, "recipient"))
        for i, line in enumerate(values[r + 1:])
        if get(line, "operation") == OPERATION_SEND and get(line, "month") == wanted
    ]


def send_row(month: Month, recipient: str, count: int, amount, hashes: dict[str, str], when: datetime) -> dict:
    """The « Journal » row of a send, keyed by `schema.JOURNAL` header (as `append_journal` takes it)."""
    values = {
        "timestamp": when.replace(microsecond=0),
        "operation": OPERATION_SEND,
        "month": str(month),
        "recipient": recipient,
        "count": count,
        "amount": amount,
        "file": " ; ".join(hashes),
        "sha256": " ; ".join(hashes.values()),
        "detail": f"Liste de {month.label} envoyée par SMTP",
    }
    return {_HEADERS[attr]: v for attr, v in values.items()}
