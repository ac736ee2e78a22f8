"""Excel ranges as the cell functions receive them: broadcasting input columns, parsing parameter tables.

No xlwings import: values come in as scalars, 1-D or 2-D lists (what classic xlwings, Office.js and the remote
interpreter hand over). Problems raise `RangeError` with a French message that the functions put in the cell.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import MISSING, fields, replace
from datetime import date
from decimal import Decimal
from itertools import repeat

from .. import schema
from ..core import rules
from ..core.model import Application, Criterion, Expense, ForfaitRule, Parameters, Score
from ..core.params import default_parameters
from ..schema import Column, Kind, Table
from ..values import CellError, client_value, fold, is_empty, parse_cell, parse_column, parse_date, parse_text

ERROR_PREFIX = "Erreur : "


class RangeError(ValueError):
    """A range that cannot be used; `str(error)` is the French message (without the « Erreur : » prefix)."""


def plain(value):
    """A cell as the client hands it over, in the reader's terms (`values.client_value`): an Office.js rich value
    as its basic value, an error cell (Office.js) or error code (COM) as an `ExcelError`; other values unchanged."""
    return client_value(value)


def matrix(value) -> list[list]:
    """Any Excel argument as a 2-D list of rows (a scalar is a 1×1 range, None an empty cell).

    Arguments arrive raw (xlwings' "raw" converter: no per-cell cleaning, which costs seconds on 5 000-row columns
    under xlwings Server): Office.js sends empty cells as '' and error cells or data types as dicts (read as
    their basic value when parsed), COM sends tuples. Excel ranges are rectangular: the first row tells."""
    if isinstance(value, list | tuple):
        if not value:
            return [[None]]
        if isinstance(value[0], list | tuple):
            return value if isinstance(value, list) and isinstance(value[0], list) else [list(r) for r in value]
        return [[v] for v in value]  # a 1-D list: one column
    return [[value]]


def vector(value) -> tuple[list, bool]:
    """An input column (or row) as a flat list, and whether it was laid out as a row (1×N, N > 1)."""
    m = matrix(value)
    if len(m) == 1 and len(m[0]) > 1:
        return list(m[0]), True
    if len(m[0]) == 1:
        return [row[0] for row in m], False
    raise RangeError("une plage d'entrée doit être une seule colonne ou une seule ligne")


def broadcast(arguments: dict[str, object]) -> tuple[int, bool, dict[str, list]]:
    """Columns of equal length N from arguments of length 1 or N: (N, output as a row, name -> values)."""
    columns: dict[str, list] = {}
    as_row = False
    n = 1
    for name, value in arguments.items():
        values, is_row = vector(value)
        columns[name] = values
        if len(values) > 1:
            if n > 1 and len(values) != n:
                raise RangeError(f"les plages n'ont pas la même taille ({n} et {len(values)} cellules, "
                                 f"argument « {name} »)")
            if n == 1:
                as_row = is_row
            n = len(values)
    return n, as_row, {k: (v * n if len(v) == 1 else v) for k, v in columns.items()}


def shape(values: Sequence, as_row: bool):
    """Results laid out like the inputs: a scalar for one row, else a column (or a row) that Excel spills."""
    if len(values) == 1:
        return values[0]
    return [list(values)] if as_row else [[v] for v in values]


def instances(cls, columns: dict[str, list], n: int, defaults: dict[str, object] | None = None) -> list:
    """`n` objects of the frozen, slotted dataclass `cls` (no `__post_init__`), field f of object i being
    `columns[f][i]` (else `defaults[f]`, else the field's default): equal to `cls(...)` called row by row, built
    one field at a time over all rows (a frozen dataclass's __init__ costs about 5 µs for an `Application`)."""
    new = object.__new__
    objects = list(map(new, repeat(cls, n)))
    for f in fields(cls):
        if f.name in columns:
            values = columns[f.name]
        elif defaults and f.name in defaults:
            values = repeat(defaults[f.name])
        elif f.default is not MISSING:
            values = repeat(f.default)
        else:
            raise TypeError(f"{cls.__name__}.{f.name} : pas de valeur")
        deque(map(getattr(cls, f.name).__set__, objects, values), maxlen=0)  # the slot's descriptor
    return objects


def _check_buildable(cls) -> None:
    if "__slots__" not in vars(cls) or hasattr(cls, "__post_init__") or \
            any(f.default_factory is not MISSING for f in fields(cls)):
        raise TypeError(f"{cls.__name__} ne peut pas être construit par `instances`")


for _cls in (Application, Expense):
    _check_buildable(_cls)
del _cls


def excel_value(value):
    """A core value as a cell value: Decimal -> int or float, date kept, None -> '' (an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def parse_argument(value, label: str, kind: Kind, choices: tuple[str, ...] = ()):
    """One input cell of a function, parsed as the workbook reader parses that column."""
    try:
        return parse_cell(value, Column(label, label, kind, False, choices))
    except CellError as exc:
        raise RangeError(f"{label} : {exc}") from None


def _header_key(text) -> str:
    return fold(parse_text(text))


def _layout(value, table: Table, required: bool) -> tuple[list, int, dict[str, int]]:
    """(rows of the range, index of the first data row, attr -> column index): columns are found by their exact
    header when the range has a header row, else they follow the order of `schema`."""
    rows = matrix(value)
    if not rows or (len(rows) == 1 and all(is_empty(v) for v in rows[0])):
        if required:
            raise RangeError(f"le tableau « {table.name} » est vide")
        return [], 0, {}
    first = [_header_key(v) for v in rows[0]]
    wanted = {_header_key(c.header): c for c in table.columns}
    positions: dict[str, int] = {}
    start = 0
    if any(k in wanted for k in first if k):
        start = 1
        for i, key in enumerate(first):
            if key in wanted and wanted[key].attr not in positions:
                positions[wanted[key].attr] = i
        missing = [c.header for c in table.columns if c.required and c.attr not in positions]
        if missing:
            raise RangeError(f"tableau « {table.name} » : colonne « {missing[0]} » absente")
    else:
        width = max(len(r) for r in rows)
        needed = sum(1 for c in table.columns if c.required)
        if width < needed:
            raise RangeError(f"le tableau « {table.name} » doit avoir les colonnes : "
                             + ", ".join(c.header for c in table.columns))
        positions = {c.attr: i for i, c in enumerate(table.columns) if i < width}
    return rows, start, positions


def raw_columns(value, table: Table, required: bool = True) -> tuple[list[int], dict[str, list]]:
    """The table passed as a range, column by column: (row numbers, attr -> raw cell values), for the columns the
    range has. Row numbers are 1-based within the range (header row included); empty rows are skipped."""
    rows, start, positions = _layout(value, table, required)
    body = rows[start:]
    columns: dict[str, list] = {}
    for attr, i in positions.items():
        try:
            columns[attr] = [line[i] for line in body]
        except IndexError:  # a ragged range (never from Excel): missing cells are empty
            columns[attr] = [line[i] if i < len(line) else None for line in body]
    numbers = list(range(start + 1, start + 1 + len(body)))
    keep = _filled_rows(list(columns.values()), len(body))
    if len(keep) != len(body):
        numbers = [numbers[j] for j in keep]
        columns = {attr: [values[j] for j in keep] for attr, values in columns.items()}
    return numbers, columns


def _filled_rows(columns: list[list], n: int) -> list[int]:
    """Indexes of the rows with a cell that is not empty. Only rows whose first cell is empty are looked at
    whole (each distinct first value is checked once)."""
    if not columns:
        return []
    first = columns[0]
    try:
        blanks = {v for v in set(first) if is_empty(v)}
    except TypeError:  # an unhashable cell (never from Excel): look at every row
        candidates = range(n)
    else:
        if not blanks:
            return list(range(n))
        candidates = [j for j, v in enumerate(first) if v in blanks]
    dropped = {j for j in candidates if all(is_empty(values[j]) for values in columns)}
    return [j for j in range(n) if j not in dropped] if dropped else list(range(n))


def _records(numbers: list[int], columns: dict[str, list]) -> list[tuple[int, dict[str, object]]]:
    """Columns back to rows: (row number, {attr: value})."""
    attrs = list(columns)
    rows = zip(*columns.values(), strict=True)
    return [(r, dict(zip(attrs, cells, strict=True))) for r, cells in zip(numbers, rows, strict=True)]


def raw_rows(value, table: Table, required: bool = True) -> list[tuple[int, dict[str, object]]]:
    """Rows of a table passed as a range, with or without its header row, as raw cell values by attribute (see
    `raw_columns`)."""
    numbers, columns = raw_columns(value, table, required)
    return _records(numbers, columns)


_MEMOS: dict[tuple[str, str], dict] = {}  # (table, column) -> memo of `parse_column`, kept between calls
_MEMO_MAX = 50_000  # entries per memo; cleared beyond


def _memo(key) -> dict:
    memo = _MEMOS.get(key)
    if memo is None or len(memo) > _MEMO_MAX:
        memo = _MEMOS[key] = {}
    return memo


def plain_values(values: list) -> list:
    """`plain` of each value, the list itself when it holds no Office.js rich value nor COM error code."""
    types = set(map(type, values))
    if dict in types or int in types:
        return list(map(client_value, values))
    return values


def parse_columns(table: Table, numbers: list[int], columns: dict[str, list]) -> tuple[dict[str, list],
                                                                                      dict[int, str]]:
    """Typed columns (see `raw_columns`), each distinct value parsed once, and {row index: French message} for
    the rows holding a bad cell: its first bad column, naming the table, the row and the column."""
    parsed: dict[str, list] = {}
    errors: dict[int, str] = {}
    for col in table.columns:
        if col.attr not in columns:
            continue
        values, bad = parse_column(plain_values(columns[col.attr]), col, _memo((table.name, col.attr)))
        parsed[col.attr] = values
        for j in bad:
            if j not in errors:
                errors[j] = (f"tableau « {table.name} », ligne {numbers[j]}, colonne « {col.header} » : "
                             f"{values[j]}")
    return parsed, errors


def table_records(value, table: Table, required: bool = True) -> list[tuple[int, dict[str, object]]]:
    """Parsed rows of a table passed as a range (see `raw_columns`); raises `RangeError` on the first bad cell."""
    numbers, columns = raw_columns(value, table, required)
    parsed, errors = parse_columns(table, numbers, columns)
    if errors:
        raise RangeError(errors[min(errors)])
    return _records(numbers, parsed)


def forfait_rules(value) -> tuple[ForfaitRule, ...]:
    """The « Forfaits » table (Mesure, Type de candidat, Population min, Population max, Montant (€))."""
    out: list[ForfaitRule] = []
    rows: list[int] = []
    for r, rec in table_records(value, schema.FORFAITS, required=False):
        lo, hi = rec.get("population_min"), rec.get("population_max")
        if lo is not None and hi is not None and lo > hi:
            raise RangeError(f"tableau « Forfaits », ligne {r}, colonne « Population max » : inférieure à la "
                             "population min")
        rule = ForfaitRule(rec["measure"], rec["applicant_type"], rec["amount"], lo, hi)
        if (k := rules.forfait_conflict(rule, out)) is not None:
            raise RangeError(f"tableau « Forfaits », ligne {r}, colonne « Population min » : populations communes "
                             f"avec la ligne {rows[k]} (même mesure, même type de candidat, autre montant)")
        out.append(rule)
        rows.append(r)
    return tuple(out)


def grid(value) -> tuple[Criterion, ...]:
    """The « Grille » table (Mesure, N°, Critère, Pondération, Note maximale)."""
    out: list[Criterion] = []
    seen: set[tuple[str, int]] = set()
    for r, rec in table_records(value, schema.GRID):
        number = rec["number"]
        where = f"tableau « Grille », ligne {r}, colonne"  # the column named as the reader names it
        if not 1 <= number <= schema.N_CRITERIA:
            raise RangeError(f"{where} « N° » : le numéro de critère doit aller de 1 à {schema.N_CRITERIA}")
        if (rec["measure"], number) in seen:
            raise RangeError(f"{where} « N° » : critère {number} en double pour la mesure {rec['measure']}")
        if rec["max_score"] <= 0:
            raise RangeError(f"{where} « Note maximale » : la note maximale doit être positive")
        if rec["weight"] < 0:
            raise RangeError(f"{where} « Pondération » : la pondération ne peut pas être négative")
        seen.add((rec["measure"], number))
        out.append(Criterion(rec["measure"], number, rec["name"], rec["weight"], rec["max_score"]))
    return tuple(out)


def excluded_categories(value) -> frozenset[str]:
    """The « Exclusions » table (one column, Catégorie exclue); None = the fiche's default list."""
    if value is None:
        return default_parameters().excluded_categories
    return frozenset(rec["category"] for _, rec in table_records(value, schema.EXCLUSIONS, required=False))


def results_deadline(value) -> date:
    """« Échéance des résultats »: a date, or the whole « Parametres » table; None = the fiche's default."""
    if value is None:
        return default_parameters().results_deadline
    rows = matrix(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        try:
            deadline = parse_date(plain(rows[0][0]))
        except CellError as exc:
            raise RangeError(f"Échéance des résultats : {exc}") from None
        return deadline or default_parameters().results_deadline
    label = fold("Échéance des résultats")
    for row in rows:
        if len(row) >= 2 and fold(parse_text(plain(row[0]))) == label:
            try:
                return parse_date(plain(row[1])) or default_parameters().results_deadline
            except CellError as exc:
                raise RangeError(f"tableau « Parametres », Échéance des résultats : {exc}") from None
    raise RangeError("le paramètre « Échéance des résultats » est absent du tableau « Parametres »")


def parameters(*, forfaits=(), grid=(), excluded=None, deadline=None) -> Parameters:
    """The fiche's defaults with the tables given to a function."""
    base = default_parameters()
    return replace(
        base,
        forfaits=tuple(forfaits),
        grid=tuple(grid),
        excluded_categories=base.excluded_categories if excluded is None else excluded,
        results_deadline=deadline or base.results_deadline,
    )


def expenses_by_dossier(value) -> tuple[dict[str, list[Expense]], dict[str, str]]:
    """The « Depenses » table grouped by N° dossier, and a French error per dossier whose lines are bad."""
    by_dossier: dict[str, list[Expense]] = {}
    errors: dict[str, str] = {}
    if value is None:
        return by_dossier, errors
    numbers, columns = raw_columns(value, schema.EXPENSES, required=False)
    if not numbers:
        return by_dossier, errors
    parsed, bad = parse_columns(schema.EXPENSES, numbers, columns)
    # a line's dossier: its N° dossier as text ('' when empty, the only way that column fails)
    ids = parsed["dossier_id"]
    if bad:
        ids = ["" if isinstance(d, CellError) else d for d in ids]
    # Columns the range lacks: the Expense default, except « Montant » (a line without amount is left out)
    n = len(numbers)
    amounts = parsed.get("amount") or [None] * n
    countries = parsed.get("publisher_country") or [""] * n
    categories = parsed.get("category") or [""] * n
    lines = instances(Expense, parsed, n)
    for j, line in enumerate(lines):
        dossier_id = ids[j]
        if bad and j in bad:  # one bad line only spoils its own dossier
            errors.setdefault(dossier_id, bad[j])
            continue
        if rules.missing_country(categories[j], countries[j]):
            errors.setdefault(dossier_id, f"tableau « Depenses », ligne {numbers[j]}, colonne « Pays de "
                                          f"l'éditeur » : {rules.MISSING_COUNTRY}")
        if amounts[j] is not None:
            group = by_dossier.get(dossier_id)
            if group is None:
                by_dossier[dossier_id] = [line]
            else:
                group.append(line)
    return by_dossier, errors


def score_rows(value) -> dict[str, list[tuple]]:
    """The « Notation » table grouped by N° dossier, parsed once whatever the grids: each dossier's rows in table
    order, as (row number, its criteria values, its `Score`) or, for a row with a bad cell, (row number, None, the
    French message); '' holds the rows whose N° dossier is empty or bad. `checked_scores` then checks one dossier's
    rows against its grid."""
    by_dossier: dict[str, list[tuple]] = {}
    numbers, columns = raw_columns(value, schema.SCORES, required=False)
    parsed, bad = parse_columns(schema.SCORES, numbers, columns)
    n = len(numbers)

    def column(attr: str, absent) -> list:  # a column the range lacks reads as `absent` on every row
        return parsed[attr] if attr in parsed else [absent] * n

    ids, evaluators, conflicts, comments = (column("dossier_id", ""), column("evaluator", ""),
                                            column("conflict", None), column("comment", ""))
    rows = list(zip(*(column(f"criterion_{i}", None) for i in range(1, schema.N_CRITERIA + 1)), strict=True))
    for j, (r, dossier_id, values) in enumerate(zip(numbers, ids, rows, strict=True)):
        if j in bad:  # one bad line only spoils its own dossier ('' when its N° dossier is empty)
            by_dossier.setdefault("" if isinstance(dossier_id, CellError) else dossier_id, []).append(
                (r, None, bad[j]))
            continue
        by_dossier.setdefault(dossier_id, []).append(
            (r, values, Score(dossier_id, evaluators[j], conflicts[j], values, comments[j])))
    return by_dossier


def checked_scores(rows: Sequence[tuple], scale: dict[int, Criterion]) -> tuple[list[Score], str | None]:
    """One dossier's rows (see `score_rows`) checked against its grid (`scale`: criterion number -> criterion), as
    the workbook reader checks them: its scores, and the first problem in table order (a bad cell, a criterion the
    grid lacks, a score off its scale; None when there is none)."""
    scores: list[Score] = []
    problem = None
    for r, values, item in rows:
        if values is None:
            problem = problem or item
            continue
        if problem is None:
            for i, v in enumerate(values, start=1):
                if v is not None:
                    crit = scale.get(i)
                    if crit is None:
                        problem = (f"tableau « Notation », ligne {r}, colonne « Critère {i} » : la grille de ce "
                                   f"dossier n'a pas de critère {i}")
                    elif v < 0 or v > crit.max_score:
                        problem = (f"tableau « Notation », ligne {r}, colonne « Critère {i} » : {v} hors de "
                                   f"l'échelle (0 à {crit.max_score})")
                    if problem:
                        break
        scores.append(item)
    return scores, problem
