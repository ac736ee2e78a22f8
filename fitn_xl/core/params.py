"""The scheme's defaults (from the fiche, in `defaults.toml`) as a `Parameters` value."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from functools import cache
from importlib.resources import files

from .model import Criterion, ForfaitRule, Parameters


@cache
def _defaults_doc() -> dict:
    return tomllib.loads(files(__package__).joinpath("defaults.toml").read_text(encoding="utf-8"))


def default_sources() -> dict[str, str]:
    """Attribute name -> section of the fiche the default comes from (for the Lisez-moi sheet)."""
    return {k: v["source"] for k, v in _defaults_doc()["parameters"].items()}


def _dec(value) -> Decimal:
    return Decimal(str(value))


@cache
def default_parameters() -> Parameters:
    """The fiche's defaults. Department-specific values (code, name, service, signatory) are empty."""
    doc = _defaults_doc()
    p = {k: v["value"] for k, v in doc["parameters"].items()}
    forfaits = tuple(
        ForfaitRule(
            measure=f["measure"],
            applicant_type=f["applicant_type"],
            amount=_dec(f["amount"]),
            population_min=f.get("population_min"),
            population_max=f.get("population_max"),
        )
        for f in doc["forfaits"]
    )
    grid = tuple(
        Criterion(measure=g["measure"], number=i, name=name)
        for g in doc["grid"]
        for i, name in enumerate(g["criteria"], start=1)
    )
    return Parameters(
        envelope=_dec(p["envelope"]),
        envelope_3d=_dec(p["envelope_3d"]),
        results_deadline=p["results_deadline"],
        extra_eu_threshold=_dec(p["extra_eu_threshold"]),
        population_threshold=int(p["population_threshold"]),
        ditp_address=p["ditp_address"],
        effect_within_years=int(p["effect_within_years"]),
        report_every_days=int(p["report_every_days"]),
        disagreement_threshold=_dec(p["disagreement_threshold"]),
        advance_rate=_dec(p["advance_rate"]),
        forfaits=forfaits,
        grid=grid,
        excluded_categories=frozenset(e["category"] for e in doc["exclusions"]),
    )


def parameters_for(department: str, department_name: str = "", **changes) -> Parameters:
    """Defaults for one département, with optional overrides by attribute name."""
    return replace(default_parameters(), department=department, department_name=department_name, **changes)
