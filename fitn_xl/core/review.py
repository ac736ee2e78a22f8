"""Managers' review: the ranking of each envelope with its running total, scoring alerts, evaluators' bias.

How the running total goes across measures (a local reading of the fiche): measures 3a, 3b and 3c share the
departmental envelope, 3d has its own (« une enveloppe initiale de 100 000 € est déléguée à chaque SGAR »). So
there is **one ranking per envelope**:
- it starts with the laureates (Lauréat, Conventionné, Soldé), whose granted amounts are already committed;
- then the eligible dossiers still pending a decision (Reçu, En instruction, Éligible) with an average score,
  best average first, ties broken by the earlier reception date, then the N° dossier — whatever their measure
  (the rank within the measure, column « Rang » of Candidatures, is shown beside);
- then the eligible pending dossiers without any valid score, by reception date: they are not counted.
A pending dossier *fits* when its proposed amount still fits in what is left of the envelope after the laureates
and the better-ranked dossiers that fit. A dossier that does not fit is skipped: the running total stays as it
was, and a cheaper dossier further down may still fit (the committee funds in rank order while money is left).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..schema import LAUREATE_STATUSES, PENDING_STATUSES
from .compute import DEPARTMENTAL, LAB, Computation, envelope_of, granted_or_proposed
from .model import Application, Criterion, Registry, Score
from .scoring import HUNDREDTH, evaluator_score
from .text import eur

ZERO = Decimal(0)
MIN_VALID_SCORES = 2  # « plusieurs évaluateurs »: fewer valid scores than this is flagged
BIAS_THRESHOLD = Decimal("1.5")  # mean deviation /20 from which an evaluator is called severe or lenient

COMMITTED, RANKED, UNSCORED = "engagé", "classé", "non noté"

ENVELOPE_LABELS = {DEPARTMENTAL: "Départementale (3a, 3b, 3c)", LAB: "3d (laboratoires d'innovation)"}


def criteria_text(criteria: Sequence[Criterion]) -> str:
    """« 1. Impact du projet (/5) ; 2. … » — the grid as an evaluator reads it; '' when the grid is empty."""
    return " ; ".join(f"{c.number}. {c.name} (/{_num(c.max_score)})" for c in criteria)


def _num(value: Decimal) -> str:
    """Decimal without trailing zeros, French decimal comma: 5 -> '5', 2.5 -> '2,5'."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


@dataclass(frozen=True, slots=True)
class RankingRow:
    """One line of an envelope's ranking (a row of the « Classement » sheet)."""

    envelope: str  # DEPARTMENTAL or LAB
    kind: str  # COMMITTED (laureate), RANKED (pending, scored) or UNSCORED (pending, no valid score)
    position: int | None  # 1, 2, 3… among RANKED rows of the envelope; None otherwise
    dossier_id: str
    measure: str
    rank: int | None  # rank within the measure (Result.rank)
    applicant: str
    title: str
    status: str
    received_on: date | None
    average: Decimal | None  # /20
    valid_count: int
    max_disagreement: Decimal | None
    amount: Decimal  # granted (laureate) or proposed (pending)
    cumulative: Decimal | None  # running total after this row (None for a row not counted)
    remaining: Decimal | None  # envelope − cumulative
    fits: bool | None  # None for laureates and unscored dossiers
    alerts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnvelopeSummary:
    envelope: str
    amount: Decimal
    committed: Decimal  # granted to laureates
    retained: Decimal  # proposed amounts of the ranked dossiers that fit
    not_retained: Decimal  # proposed amounts of the ranked dossiers that do not fit
    remaining: Decimal  # amount − committed − retained


@dataclass(frozen=True, slots=True)
class MeasureSummary:
    measure: str
    scored: int  # eligible dossiers (any status) with an average
    mean: Decimal | None
    best: Decimal | None
    worst: Decimal | None
    proposed: Decimal  # proposed amounts of eligible pending dossiers


@dataclass(frozen=True, slots=True)
class EvaluatorBias:
    """Mean deviation of one evaluator's score /20 from the mean of the other valid evaluators of the same
    dossiers. Negative = more severe, positive = more lenient. None when no dossier has another valid score."""

    evaluator: str
    scored: int  # valid scores given (no conflict, every criterion filled)
    compared: int  # of which dossiers also scored by at least one other valid evaluator
    conflicts: int  # conflicts of interest declared
    mean_deviation: Decimal | None
    tendency: str  # « Notation sévère », « Notation indulgente » or ''


@dataclass(frozen=True)
class Review:
    rows: tuple[RankingRow, ...]  # DEPARTMENTAL rows first, then LAB rows
    envelopes: dict[str, EnvelopeSummary]
    measures: tuple[MeasureSummary, ...]
    evaluators: tuple[EvaluatorBias, ...]  # by name
    disagreement_threshold: Decimal

    def ranked(self, envelope: str | None = None) -> list[RankingRow]:
        return [r for r in self.rows if r.kind == RANKED and (envelope is None or r.envelope == envelope)]


def scoring_alerts(app: Application, scores: Sequence[Score], criteria: Sequence[Criterion],
                   threshold: Decimal) -> list[str]:
    """French alerts about the scoring of one dossier: disagreement on a criterion, too few valid scores,
    conflicts of interest, incomplete rows."""
    out: list[str] = []
    valid = [s for s in scores if evaluator_score(s, criteria) is not None]
    for c in criteria:
        values = [s.criteria[c.number - 1] for s in valid]
        if len(values) >= 2 and max(values) - min(values) >= threshold:
            low = min(valid, key=lambda s: s.criteria[c.number - 1])
            high = max(valid, key=lambda s: s.criteria[c.number - 1])
            out.append(
                f"Désaccord sur le critère {c.number} « {c.name} » : {_num(max(values) - min(values))} points "
                f"({low.evaluator} {_num(min(values))}, {high.evaluator} {_num(max(values))})"
            )
    if len(valid) < MIN_VALID_SCORES:
        out.append(f"Moins de deux notes valides ({len(valid)})")
    conflicted = [s.evaluator for s in scores if s.conflict]
    if conflicted:
        out.append(f"Conflit d'intérêts déclaré, note écartée : {', '.join(conflicted)}")
    incomplete = [s.evaluator for s in scores if not s.conflict and evaluator_score(s, criteria) is None]
    if incomplete and criteria:
        out.append(f"Notation incomplète : {', '.join(incomplete)}")
    return out


def review(registry: Registry, computation: Computation, errors: set[str] = frozenset()) -> Review:
    """The whole review. `errors`: N° dossier having input errors (flagged, still listed)."""
    params = registry.parameters
    results = computation.results
    scores: dict[str, list[Score]] = defaultdict(list)
    for s in registry.scores:
        scores[s.dossier_id].append(s)
    amounts = {DEPARTMENTAL: params.envelope, LAB: params.envelope_3d}

    rows: list[RankingRow] = []
    summaries: dict[str, EnvelopeSummary] = {}
    for env in (DEPARTMENTAL, LAB):
        apps = [a for a in registry.applications if envelope_of(a.measure) == env and a.dossier_id in results]
        laureates = [a for a in apps if a.status in LAUREATE_STATUSES]
        pending = [a for a in apps if a.status in PENDING_STATUSES and results[a.dossier_id].eligible]
        scored = [a for a in pending if results[a.dossier_id].scoring.average is not None]
        unscored = [a for a in pending if results[a.dossier_id].scoring.average is None]
        scored.sort(key=lambda a: (-results[a.dossier_id].scoring.average, a.received_on or date.max, a.dossier_id))
        unscored.sort(key=lambda a: (a.received_on or date.max, a.dossier_id))
        laureates.sort(key=lambda a: (a.decided_on or date.max, a.dossier_id))

        total, retained, not_retained = ZERO, ZERO, ZERO

        def row(a: Application, kind: str, position, amount, cumulative, fits, extra=(), env=env) -> RankingRow:
            r = results[a.dossier_id]
            alerts = list(extra)
            if kind != COMMITTED:
                alerts += scoring_alerts(a, scores.get(a.dossier_id, ()), params.criteria_of(a.measure),
                                         params.disagreement_threshold)
            if a.dossier_id in errors:
                alerts.insert(0, "Erreurs de saisie dans le registre (voir « fitn-xl check »)")
            return RankingRow(
                envelope=env, kind=kind, position=position, dossier_id=a.dossier_id, measure=a.measure,
                rank=r.rank, applicant=a.applicant, title=a.title, status=a.status, received_on=a.received_on,
                average=r.scoring.average, valid_count=r.scoring.valid_count,
                max_disagreement=r.scoring.max_disagreement, amount=amount, cumulative=cumulative,
                remaining=None if cumulative is None else amounts[env] - cumulative, fits=fits,
                alerts=tuple(alerts),
            )

        for a in laureates:
            amount = granted_or_proposed(a, results[a.dossier_id].proposed)
            total += amount
            rows.append(row(a, COMMITTED, None, amount, total, None))
        committed = total
        for i, a in enumerate(scored, start=1):
            amount = results[a.dossier_id].proposed
            fits = total + amount <= amounts[env]
            extra = ()
            if fits:
                total += amount
                retained += amount
            else:
                not_retained += amount
                extra = (f"Hors enveloppe : il manque {eur(total + amount - amounts[env])}",)
            rows.append(row(a, RANKED, i, amount, total if fits else None, fits, extra))
        for a in unscored:
            rows.append(row(a, UNSCORED, None, results[a.dossier_id].proposed, None, None))
        summaries[env] = EnvelopeSummary(env, amounts[env], committed, retained, not_retained,
                                         amounts[env] - committed - retained)

    return Review(
        rows=tuple(rows),
        envelopes=summaries,
        measures=_measure_summaries(registry, computation),
        evaluators=evaluator_bias(registry),
        disagreement_threshold=params.disagreement_threshold,
    )


def _measure_summaries(registry: Registry, computation: Computation) -> tuple[MeasureSummary, ...]:
    from ..schema import MEASURES

    out = []
    for m in MEASURES:
        apps = [a for a in registry.applications if a.measure == m and a.dossier_id in computation.results]
        res = [computation.results[a.dossier_id] for a in apps]
        averages = [r.scoring.average for r in res if r.eligible and r.scoring.average is not None]
        proposed = sum((computation.results[a.dossier_id].proposed for a in apps
                        if a.status in PENDING_STATUSES and computation.results[a.dossier_id].eligible), ZERO)
        mean = (sum(averages, ZERO) / len(averages)).quantize(HUNDREDTH) if averages else None
        out.append(MeasureSummary(m, len(averages), mean, max(averages, default=None), min(averages, default=None),
                                  proposed))
    return tuple(out)


def evaluator_bias(registry: Registry) -> tuple[EvaluatorBias, ...]:
    """Per evaluator: mean over the dossiers they scored of (their score /20 − mean of the other valid
    evaluators' scores /20 on that dossier). A systematically severe or lenient scorer shows up."""
    params = registry.parameters
    measure_of = {a.dossier_id: a.measure for a in registry.applications}
    valid: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)  # dossier -> [(evaluator, /20)]
    names: dict[str, dict[str, int]] = {}
    for s in registry.scores:
        name = s.evaluator.strip()
        if not name:
            continue
        counts = names.setdefault(name, {"scored": 0, "conflicts": 0})
        if s.conflict:
            counts["conflicts"] += 1
            continue
        value = evaluator_score(s, params.criteria_of(measure_of.get(s.dossier_id, "")))
        if value is not None:
            counts["scored"] += 1
            valid[s.dossier_id].append((name, value))
    deviations: dict[str, list[Decimal]] = defaultdict(list)
    for entries in valid.values():
        for i, (name, value) in enumerate(entries):
            others = [v for j, (_, v) in enumerate(entries) if j != i]
            if others:
                deviations[name].append(value - sum(others, ZERO) / len(others))
    out = []
    for name in sorted(names, key=str.casefold):
        devs = deviations.get(name, [])
        mean = (sum(devs, ZERO) / len(devs)).quantize(HUNDREDTH) if devs else None
        tendency = ""
        if mean is not None and len(devs) >= 2:
            if mean <= -BIAS_THRESHOLD:
                tendency = "Notation sévère"
            elif mean >= BIAS_THRESHOLD:
                tendency = "Notation indulgente"
        out.append(EvaluatorBias(name, names[name]["scored"], len(devs), names[name]["conflicts"], mean, tendency))
    return tuple(out)
