"""`fitn-xl demo`: the fictional registry (core values) and the command writing it with every output."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from stdnum.fr import siret

from fitn_xl import schema
from fitn_xl.cli import main
from fitn_xl.core import compute
from fitn_xl.demo import DEMO_REFERENCE_DATE, demo_registry
from fitn_xl.workbook.read import load_registry


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run `fitn-xl demo DOSSIER` once for the module: (folder, exit code, stdout, stderr)."""
    out = tmp_path_factory.mktemp("demo") / "sortie"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["demo", str(out)])
    return out, code, stdout.getvalue(), stderr.getvalue()


def candidatures_rows(path) -> list[dict[str, object]]:
    """Rows of the « Candidatures » sheet as {header: raw cell value}, read with calamine."""
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(schema.SHEET_APPLICATIONS).to_python()
    start = next(i for i, row in enumerate(values) if schema.DOSSIER_ID in row)
    header = values[start]
    return [dict(zip(header, row, strict=False)) for row in values[start + 1:] if row and row[0] not in ("", None)]


# --- the data -------------------------------------------------------------------------------------------------


def test_demo_registry_is_deterministic():
    assert demo_registry() == demo_registry()


def test_demo_registry_covers_the_rules():
    registry = demo_registry()
    apps = registry.applications
    assert 35 <= len(apps) <= 45
    assert len({a.dossier_id for a in apps}) == len(apps)
    assert set(a.status for a in apps) == set(schema.STATUSES)
    assert set(a.measure for a in apps) == set(schema.MEASURES)
    assert {4999, 5000} <= {a.population for a in apps if a.applicant_type == "Commune" and a.measure == "3a"}
    assert {"Convention", "CRTE"} <= {a.contract_mode for a in apps if a.status in schema.LAUREATE_STATUSES}
    assert all(a.email.endswith("@example.fr") and a.representative and a.representative_role for a in apps)
    assert registry.parameters.department == "63"
    assert registry.parameters.envelope == 297_000
    assert registry.parameters.reference_date == DEMO_REFERENCE_DATE

    provider_siret = [p.siret for p in registry.providers if p.siret]
    assert provider_siret and all(siret.is_valid(s) for s in provider_siret)
    departments = {p.department for p in registry.providers}
    assert "63" in departments and schema.ABROAD in departments and len(departments) >= 4
    assert {e.publisher_country for e in registry.expenses if e.category == schema.LICENCE} >= {"FR", "DE", "US"}

    evaluators = Counter(s.dossier_id for s in registry.scores)
    assert set(evaluators.values()) <= {2, 3}
    assert sum(1 for s in registry.scores if s.conflict) == 1


def test_demo_registry_results():
    registry = demo_registry()
    computation = compute(registry)
    results = computation.results
    by_population = {a.population: results[a.dossier_id] for a in registry.applications
                     if a.measure == "3a" and a.applicant_type == "Commune"}
    assert by_population[4999].forfait == 5000
    assert by_population[5000].forfait == 10000
    warnings = [w for r in results.values() for w in r.warnings]
    for prefix in ("Délai :", "Population :", "Dépenses :", "Dépenses exclues :", "Licences hors UE :",
                   "Prestataires :", "Notation : écart"):
        assert any(w.startswith(prefix) for w in warnings), prefix
    reasons = " ".join(r for res in results.values() for r in res.reasons)
    assert "personne morale" in reasons and "structure pilote" in reasons and "Échéance" in reasons
    late = [d for d, r in results.items() if r.late]
    assert 1 <= len(late) <= 5
    on_time = [d for d, r in results.items() if r.late is False]
    assert len(on_time) > len(late)
    dep = computation.envelopes["départementale"]
    assert 0 < dep.committed <= dep.amount  # a realistic demo stays within its envelope
    granted_share = [a.granted / a.total_cost for a in registry.applications if a.granted and a.total_cost]
    assert any(Decimal("0.7") < s < Decimal("0.8") for s in granted_share)  # « 74 % of a ≈28 000 € project »


# --- the command ----------------------------------------------------------------------------------------------


def test_demo_command_exit_code_and_summary(demo_run):
    out, code, stdout, stderr = demo_run
    assert code == 0, stderr
    assert "Fichiers écrits" in stdout
    assert "Traceback" not in stdout + stderr


def test_demo_registry_file_reads_back_without_issues(demo_run):
    out, code, stdout, _ = demo_run
    path = out / "registre-demo.xlsx"
    loaded = load_registry(path)
    assert loaded.issues == []
    assert loaded.registry.applications == demo_registry().applications
    assert len(loaded.registry.scores) == len(demo_registry().scores)
    assert Counter(a.status for a in loaded.registry.applications).keys() == set(schema.STATUSES)


def test_demo_registry_computed_columns_are_filled(demo_run):
    out, *_ = demo_run
    rows = candidatures_rows(out / "registre-demo.xlsx")
    assert len(rows) == len(demo_registry().applications)
    for header in schema.COMPUTED_HEADERS:
        assert header in rows[0], header
    for row in rows:
        assert row["Éligible"] in ("Oui", "Non")
        assert row["Montant proposé (€)"] not in ("", None)
        assert row["Coût éligible (€)"] not in ("", None)
    forfaits = {row["Population"]: row["Forfait (€)"] for row in rows
                if row["Mesure"] == "3a" and row["Type de candidat"] == "Commune"}
    assert forfaits[4999] == 5000
    assert forfaits[5000] == 10000
    ineligible = [row for row in rows if row["Éligible"] == "Non"]
    assert ineligible and all(row["Motifs"] and row["Montant proposé (€)"] == 0 for row in ineligible)
    assert any(row["En retard"] == "Oui" for row in rows)
    assert any(row["Note /20"] not in ("", None) for row in rows)


def test_every_listed_output_exists(demo_run):
    out, _, stdout, _ = demo_run
    listed = [line.strip() for line in stdout.splitlines() if line.startswith("    ")]
    assert len(listed) >= 10
    for name in listed:
        path = Path(name)
        assert path.is_file(), name
        assert path.stat().st_size > 0
    suffixes = Counter(p.rsplit(".", 1)[-1] for p in listed)
    assert suffixes["xlsx"] >= 1 and suffixes["docx"] >= 1


def test_demo_outputs_when_generators_are_present(demo_run):
    """Each generator that exists in this version produced its files (skipped ones are named on stderr)."""
    out, _, stdout, stderr = demo_run
    if importlib.util.find_spec("fitn_xl.ditp.monthly"):
        assert (out / "ditp" / "liste-ditp_63_2021-06.eml").is_file()
        assert (out / "ditp" / "liste-ditp_63_2021-06.xlsx").is_file()
    if importlib.util.find_spec("fitn_xl.documents.batch"):
        conventions = sorted((out / "conventions").glob("*.docx"))
        laureates_in_convention = [a for a in demo_registry().applications
                                   if a.status in schema.LAUREATE_STATUSES and a.contract_mode == "Convention"]
        assert len(conventions) == len(laureates_in_convention)
        letters = list((out / "courriers").glob("*.docx"))
        decided = [a for a in demo_registry().applications
                   if a.status in schema.LAUREATE_STATUSES | schema.REFUSAL_STATUSES]
        assert len(letters) == len(decided)
    assert "en échec" not in stderr


def test_demo_is_repeatable_in_the_same_folder(demo_run):
    """Running the demo again over its own folder works and gives the same registry values."""
    out, *_ = demo_run
    before = candidatures_rows(out / "registre-demo.xlsx")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["demo", str(out)]) == 0
    assert candidatures_rows(out / "registre-demo.xlsx") == before


def test_reader_reports_every_bad_cell_of_a_repeated_value(tmp_path):
    """The reader parses each distinct value of a column once: a bad value typed on several rows must still give
    one issue per row, and good repeated values the same parsed value everywhere."""
    import openpyxl

    from fitn_xl.book.build import build_registry

    registry = demo_registry()
    path = tmp_path / "registre.xlsx"
    build_registry(path, registry.parameters, registry)
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_EXPENSES]
    header = [c.value for c in ws[1]]
    amount_col = header.index("Montant (€)") + 1
    rows = [2, 5, 9]
    for r in rows:
        ws.cell(r, amount_col, "douze euros")
    ws.cell(3, amount_col, "1 500,50 €")
    ws.cell(4, amount_col, "1 500,50 €")
    wb.save(path)

    loaded = load_registry(path)
    bad = [i for i in loaded.issues if i.sheet == schema.SHEET_EXPENSES]
    assert [(i.row, i.column) for i in bad] == [(r, "Montant (€)") for r in rows]
    assert all(i.message == "« douze euros » n'est pas un montant" for i in bad)
    dossier_of = {r: ws.cell(r, 1).value for r in rows}
    assert [i.dossier_id for i in bad] == [dossier_of[r] for r in rows]
    amounts = [e.amount for e in loaded.registry.expenses]
    assert amounts.count(Decimal("1500.50")) >= 2
    assert len(loaded.registry.expenses) == len(registry.expenses) - len(rows)  # lines without amount are dropped
