"""French formatting of amounts, dates and shares inside rule messages (Babel, fr_FR)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, format_percent


def eur(amount: Decimal | int | None) -> str:
    """'12 000 €' (cents shown only when present); '' for None."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    fmt = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return f"{format_decimal(amount, format=fmt, locale='fr_FR')}\u00a0€"


def number(value: int | Decimal) -> str:
    """'150 000' with French grouping."""
    return format_decimal(value, locale="fr_FR")


def percent(share: Decimal, decimals: int = 1) -> str:
    """'12,5 %' for 0.125 (at most `decimals` decimals, trailing zeros dropped)."""
    return format_percent(share, format="#,##0." + "#" * decimals + "\u00a0%", locale="fr_FR")


def day(d: date) -> str:
    """'15/03/2023'."""
    return d.strftime("%d/%m/%Y")
