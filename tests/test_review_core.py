"""The managers' review rules: one ranking per envelope, running total and fit, scoring alerts, evaluator bias."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from fitn_xl.core import Application, Registry, Score, compute, parameters_for
from fitn_xl.core.compute import DEPARTMENTAL, LAB
from fitn_xl.core.review import COMMITTED, RANKED, UNSCORED, criteria_text, evaluator_bias, review

SYNDICAT = "Syndicat ou autre groupement de collectivités"  # no forfait: proposed = requested


def app(dossier_id, measure, requested, received, status="Éligible", **kw):
    base = dict(
        dossier_id=dossier_id, measure=measure, applicant=f"Collectivité {dossier_id}", applicant_type=SYNDICAT,
        title=f"Projet {dossier_id}", decision_commitment=True, digital_transformation=True,
        planned_end=date(2022, 6, 30), total_cost=D(requested) * 2, requested=D(requested), status=status,
        received_on=received, authorities_share=D(requested) * 2,
    )
    base.update(kw)
    return Application(**base)


def sc(dossier_id, evaluator, *values, conflict=False):
    return Score(dossier_id, evaluator, conflict, tuple(None if v is None else D(v) for v in values))


def sample_registry() -> Registry:
    """Ties, a laureate, a disagreement, a conflict of interest, missing and incomplete scores, an ineligible and
    a refused dossier, and 3d on its own envelope. Shared with the workbook and committee tests."""
    params = parameters_for("63", "Puy-de-Dôme", envelope=D(33000), envelope_3d=D(20000),
                            service="Bureau de la modernisation", reference_date=date(2021, 5, 1))
    apps = (
        app("A1", "3a", 10000, date(2021, 3, 5)),
        app("B2", "3b", 12000, date(2021, 3, 2)),  # same average as A1, received earlier -> ranked first
        app("C3", "3c", 8000, date(2021, 3, 1), status="Lauréat", decided_on=date(2021, 4, 1), granted=D(8000)),
        app("A4", "3a", 15000, date(2021, 3, 3)),  # disagreement of 3 points; does not fit
        app("A5", "3a", 3000, date(2021, 3, 4)),  # one valid score (conflict declared); fits after A4 skipped
        app("B6", "3b", 4000, date(2021, 3, 6)),  # no score at all
        app("A8", "3a", 9000, date(2021, 3, 7), total_cost=D(1000)),  # ineligible: asks more than its cost
        app("B9", "3b", 9000, date(2021, 3, 8), status="Refusé"),  # decided: not in the ranking
        app("D7", "3d", 15000, date(2021, 3, 9)),
        app("D8", "3d", 10000, date(2021, 3, 10)),
    )
    scores = (
        sc("A1", "Alice", 5, 5, 5), sc("A1", "Bruno", 4, 4, 4),  # 20 and 16 -> 18
        sc("B2", "Alice", 5, 5, 5), sc("B2", "Bruno", 4, 4, 4),  # 18
        sc("A4", "Alice", 2, 2, 2), sc("A4", "Bruno", 5, 2, 2),  # 8 and 12 -> 10; gap 3 on criterion 1
        sc("A5", "Alice", 3, 3, 3, conflict=True), sc("A5", "Bruno", 2, 2, 2),  # 8 from Bruno only
        sc("A5", "Chloé", 4, None, 4),  # incomplete
        sc("D7", "Alice", 4, 4, 4, 4, 4), sc("D7", "Bruno", 3, 3, 3, 3, 3),  # 16 and 12 -> 14
        sc("D8", "Alice", 5, 5, 5, 5, 5), sc("D8", "Bruno", 5, 5, 5, 5, 4),  # 20 and 19.2 -> 19.6
    )
    return Registry(params, apps, scores=scores)


@pytest.fixture
def registry():
    return sample_registry()


def test_one_ranking_per_envelope_in_score_order_with_running_total(registry):
    rv = review(registry, compute(registry, today=date(2021, 5, 1)))
    dep = [r for r in rv.rows if r.envelope == DEPARTMENTAL]
    assert [(r.dossier_id, r.kind) for r in dep] == [
        ("C3", COMMITTED), ("B2", RANKED), ("A1", RANKED), ("A4", RANKED), ("A5", RANKED), ("B6", UNSCORED)]
    assert [r.position for r in dep] == [None, 1, 2, 3, 4, None]
    by_id = {r.dossier_id: r for r in rv.rows}
    # laureate first: its granted amount is already committed
    assert by_id["C3"].cumulative == D(8000)
    assert (by_id["B2"].cumulative, by_id["B2"].fits) == (D(20000), True)
    assert (by_id["A1"].cumulative, by_id["A1"].fits, by_id["A1"].remaining) == (D(30000), True, D(3000))
    # 30 000 + 15 000 > 33 000: skipped, the total stays; the cheaper A5 still fits exactly
    assert (by_id["A4"].cumulative, by_id["A4"].fits) == (None, False)
    assert any("il manque 12\u202f000\u00a0€" in a for a in by_id["A4"].alerts)
    assert (by_id["A5"].cumulative, by_id["A5"].fits, by_id["A5"].remaining) == (D(33000), True, D(0))
    assert by_id["B6"].fits is None and by_id["B6"].cumulative is None
    # rank within the measure is the core's (A4 and A5 are 3a, behind A1)
    assert (by_id["A1"].rank, by_id["A4"].rank, by_id["A5"].rank, by_id["B2"].rank) == (1, 2, 3, 1)
    assert "A8" not in by_id and "B9" not in by_id

    env = rv.envelopes[DEPARTMENTAL]
    assert (env.committed, env.retained, env.not_retained, env.remaining) == (D(8000), D(25000), D(15000), D(0))
    lab = [r.dossier_id for r in rv.rows if r.envelope == LAB]
    assert lab == ["D8", "D7"]  # 3d counts against its own envelope: 10 000 fits, then 15 000 does not
    assert [r.fits for r in rv.rows if r.envelope == LAB] == [True, False]
    assert rv.envelopes[LAB].remaining == D(10000)


def test_alerts_for_disagreement_missing_scores_and_conflicts(registry):
    rv = review(registry, compute(registry, today=date(2021, 5, 1)))
    by_id = {r.dossier_id: r for r in rv.rows}
    a4 = " | ".join(by_id["A4"].alerts)
    assert "Désaccord sur le critère 1 « Impact du projet » : 3 points (Alice 2, Bruno 5)" in a4
    assert "Moins de deux" not in a4
    a5 = " | ".join(by_id["A5"].alerts)
    assert "Moins de deux notes valides (1)" in a5
    assert "Conflit d'intérêts déclaré, note écartée : Alice" in a5
    assert "Notation incomplète : Chloé" in a5
    assert by_id["A5"].valid_count == 1 and by_id["A5"].average == D(8)
    assert "Moins de deux notes valides (0)" in " | ".join(by_id["B6"].alerts)
    assert not any("Désaccord" in a for a in by_id["A1"].alerts)  # a gap of 1 point is below the threshold


def test_ties_break_on_reception_then_number():
    params = parameters_for("63", envelope=D(100000))
    apps = tuple(app(i, "3b", 1000, r) for i, r in (("X2", date(2021, 3, 2)), ("X1", date(2021, 3, 2)),
                                                      ("X0", date(2021, 3, 9))))
    scores = tuple(sc(i, e, 3, 3, 3) for i in ("X0", "X1", "X2") for e in ("Alice", "Bruno"))
    reg = Registry(params, apps, scores=scores)
    rv = review(reg, compute(reg, today=date(2021, 5, 1)))
    assert [r.dossier_id for r in rv.ranked()] == ["X1", "X2", "X0"]


def test_evaluator_bias_shows_a_severe_scorer():
    params = parameters_for("63")
    apps = tuple(app(f"S{i}", "3b", 1000, date(2021, 3, i)) for i in range(1, 4))
    scores = []
    for i in range(1, 4):
        scores += [sc(f"S{i}", "Alice", 4, 4, 4), sc(f"S{i}", "Bruno", 4, 4, 4), sc(f"S{i}", "Sévère", 2, 2, 2)]
    scores.append(sc("S1", "Zoé", 1, 1, 1, conflict=True))
    bias = {b.evaluator: b for b in evaluator_bias(Registry(params, apps, scores=tuple(scores)))}
    # Sévère gives 8/20 where the others give 16/20: −8 on each dossier
    severe = bias["Sévère"]
    assert (severe.mean_deviation, severe.tendency, severe.compared) == (D(-8), "Notation sévère", 3)
    # Alice: 16 − mean(16, 8) = +4 each time
    assert bias["Alice"].mean_deviation == D(4) and bias["Alice"].tendency == "Notation indulgente"
    assert (bias["Zoé"].conflicts, bias["Zoé"].scored, bias["Zoé"].mean_deviation) == (1, 0, None)


def test_criteria_text_names_each_criterion_with_its_maximum():
    params = parameters_for("63")
    assert criteria_text(params.criteria_of("3a")) == (
        "1. Impact du projet (/5) ; 2. Besoin de mise à niveau numérique (/5) ; 3. Localisation des prestataires (/5)")
    assert criteria_text(()) == ""
