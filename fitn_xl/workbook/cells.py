"""How a core value is stored in a registry cell: one rule shared by the builder (openpyxl) and the writer (XML).

Dates are real dates, amounts numbers, Oui/Non the text « Oui »/« Non », countries French names, percentages
fractions. Number formats per column kind live here too, so new cells look like the ones the builder made.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files

from ..schema import NO, YES, Column, Kind
from ..values import EXCEL_EPOCH, country_name

# Number formats. A space in a format must be escaped (`\ `) or quoted: French LibreOffice reads a bare space as
# its thousands separator and saves `#,##0.00 "€"` back as `#,##0.00,\€` (every amount shown divided by 1 000),
# `0.0 %` as `0.0,%`. Escaped, they survive a save by French or English LibreOffice and by Excel.
EURO_FORMAT = '#,##0.00\\ "€"'
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy\\ hh:mm"
PERCENT_FORMAT = "0.0\\ %"
INTEGER_FORMAT = "#,##0"
NUMBER_FORMAT = "General"  # scores, weights: « 14,5 », « 15 » (Excel shows « 15, » with 0.##)
SCORE_FORMAT = "0.00"
TEXT_FORMAT = "@"
COUNT_FORMAT = "0"

# What French LibreOffice made of the formats above before they were escaped (registries saved by it keep these):
# `fitn-xl recalc` puts the right code back.
DAMAGED_FORMATS = {
    '#,##0.00,\\€': EURO_FORMAT,
    '#,##0.00,"€"': EURO_FORMAT,
    "0.0,%": PERCENT_FORMAT,
}


def unescaped_space(format_code: str) -> bool:
    r"""Whether `format_code` holds a space neither escaped (`\ `) nor inside quotes: French LibreOffice takes it for
    a thousands separator."""
    quoted = escaped = False
    for ch in format_code:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted:
            return True
    return False


# Text that can hold several lines: wrapped, and the row made tall enough (spreadsheet programs do not always grow
# a row when they open a file, and never when a program wrote the cell).
WRAPPED = frozenset({"reasons", "warnings", "grid"})
LINE_HEIGHT = 12.75  # points per line of 10-point Arial: Excel's row height for it
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height


def wrapped_lines(text, width: float, bold: bool = False) -> int:
    """The number of lines `text` takes in a wrapped cell `width` characters wide (Excel's column width unit, the
    width of a digit): its own lines, each broken between words. A little pessimistic, as a cut-off line is worse
    than a blank one: a letter is about 0.85 digit wide on average in Arial, a bold one about one digit."""
    if text is None or text == "":
        return 1
    per_line = line_capacity(width, bold)
    total = 0
    for line in str(text).split("\n"):
        lines, used = 1, 0
        for word in line.split():
            size = len(word)
            if size > per_line:  # broken inside the word, wherever it falls
                extra = used + (1 if used else 0) + size
                lines += (extra - 1) // per_line
                used = extra % per_line or per_line
            elif used == 0:
                used = size
            elif used + 1 + size <= per_line:
                used += 1 + size
            else:
                lines += 1
                used = size
        total += lines
    return total


def line_capacity(width: float, bold: bool = False) -> int:
    """How many characters of a line fit in a wrapped cell `width` characters wide (see `wrapped_lines`): a longer
    word is broken inside."""
    return max(int(width / (1.0 if bold else 0.88)) - 1, 4)


def row_height(lines: int) -> float:
    """Points for a row of `lines` lines of text."""
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * max(lines, 1))


# Text starting with one of these is a formula to a spreadsheet program: it is always stored as text, with the
# cell's « quote prefix » set so that Excel keeps it as text when someone edits the cell.
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Text columns whose content looks like a number but must stay text (leading zeros, long codes).
_TEXT_CODES = {"insee_or_siren", "phone", "month"}


def number_format(column: Column) -> str:
    """The Excel number format of a column ('General' when none)."""
    if column.attr == "timestamp":
        return DATETIME_FORMAT
    if column.attr == "rank":
        return COUNT_FORMAT
    return {
        Kind.AMOUNT: EURO_FORMAT,
        Kind.DATE: DATE_FORMAT,
        Kind.PERCENT: PERCENT_FORMAT,
        Kind.INTEGER: INTEGER_FORMAT,
        Kind.NUMBER: NUMBER_FORMAT,
        Kind.DEPARTMENT: TEXT_FORMAT,
        Kind.SIRET: TEXT_FORMAT,
    }.get(column.kind, TEXT_FORMAT if column.attr in _TEXT_CODES else "General")


def to_excel(column: Column | None, value):
    """A core value as the Python value a cell holds: str, int, float, date/datetime, or None (empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if column is not None and column.kind is Kind.COUNTRY and isinstance(value, str):
        return country_name(value) if len(value) == 2 else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float | str | date):
        return value
    return str(value)


def formula_like(value) -> bool:
    """True for text that a spreadsheet would take for a formula (« =1+1 », « +33 4… », « -2 », « @SOMME »)."""
    return type(value) is str and value.startswith(FORMULA_PREFIXES)


def put(cell, value):
    """Set an openpyxl cell to a plain value, never a formula: formula-looking text stays text (quote prefix)."""
    cell.value = value
    if formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def excel_serial(value: date) -> float | int:
    """Excel's serial number of a date (days since 1899-12-30) or datetime (with the day fraction)."""
    if isinstance(value, datetime):
        delta = value - datetime(EXCEL_EPOCH.year, EXCEL_EPOCH.month, EXCEL_EPOCH.day, tzinfo=value.tzinfo)
        return round(delta.total_seconds() / 86400, 8)
    return (value - EXCEL_EPOCH).days


@cache
def departments() -> dict[str, str]:
    """Code -> name of the 101 départements ('63' -> 'Puy-de-Dôme')."""
    text = files(__package__).joinpath("departements.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            code, name = line.split("\t")
            out[code.strip()] = name.strip()
    return out


def department_name(code: str) -> str | None:
    """Name of a département from its code ('63', '2a', '1' all work); None when unknown."""
    code = code.strip().upper()
    if code.isdigit() and len(code) < 2:
        code = code.zfill(2)
    return departments().get(code)
