"""What Recalculer writes into a registry: the computed columns of « Candidatures » (with the input errors of each
dossier summed up in « Alertes »), those of « Notation », and the values of « Tableau de bord ».

One description for every writer: `fitn-xl recalc` patches them into the file, the add-in's button writes them
into the workbook open in Excel (`fitn_xl.app.recalc`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from .. import schema
from ..core.compute import Computation
from ..review.notation import notation_cells
from ..workbook.read import LoadedRegistry
from .dashboard import chart_titles, dashboard_values

ERRORS_ALERT = "Erreurs de saisie : {n} (voir fitn-xl check)"
# What the reader does with a parameter in error (`workbook.read._parameters`): a row of « Parametres » takes its
# default value, a row of « Forfaits », « Grille » or « Exclusions » is left out (no rule rather than a wrong one).
PARAMETERS_ALERT = ("Paramètres en erreur : {n} (voir fitn-xl check) — calcul provisoire : un paramètre illisible "
                    "prend sa valeur par défaut, une ligne de tableau en erreur est ignorée")
STRUCTURE_ALERT = "Colonne ou tableau absent : {n} (voir fitn-xl check) — calcul incomplet, résultats non fiables"


def _error_alerts(loaded: LoadedRegistry) -> tuple[Counter, Counter, Counter]:
    """(issues per dossier, issues per Candidatures row without a dossier, blocking issues: parameters / others)."""
    per_dossier: Counter = Counter()
    per_row: Counter = Counter()
    blocking: Counter = Counter()
    known_rows = set(loaded.application_rows.values())
    for issue in loaded.issues:
        if issue.blocking:  # parameters (defaults used), or a missing table or column (nothing to use)
            blocking[PARAMETERS_ALERT if issue.sheet == schema.SHEET_PARAMETERS else STRUCTURE_ALERT] += 1
        elif issue.dossier_id is not None:
            per_dossier[issue.dossier_id] += 1
        elif issue.sheet == schema.SHEET_APPLICATIONS and issue.row is not None and issue.row not in known_rows:
            per_row[issue.row] += 1  # a row that is no dossier: duplicated or missing N° dossier
    return per_dossier, per_row, blocking


def _alerts(base: str, errors: int, blocking: Counter) -> str:
    lines = [alert.format(n=n) for alert, n in blocking.items()]
    if errors:
        lines.append(ERRORS_ALERT.format(n=errors))
    if base:
        lines.append(base)
    return "\n".join(lines)


def dossier_cells(loaded: LoadedRegistry, computation: Computation) -> dict[str, dict[str, object]]:
    """Dossier -> computed attr -> cell value (as `Result.cells()`), with input errors summarised in
    « Alertes » (« Erreurs de saisie : N (voir fitn-xl check) »), so a dossier in error never looks fine."""
    per_dossier, _, blocking = _error_alerts(loaded)
    out: dict[str, dict[str, object]] = {}
    for dossier_id, result in computation.results.items():
        cells = result.cells()
        cells["warnings"] = _alerts(str(cells["warnings"] or ""), per_dossier.get(dossier_id, 0), blocking)
        out[dossier_id] = cells
    return out


def computed_rows(loaded: LoadedRegistry, computation: Computation) -> dict[int, dict[str, object]]:
    """What Recalculer writes in « Candidatures »: Excel row -> computed header -> value. Each dossier's row gets
    its `dossier_cells`; a row that is no dossier (duplicated or missing N° dossier) but has input errors gets
    only « Alertes » (« Erreurs de saisie : N »). Rows absent from the result have their computed cells cleared."""
    cells = dossier_cells(loaded, computation)
    _, per_row, _ = _error_alerts(loaded)
    by_row: dict[int, dict[str, object]] = {}
    for dossier_id, r in loaded.application_rows.items():
        if dossier_id in cells:
            by_row[r] = {c.header: cells[dossier_id].get(c.attr) for c in schema.APPLICATIONS.computed}
    for r, n in per_row.items():
        by_row[r] = {"Alertes": _alerts("", n, Counter())}
    return by_row


@dataclass(frozen=True)
class RecalcCells:
    """Every value Recalculer writes: per table name, Excel row -> computed header -> value (other rows of the
    table get their computed cells cleared); and the dashboard's cell reference -> value."""

    tables: dict[str, dict[int, dict[str, object]]]
    dashboard: dict[str, object]
    charts: dict[str, tuple[str, bool]] = field(default_factory=dict)  # `dashboard.chart_titles`


def recalc_cells(loaded: LoadedRegistry, computation: Computation, now: datetime | None) -> RecalcCells:
    return RecalcCells(
        tables={schema.APPLICATIONS.name: computed_rows(loaded, computation),
                schema.SCORES.name: notation_cells(loaded, computation)},
        dashboard=dashboard_values(loaded.registry, computation, len(loaded.dossiers_with_errors), now),
        charts=chart_titles(loaded.registry, computation),
    )
