"""The Recalculer job: read the registry, compute every dossier, write the computed columns and the dashboard.

One job for every place the registry lives: a file (`fitn-xl recalc`, patched in place and atomically, never
through openpyxl), or a workbook open in Excel (the add-in's button gives its own `RecalcTarget`). Input cells are
never written.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol

from .. import schema
from ..book.build import PARAMETERS_TEXT_COLUMNS
from ..book.computed import RecalcCells, recalc_cells
from ..book.dashboard import DASHBOARD_FORMATS, update_charts
from ..core.compute import Computation, Envelope, compute
from ..perf import gc_paused
from ..review.classement import SHEET_CLASSEMENT
from ..review.patch import write_classement
from ..workbook.cells import DAMAGED_FORMATS
from ..workbook.lock import RegistryChanged, registry_lock
from ..workbook.read import Issue, LoadedRegistry, load_registry
from ..workbook.write import atomic_update, check_writable, fill_computed, fit_text_rows, previous_version_path
from ..workbook.xlsx import XlsxPackage
from .registry import REGISTRY_SUFFIXES, envelope_line, refuse_unless_writable_format
from .result import EXIT_DATA, SYSTEM_CLOCK, Clock, Refused, Result, job

MAX_SHOWN = 50  # input problems listed; `fitn-xl check` lists them all


@dataclass
class Written:
    """What a target wrote."""

    rows_written: int = 0
    extended_tables: list[str] = field(default_factory=list)
    previous: Path | None = None
    repaired_formats: int = 0  # number formats damaged by another program's save, put right


class RecalcTarget(Protocol):
    """Where a registry is read from and its computed values written to."""

    name: str

    def load(self) -> LoadedRegistry: ...

    def write(self, loaded: LoadedRegistry, computation: Computation, cells: RecalcCells) -> Written: ...


class XlsxTarget:
    """A registry file: patched in place, atomically (temp file, previous version kept, `os.replace`); refused
    while Excel or LibreOffice holds it (unless `force`) or when it is read-only. The registry's lock is held from
    the reading to the replacement (`session`), and the file is replaced only if it is still the one read."""

    def __init__(self, path: str | Path, force: bool = False):
        self.path = Path(path)
        self.name = self.path.name
        self.force = force

    def session(self) -> contextlib.AbstractContextManager:
        return registry_lock(self.path)

    def load(self) -> LoadedRegistry:
        refuse_unless_writable_format(self.path, "écrire les colonnes calculées")
        if self.path.suffix.lower() not in REGISTRY_SUFFIXES:
            raise Refused(f"Erreur : « {self.path.name} » n'est pas un fichier .xlsx.")
        check_writable(self.path, self.force)
        return load_registry(self.path)

    def write(self, loaded: LoadedRegistry, computation: Computation, cells: RecalcCells) -> Written:
        written = Written()
        with atomic_update(self.path, force=True, expected=loaded.stamp) as tmp, XlsxPackage(self.path) as pkg:
            # first, so that the cells restyled below find the formats put right
            written.repaired_formats = pkg.repair_number_formats(DAMAGED_FORMATS)
            tables = pkg.tables()
            for table in schema.INPUT_TABLES:  # rows typed just below a table are taken into it
                xt = tables.get(table.name)
                if xt is not None and xt.extend_to(loaded.last_rows.get(table.name, 0)):
                    pkg.touch(xt.part)
                    written.extended_tables.append(table.sheet)
            for table in (schema.APPLICATIONS, schema.SCORES):
                n = fill_computed(pkg, loaded, table, cells.tables[table.name])
                if table is schema.APPLICATIONS:
                    written.rows_written = n
            if schema.SHEET_PARAMETERS in pkg.sheet_parts:  # a longer value typed since
                rows = partial(_parameter_rows, tables.get(schema.PARAMETERS.name))
                fit_text_rows(pkg, schema.SHEET_PARAMETERS, rows, PARAMETERS_TEXT_COLUMNS)
            if SHEET_CLASSEMENT in pkg.sheet_parts:
                write_classement(pkg, loaded, computation)
            if schema.SHEET_DASHBOARD in pkg.sheet_parts:
                pkg.sheet(schema.SHEET_DASHBOARD).set_values(cells.dashboard, restyle={
                    ref: (lambda base, fmt=fmt: pkg.restyled(base, fmt)) for ref, fmt in DASHBOARD_FORMATS.items()})
                update_charts(pkg.charts(schema.SHEET_DASHBOARD), cells.charts)
            pkg.save(tmp)
        written.previous = previous_version_path(self.path)
        return written


_PARAMETER_LABELS = frozenset(spec.label for spec in schema.PARAMETER_ROWS)


def _parameter_rows(table, values: list[list]) -> range | list[int]:
    """The rows of « Paramètres » holding a parameter: its Excel table's data rows, else (table « converted to
    range ») those whose first cell names one."""
    if table is not None:
        r0, _, r1, _ = table.ref
        return range(r0 + 1, r1 + 1)
    return [r for r, row in enumerate(values, start=1) if row and row[0] in _PARAMETER_LABELS]


@dataclass
class RecalcResult(Result):
    """What `recalc` did and found."""

    path: Path | None = None
    dossiers: int = 0
    eligible: int = 0
    late: int = 0
    with_errors: int = 0
    rows_written: int = 0
    envelopes: dict[str, Envelope] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)  # noticed, not errors (an older registry's missing columns…)
    blocking: bool = False
    extended_tables: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    previous: Path | None = None
    reference_date: date | None = None
    repaired_formats: int = 0


@job
def recalc(registry: str | Path | RecalcTarget, *, force: bool = False, clock: Clock = SYSTEM_CLOCK) -> RecalcResult:
    """Rewrite the computed columns of « Candidatures » and « Notation », the « Classement » and the dashboard.

    `registry` is a file path (or another `RecalcTarget`). A dossier with input errors still gets what can be
    computed, with « Erreurs de saisie : N » in « Alertes »; problems that block every computation (parameters,
    tables) are written as alerts too, and make the status 1."""
    target = XlsxTarget(registry, force) if isinstance(registry, str | Path) else registry
    session = getattr(target, "session", None)
    with session() if session is not None else contextlib.nullcontext():
        for attempt in range(2):  # another program saved over the file meanwhile: read it again, once
            try:
                return _recalc(target, clock)
            except RegistryChanged:
                if attempt:
                    raise
    raise AssertionError("unreachable")


def _recalc(target: RecalcTarget, clock: Clock) -> RecalcResult:
    with gc_paused():  # many objects, no reference cycle
        loaded = target.load()
        computation = compute(loaded.registry, clock.today())
        positions = loaded.header_columns.get(schema.APPLICATIONS.name, {})
        if schema.DOSSIER_ID not in positions:
            raise Refused(f"Erreur : le tableau « {schema.APPLICATIONS.name} » de la feuille "
                          f"« {schema.APPLICATIONS.sheet} » est introuvable ou n'a pas de colonne "
                          f"« {schema.DOSSIER_ID} » (en-têtes attendus dans ses 20 premières lignes) : rien n'a été "
                          "écrit.")
        cells = recalc_cells(loaded, computation, clock.now())
    written = target.write(loaded, computation, cells)
    results = computation.results.values()
    result = RecalcResult(
        path=getattr(target, "path", None), dossiers=len(computation.results),
        eligible=sum(1 for r in results if r.eligible), late=sum(1 for r in results if r.late),
        with_errors=len(loaded.dossiers_with_errors), rows_written=written.rows_written,
        envelopes=dict(computation.envelopes), issues=loaded.issues, notes=loaded.notes,
        blocking=loaded.blocking,
        extended_tables=written.extended_tables, previous=written.previous, repaired_formats=written.repaired_formats,
        missing_columns=[c.header for c in schema.APPLICATIONS.computed if c.header not in positions],
        reference_date=computation.reference_date)
    _report(result, target.name)
    return result


def _report(result: RecalcResult, name: str) -> None:
    result.info(f"Registre recalculé : {name}")
    result.info(f"  {result.dossiers} dossier(s), {result.eligible} éligible(s), {result.late} lauréat(s) en retard "
                "d'état des lieux.")
    for env_name, env in result.envelopes.items():
        result.info(f"  {envelope_line(env_name, env)}")
    if result.extended_tables:
        result.info("  Tableaux agrandis aux lignes saisies juste dessous, feuille(s) : "
                    f"{', '.join(f'« {s} »' for s in result.extended_tables)}")
    if result.repaired_formats:
        result.info(f"  Formats de nombres rétablis : {result.repaired_formats} (montants ou pourcentages qu'un "
                    "enregistrement par LibreOffice en français affichait divisés par 1 000).")
    if result.missing_columns:
        result.info(f"  Colonnes calculées absentes (non écrites) : {', '.join(result.missing_columns)}")
    if result.with_errors:
        result.info(f"  {result.with_errors} dossier(s) avec des erreurs de saisie : voir la colonne Alertes et "
                    "« fitn-xl check ».")
    orphans = [i for i in result.issues if i.dossier_id is None and not i.blocking]
    if orphans:
        result.info(f"  {len(orphans)} erreur(s) sur des lignes rattachées à aucun dossier (N° dossier manquant, "
                    "inconnu ou en double) : ces lignes sont ignorées, voir « fitn-xl check ».")
    if result.previous is not None and result.previous.exists():
        result.info(f"  Version précédente gardée : {result.previous.name}")
    for note in result.notes:
        result.info(f"Remarque : {note}")
    ordered = sorted(result.issues, key=lambda i: (i.sheet, i.row or 0, i.column or ""))
    for issue in ordered[:MAX_SHOWN]:
        result.warn(str(issue))
    if len(ordered) > MAX_SHOWN:
        result.warn(f"… et {len(ordered) - MAX_SHOWN} autre(s) erreur(s) : fitn-xl check REGISTRE.xlsx les liste "
                    "toutes.")
    if result.blocking:
        result.error("Des erreurs bloquantes (paramètres ou tableaux) empêchent un calcul fiable : corrigez-les.",
                     EXIT_DATA)
