"""Parsing of one cell's value as agents type it (« 10 000 € », « 31/12/2022 », « oui »), per column kind.

Shared by the workbook reader, the Excel functions and the form importers. Each parser takes the raw value (str,
int, float, bool, date, datetime or None) and returns the typed value, or raises `CellError` with the French
message that follows « Feuille …, ligne …, colonne … : ». Empty cells give None (or '' for text).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from stdnum.fr import siret as stdnum_siret

from .schema import ABROAD, YES_NO, Column, Kind


class CellError(ValueError):
    """A cell that cannot be read; `str(error)` is the French message."""


EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def quote(value) -> str:
    """« value » as shown in messages (long values shortened; -5.0 read from a cell shows as -5)."""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return f"« {text} »"


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Équipement' -> 'equipement'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'").split())


def parse_text(value) -> str:
    if value.__class__ is str:  # the common case, same result as below
        return value.strip()
    if is_empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 63001.0 -> '63001'
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _number_text(value, what: str) -> Decimal:
    text = _SPACES.sub("", str(value)).replace("€", "").replace("EUR", "").replace("eur", "")
    if text.count(",") == 1 and text.count(".") >= 1:  # 1.234,56 (dots as thousands)
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{quote(value)} n'est pas {what}") from None
    if not number.is_finite():
        raise CellError(f"{quote(value)} n'est pas {what}")
    return number


def parse_number(value, what: str = "un nombre") -> Decimal | None:
    number = _parse_number(value, what)
    if number is not None and abs(number) >= MAX_NUMBER:
        raise CellError(f"{quote(parse_text(value))} : nombre trop grand")
    return number


MAX_NUMBER = Decimal(10) ** 13  # ten thousand billion: beyond any amount or population of the scheme


def _parse_number(value, what: str) -> Decimal | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"{quote(value)} n'est pas {what}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(f"{quote(value)} n'est pas {what}")
        return Decimal(repr(value))
    if isinstance(value, datetime | date):
        raise CellError(f"{quote(parse_text(value))} est une date, pas {what}")
    return _number_text(value, what)


def parse_amount(value) -> Decimal | None:
    """Euros, to the cent, never negative: 10000, '10 000 €', '10000,50', '1.234,56 €'."""
    if value.__class__ is float and 0 < value < 1e13 and value.is_integer():  # the common cell: whole euros
        return Decimal(int(value))  # what the general path below gives for it, without its checks
    number = parse_number(value, "un montant")
    if number is None:
        return None
    if number < 0:
        raise CellError(f"{quote(value)} : un montant ne peut pas être négatif")
    if number != number.quantize(Decimal("0.01")):
        raise CellError(f"{quote(value)} : un montant ne peut pas avoir plus de deux décimales")
    return number.quantize(Decimal("0.01")) if number != number.to_integral_value() else number.quantize(Decimal(1))


def parse_integer(value) -> int | None:
    """Whole number ≥ 0: 4999, '12 345'."""
    number = parse_number(value, "un nombre")
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"{quote(value)} n'est pas un nombre entier")
    if number < 0:
        raise CellError(f"{quote(value)} : le nombre ne peut pas être négatif")
    return int(number)


def parse_percent(value) -> Decimal | None:
    """Fraction: 0.25, '25 %', '25' (a number above 1 is read as a percentage)."""
    if is_empty(value):
        return None
    is_text_percent = isinstance(value, str) and "%" in value
    number = parse_number(value.replace("%", "") if is_text_percent else value, "un pourcentage")
    if is_text_percent or number > 1:
        number = number / 100
    if number < 0 or number > 1:
        raise CellError(f"{quote(value)} : un pourcentage doit être compris entre 0 et 100 %")
    return number


def parse_date(value) -> date | None:
    """A date cell, or text '31/12/2022', '31-12-22', '2022-12-31'. Impossible dates are errors."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(f"{quote(value)} n'est pas une date")
    if isinstance(value, int | float):
        # a date cell without date format: an Excel serial number (1954-01-01 .. 2099-12-31)
        if 20_000 <= value <= 73_415 and float(value).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"{quote(parse_text(value))} n'est pas une date (attendu JJ/MM/AAAA)")
    text = str(value).strip()
    if m := _DATE_DMY.match(text):
        d, mth, y = (int(g) for g in m.groups())
        if y < 100:
            y += 2000
    elif m := _DATE_ISO.match(text):
        y, mth, d = (int(g) for g in m.groups())
    else:
        raise CellError(f"{quote(value)} n'est pas une date (attendu JJ/MM/AAAA)")
    try:
        return date(y, mth, d)
    except ValueError:
        raise CellError(f"{quote(value)} n'est pas une date valide") from None


_YES = {"oui", "o", "yes", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0"}


def parse_yes_no(value) -> bool | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    key = fold(parse_text(value))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"{quote(value)} n'est pas une valeur de la liste ({' ou '.join(YES_NO)})")


@cache
def _choice_index(choices: tuple[str, ...]) -> dict[str, str]:
    return {fold(c): c for c in choices}


def parse_choice(value, choices: tuple[str, ...]) -> str:
    """The canonical spelling of a drop-down value (case and accents forgiven); unknown values are errors."""
    if is_empty(value):
        return ""
    found = _choice_index(choices).get(fold(parse_text(value)))
    if found is None:
        shown = ", ".join(choices) if len(choices) <= 9 else ", ".join(choices[:8]) + "…"
        raise CellError(f"{quote(value)} n'est pas une valeur de la liste ({shown})")
    return found


@cache
def _countries() -> dict[str, str]:
    from babel import Locale

    out: dict[str, str] = {}
    for code, name in Locale("fr").territories.items():
        if len(code) == 2 and code.isalpha():
            out[fold(name)] = code
            out[fold(code)] = code
    for name, code in {"Etats-Unis d'Amerique": "US", "USA": "US", "UK": "GB", "Angleterre": "GB",
                       "Coree du Sud": "KR", "Pays-Bas": "NL", "Republique tcheque": "CZ"}.items():
        out[fold(name)] = code
    return out


def country_names() -> list[str]:
    """French country names for the drop-down, sorted."""
    from babel import Locale

    names = {name for code, name in Locale("fr").territories.items() if len(code) == 2 and code.isalpha()}
    return sorted(names, key=fold)


def country_name(code: str) -> str:
    from babel import Locale

    return Locale("fr").territories.get(code.upper(), code)


def parse_country(value) -> str:
    """ISO 3166 alpha-2 code from a French name ('États-Unis') or a code ('US')."""
    if is_empty(value):
        return ""
    code = _countries().get(fold(parse_text(value)))
    if code is None:
        raise CellError(f"{quote(value)} n'est pas un pays connu (nom français, ex. « Allemagne », ou code « DE »)")
    return code


_DEPARTMENT = re.compile(r"^(0?[1-9]|[1-8]\d|9[0-5]|2[ab]|97[1-6])$", re.IGNORECASE)


def parse_department(value) -> str:
    """'63', '01', '2A', '971', or 'Hors France'."""
    if is_empty(value):
        return ""
    text = parse_text(value)
    if fold(text) == fold(ABROAD):
        return ABROAD
    if not _DEPARTMENT.match(text) or text in {"20"}:
        raise CellError(f"{quote(value)} n'est pas un code de département (ex. 63, 2A, 971) ni « {ABROAD} »")
    return text.upper().zfill(2)


def parse_siret(value) -> str:
    """14 digits with a valid Luhn key (spaces allowed)."""
    if is_empty(value):
        return ""
    text = parse_text(value)
    if len(text) == 14 and text.isascii() and text.isdigit():  # already compact: skip stdnum's cleaning
        if not _siret_key_ok(text):
            raise CellError(f"{quote(value)} : la clé du SIRET est invalide")
        return text
    compact = stdnum_siret.compact(text)
    if not compact.isdigit() or len(compact) != 14:
        raise CellError(f"{quote(value)} n'est pas un SIRET (14 chiffres)")
    if not stdnum_siret.is_valid(compact):
        raise CellError(f"{quote(value)} : la clé du SIRET est invalide")
    return compact


def _siret_key_ok(digits: str) -> bool:
    """`stdnum.fr.siret.is_valid` for 14 ASCII digits, without its cleaning: Luhn key of the SIRET (for La Poste's
    establishments, digits summing to a multiple of 5) and Luhn key of its SIREN."""
    if digits.startswith("356000000") and digits != "35600000000048":
        ok = sum(map(int, digits)) % 5 == 0
    else:
        ok = _luhn_ok(digits)
    return ok and _luhn_ok(digits[:9])


_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit -> digits of its double, summed


def _luhn_ok(digits: str) -> bool:
    """Luhn check of ASCII digits (as `stdnum.luhn.checksum(digits) == 0`)."""
    return (sum(map(int, digits[-1::-2])) + sum(_LUHN_DOUBLE[int(c)] for c in digits[-2::-2])) % 10 == 0


def parse_email(value) -> str:
    if is_empty(value):
        return ""
    text = parse_text(value)
    if not _EMAIL.match(text):
        raise CellError(f"{quote(value)} n'est pas une adresse électronique")
    return text


_PARSERS = {
    Kind.TEXT: parse_text,
    Kind.INTEGER: parse_integer,
    Kind.NUMBER: parse_number,
    Kind.AMOUNT: parse_amount,
    Kind.DATE: parse_date,
    Kind.YES_NO: parse_yes_no,
    Kind.PERCENT: parse_percent,
    Kind.COUNTRY: parse_country,
    Kind.DEPARTMENT: parse_department,
    Kind.SIRET: parse_siret,
    Kind.EMAIL: parse_email,
}


def parse_cell(value, column: Column):
    """Typed value of one cell of `column`; raises `CellError` (also for an empty required cell)."""
    if column.required and is_empty(value):
        raise CellError("valeur obligatoire manquante")
    if column.kind is Kind.CHOICE:
        return parse_choice(value, column.choices)
    return _PARSERS[column.kind](value)


_MISSING = object()
_EQUAL_ACROSS_TYPES = frozenset((bool, int, float, Decimal))  # 1 == 1.0 == True == Decimal(1), parsed apart


def _detached(error: CellError) -> CellError:
    """The error without its traceback and chained exceptions: memos keep errors, and a traceback would keep the
    frames of the call that raised it alive, hence whole columns."""
    error.__traceback__ = error.__context__ = error.__cause__ = None
    return error


def parse_column(raw_values: list, column: Column, memo: dict | None = None) -> tuple[list, list[int]]:
    """`parse_cell` of each value of a column: (each item the typed value or the `CellError` of that cell, the
    indexes of the bad cells).

    Parsing is pure and columns repeat values (drop-downs, Oui/Non, dates…), so each distinct raw value is parsed
    once. `memo` ({(type, raw): value or CellError}) may be shared between calls for columns parsed the same way
    (same kind, choices and required flag); it is filled as values are parsed."""
    if memo is None:
        memo = {}
    types = set(map(type, raw_values))
    if len(types & _EQUAL_ACROSS_TYPES) > 1:
        keys = list(zip(map(type, raw_values), raw_values, strict=True))  # (type, raw): 1, 1.0, True differ
    else:  # the raw values themselves tell the distinct cells apart (hashing a pair per cell costs a third more)
        keys = raw_values
    try:
        distinct = dict.fromkeys(keys)
    except TypeError:  # an unhashable value: parse each cell
        out = []
        for value in raw_values:
            try:
                out.append(parse_cell(value, column))
            except CellError as exc:
                out.append(_detached(exc))
        return out, _bad_rows(out)
    get = memo.get
    paired = keys is not raw_values
    any_bad = False
    for key in distinct:  # each distinct value once, unless an earlier call parsed it
        memo_key = key if paired else (type(key), key)
        parsed = get(memo_key, _MISSING)
        if parsed is _MISSING:
            try:
                parsed = parse_cell(memo_key[1], column)
            except CellError as exc:
                parsed = _detached(exc)
            memo[memo_key] = parsed
        distinct[key] = parsed
        any_bad = any_bad or isinstance(parsed, CellError)
    out = list(map(distinct.__getitem__, keys))
    return out, (_bad_rows(out) if any_bad else [])


def _bad_rows(parsed: list) -> list[int]:
    return [i for i, value in enumerate(parsed) if isinstance(value, CellError)]
