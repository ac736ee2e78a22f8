"""The registry's « Journal » for DITP sends: one row per list sent, read back to refuse a second send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import schema
from ..workbook.read import journal_rows
from .listing import Month

EXCEL_EPOCH = datetime(1899, 12, 30)

OPERATION_SEND = "Envoi liste DITP"
UNCERTAIN = "Envoi incertain"  # the start of the « Détail » of a send whose outcome is unknown
_HEADERS = {c.attr: c.header for c in schema.JOURNAL.columns}


@dataclass(frozen=True)
class SendRecord:
    """A « Journal » row of a DITP send (values as text, as typed in the sheet)."""

    row: int
    timestamp: str
    month: str
    recipient: str
    detail: str = ""

    @property
    def uncertain(self) -> bool:
        """The connection broke while the list was being transferred: it may or may not have arrived."""
        return self.detail.startswith(UNCERTAIN)


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

    def month_of(value) -> str:
        if isinstance(value, datetime):  # « 2021-06 » turned into a date by Excel
            return f"{value.year:04d}-{value.month:02d}"
        return _text(value)

    wanted = str(month)
    return [
        SendRecord(row, _text(cells["timestamp"]), month_of(cells["month"]), _text(cells["recipient"]),
                   _text(cells["detail"]))
        for row, cells in journal_rows(registry_path)
        if _text(cells["operation"]) == OPERATION_SEND and month_of(cells["month"]) == wanted
    ]


def send_row(month: Month, recipient: str, count: int, amount, hashes: dict[str, str], when: datetime,
             uncertain: bool = False) -> dict:
    """The « Journal » row of a send, keyed by `schema.JOURNAL` header (as `append_journal` takes it). `uncertain`:
    the connection broke during the transfer, the list may have arrived (a new send then needs --force)."""
    values = {
        "timestamp": when.replace(microsecond=0),
        "operation": OPERATION_SEND,
        "month": str(month),
        "recipient": recipient,
        "count": count,
        "amount": amount,
        "file": " ; ".join(hashes),
        "sha256": " ; ".join(hashes.values()),
        "detail": (f"{UNCERTAIN} de la liste {month.of_label} (connexion interrompue pendant la transmission) : "
                   "vérifier sa réception avant tout nouvel envoi" if uncertain else
                   f"Liste {month.of_label} envoyée par SMTP"),
    }
    return {_HEADERS[attr]: v for attr, v in values.items()}
