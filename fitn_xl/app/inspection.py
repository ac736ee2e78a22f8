"""The `check` job: every input problem, and the computed results of each dossier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from .. import schema
from ..book.computed import dossier_cells
from ..core.compute import Computation
from ..workbook.read import LoadedRegistry, is_ods
from .registry import SAVE_AS_XLSX, open_registry
from .result import EXIT_DATA, SYSTEM_CLOCK, Clock, Result, job

ODS_NOTE = ("Remarque : « {name} » est un classeur LibreOffice (.ods) : check et les documents le lisent, mais "
            "recalc, les imports, la notation et l'envoi de la liste DITP n'écrivent que dans un classeur Excel. "
            + SAVE_AS_XLSX)
ENVELOPE_KEYS = (("amount", "Montant (€)"), ("committed", "Engagé (€)"), ("proposed", "Proposé (€)"),
                 ("remaining", "Reste (€)"))


@dataclass
class CheckResult(Result):
    """The registry as read and computed; `cells`: dossier -> computed attr -> the value Recalculer writes."""

    loaded: LoadedRegistry | None = None
    computation: Computation | None = None
    cells: dict[str, dict[str, object]] = field(default_factory=dict)

    def document(self) -> dict:
        """The `--json` document: errors, notes (`LoadedRegistry.notes`), dossiers (computed columns under their
        French headers), envelopes."""
        assert self.loaded is not None and self.computation is not None
        dossiers = {dossier_id: {c.header: json_value(values.get(c.attr)) for c in schema.APPLICATIONS.computed}
                    for dossier_id, values in self.cells.items()}
        envelopes = {}
        for name, env in self.computation.envelopes.items():
            envelopes[name] = {label: json_value(getattr(env, attr)) for attr, label in ENVELOPE_KEYS}
            envelopes[name]["Dépassée"] = env.exceeded
        return {
            "errors": [issue.as_dict() for issue in self.loaded.issues],
            "notes": [note.as_dict() for note in self.loaded.notes],
            "dossiers": dossiers,
            "enveloppes": envelopes,
            "date_de_reference": self.computation.reference_date.isoformat(),
        }


def json_value(value):
    """Decimal -> int or float, date -> ISO text; others unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def errors_summary(loaded: LoadedRegistry) -> str:
    """« 3 erreurs de saisie (2 dossiers concernés) », « … (sur des lignes … rattachés à aucun dossier) » or
    « Aucune erreur de saisie »."""
    n = len(loaded.issues)
    if not n:
        return "Aucune erreur de saisie."
    d = len(loaded.dossiers_with_errors)
    s = "s" if n > 1 else ""
    if not d:  # duplicated, unknown or missing N° dossier, parameters, missing columns
        return f"{n} erreur{s} de saisie (sur des lignes ou des paramètres rattachés à aucun dossier)."
    return f"{n} erreur{s} de saisie ({d} dossier{'s' if d > 1 else ''} concerné{'s' if d > 1 else ''})."


@job
def check(registry: str | Path, *, clock: Clock = SYSTEM_CLOCK) -> CheckResult:
    """Read and compute the registry; status 1 as soon as one input is in error (even one that blocks no job)."""
    loaded, computation = open_registry(registry, clock)
    result = CheckResult(loaded=loaded, computation=computation, cells=dossier_cells(loaded, computation))
    result.info(errors_summary(loaded))
    for issue in sorted(loaded.issues, key=lambda i: (i.sheet, i.row or 0, i.column or "")):
        result.info(str(issue))
    for note in loaded.notes:  # noticed, not an error: the status stays 0
        result.info(f"Remarque : {note}")
    if is_ods(registry):
        result.info(ODS_NOTE.format(name=Path(registry).name))
    if loaded.issues:
        result.fail(EXIT_DATA)
    return result
