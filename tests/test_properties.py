"""Properties of the rules core over generated registries (hypothesis): bounds of the proposed amount, spending
arithmetic, ranks and envelopes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fitn_xl.core import Application, Expense, Registry, Score, compute, parameters_for
from fitn_xl.schema import APPLICANT_TYPES, EXPENSE_CATEGORIES, LAUREATE_STATUSES, MEASURES, STATUSES

PARAMS = parameters_for("63", "Puy-de-Dôme", reference_date=date(2021, 6, 30))
COUNTRIES = ["FR", "DE", "IT", "US", "GB", "CN", "CH", ""]

cents = st.integers(min_value=0, max_value=20_000_000).map(lambda c: Decimal(c) / 100)
maybe_cents = st.none() | cents
maybe_bool = st.none() | st.booleans()
days = st.integers(min_value=0, max_value=1500).map(lambda n: date(2021, 1, 1) + timedelta(days=n))


@st.composite
def applications(draw, dossier_id: str) -> Application:
    status = draw(st.sampled_from(STATUSES))
    return Application(
        dossier_id=dossier_id,
        received_on=draw(st.none() | days),
        measure=draw(st.sampled_from(MEASURES)),
        applicant_type=draw(st.sampled_from(APPLICANT_TYPES + ("", "Association"))),
        population=draw(st.none() | st.integers(min_value=0, max_value=3_000_000) | st.sampled_from([4999, 5000])),
        funded_by_authorities_only=draw(maybe_bool),
        decision_commitment=draw(st.sampled_from([True, True, True, False, None])),
        digital_transformation=draw(st.sampled_from([True, True, True, False, None])),
        planned_end=draw(st.none() | days),
        total_cost=draw(maybe_cents),
        requested=draw(maybe_cents),
        authorities_share=draw(maybe_cents),
        status=status,
        decided_on=draw(st.none() | days),
        granted=draw(maybe_cents) if status in LAUREATE_STATUSES else None,
    )


@st.composite
def registries(draw) -> Registry:
    n = draw(st.integers(min_value=1, max_value=6))
    ids = [f"63-2021-{i:03d}" for i in range(1, n + 1)]
    apps = tuple(draw(applications(i)) for i in ids)
    expenses = tuple(
        Expense(
            dossier_id=draw(st.sampled_from(ids)),
            label="ligne",
            category=draw(st.sampled_from(EXPENSE_CATEGORIES)),
            publisher_country=draw(st.sampled_from(COUNTRIES)),
            amount=draw(cents),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=12)))
    )
    score_value = st.none() | st.integers(min_value=0, max_value=10).map(lambda v: Decimal(v) / 2)
    scores = tuple(
        Score(
            dossier_id=draw(st.sampled_from(ids)),
            evaluator=f"Évaluateur {k}",
            conflict=draw(maybe_bool),
            criteria=tuple(draw(score_value) for _ in range(5)),
        )
        for k in range(draw(st.integers(min_value=0, max_value=10)))
    )
    envelope = draw(st.integers(min_value=0, max_value=400_000))
    params = draw(st.sampled_from([PARAMS, replace(PARAMS, envelope=Decimal(envelope))]))
    return Registry(parameters=params, applications=apps, expenses=expenses, scores=scores)


@settings(max_examples=80, deadline=None)
@given(registries())
def test_proposed_amount_bounds(registry):
    computation = compute(registry)
    for app in registry.applications:
        r = computation.results[app.dossier_id]
        assert r.proposed >= 0
        assert r.proposed == r.proposed.quantize(Decimal("0.01"))
        if not r.eligible:
            assert r.proposed == 0
            assert r.reasons
            continue
        assert not r.reasons
        assert r.proposed <= app.requested
        assert r.proposed <= r.spending.eligible_cost
        assert app.requested <= app.total_cost  # eligibility implies financing at most 100 % of the cost
        if r.forfait is not None:
            assert r.proposed <= r.forfait
        if app.measure == "3d" and app.authorities_share is not None:
            assert r.proposed <= app.authorities_share
        # the proposed amount is the smallest of its caps: it reaches one of them
        caps = [app.requested, r.spending.eligible_cost]
        caps += [r.forfait] if r.forfait is not None else []
        caps += [app.authorities_share] if app.measure == "3d" and app.authorities_share is not None else []
        assert r.proposed == min(caps)


@settings(max_examples=80, deadline=None)
@given(registries())
def test_spending_arithmetic(registry):
    computation = compute(registry)
    lines = defaultdict(list)
    for e in registry.expenses:
        lines[e.dossier_id].append(e)
    for app in registry.applications:
        s = computation.results[app.dossier_id].spending
        own = lines[app.dossier_id]
        cost = sum((e.amount for e in own), Decimal(0)) if own else (app.total_cost or Decimal(0))
        assert s.cost == cost
        assert s.excluded == sum((e.amount for e in own if e.category in PARAMS.excluded_categories), Decimal(0))
        assert s.eligible_cost == cost - s.excluded >= 0
        assert 0 <= s.extra_eu_licences <= s.eligible_cost
        if s.extra_eu_share is not None:
            assert 0 <= s.extra_eu_share <= 1


@settings(max_examples=80, deadline=None)
@given(registries())
def test_ranks_and_scores(registry):
    computation = compute(registry)
    ranked = defaultdict(list)
    for app in registry.applications:
        r = computation.results[app.dossier_id]
        if r.scoring.average is not None:
            assert 0 <= r.scoring.average <= 20
        if r.rank is not None:
            assert r.eligible and r.scoring.average is not None
            ranked[app.measure].append((r.rank, r.scoring.average))
        else:
            assert not r.eligible or r.scoring.average is None
    for rows in ranked.values():
        rows.sort()
        assert [rank for rank, _ in rows] == list(range(1, len(rows) + 1))
        averages = [avg for _, avg in rows]
        assert averages == sorted(averages, reverse=True)


@settings(max_examples=80, deadline=None)
@given(registries())
def test_envelopes_add_up(registry):
    computation = compute(registry)
    committed = defaultdict(Decimal)
    for app in registry.applications:
        if app.status in LAUREATE_STATUSES:
            r = computation.results[app.dossier_id]
            name = "3d" if app.measure == "3d" else "départementale"
            committed[name] += app.granted if app.granted is not None else r.proposed
    for name, env in computation.envelopes.items():
        assert env.committed == committed[name]
        assert env.remaining == env.amount - env.committed
        assert env.exceeded == (env.committed > env.amount)
        assert env.proposed >= 0


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False)
       | st.integers(min_value=-10**15, max_value=10**15))
def test_french_amounts_match_babel(value):
    """`core.text.eur` / `number` format without Babel's per-call parsing; the text must stay Babel's."""
    from babel.numbers import format_decimal

    from fitn_xl.core.text import eur, number

    d = Decimal(value)
    integral = d == d.to_integral_value()
    assert eur(value) == format_decimal(d, format="#,##0" if integral else "#,##0.00", locale="fr_FR") + "\u00a0€"
    if integral:
        assert number(value) == format_decimal(value, locale="fr_FR")


@settings(max_examples=400, deadline=None)
@given(st.decimals(min_value=-10**4, max_value=10**4, places=7, allow_nan=False, allow_infinity=False)
       | st.sampled_from([Decimal("0.0005"), Decimal("0.0015"), Decimal("-0.0001"), Decimal("0.99995")]),
       st.integers(min_value=0, max_value=3))
def test_french_percentages_match_babel(share, decimals):
    """`core.text.percent` formats without Babel's per-call pattern parsing; the text must stay Babel's."""
    from babel.numbers import format_percent

    from fitn_xl.core.text import percent

    assert percent(share, decimals) == format_percent(share, format="#,##0." + "#" * decimals + "\u00a0%",
                                                      locale="fr_FR")


digits14 = st.text(alphabet="0123456789", min_size=14, max_size=14)


@settings(max_examples=400, deadline=None)
@given(digits14 | digits14.map(lambda d: "356000000" + d[9:]) | st.sampled_from(
    ["35600000000048", "73282932000074", "35600000049837", "00000000000000"]))
def test_siret_fast_path_matches_stdnum(digits):
    """`values.parse_siret` checks 14 plain digits without stdnum's cleaning; the verdict must stay stdnum's."""
    from stdnum.fr import siret

    from fitn_xl.values import CellError, parse_siret

    try:
        assert parse_siret(digits) == digits
        accepted = True
    except CellError as exc:
        assert "clé du SIRET est invalide" in str(exc)
        accepted = False
    assert accepted == siret.is_valid(digits)
    spaced = f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"  # the slow path, same verdict
    try:
        parse_siret(spaced)
        assert accepted
    except CellError:
        assert not accepted


@given(st.text())
def test_parse_text_of_strings(value):
    from fitn_xl.values import is_empty, parse_text

    assert parse_text(value) == ("" if is_empty(value) else str(value).strip())


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=1, max_value=10**14).map(float))
def test_parse_amount_fast_path_of_whole_euros(value):
    """Whole euros read as a float skip the general checks of `values.parse_amount`; same result as the general
    path (`parse_number`, then the amount checks)."""
    from fitn_xl.values import CellError, parse_amount, parse_number

    try:
        got = str(parse_amount(value))
    except CellError:
        got = "erreur"
    try:
        number = parse_number(value, "un montant")
        if number < 0 or number != number.quantize(Decimal("0.01")):
            raise CellError("")
        general = number.quantize(Decimal("0.01")) if number != number.to_integral_value() else number.quantize(1)
        want = str(general)
    except CellError:
        want = "erreur"
    assert got == want
