"""Small fictional registries for document tests and benchmarks (values only, no file)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from ..core import Application, Expense, Provider, Registry, Score, compute, parameters_for

D = Decimal
TRICKY = "Sport & Loisirs <Numérique> \"2021\" l'été {{ x }} {% if %} 🚀"


def sample_parameters(**extra):
    return parameters_for(
        "63", "Puy-de-Dôme",
        service="Bureau de la modernisation et de la coordination",
        signatory="le préfet du Puy-de-Dôme, M. Philippe Chopin",
        envelope=D(297_000), envelope_3d=D(100_000),
        reference_date=date(2021, 9, 30),
        extra={"Lieu de signature": "Clermont-Ferrand", **extra},
    )


def sample_registry(n: int = 6, *, tricky: bool = False) -> Registry:
    """`n` varied dossiers: laureates in Convention and CRTE mode, an ineligible one, a refused one, with expense
    lines (one excluded), providers and scores. `tricky` puts XML-hostile text in the names."""
    apps, expenses, providers, scores = [], [], [], []
    statuses = ["Lauréat", "Conventionné", "Inéligible", "Refusé", "Lauréat", "Soldé"]
    types = ["Commune", "Communauté de communes", "Commune", "Département", "Commune", "Métropole"]
    for i in range(n):
        did = f"63-2021-{i + 1:03d}"
        status = statuses[i % len(statuses)]
        laureate = status in ("Lauréat", "Conventionné", "Soldé")
        name = f"Commune de Saint-Éloi-{i + 1}"
        if tricky and i % 2 == 0:
            name = TRICKY + f" n°{i + 1}\nligne 2"
        cost = D(12_000 + 1_000 * (i % 7)) + D("0.67") * (i % 2)
        late_end = status == "Inéligible"
        apps.append(Application(
            dossier_id=did,
            received_on=date(2021, 3, 1) + timedelta(days=i % 60),
            measure=("3a", "3b", "3c")[i % 3],
            applicant=name,
            applicant_type=types[i % len(types)],
            insee_or_siren=f"63{100 + i % 800:03d}",
            population=1_500 + 700 * i,
            representative=f"Mme Claire Dupont-{i + 1}" if not tricky else TRICKY,
            representative_role="Maire",
            address=f"{i + 1} place de la Mairie, 63000 Clermont-Ferrand",
            email=f"mairie{i + 1}@example.fr",
            phone="04 73 00 00 00",
            title=f"Dématérialisation des démarches d'urbanisme, lot {i + 1}" if not tricky else TRICKY,
            description="Accompagnement par un cabinet spécialisé.\nDeuxième ligne : ateliers avec les agents."
            if i % 2 == 0 else "",
            decision_commitment=True,
            digital_transformation=True,
            planned_end=date(2023, 3, 15) if late_end else date(2022, 6, 30) - timedelta(days=i % 90),
            total_cost=cost,
            requested=min(cost, D(10_000)),
            contract_mode="CRTE" if i % 4 == 1 else "Convention",
            status=status,
            decided_on=date(2021, 6, 1) if laureate else None,
            granted=min(cost, D(10_000)) - D(i % 3) * D("0.50") if laureate else None,
            refusal_reason="Note insuffisante" if status == "Refusé" else "",
        ))
        for j in range(2 + i % 4):
            expenses.append(Expense(did, f"Prestation {j + 1} — atelier & suivi" if not tricky else TRICKY,
                                    "Prestation d'accompagnement ou de conseil", f"Cabinet Conseil {j + 1}", "",
                                    D(2_000 + 250 * j)))
        if i % 3 == 0:
            expenses.append(Expense(did, "Ordinateurs portables", "Équipement informatique pour les agents",
                                    "Matériel SA", "", D(1_500)))
        if i % 2 == 0:
            providers.append(Provider(did, f"Numérique Auvergne {i}", "73282932000074", "63", D(5_000)))
            providers.append(Provider(did, "Conseil National", "", "75", D(2_000)))
        for k in range(2):
            scores.append(Score(did, f"Évaluateur {k}", False, (D(3 + (i + k) % 3), D(4), D(2 + i % 4)), ""))
    return Registry(sample_parameters(), tuple(apps), tuple(expenses), tuple(providers), tuple(scores), ())


def sample_loaded(n: int = 6, *, tricky: bool = False):
    """(loaded-like object with `.registry` and no issues, computation)."""
    registry = sample_registry(n, tricky=tricky)
    loaded = SimpleNamespace(registry=registry, issues=[], dossiers_with_errors=set(), blocking=False,
                             valid_dossiers=lambda: list(registry.applications))
    return loaded, compute(registry)


__all__ = ["TRICKY", "sample_loaded", "sample_parameters", "sample_registry"]

