"""The « Tableau de bord » sheet as data: a fixed layout of known cells, and the values that fill them.

The builder draws the labels, formats and charts once; `recalc` only rewrites the values of `DASHBOARD_CELLS`
(the charts reference those cells, so Excel redraws them).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from openpyxl.utils import get_column_letter

from .. import schema
from ..core.compute import DEPARTMENTAL, LAB, Computation
from ..core.model import Registry

TITLE_CELL = "A1"
UPDATED_ROW, REFERENCE_ROW = 2, 3
ENVELOPE_HEADER_ROW = 5
ENVELOPE_ROWS = {DEPARTMENTAL: 6, LAB: 7}
ENVELOPE_LABELS = {DEPARTMENTAL: "Départementale (3a, 3b, 3c)", LAB: "Laboratoires d'innovation (3d)"}
ENVELOPE_HEADERS = ("Enveloppe", "Montant (€)", "Engagé (€)", "Proposé (€)", "Reste (€)", "Consommation")
ENVELOPE_FIELDS = ("amount", "committed", "proposed", "remaining", "consumption")  # columns B..F

COUNTS_TITLE_ROW = 9
COUNTS_HEADER_ROW = 10
COUNTS_FIRST_ROW = 11  # one row per measure, then « Total »
COUNTS_TOTAL_ROW = COUNTS_FIRST_ROW + len(schema.MEASURES)
STATUS_COLUMNS = {status: 2 + i for i, status in enumerate(schema.STATUSES)}  # B..J
TOTAL_COLUMN = 2 + len(schema.STATUSES)  # K

INDICATORS_TITLE_ROW = COUNTS_TOTAL_ROW + 2
INDICATORS: tuple[tuple[str, str, str], ...] = (  # key, French label, kind
    ("late", "Lauréats en retard d'état des lieux", "int"),
    ("eligible", "Dossiers éligibles", "int"),
    ("errors", "Dossiers avec erreurs de saisie (voir fitn-xl check)", "int"),
    ("laureates", "Lauréats (Lauréat, Conventionné, Soldé)", "int"),
    ("granted", "Montant accordé aux lauréats (€)", "amount"),
)
INDICATOR_ROWS = {key: INDICATORS_TITLE_ROW + 1 + i for i, (key, _, _) in enumerate(INDICATORS)}
CHARTS_ROW = INDICATORS_TITLE_ROW + len(INDICATORS) + 2


def _cell(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _layout() -> dict[str, str]:
    cells = {"title": TITLE_CELL, "updated": f"B{UPDATED_ROW}", "reference": f"B{REFERENCE_ROW}"}
    for name, row in ENVELOPE_ROWS.items():
        for i, field in enumerate(ENVELOPE_FIELDS):
            cells[f"envelope.{name}.{field}"] = _cell(2 + i, row)
    for i, measure in enumerate((*schema.MEASURES, "total")):
        for status, col in STATUS_COLUMNS.items():
            cells[f"count.{measure}.{status}"] = _cell(col, COUNTS_FIRST_ROW + i)
        cells[f"count.{measure}.total"] = _cell(TOTAL_COLUMN, COUNTS_FIRST_ROW + i)
    for key, row in INDICATOR_ROWS.items():
        cells[f"indicator.{key}"] = f"B{row}"
    return cells


DASHBOARD_CELLS: dict[str, str] = _layout()
"""Every cell `recalc` rewrites, by key: 'title', 'updated', 'reference', 'envelope.<départementale|3d>.<field>',
'count.<3a…3d|total>.<status|total>', 'indicator.<key>'."""


def dashboard_values(
    registry: Registry, computation: Computation, errors: int = 0, now: datetime | None = None
) -> dict[str, object]:
    """Cell reference -> value (str, number, date or None) for every cell of `DASHBOARD_CELLS`. `errors` is the
    number of dossiers with input errors; `now` the time shown as « Mis à jour le » (None = empty)."""
    reg = registry
    params = reg.parameters
    results = computation.results
    values: dict[str, object] = {}
    name = f" — {params.department} {params.department_name}".rstrip() if params.department else ""
    values["title"] = f"Tableau de bord FITN7 axe 3{name}"
    values["updated"] = now
    values["reference"] = computation.reference_date
    for env_name, env in computation.envelopes.items():
        consumption = float(env.committed / env.amount) if env.amount else None
        for field, v in zip(ENVELOPE_FIELDS, (env.amount, env.committed, env.proposed, env.remaining, consumption),
                            strict=True):
            values[f"envelope.{env_name}.{field}"] = v
    counts = Counter((a.measure, a.status) for a in reg.applications)
    for measure in schema.MEASURES:
        for status in schema.STATUSES:
            values[f"count.{measure}.{status}"] = counts.get((measure, status), 0)
        values[f"count.{measure}.total"] = sum(counts.get((measure, s), 0) for s in schema.STATUSES)
    for status in schema.STATUSES:
        values[f"count.total.{status}"] = sum(counts.get((m, status), 0) for m in schema.MEASURES)
    values["count.total.total"] = sum(values[f"count.total.{s}"] for s in schema.STATUSES)
    laureates = [a for a in reg.applications if a.status in schema.LAUREATE_STATUSES]
    values["indicator.late"] = sum(1 for r in results.values() if r.late)
    values["indicator.eligible"] = sum(1 for r in results.values() if r.eligible)
    values["indicator.errors"] = errors
    values["indicator.laureates"] = len(laureates)
    values["indicator.granted"] = sum(
        (a.granted if a.granted is not None else results[a.dossier_id].proposed)
        for a in laureates if a.dossier_id in results
    ) if laureates else 0
    return {DASHBOARD_CELLS[k]: v for k, v in values.items()}
