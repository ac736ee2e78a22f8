"""The « Tableau de bord » sheet as data: a fixed layout of known cells, the values that fill them, their formats.

The builder draws the labels, formats and charts once; `recalc` rewrites the values of `DASHBOARD_CELLS`, the
envelope table's labels (`DASHBOARD_LABELS`, so a registry made before them gets them), and the number format of
each of these cells (`DASHBOARD_FORMATS`). The charts reference those cells, so Excel and LibreOffice redraw them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from openpyxl.utils import get_column_letter

from .. import schema
from ..core.compute import DEPARTMENTAL, LAB, Computation
from ..core.model import Registry
from ..core.review import Review, review
from ..workbook.cells import COUNT_FORMAT, DATE_FORMAT, DATETIME_FORMAT, EURO_FORMAT, PERCENT_FORMAT

TITLE_CELL = "A1"
UPDATED_ROW, REFERENCE_ROW = 2, 3
ENVELOPE_HEADER_ROW = 5
ENVELOPE_ROWS = {DEPARTMENTAL: 6, LAB: 7}
ENVELOPE_NOTE_ROW = 8
ENVELOPE_LABELS = {DEPARTMENTAL: "Départementale (3a, 3b, 3c)", LAB: "Laboratoires d'innovation (3d)"}
# One column per field, from B. Engagé + retenu au classement + reste après propositions retenues = montant: what the
# envelope chart stacks. « Reste après engagements » is what the alerts of « Candidatures » compare proposals to.
ENVELOPE_COLUMNS: tuple[tuple[str, str], ...] = (  # field, header
    ("amount", "Montant (€)"),
    ("committed", "Engagé (€)"),
    ("remaining", "Reste après engagements (€)"),
    ("proposed", "Proposé, en attente de décision (€)"),
    ("retained", "dont retenu au classement (€)"),
    ("remaining_after", "Reste après propositions retenues (€)"),
    ("consumption", "Consommation (engagé / montant)"),
    ("paid", "Versé (€)"),  # paid to laureates (« Versements »)
    ("to_pay", "Reste à verser (€)"),  # engagé − versé
)
ENVELOPE_HEADERS = ("Enveloppe", *(header for _, header in ENVELOPE_COLUMNS))
ENVELOPE_FIELDS = tuple(field for field, _ in ENVELOPE_COLUMNS)  # columns B..J
ENVELOPE_NOTE = (
    "Engagé : montants accordés aux lauréats. Proposé : montants proposés des dossiers éligibles en attente de "
    "décision ; « retenu au classement » : ceux qui tiennent dans l'enveloppe par note décroissante (feuille "
    "« Classement »). Le graphique des enveloppes empile engagé, retenu au classement et reste après propositions "
    "retenues : leur somme est le montant de l'enveloppe."
)

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
CHARTS_NOTE_CELL = f"A{CHARTS_ROW}"  # above the charts: what an empty chart means
CHARTS_FIRST_ROW = CHARTS_ROW + 1
CHART_ROWS = 17  # each chart's height, in rows; a second row of charts starts one row below the first

# The charts, by key: title, and the title when there is nothing to draw (the chart's axes are then hidden).
CHART_TITLES = {
    "counts": ("Dossiers par mesure et par statut", "Dossiers par mesure et par statut : aucun dossier"),
    "envelopes": ("Enveloppes : engagé + retenu au classement + reste après propositions retenues (€)", None),
    "scores": ("Note moyenne /20 par mesure (dossiers éligibles notés)",
               "Note moyenne /20 par mesure : aucun dossier noté"),
}
LEGENDS = {"counts": "r"}  # charts with a legend (where), hidden with the axes while the chart is empty
NO_DOSSIER_NOTE = ("Aucun dossier pour l'instant : saisissez les candidatures (feuille « Candidatures »), puis lancez "
                   "fitn-xl recalc ; les graphiques se rempliront.")


def _cell(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _layout() -> dict[str, str]:
    cells = {"title": TITLE_CELL, "updated": f"B{UPDATED_ROW}", "reference": f"B{REFERENCE_ROW}",
             "charts_note": CHARTS_NOTE_CELL}
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
"""Every cell `recalc` rewrites, by key: 'title', 'updated', 'reference', 'charts_note',
'envelope.<départementale|3d>.<field>', 'count.<3a…3d|total>.<status|total>', 'indicator.<key>'."""

DASHBOARD_LABELS: dict[str, str] = {
    **{_cell(1 + j, ENVELOPE_HEADER_ROW): header for j, header in enumerate(ENVELOPE_HEADERS)},
    **{f"A{row}": ENVELOPE_LABELS[name] for name, row in ENVELOPE_ROWS.items()},
    f"A{ENVELOPE_NOTE_ROW}": ENVELOPE_NOTE,
}
"""The envelope table's labels: cell reference -> text (written by the builder and by `recalc`)."""


def _formats() -> dict[str, str]:
    out = {DASHBOARD_CELLS["updated"]: DATETIME_FORMAT, DASHBOARD_CELLS["reference"]: DATE_FORMAT}
    for key, ref in DASHBOARD_CELLS.items():
        if key.startswith("envelope."):
            out[ref] = PERCENT_FORMAT if key.endswith(".consumption") else EURO_FORMAT
        elif key.startswith("count."):
            out[ref] = COUNT_FORMAT
    for key, _, kind in INDICATORS:
        out[DASHBOARD_CELLS[f"indicator.{key}"]] = EURO_FORMAT if kind == "amount" else COUNT_FORMAT
    return out


DASHBOARD_FORMATS: dict[str, str] = _formats()
"""Cell reference -> number format, for the value cells of `DASHBOARD_CELLS` that hold numbers or dates."""


CHART_KEYS = {"Dossiers par mesure et par statut": "counts", "Enveloppes : ": "envelopes",
              "Note moyenne /20 par mesure": "scores"}  # how a chart's title starts -> its key


def update_charts(charts, titles: dict[str, tuple[str, bool]]) -> None:
    """Give the dashboard's charts (`fitn_xl.workbook.xlsx.ChartXml`, found by how their title starts) the titles
    of `chart_titles`, their axes (and legend) hidden when empty. Charts of another kind are left alone."""
    for chart in charts:
        key = next((k for prefix, k in CHART_KEYS.items() if chart.title.startswith(prefix)), None)
        if key is not None:
            title, empty = titles[key]
            chart.set_title(title)
            chart.show_axes(not empty)
            if key in LEGENDS:
                chart.show_legend(not empty, LEGENDS[key])


def chart_titles(registry: Registry, computation: Computation) -> dict[str, tuple[str, bool]]:
    """Chart key -> (title, empty): an empty chart (nothing to draw) says so in its title and hides its axes."""
    empty = {"counts": not registry.applications,
             "scores": not any(r.eligible and r.scoring.average is not None for r in computation.results.values()),
             "envelopes": False}
    return {key: ((blank if empty[key] and blank else title), bool(empty[key] and blank))
            for key, (title, blank) in CHART_TITLES.items()}


def dashboard_values(
    registry: Registry, computation: Computation, errors: int = 0, now: datetime | None = None,
    rv: Review | None = None,
) -> dict[str, object]:
    """Cell reference -> value (str, number, date or None) for every cell of `DASHBOARD_CELLS` and
    `DASHBOARD_LABELS`. `errors` is the number of dossiers with input errors; `now` the time shown as « Mis à
    jour le » (None = empty); `rv` the registry's review when already made (its envelopes' « retenu »)."""
    reg = registry
    params = reg.parameters
    results = computation.results
    rv = rv if rv is not None else review(reg, computation)
    values: dict[str, object] = {}
    name = f" — {params.department} {params.department_name}".rstrip() if params.department else ""
    values["title"] = f"Tableau de bord FITN7 axe 3{name}"
    values["updated"] = now
    values["reference"] = computation.reference_date
    values["charts_note"] = NO_DOSSIER_NOTE if not reg.applications else None
    for env_name, env in computation.envelopes.items():
        summary = rv.envelopes.get(env_name)
        retained = summary.retained if summary is not None else None
        consumption = float(env.committed / env.amount) if env.amount else None
        fields = {"amount": env.amount, "committed": env.committed, "remaining": env.remaining,
                  "proposed": env.proposed, "retained": retained,
                  "remaining_after": summary.remaining if summary is not None else None,
                  "consumption": consumption, "paid": env.paid, "to_pay": env.to_pay}
        for field in ENVELOPE_FIELDS:
            values[f"envelope.{env_name}.{field}"] = fields[field]
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
    return {**DASHBOARD_LABELS, **{DASHBOARD_CELLS[k]: v for k, v in values.items()}}
