"""Acceptance cases of the rules, written from the fiche: `tests/rule_cases/*.toml`, one file per rule.

Each `[[case]]` gives inputs (parameters overrides, dossiers, expense lines, providers, scores, reports) and the
expected outputs of `fitn_xl.core.compute` per dossier and per envelope. Format of a case:

    [[case]]
    name = "3a, Commune de 4 999 habitants → forfait de 5 000 €"
    source = "3a — Montants de financement"          # the clause of the fiche
    parameters = { envelope = 100000 }              # overrides of `parameters_for("63", …)` (optional)
    [case.dossiers.A]                                # one application; unspecified fields take DEFAULT_APPLICATION
    population = 4999
    [case.expect.A]                                  # expected computed values of dossier A
    forfait = 5000
    proposed = 5000

Expected keys: forfait, eligible, reasons (exact list), proposed, excluded, eligible_cost, extra_eu_share, score,
max_disagreement, rank, late, suggested_location_score, paid, remaining, warnings (exact list), warning_prefixes
(each starts one warning), no_warning_prefixes (none starts a warning); next_nature and next_amount (the next
instalment `core.payments.next_instalment` gives) or next_refused (the start of why none can be requested). The
string "vide" stands for an empty cell (None). `[[case.payments]]` rows are « Versements » (dossier, date, nature,
amount).
Non-breaking and narrow spaces of the French formatting compare as plain spaces.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fitn_xl.core import (
    Application,
    Criterion,
    Expense,
    ForfaitRule,
    Payment,
    Provider,
    Registry,
    Report,
    Score,
    compute,
    parameters_for,
    rules,
)
from fitn_xl.core.payments import NoInstalment, next_instalment
from fitn_xl.schema import LICENCE

CASES_DIR = Path(__file__).parent / "rule_cases"
EMPTY = "vide"
REFERENCE = date(2021, 6, 30)

# An eligible 3a dossier of a small commune; each case overrides what it is about.
DEFAULT_APPLICATION = dict(
    received_on=date(2021, 3, 15),
    measure="3a",
    applicant="Commune de Saint-Essai",
    applicant_type="Commune",
    population=3000,
    decision_commitment=True,
    digital_transformation=True,
    planned_end=date(2022, 6, 30),
    total_cost=20000,
    requested=20000,
    status="En instruction",
)

DECIMAL_FIELDS = {
    "total_cost", "requested", "authorities_share", "granted", "amount", "progress", "envelope", "envelope_3d",
    "extra_eu_threshold", "disagreement_threshold", "weight", "max_score", "paid_expenses", "advance_rate",
}


def dec(value) -> Decimal:
    return Decimal(str(value))


def convert(values: dict) -> dict:
    """TOML values -> model values (amounts as Decimal, `dossier` -> `dossier_id`)."""
    out = {}
    for key, value in values.items():
        if key == "dossier":
            key = "dossier_id"
        if key in DECIMAL_FIELDS and value is not None:
            value = dec(value)
        out[key] = value
    return out


def build_registry(case: dict) -> Registry:
    changes = convert(case.get("parameters", {}))
    if "excluded_categories" in changes:
        changes["excluded_categories"] = frozenset(changes["excluded_categories"])
    if "forfaits" in case:
        changes["forfaits"] = tuple(ForfaitRule(**convert(f)) for f in case["forfaits"])
    if "grid" in case:
        changes["grid"] = tuple(Criterion(**convert(g)) for g in case["grid"])
    params = parameters_for("63", "Puy-de-Dôme", **{"reference_date": REFERENCE, **changes})
    applications = []
    for dossier_id, fields in case["dossiers"].items():
        values = {**DEFAULT_APPLICATION, **fields}
        values = {k: v for k, v in values.items() if v != EMPTY}  # "vide" = cell left empty
        applications.append(Application(dossier_id=dossier_id, **convert(values)))
    scores = []
    for s in case.get("scores", []):
        s = convert(s)
        s["criteria"] = tuple(None if v == EMPTY else dec(v) for v in s.get("criteria", ()))
        scores.append(Score(**s))
    return Registry(
        parameters=params,
        applications=tuple(applications),
        expenses=tuple(Expense(**convert(e)) for e in case.get("expenses", [])),
        providers=tuple(Provider(**convert(p)) for p in case.get("providers", [])),
        scores=tuple(scores),
        reports=tuple(Report(**convert(r)) for r in case.get("reports", [])),
        payments=tuple(Payment(**convert(p)) for p in case.get("payments", [])),
    )


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def expected_value(value):
    if value == EMPTY:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dec(value)
    return value


def load_cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        with path.open("rb") as f:
            doc = tomllib.load(f)
        for case in doc["case"]:
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


CASES = load_cases()


def test_every_rule_file_has_cases():
    files = {p.stem for p in CASES_DIR.glob("*.toml")}
    assert {"forfait", "eligibility", "spending", "proposed", "warnings", "scoring", "followup",
            "envelope", "payments"} <= files
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case):
    registry = build_registry(case)
    computation = compute(registry)
    assert computation.reference_date == registry.parameters.reference_date
    for dossier_id, expected in case.get("expect", {}).items():
        result = computation.results[dossier_id]
        cells = result.cells()
        actual = {
            "forfait": result.forfait,
            "eligible": result.eligible,
            "proposed": result.proposed,
            "excluded": result.spending.excluded,
            "eligible_cost": result.spending.eligible_cost,
            "extra_eu_share": result.spending.extra_eu_share,
            "score": result.scoring.average,
            "max_disagreement": result.scoring.max_disagreement,
            "rank": result.rank,
            "late": result.late,
            "suggested_location_score": result.suggested_location_score,
            "paid": result.payments.paid,
            "remaining": result.payments.remaining,
        }
        warnings = [plain(w) for w in result.warnings]
        for key, want in expected.items():
            where = f"dossier {dossier_id}, {key}"
            if key == "reasons":
                assert [plain(r) for r in result.reasons] == [plain(r) for r in want], where
                assert cells["reasons"] == "\n".join(result.reasons)
            elif key == "warnings":
                assert warnings == [plain(w) for w in want], where
            elif key == "warning_prefixes":
                for prefix in want:
                    assert any(w.startswith(plain(prefix)) for w in warnings), f"{where}: {prefix!r} in {warnings}"
            elif key == "no_warning_prefixes":
                for prefix in want:
                    assert not any(w.startswith(plain(prefix)) for w in warnings), f"{where}: {warnings}"
            elif key == "rank" and want == EMPTY:
                assert actual["rank"] is None, where
            elif key.startswith("next_"):
                app = next(a for a in registry.applications if a.dossier_id == dossier_id)
                try:
                    instalment = next_instalment(
                        app, [p for p in registry.payments if p.dossier_id == dossier_id],
                        [r for r in registry.reports if r.dossier_id == dossier_id],
                        result.spending.eligible_cost, registry.parameters)
                except NoInstalment as exc:
                    assert key == "next_refused", f"{where}: {exc}"
                    assert plain(str(exc)).startswith(plain(want)), f"{where}: {exc}"
                    continue
                assert key != "next_refused", f"{where}: {instalment}"
                got = instalment.nature if key == "next_nature" else instalment.amount
                assert got == expected_value(want), f"{where}: {got!r} != {want!r}"
            else:
                assert key in actual, f"unknown expected key {key!r} in case {case['name']!r}"
                assert actual[key] == expected_value(want), f"{where}: {actual[key]!r} != {want!r}"
        # the computed cells agree with the result
        assert cells["eligible"] == ("Oui" if result.eligible else "Non")
        assert cells["proposed"] == result.proposed
        assert (cells["paid"], cells["remaining"]) == (result.payments.paid, result.payments.remaining)
    for name, expected in case.get("envelopes", {}).items():
        env = computation.envelopes[name]
        for key, want in expected.items():
            assert getattr(env, key) == expected_value(want), f"enveloppe {name}, {key}: {getattr(env, key)!r}"


def test_reason_text_of_deadline_is_exact():
    """The fiche's deadline reason, character for character (it is shown in refusal letters)."""
    case = {"dossiers": {"A": {"planned_end": date(2023, 1, 1)}}}
    result = compute(build_registry(case)).results["A"]
    assert result.reasons == ("Échéance : fin prévue le 01/01/2023, après le 31/12/2022",)
    assert result.cells()["eligible"] == "Non"
    assert result.proposed == 0


def test_parameters_change_the_outcome_not_the_code():
    """A préfet moving the deadline (parameter) makes the same dossier eligible."""
    case = {"dossiers": {"A": {"planned_end": date(2023, 1, 1)}}}
    registry = build_registry(case)
    later = replace(registry, parameters=replace(registry.parameters, results_deadline=date(2023, 6, 30)))
    assert not compute(registry).results["A"].eligible
    assert compute(later).results["A"].eligible


def test_a_licence_line_needs_its_publishers_country_other_lines_do_not():
    assert rules.missing_country(LICENCE, "") and rules.missing_country(LICENCE, None)
    assert not rules.missing_country(LICENCE, "US")
    assert not rules.missing_country("Formation", "")


def test_the_rules_core_imports_no_office_library():
    """`fitn_xl.core` stays pure: importing all of it loads no workbook, Word, Excel or web library."""
    import subprocess
    import sys

    code = ("import pkgutil, importlib, sys, fitn_xl.core as core\n"
            "for m in pkgutil.iter_modules(core.__path__): importlib.import_module('fitn_xl.core.' + m.name)\n"
            "print(sorted(n for n in ('openpyxl', 'xlwings', 'docxtpl', 'docx', 'python_calamine', 'lxml', "
            "'fastapi') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
