"""Consolidation for the SGAR / DITP: several départements' monthly lists merged into one workbook.

Sheets: « Lauréats » (every row, with its source file, and a total row), « Par département » and « Par mesure »
(count and amount, with totals). A file that is not a monthly list is rejected with a French message naming it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from ..files import atomic_write
from ..schema import MEASURE_LABELS
from .listing import AMOUNT_HEADERS, DATE_HEADERS, LIST_HEADERS, ListRow, total
from .xlsx import EUR_FORMAT, TOTAL_LABEL, ListFile, NotAListError, put, read_list_xlsx, write_rows

SOURCE_HEADER = "Fichier source"
COUNT_HEADER = "Nombre de lauréats"
AMOUNT_HEADER = "Montant financé (€)"


class ConsolidationError(Exception):
    """The lists cannot be merged (French message naming the file)."""


@dataclass
class Consolidation:
    files: list[ListFile]
    rows: list[tuple[ListRow, str]]  # (row, source file name)
    by_department: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    by_measure: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> Decimal:
        return total(r for r, _ in self.rows)


def _sums(pairs) -> dict[str, tuple[int, Decimal]]:
    out: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for key, amount in pairs:
        out[key][0] += 1
        out[key][1] += amount
    return {k: (n, a) for k, (n, a) in out.items()}


def merge(paths: list[Path]) -> Consolidation:
    """Read and check every list. Raises `ConsolidationError` for a file that is not a list, a département given
    twice or a dossier present in two files."""
    files: list[ListFile] = []
    seen_department: dict[str, str] = {}
    seen_dossier: dict[tuple[str, str], str] = {}
    rows: list[tuple[ListRow, str]] = []
    for path in paths:
        try:
            lf = read_list_xlsx(Path(path))
        except NotAListError as exc:
            raise ConsolidationError(str(exc)) from None
        name = lf.path.name
        if lf.department and lf.department in seen_department:
            raise ConsolidationError(f"« {name} » et « {seen_department[lf.department]} » sont deux listes du "
                                     f"département {lf.department} : n'en donnez qu'une (la plus récente).")
        seen_department[lf.department] = name
        for row in lf.rows:
            key = (row.department, row.dossier_id)
            if key in seen_dossier:
                raise ConsolidationError(f"« {name} » : le dossier {row.dossier_id} ({row.department}) figure aussi "
                                         f"dans « {seen_dossier[key]} ».")
            seen_dossier[key] = name
            rows.append((row, name))
        files.append(lf)
    if not files:
        raise ConsolidationError("Aucune liste à consolider.")
    result = Consolidation(files, rows)
    result.by_department = dict(sorted(_sums((r.department, r.amount) for r, _ in rows).items()))
    result.by_measure = dict(sorted(_sums((r.measure, r.amount) for r, _ in rows).items()))
    months = {str(f.month) for f in files if f.month}
    if len(months) > 1:
        detail = ", ".join(f"{f.path.name} : {f.month}" for f in files)
        result.warnings.append(f"Les listes ne portent pas toutes sur le même mois ({detail}).")
    return result


def write_consolidation(path: Path, c: Consolidation) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Lauréats"
    headers = (*LIST_HEADERS, SOURCE_HEADER)
    last = write_rows(ws, headers, ((*r.values(), source) for r, source in c.rows), AMOUNT_HEADERS, DATE_HEADERS,
                      {SOURCE_HEADER: 30})
    bold = Font(bold=True)
    put(ws, last + 1, 1, TOTAL_LABEL).font = bold
    put(ws, last + 1, 2, f"{c.count} lauréat{'s' if c.count > 1 else ''}").font = bold
    put(ws, last + 1, LIST_HEADERS.index(AMOUNT_HEADER) + 1, c.total, EUR_FORMAT).font = bold

    names = {f.department: f.department_name for f in c.files}
    months = {f.department: str(f.month) if f.month else "" for f in c.files}
    dep = wb.create_sheet("Par département")
    last = write_rows(dep, ("Département", "Nom du département", "Mois", COUNT_HEADER, AMOUNT_HEADER),
                      ((d, names.get(d, ""), months.get(d, ""), n, a) for d, (n, a) in c.by_department.items()),
                      {AMOUNT_HEADER}, frozenset(), {"Nom du département": 26, AMOUNT_HEADER: 18})
    put(dep, last + 1, 1, TOTAL_LABEL).font = bold
    put(dep, last + 1, 4, c.count).font = bold
    put(dep, last + 1, 5, c.total, EUR_FORMAT).font = bold

    mes = wb.create_sheet("Par mesure")
    last = write_rows(mes, ("Mesure", "Intitulé de la mesure", COUNT_HEADER, AMOUNT_HEADER),
                      ((m, MEASURE_LABELS.get(m, ""), n, a) for m, (n, a) in c.by_measure.items()),
                      {AMOUNT_HEADER}, frozenset(), {"Intitulé de la mesure": 60, AMOUNT_HEADER: 18})
    put(mes, last + 1, 1, TOTAL_LABEL).font = bold
    put(mes, last + 1, 3, c.count).font = bold
    put(mes, last + 1, 4, c.total, EUR_FORMAT).font = bold
    wb.properties.title = "Consolidation des listes de lauréats FITN7 axe 3"
    wb.properties.creator = "fitn-xl"
    atomic_write(Path(path), wb.save)


def consolidate(paths: list[Path], out: Path) -> Consolidation:
    """Merge the lists and write the consolidation atomically (nothing written when a file is rejected)."""
    c = merge(paths)
    write_consolidation(out, c)
    return c
