"""Scoring functions of the core (`fitn_xl.core.scoring`), one behaviour per test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from fitn_xl.core import Criterion, Provider, Score, default_parameters
from fitn_xl.core.scoring import (
    disagreement_warnings,
    dossier_score,
    evaluator_score,
    ranks,
    suggested_location_score,
)

GRID_3A = default_parameters().criteria_of("3a")
GRID_3C = default_parameters().criteria_of("3c")


def score(*values, conflict=None, evaluator="Mme Durand") -> Score:
    return Score("A", evaluator, conflict, tuple(None if v is None else D(str(v)) for v in values))


def test_default_grids_follow_the_fiche():
    assert [c.name for c in GRID_3A] == [
        "Impact du projet", "Besoin de mise à niveau numérique", "Localisation des prestataires"]
    assert len(default_parameters().criteria_of("3b")) == 3
    assert len(GRID_3C) == len(default_parameters().criteria_of("3d")) == 5
    assert all(c.weight == 1 and c.max_score == 5 for c in default_parameters().grid)


def test_evaluator_score_on_20():
    assert evaluator_score(score(5, 5, 5), GRID_3A) == 20
    assert evaluator_score(score(0, 0, 0), GRID_3A) == 0
    assert evaluator_score(score(4, 3, 5), GRID_3A) == 16
    assert evaluator_score(score(3, 3, 4), GRID_3A) == D("13.33")
    assert evaluator_score(score(1, 2, 3, 4, 5), GRID_3C) == 12


def test_evaluator_score_ignores_criteria_beyond_the_grid():
    assert evaluator_score(score(5, 5, 5, 0, 0), GRID_3A) == 20


def test_evaluator_score_none_on_conflict_or_missing_criterion():
    assert evaluator_score(score(5, 5, 5, conflict=True), GRID_3A) is None
    assert evaluator_score(score(5, None, 5), GRID_3A) is None
    assert evaluator_score(score(5, 5), GRID_3A) is None
    assert evaluator_score(score(5, 5, 5), ()) is None


def test_weights_and_scales():
    grid = (Criterion("3a", 1, "Impact", D(3), D(10)), Criterion("3a", 2, "Besoin", D(1), D(5)))
    # (3 × 10/10 + 1 × 0/5) / 4 × 20 = 15
    assert evaluator_score(score(10, 0), grid) == 15
    assert evaluator_score(score(0, 5), grid) == 5


def test_average_rounded_once_half_up():
    s = dossier_score([score(4, 3, 5), score(3, 3, 4, evaluator="M. Martin")], GRID_3A)
    # (16 + 13.333…) / 2 = 14.666… → 14.67 (averaging rounded scores would give 14.66)
    assert s.average == D("14.67")
    assert s.valid_count == 2


def test_conflict_left_out_of_average_and_disagreement():
    with_conflict = [score(4, 4, 4), score(0, 0, 0, conflict=True, evaluator="M. Bernard")]
    s = dossier_score(with_conflict, GRID_3A)
    assert s.average == 16
    assert s.valid_count == 1
    assert s.max_disagreement is None


def test_largest_disagreement_and_its_criterion():
    s = dossier_score([score(4, 1, 5), score(3, 4, 5, evaluator="B"), score(4, 2, 4, evaluator="C")], GRID_3A)
    assert s.max_disagreement == 3
    assert s.disagreement_criterion == 2


def test_disagreement_warning_from_threshold():
    two = dossier_score([score(4, 3, 5), score(2, 3, 5, evaluator="B")], GRID_3A)
    assert disagreement_warnings(two, GRID_3A, D(2)) == [
        "Notation : écart de 2 points entre évaluateurs sur le critère 1 « Impact du projet »"]
    assert disagreement_warnings(two, GRID_3A, D(3)) == []
    half = dossier_score([score(4, 3, 5), score(4, 3, D("2.5"), evaluator="B")], GRID_3A)
    assert disagreement_warnings(half, GRID_3A, D(2)) == [
        "Notation : écart de 2,5 points entre évaluateurs sur le critère 3 « Localisation des prestataires »"]
    alone = dossier_score([score(4, 3, 5)], GRID_3A)
    assert disagreement_warnings(alone, GRID_3A, D(0)) == []


def test_no_valid_score():
    assert dossier_score([], GRID_3A).average is None
    assert dossier_score([score(1, 1, 1, conflict=True)], GRID_3A).valid_count == 0


def test_ranks_within_measure_ties_by_reception_then_id():
    entries = [
        ("A", "3a", D(15), date(2021, 4, 1)),
        ("B", "3a", D(15), date(2021, 3, 1)),
        ("C", "3a", D(18), date(2021, 5, 1)),
        ("D", "3a", D(15), date(2021, 3, 1)),
        ("E", "3a", D(15), None),
        ("F", "3b", D(2), date(2021, 5, 1)),
    ]
    assert ranks(entries) == {"C": 1, "B": 2, "D": 3, "A": 4, "E": 5, "F": 1}


def test_suggested_location_score():
    provs = [Provider("A", "Local", department="63", amount=D(3000)),
             Provider("A", "Lyon", department="69", amount=D(1000)),
             Provider("A", "Sans montant", department="63", amount=None)]
    assert suggested_location_score(provs, "63", D(5)) == D("3.8")  # 3/4 × 5 = 3.75
    assert suggested_location_score(provs, "69", D(10)) == D("2.5")
    assert suggested_location_score(provs[2:], "63", D(5)) is None
    assert suggested_location_score([Provider("A", "Étranger", department="Hors France", amount=D(10))],
                                    "63", D(5)) == 0


def test_disagreement_with_a_sparse_grid_and_rows_of_different_lengths():
    """Criteria numbered 1 and 3 only (a local grid), rows holding more values than the grid uses: the gap is
    taken on the grid's criteria only, row by row as typed."""
    grid = (Criterion("3a", 1, "Impact", D(1), D(5)), Criterion("3a", 3, "Localisation", D(2), D(5)))
    s = dossier_score([score(1, 0, 5, 4), score(5, 5, 2, evaluator="B"), score(2, None, 4, evaluator="C")], grid)
    assert s.valid_count == 3
    assert (s.max_disagreement, s.disagreement_criterion) == (4, 1)  # criterion 1: 5 − 1; criterion 3: 5 − 2 = 3
    # (1/5 + 2·5/5) / 3 × 20 = 14.67; (5/5 + 2·2/5) / 3 × 20 = 12; (2/5 + 2·4/5) / 3 × 20 = 13.33
    assert s.average == D("13.33")
    assert dossier_score([], grid) == dossier_score([score(1, 2, 3, conflict=True)], grid)
    assert dossier_score([], grid).average is None
