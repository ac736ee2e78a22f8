"""Consolidation for the SGAR / DITP: the laureates of several départements in one pandas frame, grouped by
département and by measure, written as one workbook.

Each input is a département's monthly list (`fitn-xl ditp`) or its registry itself: a registry gives the rows its
monthly list would have at its reference date (the same `monthly_rows`, dossiers with input errors left out and
named). Sheets: « Lauréats » (every row, with its source file, and a total row), « Par département », « Par mesure »
and « Par département et mesure » (count and amount, with totals). A file that is neither is rejected with a
French message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .. import schema
from ..files import atomic_write
from ..schema import MEASURE_LABELS
from ..workbook.build import font, new_workbook
from ..workbook.read import RegistryError, load_registry, open_workbook
from .listing import (
    H_AMOUNT,
    H_DEPARTMENT,
    H_DOSSIER,
    H_MEASURE,
    LIST_HEADERS,
    ListRow,
    Month,
    NoLaureateError,
    monthly_rows,
)
from .xlsx import EUR_FORMAT, SHEET_LIST, TOTAL_LABEL, NotAListError, put, read_list_xlsx, write_rows

SOURCE_HEADER = "Fichier source"
COUNT_HEADER = "Nombre de lauréats"
AMOUNT_HEADER = "Montant financé (€)"
NAME_HEADER = "Nom du département"
MONTH_HEADER = "Mois"


class ConsolidationError(Exception):
    """The inputs cannot be merged (French message naming the file)."""


@dataclass(frozen=True)
class Source:
    """One input: a monthly list or a registry, of one département."""

    path: Path
    department: str
    department_name: str
    month: str  # 'AAAA-MM' of the list, or of the registry's reference date; '' when unknown
    rows: list[ListRow]
    skipped: list[str] = field(default_factory=list)  # dossiers of a registry left out (input errors)


@dataclass
class Consolidation:
    sources: list[Source]
    laureates: pd.DataFrame  # LIST_HEADERS + « Fichier source », one row per laureate, amounts as Decimal
    by_department: pd.DataFrame  # index: département; columns: COUNT_HEADER, AMOUNT_HEADER
    by_measure: pd.DataFrame  # index: mesure
    by_department_measure: pd.DataFrame  # index: (département, mesure)
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.laureates)

    @property
    def total(self) -> Decimal:
        return sum(self.laureates[H_AMOUNT], Decimal(0))


def _is_registry(path: Path) -> bool:
    try:
        names = open_workbook(path).sheet_names  # checked first (issue 12): a hostile file must not crash this
    except Exception:  # not a workbook: the list reader says so in French
        return False
    return schema.SHEET_APPLICATIONS in names and SHEET_LIST not in names


def read_source(path: Path, today: date | None = None) -> Source:
    """A monthly list, or a registry (its laureates as its list would give them at its reference date, else
    `today`). Raises `ConsolidationError` for anything else."""
    path = Path(path)
    if path.is_file() and _is_registry(path):
        try:
            loaded = load_registry(path)
        except RegistryError as exc:
            raise ConsolidationError(str(exc)) from None
        params = loaded.registry.parameters
        if loaded.blocking:
            raise ConsolidationError(f"« {path.name} » : le registre a des erreurs qui empêchent de le consolider "
                                     "(voir fitn-xl check).")
        reference = params.reference_date or today or date.today()
        month = Month(reference.year, reference.month)
        bad = loaded.dossiers_with_errors
        try:
            rows = monthly_rows(loaded.registry, month, skip=bad)
        except NoLaureateError:
            rows = []
        laureates = {a.dossier_id for a in loaded.registry.applications if a.status in schema.LAUREATE_STATUSES}
        return Source(path, params.department, params.department_name, str(month), rows, sorted(bad & laureates))
    try:
        lf = read_list_xlsx(path)
    except NotAListError as exc:
        raise ConsolidationError(str(exc)) from None
    return Source(lf.path, lf.department, lf.department_name, str(lf.month) if lf.month else "", lf.rows)


def _grouped(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Count and amount per value of `keys`, sorted (amounts summed exactly, as Decimal)."""
    grouped = frame.groupby(keys, sort=True)
    return pd.DataFrame({COUNT_HEADER: grouped[H_DOSSIER].count(),
                         AMOUNT_HEADER: grouped[H_AMOUNT].agg(lambda s: sum(s, Decimal(0)))})


def merge(paths: list[Path], today: date | None = None) -> Consolidation:
    """Read and check every input. Raises `ConsolidationError` for a file that is neither a list nor a registry,
    a département given twice or a dossier present in two files."""
    sources: list[Source] = []
    seen_department: dict[str, str] = {}
    for path in paths:
        source = read_source(Path(path), today)
        name = source.path.name
        if source.department and source.department in seen_department:
            raise ConsolidationError(f"« {name} » et « {seen_department[source.department]} » sont deux listes du "
                                     f"département {source.department} : n'en donnez qu'une (la plus récente).")
        seen_department[source.department] = name
        sources.append(source)
    if not sources:
        raise ConsolidationError("Aucune liste à consolider.")
    laureates = pd.DataFrame([(*row.values(), s.path.name) for s in sources for row in s.rows],
                             columns=[*LIST_HEADERS, SOURCE_HEADER])
    twice = laureates[laureates.duplicated([H_DEPARTMENT, H_DOSSIER], keep="first")]
    if len(twice):
        again = twice.iloc[0]
        first = laureates[(laureates[H_DEPARTMENT] == again[H_DEPARTMENT])
                          & (laureates[H_DOSSIER] == again[H_DOSSIER])].iloc[0]
        raise ConsolidationError(f"« {again[SOURCE_HEADER]} » : le dossier {again[H_DOSSIER]} "
                                 f"({again[H_DEPARTMENT]}) figure aussi dans « {first[SOURCE_HEADER]} ».")
    result = Consolidation(sources, laureates, _grouped(laureates, [H_DEPARTMENT]), _grouped(laureates, [H_MEASURE]),
                           _grouped(laureates, [H_DEPARTMENT, H_MEASURE]))
    months = {s.month for s in sources if s.month}
    if len(months) > 1:
        detail = ", ".join(f"{s.path.name} : {s.month}" for s in sources)
        result.warnings.append(f"Les listes ne portent pas toutes sur le même mois ({detail}).")
    for s in sources:
        if s.skipped:
            result.warnings.append(f"« {s.path.name} » : {len(s.skipped)} lauréat(s) écarté(s) pour erreurs de "
                                   f"saisie ({', '.join(s.skipped)}) ; voir fitn-xl check.")
    return result


def _total_row(ws, row: int, count_col: int, amount_col: int, count, amount) -> None:
    bold = font(bold=True)
    put(ws, row, 1, TOTAL_LABEL).font = bold
    put(ws, row, count_col, count).font = bold
    put(ws, row, amount_col, amount, EUR_FORMAT).font = bold


def write_consolidation(path: Path, c: Consolidation) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = "Lauréats"
    headers = (*LIST_HEADERS, SOURCE_HEADER)
    last = write_rows(ws, headers, c.laureates.itertuples(index=False, name=None), widths={SOURCE_HEADER: 30})
    _total_row(ws, last + 1, 2, LIST_HEADERS.index(AMOUNT_HEADER) + 1,
               f"{c.count} lauréat{'s' if c.count > 1 else ''}", c.total)

    names = {s.department: s.department_name for s in c.sources}
    months = {s.department: s.month for s in c.sources}
    dep = wb.create_sheet("Par département")
    last = write_rows(dep, (H_DEPARTMENT, NAME_HEADER, MONTH_HEADER, COUNT_HEADER, AMOUNT_HEADER),
                      ((d, names.get(d, ""), months.get(d, ""), int(r[COUNT_HEADER]), r[AMOUNT_HEADER])
                       for d, r in c.by_department.iterrows()),
                      {AMOUNT_HEADER}, frozenset(), {NAME_HEADER: 26, AMOUNT_HEADER: 18})
    _total_row(dep, last + 1, 4, 5, c.count, c.total)

    mes = wb.create_sheet("Par mesure")
    last = write_rows(mes, (H_MEASURE, "Intitulé de la mesure", COUNT_HEADER, AMOUNT_HEADER),
                      ((m, MEASURE_LABELS.get(m, ""), int(r[COUNT_HEADER]), r[AMOUNT_HEADER])
                       for m, r in c.by_measure.iterrows()),
                      {AMOUNT_HEADER}, frozenset(), {"Intitulé de la mesure": 60, AMOUNT_HEADER: 18})
    _total_row(mes, last + 1, 3, 4, c.count, c.total)

    both = wb.create_sheet("Par département et mesure")
    last = write_rows(both, (H_DEPARTMENT, NAME_HEADER, H_MEASURE, COUNT_HEADER, AMOUNT_HEADER),
                      ((d, names.get(d, ""), m, int(r[COUNT_HEADER]), r[AMOUNT_HEADER])
                       for (d, m), r in c.by_department_measure.iterrows()),
                      {AMOUNT_HEADER}, frozenset(), {NAME_HEADER: 26, AMOUNT_HEADER: 18})
    _total_row(both, last + 1, 4, 5, c.count, c.total)
    wb.properties.title = "Consolidation des listes de lauréats FITN7 axe 3"
    wb.properties.creator = "fitn-xl"
    atomic_write(Path(path), wb.save)


def consolidate(paths: list[Path], out: Path, today: date | None = None) -> Consolidation:
    """Merge the inputs and write the consolidation atomically (nothing written when a file is rejected)."""
    c = merge(paths, today)
    write_consolidation(out, c)
    return c
