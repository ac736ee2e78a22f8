"""French formatting for the DITP list, its e-mails and reminders: `fitn_xl.formatting`, plus percentages.

Amounts in these working documents follow the command line's rule: whole euros, cents only when there are some
(« 5 000 € », « 47 000,50 € »); conventions and letters always show the cents."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from ..core.text import eur
from ..formatting import department_with_article, long_date, month_label, short_date

__all__ = ["department_with_article", "eur", "long_date", "month_label", "percent", "short_date"]


def percent(share: Decimal) -> str:
    """'40 %' for 0.4, '12,5 %' for 0.125."""
    return f"{format_decimal(Decimal(share) * 100, format='#,##0.#', locale='fr_FR')}\u00a0%"
