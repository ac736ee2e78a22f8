"""Sample registries for the add-in tests and benchmark: varied dossiers made from core values (no test here)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from fitn_xl import schema
from fitn_xl.core import Application, Expense, Provider, Registry, Report, Score, parameters_for

TYPES = ("Commune", "Commune", "Commune", "Communauté de communes", "Département", "Région", schema.PERSONNE_MORALE,
         "Syndicat ou autre groupement de collectivités", schema.STRUCTURE_PILOTE)
CATEGORIES = schema.EXPENSE_CATEGORIES
COUNTRIES = ("FR", "FR", "DE", "US", "IE", "")


def sample_registry(n: int = 12, seed: int = 7) -> Registry:
    """`n` dossiers over the four measures with expense lines, providers, scores and reports; some ineligible,
    some laureates, some with excluded or extra-EU spending."""
    rnd = random.Random(seed)
    params = parameters_for("63", "Puy-de-Dôme", envelope=Decimal(297000))
    apps, expenses, providers, scores, reports = [], [], [], [], []
    for i in range(n):
        dossier_id = f"63-2021-{i + 1:04d}"
        measure = schema.MEASURES[i % 4]
        kind = TYPES[rnd.randrange(len(TYPES))]
        received = date(2021, 3, 1) + timedelta(days=rnd.randrange(200))
        end = date(2022, rnd.randrange(1, 13), 15) if rnd.random() < 0.85 else date(2023, 3, 15)
        lines = []
        for j in range(rnd.randrange(0, 4)):
            category = CATEGORIES[rnd.randrange(len(CATEGORIES))]
            country = COUNTRIES[rnd.randrange(len(COUNTRIES))] if category == schema.LICENCE else ""
            if category == schema.LICENCE and not country:
                country = "US"
            lines.append(Expense(dossier_id, f"Ligne {j + 1}", category, "Fournisseur", country,
                                 Decimal(rnd.randrange(1, 30)) * 500))
        expenses.extend(lines)
        declared = sum((e.amount for e in lines), Decimal(0)) if lines and rnd.random() < 0.8 else \
            Decimal(rnd.randrange(4, 60)) * 1000
        requested = (declared * Decimal(rnd.choice(("0.5", "0.8", "1", "1.2")))).quantize(Decimal(1))
        status = rnd.choice(("Reçu", "En instruction", "Éligible", "Lauréat", "Refusé"))
        granted = requested if status == "Lauréat" else None
        apps.append(Application(
            dossier_id=dossier_id,
            received_on=received,
            measure=measure,
            applicant=f"Collectivité {i + 1}",
            applicant_type=kind,
            population=rnd.choice((None, 800, 4999, 5000, 12000, 150000)),
            funded_by_authorities_only=rnd.choice((None, True, False)) if kind == schema.PERSONNE_MORALE else None,
            title=f"Projet {i + 1}",
            decision_commitment=rnd.random() < 0.9,
            digital_transformation=rnd.choice((True, True, True, None)),
            planned_end=end,
            total_cost=declared,
            requested=requested,
            authorities_share=(declared / 2).quantize(Decimal(1)) if measure == "3d" else None,
            contract_mode="Convention",
            status=status,
            decided_on=received + timedelta(days=60) if status == "Lauréat" else None,
            granted=granted,
        ))
        if measure == "3a" and rnd.random() < 0.7:
            providers.append(Provider(dossier_id, "Conseil SARL", "", rnd.choice(("63", "75", schema.ABROAD)),
                                      Decimal(rnd.randrange(1, 20)) * 1000))
        n_criteria = len(params.criteria_of(measure))
        for evaluator in ("Alice", "Bruno"):
            if rnd.random() < 0.8:
                scores.append(Score(dossier_id, evaluator, rnd.random() < 0.1,
                                    tuple(Decimal(rnd.randrange(0, 6)) for _ in range(n_criteria))))
        if status == "Lauréat" and rnd.random() < 0.5:
            reports.append(Report(dossier_id, received + timedelta(days=120), "En cours", Decimal("0.4")))
    return Registry(params, tuple(apps), tuple(expenses), tuple(providers), tuple(scores), tuple(reports))


def write_sample(path, n: int = 12, seed: int = 7) -> Registry:
    """A real registry file built by the project's builder, holding `sample_registry(n, seed)`."""
    from fitn_xl.workbook.build import build_registry

    registry = sample_registry(n, seed)
    build_registry(path, registry.parameters, registry)
    return registry
