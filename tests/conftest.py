"""Shared fixtures: small real registries built by `build_registry` in tmp_path (others may add fixtures here)."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import settings

from fitn_xl.core.model import Application, Expense, Provider, Registry, Report, Score
from fitn_xl.core.params import parameters_for

# Property tests explore a fixed, reproducible set of examples in every run (CI included): a failure seen once is
# seen again. `HYPOTHESIS_PROFILE=explore` draws new random examples, to look for more.
settings.register_profile("fixed", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


def _app(dossier_id: str, **kw) -> Application:
    base = dict(
        received_on=date(2021, 3, 15), measure="3a", applicant="Commune de Volvic", applicant_type="Commune",
        insee_or_siren="63470", population=4500, representative="Mme Martin", representative_role="Maire",
        address="1 place de la Mairie, 63530 Volvic", email="mairie@volvic.example", phone="04 73 00 00 00",
        title="Accompagnement à la dématérialisation", description="Diagnostic et feuille de route",
        decision_commitment=True, digital_transformation=True, planned_end=date(2022, 6, 30),
        total_cost=D("8000"), requested=D("6000"), contract_mode="Convention", status="En instruction",
    )
    base.update(kw)
    return Application(dossier_id=dossier_id, **base)


def sample_registry() -> Registry:
    """Five dossiers covering forfait, exclusion, extra-EU licence, ineligibility, laureate late, 3d."""
    params = parameters_for("63", "Puy-de-Dôme", service="Bureau de la modernisation", signatory="Le préfet",
                            reference_date=date(2021, 12, 31))
    apps = (
        _app("63-001"),
        _app("63-002", applicant="Clermont Auvergne Métropole", applicant_type="Métropole", population=295000,
             measure="3c", total_cost=D("50000"), requested=D("30000"), status="Lauréat",
             decided_on=date(2021, 5, 1), granted=D("30000")),
        _app("63-003", applicant="Commune de Riom", insee_or_siren="63300", population=19000,
             planned_end=date(2023, 3, 15),
             status="Reçu"),
        _app("63-004", applicant="Communauté de communes Dômes Sancy", applicant_type="Communauté de communes",
             population=22000, measure="3b", total_cost=D("12000"), requested=D("12000"), status="Éligible"),
        _app("63-005", applicant="Laboratoire 63", applicant_type="Structure pilote d'un laboratoire d'innovation "
             "territoriale", measure="3d", total_cost=D("90000"), requested=D("60000"),
             authorities_share=D("45000"), status="Conventionné", decided_on=date(2021, 9, 1), granted=D("45000"),
             contract_mode="CRTE", population=None),
    )
    expenses = (
        Expense("63-001", "Diagnostic", "Prestation d'accompagnement ou de conseil", "Conseil Auvergne", "FR",
                D("6000")),
        Expense("63-001", "Ordinateurs portables", "Équipement informatique pour les agents", "Dell", "US",
                D("2000")),
        Expense("63-002", "Licences GRU", "Licence ou abonnement logiciel", "Salesforce", "US", D("20000")),
        Expense("63-002", "Intégration", "Développement ou intégration", "Intégrateur SA", "FR", D("30000")),
    )
    providers = (
        Provider("63-001", "Conseil Auvergne", "73282932000074", "63", D("6000")),
        Provider("63-004", "Formateurs Lyon", "", "69", D("12000")),
    )
    scores = (
        Score("63-001", "A. Dupont", False, (D(4), D(3), D(5), None, None)),
        Score("63-001", "B. Durand", False, (D(2), D(3), D(4), None, None)),
        Score("63-004", "A. Dupont", False, (D(3), D(3), D(3), None, None)),
        Score("63-004", "C. Conflit", True, (D(5), D(5), D(5), None, None)),
    )
    reports = (Report("63-005", date(2021, 10, 1), "En cours", D("0.3"), None, "Démarré"),)
    return Registry(params, apps, expenses, providers, scores, reports)


@pytest.fixture
def registry_data() -> Registry:
    return sample_registry()


@pytest.fixture
def registry_file(tmp_path):
    """A registry .xlsx with the five sample dossiers (computed columns empty until recalc)."""
    from fitn_xl.book.build import build_registry

    reg = sample_registry()
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    return path


@pytest.fixture
def blank_registry(tmp_path):
    from fitn_xl.book.build import build_registry
    from fitn_xl.core.params import parameters_for

    path = tmp_path / "vierge.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    return path


def header_column(ws, header: str) -> int:
    """1-based column of `header` in row 1 of an openpyxl worksheet."""
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def edit_cells(path, sheet: str, edits: dict[tuple[int, str], object]) -> None:
    """Type values into a registry with openpyxl, as an agent would: {(Excel row, header): value}."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for (row, header), value in edits.items():
        ws.cell(row, header_column(ws, header), value)
    wb.save(path)
