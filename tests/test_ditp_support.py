"""Small real registries for the DITP, reminder and consolidation tests (no tests here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.core import Application, Provider, Registry, Report, parameters_for

DITP = "ditp@example.org"


def app(i: int, **kw) -> Application:
    base = dict(received_on=date(2021, 3, 1), measure="3a", applicant=f"Commune {i}", applicant_type="Commune",
                title=f"Projet {i}", status="Lauréat", decided_on=date(2021, 5, 3), granted=Decimal("5000"),
                planned_end=date(2022, 6, 30), email=f"mairie{i}@example.org")
    base.update(kw)
    return Application(f"2021-{i:03d}", **base)


def make_registry(path: Path, applications, providers=(), reports=(), department="63", name="Puy-de-Dôme",
                  reference_date: date | None = None, texts: dict[tuple[str, str], str] | None = None) -> Path:
    """Build a registry with `build_registry`; `texts` = {(dossier_id, header): text} typed as text afterwards
    (as an agent typing '=1+1 does), since the builder is given core values."""
    params = parameters_for(department, name, service="Bureau de la modernisation", ditp_address=DITP,
                            reference_date=reference_date)
    build_registry(path, params, Registry(params, tuple(applications), providers=tuple(providers),
                                          reports=tuple(reports)))
    if texts:
        wb = load_workbook(path)
        ws = wb[schema.SHEET_APPLICATIONS]
        headers = [c.value for c in ws[1]]
        ids = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
        for (dossier, header), value in texts.items():
            cell = ws.cell(ids[dossier], headers.index(header) + 1)
            cell.value = value
            cell.data_type = "s"
        wb.save(path)
    return path


def standard_registry(path: Path, **kw) -> Path:
    """Four laureates (one decided in July), one refused, one pending; providers and reports on the first."""
    apps = [
        app(1, measure="3a", granted=Decimal("5000")),
        app(2, measure="3b", status="Conventionné", decided_on=date(2021, 6, 30), granted=Decimal("12000.50")),
        app(3, measure="3c", status="Soldé", decided_on=date(2021, 4, 12), granted=Decimal("30000")),
        app(4, measure="3c", decided_on=date(2021, 7, 1), granted=Decimal("7000")),
        app(5, status="Refusé", decided_on=date(2021, 5, 1), granted=None),
        app(6, status="En instruction", decided_on=None, granted=None),
    ]
    providers = [Provider("2021-001", "Société Auvergne Conseil", "", "63"),
                 Provider("2021-001", "Dupont & Fils", "", "Hors France")]
    reports = [Report("2021-001", date(2021, 6, 15), "En cours", Decimal("0.4"), date(2022, 9, 30)),
               Report("2021-001", date(2021, 7, 15), "Terminé", Decimal("1"))]
    return make_registry(path, apps, providers, reports, **kw)
