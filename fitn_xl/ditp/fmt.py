"""French formatting for the DITP list, its e-mails and reminders: `fitn_xl.formatting`, plus percentages."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from ..formatting import department_with_article, long_date, month_label, short_date
from ..formatting import format_eur as eur

__all__ = ["department_with_article", "eur", "long_date", "month_label", "percent", "short_date"]


def percent(share: Decimal) -> str:
    """'40 %' for 0.4, '12,5 %' for 0.125."""
    return f"{format_decimal(Decimal(share) * 100, format='#,##0.#', locale='fr_FR')}\u00a0%"
