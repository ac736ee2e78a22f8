"""The « Classement » sheet's content as plain rows (header -> cell value); no I/O library imported.

The ranking rules (one ranking per envelope, running total, fit) are in `fitn_xl.core.review`.
"""

from __future__ import annotations

from ..core.compute import Computation
from ..core.review import COMMITTED, ENVELOPE_LABELS, RANKED, UNSCORED, Review, review
from ..schema import NO, YES

SHEET_CLASSEMENT = "Classement"

# Ranking table (one row per dossier of each envelope).
RANKING_TABLE = "Classement"
RANKING_HEADERS: tuple[str, ...] = (
    "Enveloppe",
    "Position",
    "N° dossier",
    "Mesure",
    "Rang dans la mesure",
    "Collectivité",
    "Intitulé du projet",
    "Statut",
    "Date de réception",
    "Note /20",
    "Notes valides",
    "Écart max. entre évaluateurs",
    "Montant accordé ou proposé (€)",
    "Cumul (€)",
    "Reste de l'enveloppe (€)",
    "Dans l'enveloppe",
    "Alertes",
)
# Fixed-size summaries (the dashboard charts read them).
MEASURES_TABLE = "SyntheseMesures"
MEASURES_HEADERS: tuple[str, ...] = (
    "Mesure", "Dossiers notés", "Note moyenne /20", "Meilleure note", "Note la plus basse",
    "Montant proposé (€)",
)
ENVELOPES_TABLE = "SyntheseEnveloppes"
ENVELOPES_HEADERS: tuple[str, ...] = (
    "Enveloppe", "Montant (€)", "Engagé (€)", "Retenu au classement (€)", "Reste après propositions retenues (€)",
    "Proposé hors enveloppe (€)",
)
EVALUATORS_TABLE = "Evaluateurs"
EVALUATORS_HEADERS: tuple[str, ...] = (
    "Évaluateur", "Notes valides", "Dossiers comparés", "Conflits déclarés", "Écart moyen aux autres (/20)",
    "Tendance",
)

AMOUNT_HEADERS = frozenset(h for h in RANKING_HEADERS + MEASURES_HEADERS + ENVELOPES_HEADERS if "(€)" in h)
SCORE_HEADERS = frozenset({"Note /20", "Écart max. entre évaluateurs", "Note moyenne /20", "Meilleure note",
                           "Note la plus basse", "Écart moyen aux autres (/20)"})
DATE_HEADERS = frozenset({"Date de réception"})
CENTRED_HEADERS = frozenset({"Position", "Rang dans la mesure", "Notes valides", "Dossiers notés", "Mesure",
                             "Dans l'enveloppe", "Conflits déclarés", "Dossiers comparés"})
WRAPPED_HEADERS = frozenset({"Alertes", "Enveloppe"})

FIT_LABELS = {COMMITTED: "Engagé", UNSCORED: "Non noté"}

EXPLANATION = (
    "Une liste par enveloppe (3a, 3b et 3c partagent l'enveloppe départementale ; 3d a la sienne). Les lauréats "
    "viennent d'abord (montants accordés, déjà engagés), puis les dossiers éligibles en attente de décision par "
    "note moyenne décroissante (à égalité : réception la plus ancienne). Le cumul n'ajoute que les dossiers qui "
    "tiennent encore dans l'enveloppe ; un dossier qui ne tient pas est passé et un dossier moins cher plus bas "
    "peut encore tenir. Feuille recalculée par « fitn-xl recalc » : ne pas y saisir."
)


def review_of(loaded, computation: Computation) -> Review:
    """The review of a loaded registry (`fitn_xl.workbook.read.LoadedRegistry`); dossiers with input errors are
    listed and flagged."""
    return review(loaded.registry, computation, loaded.dossiers_with_errors)


def ranking_cells(rv: Review) -> list[dict[str, object]]:
    out = []
    for r in rv.rows:
        fits = FIT_LABELS.get(r.kind) if r.kind != RANKED else (YES if r.fits else NO)
        out.append({
            "Enveloppe": ENVELOPE_LABELS[r.envelope],
            "Position": r.position,
            "N° dossier": r.dossier_id,
            "Mesure": r.measure,
            "Rang dans la mesure": r.rank,
            "Collectivité": r.applicant,
            "Intitulé du projet": r.title,
            "Statut": r.status,
            "Date de réception": r.received_on,
            "Note /20": r.average,
            "Notes valides": r.valid_count,
            "Écart max. entre évaluateurs": r.max_disagreement,
            "Montant accordé ou proposé (€)": r.amount,
            "Cumul (€)": r.cumulative,
            "Reste de l'enveloppe (€)": r.remaining,
            "Dans l'enveloppe": fits,
            "Alertes": "\n".join(r.alerts),
        })
    return out


def classement_rows(loaded, computation: Computation) -> list[dict[str, object]]:
    """Rows of the « Classement » ranking table, header -> value (str, int, Decimal, date or None), departmental
    envelope first then 3d, each in ranking order (laureates, ranked pending dossiers, unscored ones)."""
    return ranking_cells(review_of(loaded, computation))


def measure_cells(rv: Review) -> list[dict[str, object]]:
    return [dict(zip(MEASURES_HEADERS, (m.measure, m.scored, m.mean, m.best, m.worst, m.proposed), strict=True))
            for m in rv.measures]


def envelope_cells(rv: Review) -> list[dict[str, object]]:
    return [
        dict(zip(ENVELOPES_HEADERS, (ENVELOPE_LABELS[e.envelope], e.amount, e.committed, e.retained, e.remaining,
                                     e.not_retained), strict=True))
        for e in rv.envelopes.values()
    ]


def evaluator_cells(rv: Review) -> list[dict[str, object]]:
    return [
        dict(zip(EVALUATORS_HEADERS, (e.evaluator, e.scored, e.compared, e.conflicts, e.mean_deviation, e.tendency),
                 strict=True))
        for e in rv.evaluators
    ]
