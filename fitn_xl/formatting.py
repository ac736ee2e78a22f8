"""French formatting for documents: amounts in figures and in words, dates, months, the préfet's title.

Amounts come in as `Decimal` euros (floats are refused: they mis-round). In documents an amount always shows its
cents, as conventions do: `12 345,00 €` (narrow no-break space between thousands, no-break space before €), so
figures line up in tables and match the amount in words. `None` (an empty cell) formats as ''.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from num2words import num2words

LOCALE = "fr_FR"
CENT = Decimal("0.01")
NNBSP, NBSP = "\u202f", "\u00a0"


def _decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("un montant doit être un Decimal, pas un float (arrondis faux)")
    return Decimal(amount)


def to_cents(amount: Decimal | int | str) -> Decimal:
    """The amount rounded to the cent, half up (as in accounting)."""
    return _decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def format_eur(amount: Decimal | int | str | None) -> str:
    """'12 345,67 €', '5 000,00 €' (cents always shown); '' for None."""
    if amount is None:
        return ""
    return format_currency(to_cents(amount), "EUR", locale=LOCALE)


def _words(n: int) -> str:
    return num2words(n, lang="fr")


def amount_in_words(amount: Decimal | int | str | None) -> str:
    """The amount in French words, rounded to the cent; '' for None.

    « zéro euro », « un euro », « cinquante centimes », « un euro et un centime », « un million d'euros »,
    « deux millions d'euros », « un million deux cent mille euros »,
    « douze mille trois cent quarante-cinq euros et soixante-sept centimes ».
    """
    if amount is None:
        return ""
    value = to_cents(amount)
    sign = "moins " if value < 0 else ""
    value = abs(value)
    euros, cents = int(value), int((value - int(value)) * 100)
    parts = []
    if euros == 0:
        if cents == 0:
            return "zéro euro"
    elif euros == 1:
        parts.append("un euro")
    else:
        # « un million d'euros » but « un million deux cent mille euros »: « de » after million/milliard ending
        unit = " d'euros" if euros % 1_000_000 == 0 else " euros"
        parts.append(_words(euros) + unit)
    if cents:
        parts.append("un centime" if cents == 1 else f"{_words(cents)} centimes")
    return sign + " et ".join(parts)


def long_date(d: date | None) -> str:
    """'1er mars 2021', '15 juin 2021'; '' for None."""
    if d is None:
        return ""
    text = format_date(d, "d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if d.day == 1 else text


def short_date(d: date | None) -> str:
    """'01/03/2021'; '' for None."""
    return "" if d is None else d.strftime("%d/%m/%Y")


def month_label(year: int, month: int) -> str:
    """'juin 2021'."""
    return format_date(date(year, month, 1), "MMMM y", locale=LOCALE)


def ordinal(n: int | None) -> str:
    """'1er', '2e', '10e' (French abbreviated ordinals); '' for None."""
    if n is None:
        return ""
    return "1er" if n == 1 else f"{n}e"


# How a département's name takes its article after « préfet » (official usage: « préfet du Puy-de-Dôme »,
# « préfet de l'Ain », « préfète de la Gironde », « préfet des Landes », « préfet d'Ille-et-Vilaine »).
_ARTICLE_BY_CODE: dict[str, str] = {}
for _article, _codes in {
    "de l'": "01 02 03 07 09 10 11 12 27 34 36 38 60 61 89 91",
    "des ": "04 05 06 08 13 22 40 64 65 66 78 79 88 92",
    "du ": "14 15 18 25 29 30 32 39 45 46 56 59 62 63 67 68 69 81 83 90 94 95",
    "de la ": "16 17 19 2A 2B 21 23 24 26 31 33 42 43 44 48 50 51 52 53 55 57 58 70 72 73 74 76 80 85 86 87 93 "
              "971 972 973",
    "d'": "28 35 37",
    "de ": "41 47 49 54 71 75 77 82 84 976",
}.items():
    for _code in _codes.split():
        _ARTICLE_BY_CODE[_code] = _article
_ARTICLE_BY_CODE["974"] = "de "  # « préfet de La Réunion »: the article is part of the name


def department_with_article(code: str, name: str) -> str:
    """« du Puy-de-Dôme », « de l'Ain », « de la Gironde », « des Landes », « d'Ille-et-Vilaine ».

    Known codes use the official form; an unknown code falls back to « de l' » before a vowel, « de » otherwise.
    '' when the name is empty.
    """
    name = (name or "").strip()
    if not name:
        return ""
    key = (code or "").strip().upper()
    article = _ARTICLE_BY_CODE.get(key.zfill(2) if key.isdigit() else key)
    if article is None:
        article = "de l'" if name[:1].lower() in "aeiouyéèêâîôûh" else "de "
    return article + name


def service_lines(service: str, where: str) -> list[str]:
    """The signature of a préfecture's e-mail or header: the service, then « Préfecture du Puy-de-Dôme » unless
    the service already names it (agents often type « Préfecture du Puy-de-Dôme — Bureau … »)."""
    service = (service or "").strip()
    prefecture = f"Préfecture {where}".strip()
    if service and prefecture.lower() in service.lower():
        return [service]
    return [service or "Le service instructeur", prefecture]


def service_without_prefecture(service: str, where: str) -> str:
    """« Préfecture du Puy-de-Dôme — Bureau X » -> « Bureau X », for a line that already starts with the
    préfecture; any other service is returned as typed."""
    service = (service or "").strip()
    prefecture = f"Préfecture {where}".strip()
    if where and service.lower().startswith(prefecture.lower()):
        rest = service[len(prefecture):].lstrip(" —–-,:")
        return rest or service
    return service


__all__ = [
    "amount_in_words", "department_with_article", "format_eur", "long_date", "month_label", "ordinal",
    "service_lines", "service_without_prefecture", "short_date", "to_cents",
]
