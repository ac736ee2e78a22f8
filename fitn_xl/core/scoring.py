"""Scoring against each measure's grid: evaluator score /20, dossier average, disagreement, rank, suggestion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .model import Criterion, Provider, Score

ZERO = Decimal(0)
TWENTY = Decimal(20)
HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


def evaluator_score(score: Score, criteria: Sequence[Criterion]) -> Decimal | None:
    """Weighted score /20 of one evaluator's row: Σ wᵢ·sᵢ/maxᵢ ÷ Σ wᵢ × 20, to the hundredth. None when the
    evaluator declared a conflict of interest, when a criterion of the grid is left empty, or when the grid is
    empty."""
    raw = _raw_score(score, criteria, sum((c.weight for c in criteria), ZERO))
    return None if raw is None else raw.quantize(HUNDREDTH, ROUND_HALF_UP)


def _raw_score(score: Score, criteria: Sequence[Criterion], total_weight: Decimal) -> Decimal | None:
    """`evaluator_score` before rounding (averages are taken on these, so they are rounded once);
    `total_weight` is the sum of the criteria's weights."""
    if score.conflict or not criteria or total_weight <= 0:
        return None
    values = score.criteria
    n = len(values)
    acc = ZERO
    for c in criteria:
        i = c.number - 1
        value = values[i] if i < n else None
        if value is None:
            return None
        acc += c.weight * value / c.max_score
    return acc / total_weight * TWENTY


@dataclass(frozen=True, slots=True)
class DossierScore:
    average: Decimal | None  # mean of the valid evaluators' scores /20; None when no valid score
    valid_count: int  # evaluators without conflict of interest who scored every criterion
    max_disagreement: Decimal | None  # largest (max − min) on one criterion among valid evaluators
    disagreement_criterion: int | None  # criterion number where it occurs


NO_SCORE = DossierScore(None, 0, None, None)


def dossier_score(scores: Iterable[Score], criteria: Sequence[Criterion]) -> DossierScore:
    """« Plusieurs évaluateurs » — an evaluator who declares a conflict of interest is left out."""
    scores = list(scores)
    if not scores:
        return NO_SCORE
    total_weight = sum((c.weight for c in criteria), ZERO)
    valid = [(s, v) for s in scores if (v := _raw_score(s, criteria, total_weight)) is not None]
    if not valid:
        return NO_SCORE
    average = (sum((v for _, v in valid), ZERO) / len(valid)).quantize(HUNDREDTH, ROUND_HALF_UP)
    worst, worst_criterion = None, None
    if len(valid) >= 2:
        # each criterion's scores, one tuple per criterion (every valid row has all the grid's criteria)
        by_criterion = list(zip(*(s.criteria for s, _ in valid), strict=False))
        for c in criteria:
            values = by_criterion[c.number - 1]
            gap = max(values) - min(values)
            if worst is None or gap > worst:
                worst, worst_criterion = gap, c.number
    return DossierScore(average, len(valid), worst, worst_criterion)


def disagreement_warnings(score: DossierScore, criteria: Sequence[Criterion], threshold: Decimal) -> list[str]:
    """« Plusieurs évaluateurs » — flag a gap of `threshold` points or more between two evaluators on one
    criterion (parameter, default 2)."""
    if score.max_disagreement is None or score.max_disagreement < threshold:
        return []
    name = next((c.name for c in criteria if c.number == score.disagreement_criterion), "")
    gap = format(score.max_disagreement.normalize(), "f").replace(".", ",")
    return [f"Notation : écart de {gap} point{'s' if score.max_disagreement >= 2 else ''} entre évaluateurs sur le "
            f"critère {score.disagreement_criterion} « {name} »"]


def ranks(entries: Iterable[tuple[str, str, Decimal, date | None]]) -> dict[str, int]:
    """Rank within each measure: entries are (dossier_id, measure, average, received_on) of eligible dossiers
    with a score. Higher average first, then earlier reception, then dossier id; ranks are 1, 2, 3…"""
    by_measure: dict[str, list[tuple[str, Decimal, date | None]]] = {}
    for dossier_id, measure, average, received in entries:
        by_measure.setdefault(measure, []).append((dossier_id, average, received))
    out: dict[str, int] = {}
    for rows in by_measure.values():
        rows.sort(key=lambda r: (-r[1], r[2] or date.max, r[0]))
        for i, (dossier_id, _, _) in enumerate(rows, start=1):
            out[dossier_id] = i
    return out


def suggested_location_score(providers: Iterable[Provider], department: str, max_score: Decimal) -> Decimal | None:
    """3a « Localisation des entreprises prestataires »: share of the ordered amounts going to providers whose
    head office is in the département, on the criterion's scale (to 0.1). None without ordered amounts."""
    provs = [p for p in providers if p.amount is not None]
    total = sum((p.amount for p in provs), ZERO)
    if total <= 0:
        return None
    local = sum((p.amount for p in provs if p.department == department), ZERO)
    return (local / total * max_score).quantize(TENTH)
