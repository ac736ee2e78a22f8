"""Parsing of one cell's value as agents type it (« 10 000 € », « 31/12/2022 », « oui »), per column kind.

Shared by the workbook reader, `recalc`, the Excel functions (classic and Office.js) and the importers: one reading
of a cell for every path. Each parser takes the raw value (str, int, float, bool, date, datetime, None, or one of
the values a cell holds without being data: `ExcelError` « #N/A », `Uncomputed` formula) and returns the typed value,
or raises `CellError` with the French message that follows « Feuille …, ligne …, colonne … : ». Empty cells give
None (or '' for text). An Excel error, a formula without a computed value and a text holding a control character
are errors in every column (`check_value`): never read as empty, never passed on to a document.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from stdnum.fr import siret as stdnum_siret

from .core import countries
from .schema import ABROAD, YES_NO, Column, Kind


class CellError(ValueError):
    """A cell that cannot be read; `str(error)` is the French message."""


# --- what a cell holds without being data ----------------------------------------------------------------------

# Excel's error values, as stored in a file (and sent by xlwings), with what each usually means; the French Excel
# shows some under another name, also understood when read as text.
EXCEL_ERRORS: dict[str, str] = {
    "#N/A": "valeur non disponible",
    "#REF!": "référence à une cellule supprimée",
    "#DIV/0!": "division par zéro",
    "#VALUE!": "valeur de type incorrect dans une formule",
    "#NAME?": "nom de fonction ou de plage inconnu",
    "#NUM!": "nombre impossible à calculer",
    "#NULL!": "plages sans intersection",
    "#SPILL!": "résultat qui ne peut pas se répandre",
    "#CALC!": "calcul impossible",
    "#GETTING_DATA": "donnée en cours de chargement",
    "#FIELD!": "champ introuvable",
    "#BLOCKED!": "accès bloqué",
    "#CONNECT!": "connexion impossible",
    "#BUSY!": "calcul en cours",
    "#UNKNOWN!": "erreur inconnue",
    "#DATA!": "donnée incorrecte",
    "#PYTHON!": "erreur de Python dans Excel",
}
_FRENCH_ERRORS = {"#VALEUR!": "#VALUE!", "#NOM?": "#NAME?", "#NOMBRE!": "#NUM!", "#NUL!": "#NULL!",
                  "#CHAMP!": "#FIELD!", "#CONNEXION!": "#CONNECT!", "#INCONNU!": "#UNKNOWN!", "#BLOQUE!": "#BLOCKED!",
                  "#OCCUPE!": "#BUSY!", "#PROPAGATION!": "#SPILL!", "#EPARS!": "#SPILL!"}


@dataclass(frozen=True, slots=True)
class ExcelError:
    """An Excel error value held by a cell (« #N/A », « #REF! »…): what a broken formula leaves. Never data."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Uncomputed:
    """A formula cell saved without its computed value (a file written by a program, never recalculated): its value
    is unknown. `formula` is its text when the file gives it ('' for the copies of a shared formula)."""

    formula: str = ""

    def __str__(self) -> str:
        return f"={self.formula}" if self.formula else "formule"


def excel_error(value) -> ExcelError | None:
    """The Excel error `value` is, if it is one: an `ExcelError`, or its code as text (as xlwings, Office.js and a
    hand-edited export give it, French names included)."""
    if value.__class__ is ExcelError:
        return value
    if value.__class__ is str and value[:1] == "#":
        code = value.strip().upper()
        code = _FRENCH_ERRORS.get(code, code)
        if code in EXCEL_ERRORS:
            return ExcelError(code)
    return None


# Error values as Excel's COM interface hands them over to classic xlwings (VT_ERROR: 0x800A0000 + the xlErr
# number), the new ones included.
COM_ERRORS: dict[int, str] = {-2146828288 + number: code for number, code in (
    (2000, "#NULL!"), (2007, "#DIV/0!"), (2015, "#VALUE!"), (2023, "#REF!"), (2029, "#NAME?"), (2036, "#NUM!"),
    (2042, "#N/A"), (2043, "#GETTING_DATA"), (2045, "#SPILL!"), (2046, "#CONNECT!"), (2047, "#BLOCKED!"),
    (2048, "#UNKNOWN!"), (2049, "#FIELD!"), (2050, "#CALC!"), (2051, "#BUSY!"), (2052, "#PYTHON!"))}
# Office.js `errorType` of an error cell value -> its code
_OFFICE_ERRORS = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
                  "Ref": "#REF!", "Value": "#VALUE!", "Spill": "#SPILL!", "Calc": "#CALC!", "Field": "#FIELD!",
                  "GettingData": "#GETTING_DATA", "Connect": "#CONNECT!", "Blocked": "#BLOCKED!", "Busy": "#BUSY!",
                  "Unknown": "#UNKNOWN!", "Python": "#PYTHON!"}


def client_value(value):
    """A cell value as an Excel client hands it to Python, in the terms of this module: an Office.js rich value is
    its basic value, an Office.js error cell or a COM error code an `ExcelError`; other values unchanged."""
    if value.__class__ is dict:
        kind, basic = value.get("type"), value.get("basicValue")
        if kind == "Error":
            code = excel_error(str(basic or ""))
            return code or ExcelError(_OFFICE_ERRORS.get(str(value.get("errorType")), "#N/A"))
        if kind == "FormattedNumber" and isinstance(basic, int | float) and not isinstance(basic, bool) \
                and is_date_format(str(value.get("numberFormat") or "")) and 0 <= basic < 2_958_466:
            return datetime(1899, 12, 30) + timedelta(days=basic)  # a date cell: its date-time, as a file gives it
        return basic
    if value.__class__ is int and value in COM_ERRORS:
        return ExcelError(COM_ERRORS[value])
    return value


_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def is_date_format(number_format: str) -> bool:
    """Whether an Excel number format shows a date (« dd/mm/yyyy », « [$-fr-FR]d mmmm yyyy », « jj/mm/aaaa »), not
    a number, an amount or a time of day alone."""
    code = _FORMAT_LITERALS.sub("", number_format).lower().replace("am/pm", "").replace("a/p", "")
    return code not in ("general", "standard") and any(ch in code for ch in "dyja")


# C0 and C1 control characters but tab, line feed and carriage return; lone surrogates; the two non-characters XML
# refuses. A vertical tab is what a line break of Word becomes when pasted into Excel.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {"\x0b": "tabulation verticale", "\x0c": "saut de page", "\x00": "caractère nul",
                  "\x7f": "caractère de suppression"}


def control_character(text: str) -> str | None:
    """The first control character of `text` (never tab, line feed, carriage return), None when it has none."""
    m = _CONTROL.search(text)
    return m.group() if m else None


def _control_name(ch: str) -> str:
    name = _CONTROL_NAMES.get(ch, "caractère de contrôle")
    return f"{name} U+{ord(ch):04X}"


MAX_TEXT = 32_767  # characters in one cell: Excel's own limit


def check_value(value) -> None:
    """Raise `CellError` when `value` is no data at all in any column: an Excel error, a formula without computed
    value, a text holding a control character (invisible, and refused by Word and Excel files)."""
    cls = value.__class__
    if cls is str:
        if value[:1] == "#" and (error := excel_error(value)) is not None:
            raise CellError(_error_message(error))
        if not value.isprintable() and (ch := control_character(value)) is not None:  # isprintable: quick
            raise CellError(f"{quote(value)} contient un caractère invisible ({_control_name(ch)}, souvent collé "
                            "depuis Word) : retapez le texte de la cellule")
        if len(value) > MAX_TEXT:  # no cell of Excel holds more (issue 12: a 300 MB text copied into documents)
            raise CellError(f"texte de {len(value):,} caractères".replace(",", "\u202f") + ", plus que les 32\u202f767 "
                            "qu'une cellule d'Excel peut contenir : raccourcissez-le")
    elif cls is ExcelError:
        raise CellError(_error_message(value))
    elif cls is Uncomputed:
        raise CellError(f"{quote(str(value))} : formule sans valeur calculée (fichier jamais recalculé) ; ouvrez "
                        "et enregistrez le fichier dans Excel ou LibreOffice, ou tapez la valeur")


def _error_message(error: ExcelError) -> str:
    meaning = EXCEL_ERRORS.get(error.code)
    return (f"{quote(error.code)} : valeur d'erreur Excel ({meaning}), pas une donnée ; corrigez la formule ou "
            "tapez la valeur")


EXCEL_EPOCH = date(1899, 12, 30)
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""Bounds of a plausible year in a date of the scheme (reception, end of project, decision, reports…): a date
outside them is a typo (« 31/12/0022 », « 01/01/0000 », « 31/12/2202 ») and an error, never read as another year."""
TWO_DIGIT_PIVOT = 30
"""A two-digit year below it is in the 2000s, from it in the 1900s (Excel's default window): « 31/12/22 » is 2022,
« 31/12/99 » is 1999 (an error), never 2099."""
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_TIME = r"(?:[T ]+\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"  # a time of day after a date, ignored
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})" + _TIME + "$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def quote(value) -> str:
    """« value » as shown in messages (long values shortened; -5.0 read from a cell shows as -5)."""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    if _CONTROL.search(text):  # shown, not printed: « a␋b »
        text = _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 32 else "\ufffd", text)
    if _INVISIBLE.search(text):  # a zero-width space pasted from a web page: « 3a⟨U+200B⟩ », not « 3a »
        text = _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)
    return f"« {text} »"


# Characters that show nothing (zero-width spaces and joiners, direction marks, word joiner, byte order mark, line
# and paragraph separators): legitimate in a text, but a value they spoil must show them in its message.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


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
    if number is None:  # « % » alone: no number in it
        raise CellError(f"{quote(value)} n'est pas un pourcentage")
    if is_text_percent or number > 1:
        number = number / 100
    if number < 0 or number > 1:
        raise CellError(f"{quote(value)} : un pourcentage doit être compris entre 0 et 100 %")
    return number


def parse_date(value) -> date | None:
    """A date cell (a date-time is its date), or text '31/12/2022', '31-12-22' (a two-digit year as Excel reads it:
    00-29 is 20.., 30-99 is 19.., hence implausible),
    '2022-12-31', '30/06/2022 14:30', or an Excel serial number (a date cell without date format, or a date-time as
    Office.js passes it: 44742.604 is 30/06/2022). The year must lie within FIRST_YEAR..LAST_YEAR; impossible dates
    are errors."""
    if is_empty(value):
        return None
    check_value(value)
    if isinstance(value, datetime):
        return _plausible(value.date(), value)
    if isinstance(value, date):
        return _plausible(value, value)
    if isinstance(value, bool):
        raise CellError(f"{quote(value)} n'est pas une date")
    if isinstance(value, int | float):
        # a date cell without date format: an Excel serial number, its fraction the time of day
        if _FIRST_SERIAL <= value < _LAST_SERIAL + 1:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"{quote(parse_text(value))} n'est pas une date (attendu JJ/MM/AAAA)")
    text = str(value).strip()
    if m := _DATE_DMY.match(text):
        d, mth, y = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:  # as Excel reads a two-digit year: 00-29 -> 2000s, 30-99 -> 1900s
            y += 2000 if y < TWO_DIGIT_PIVOT else 1900
    elif m := _DATE_ISO.match(text):
        y, mth, d = (int(g) for g in m.groups())
    else:
        raise CellError(f"{quote(value)} n'est pas une date (attendu JJ/MM/AAAA)")
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise CellError(_implausible(quote(value), y))
    try:
        parsed = date(y, mth, d)
    except ValueError:
        raise CellError(f"{quote(value)} n'est pas une date valide") from None
    return _plausible(parsed, value)


_FIRST_SERIAL = (date(FIRST_YEAR, 1, 1) - EXCEL_EPOCH).days
_LAST_SERIAL = (date(LAST_YEAR, 12, 31) - EXCEL_EPOCH).days


def _plausible(day: date, raw) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CellError(_implausible(quote(f"{day.day:02d}/{day.month:02d}/{day.year:04d}"), day.year))
    return day


def _implausible(shown: str, year: int) -> str:
    return f"{shown} : année {year:04d} invraisemblable (attendue entre {FIRST_YEAR} et {LAST_YEAR})"


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


def _country_key(text: str) -> str:
    """A typed country's key: folded, a hyphen the same as a space (« Royaume Uni », « Etats Unis »)."""
    return " ".join(fold(text).replace("-", " ").split())


@cache
def _countries() -> dict[str, str]:
    """Country key (`_country_key`) of each name or code -> code, from the curated list (`fitn_xl.core.countries`)."""
    out: dict[str, str] = {}
    for code, country in countries.countries().items():
        out[_country_key(code)] = code
        out[_country_key(country.name)] = code
    for name, code in {**countries.aliases(), **countries.regions()}.items():
        out.setdefault(_country_key(name), code)
    return out


def country_names() -> list[str]:
    """The drop-down's French names, sorted: every country and territory, and the EU regions without a code of
    their own (Açores, Madère)."""
    names = {c.name for c in countries.countries().values()} | set(countries.regions())
    return sorted(names, key=fold)


def country_name(code: str) -> str:
    country = countries.countries().get(code.upper())
    return country.name if country else code


def parse_country(value) -> str:
    """ISO 3166 alpha-2 code from a French name ('États-Unis', 'Guadeloupe'), a code ('US') or the name of a region
    without code ('Açores' -> 'PT')."""
    if is_empty(value):
        return ""
    code = _countries().get(_country_key(parse_text(value)))
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
    """Typed value of one cell of `column`; raises `CellError` (also for an empty required cell, an Excel error, a
    formula without value and a control character: `check_value`)."""
    if column.required and is_empty(value):
        raise CellError("valeur obligatoire manquante")
    check_value(value)
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
