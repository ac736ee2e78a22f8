"""A national-scale registry for benchmarks: 5 000 dossiers, 25 000 expense lines, 10 000 providers, 15 000
scores, 20 000 quarterly reports, built as core values then written once with `build_registry` into
`bench/.cache/` (reused while the generator's settings are unchanged).

    .venv/bin/python bench/generate.py            # writes (or reuses) the cached registry, prints its path
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from stdnum import luhn

from fitn_xl.core import Application, Expense, Provider, Registry, Report, Score, parameters_for
from fitn_xl.schema import (
    ABROAD,
    APPLICANT_TYPES,
    EXPENSE_CATEGORIES,
    LAUREATE_STATUSES,
    LICENCE,
    PERSONNE_MORALE,
    REPORT_STATES,
    STATUSES,
    STRUCTURE_PILOTE,
)

CACHE = Path(__file__).resolve().parent / ".cache"
SIZES = dict(dossiers=5000, expenses=25000, providers=10000, scores=15000, reports=20000)
SEED = 2021
GENERATOR_VERSION = 1  # bump when the generated data changes
DEPARTMENTS = [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
COUNTRIES = ["FR"] * 6 + ["DE", "IT", "ES", "NL", "US", "US", "GB", "CH"]
PREFIXES = ["Saint-", "Sainte-", "Le ", "La ", "Mont-", "Val-", "Les ", "", "", ""]
ROOTS = ["Amand", "Roche", "Chambon", "Vic", "Puy", "Bois", "Fontaine", "Pont", "Moulin", "Lac", "Pré", "Château",
         "Combe", "Brioude", "Saulce", "Vergne", "Ferrière", "Aubrac", "Marsac", "Tallende"]
SUFFIXES = ["", "-sur-Allier", "-les-Bains", "-en-Forez", "-le-Haut", "-la-Vallée", "-des-Monts", "-sur-Loire"]


def siret(seed: int) -> str:
    body = f"{seed % 10**8:08d}"
    siren = body + luhn.calc_check_digit(body)
    nic = siren + f"{seed % 9000 + 1:04d}"
    return nic + luhn.calc_check_digit(nic)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` spread over `parts` positive integers."""
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def national_registry(sizes: dict[str, int] = SIZES, seed: int = SEED) -> Registry:
    """Deterministic fictional registry of `sizes['dossiers']` dossiers (and the other row counts)."""
    rng = random.Random(seed)
    n = sizes["dossiers"]
    params = parameters_for("63", "Puy-de-Dôme", envelope=Decimal(34_000_000), envelope_3d=Decimal(2_000_000),
                            reference_date=date(2021, 12, 31))
    per_expense = _counts(sizes["expenses"], n)
    per_provider = _counts(sizes["providers"], n)
    per_score = _counts(sizes["scores"], n)
    laureate_count = n // 2
    per_report = _counts(sizes["reports"], laureate_count)

    apps, expenses, providers, scores, reports = [], [], [], [], []
    start = date(2021, 3, 1)
    for i in range(n):
        dossier_id = f"{DEPARTMENTS[i % len(DEPARTMENTS)]}-2021-{i + 1:05d}"
        measure = "3d" if i % 25 == 0 else ("3a", "3b", "3c")[i % 3]
        kind = STRUCTURE_PILOTE if measure == "3d" and i % 2 else rng.choice(APPLICANT_TYPES[:10])
        town = f"{rng.choice(PREFIXES)}{rng.choice(ROOTS)}{rng.choice(SUFFIXES)}"
        population = None if kind in (PERSONNE_MORALE, STRUCTURE_PILOTE, "Région") else rng.choice(
            [rng.randint(80, 4999), rng.randint(5000, 30000), rng.randint(30000, 400000), 4999, 5000])
        received = start + timedelta(days=rng.randint(0, 200))
        end = received + timedelta(days=rng.randint(120, 700))
        cost = rng.randrange(3000, 150000, 100) if measure != "3a" else rng.randrange(3000, 40000, 100)
        requested = min(cost, rng.randrange(2000, cost + 1000, 100))
        laureate = i < laureate_count
        status = rng.choice(sorted(LAUREATE_STATUSES)) if laureate else rng.choice(
            [s for s in STATUSES if s not in LAUREATE_STATUSES])
        decided = received + timedelta(days=rng.randint(10, 60)) if laureate or status in ("Refusé",
                                                                                           "Inéligible") else None
        apps.append(Application(
            dossier_id=dossier_id, received_on=received, measure=measure, applicant=f"Commune de {town}",
            applicant_type=kind, insee_or_siren=f"{rng.randint(1001, 95999):05d}", population=population,
            funded_by_authorities_only=True if kind == PERSONNE_MORALE else None,
            representative=f"M. ou Mme {town.split('-')[0].strip()}", representative_role="Maire",
            address=f"Place de la Mairie, {town}", email=f"mairie{i}@example.fr", phone="04 73 00 00 00",
            title=f"Projet numérique n° {i + 1} de {town}", description="Dossier fictif de banc d'essai.",
            decision_commitment=rng.random() > 0.03, digital_transformation=True, planned_end=end,
            total_cost=Decimal(cost), requested=Decimal(requested),
            authorities_share=Decimal(cost // 2) if measure == "3d" else None,
            contract_mode=rng.choice(["Convention", "Convention", "CRTE"]) if laureate else "",
            status=status, decided_on=decided, granted=Decimal(min(requested, 20000)) if laureate else None,
        ))
        for amount in _split(cost, per_expense[i], rng):
            category = rng.choice(EXPENSE_CATEGORIES)
            expenses.append(Expense(dossier_id, f"Dépense {category.lower()}", category, "Fournisseur fictif",
                                    rng.choice(COUNTRIES) if category == LICENCE else "", Decimal(amount)))
        for k in range(per_provider[i]):
            dep = ABROAD if rng.random() < 0.05 else rng.choice(DEPARTMENTS)
            providers.append(Provider(dossier_id, f"Prestataire {i}-{k} SAS", siret(i * 7 + k) if dep != ABROAD
                                      else "", dep, Decimal(rng.randrange(500, 30000, 100))))
        criteria = len(params.criteria_of(measure))
        for k in range(per_score[i]):
            scores.append(Score(dossier_id, f"Évaluateur {k + 1}", rng.random() < 0.03,
                                tuple(Decimal(rng.randint(0, 10)) / 2 for _ in range(criteria)), ""))
        if laureate:
            for k in range(per_report[i]):
                reports.append(Report(dossier_id, decided + timedelta(days=30 * (k + 1)), rng.choice(REPORT_STATES),
                                      Decimal(rng.randint(0, 100)) / 100, None, ""))
    return Registry(params, tuple(apps), tuple(expenses), tuple(providers), tuple(scores), tuple(reports))


def _counts(total: int, n: int) -> list[int]:
    """`total` rows over `n` dossiers, as evenly as possible (each ≥ 1 when total ≥ n)."""
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def cache_key(sizes: dict[str, int] = SIZES, seed: int = SEED) -> str:
    """Changes with the sizes, the seed, this generator, the contract (schema) and the workbook builder."""
    from fitn_xl import schema
    from fitn_xl.workbook import build

    builder = hashlib.sha256(Path(build.__file__).read_bytes() + Path(schema.__file__).read_bytes()).hexdigest()
    text = repr((sorted(sizes.items()), seed, GENERATOR_VERSION, builder))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def cached_registry(sizes: dict[str, int] = SIZES, seed: int = SEED, verbose: bool = True) -> Path:
    """Path of the cached national registry, written with `build_registry` when absent."""
    from fitn_xl.book.build import build_registry

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"registre-national-{sizes['dossiers']}-{cache_key(sizes, seed)}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        registry = national_registry(sizes, seed)
        t1 = time.perf_counter()
        build_registry(path, registry.parameters, registry)
        if verbose:
            print(f"Registre généré : {path} (données {t1 - t0:.1f} s, écriture {time.perf_counter() - t1:.1f} s)",
                  file=sys.stderr)
    return path


if __name__ == "__main__":
    print(cached_registry())
