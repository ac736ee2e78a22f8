"""French formatting of amounts, dates and shares inside rule messages (Babel, fr_FR)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

# fr_FR symbols from Babel (narrow no-break space between thousands, comma for decimals). `eur`, `number` and
# `percent` format with them directly: the same text as Babel's `format_decimal` / `format_percent` for fr_FR,
# without their per-call locale and pattern parsing (rule messages are formatted for every dossier of the registry).
_GROUP = get_group_symbol("fr_FR")
_DECIMAL = get_decimal_symbol("fr_FR")
_MINUS = get_minus_sign_symbol("fr_FR")


def _grouped(value: Decimal, places: int) -> str:
    text = format(value, f",.{places}f")  # '-12,345.60' (rounded half-even, as Babel)
    return text.replace(",", "\0").replace(".", _DECIMAL).replace("\0", _GROUP).replace("-", _MINUS)


def eur(amount: Decimal | int | None) -> str:
    """'12 000 €' (cents shown only when present); '' for None."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    return f"{_grouped(amount, 0 if amount == amount.to_integral_value() else 2)}\u00a0€"


def number(value: int | Decimal) -> str:
    """'150 000' with French grouping."""
    if isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral_value()):
        return _grouped(Decimal(value), 0)
    return format_decimal(value, locale="fr_FR")


def percent(share: Decimal, decimals: int = 1) -> str:
    """'12,5 %' for 0.125 (at most `decimals` decimals, trailing zeros dropped): the text of Babel's
    `format_percent(share, format="#,##0.#…\u00a0%", locale="fr_FR")`, without its per-call pattern parsing
    (the extra-EU alert formats two shares for many dossiers)."""
    value = (Decimal(share) * 100).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_EVEN)
    text = _grouped(value, decimals)
    if decimals:
        text = text.rstrip("0").rstrip(_DECIMAL)
    return f"{text}\u00a0%"


def day(d: date) -> str:
    """'15/03/2023'."""
    return d.strftime("%d/%m/%Y")
