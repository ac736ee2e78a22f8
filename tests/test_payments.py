"""Payments: the « Versements » sheet read back, Versé / Reste à verser written by recalc, the dashboard per envelope,
and `fitn-xl payments` writing the « demande de mise en paiement » of the next instalment (rendered by LibreOffice,
read back as text), journaled once. The rules themselves are table-driven: tests/rule_cases/payments.toml."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from conftest import edit_cells, header_column

from fitn_xl import app, schema
from fitn_xl.app.demonstration import DEMO_CLOCK
from fitn_xl.book.build import build_registry
from fitn_xl.book.dashboard import DASHBOARD_CELLS
from fitn_xl.cli import main
from fitn_xl.core.model import Payment, Report
from fitn_xl.demo import DEMO_PAYMENT_REQUEST, demo_registry
from fitn_xl.payments.request import OPERATION
from fitn_xl.workbook.read import journal_rows, load_registry

SOLDE_DOSSIER = "63-2021-001"  # 5 000 € granted, 8 000 € eligible cost, avance of 2 500 € paid in the demo


def demo_with_final_report(paid_expenses: str = "7000"):
    """The demo registry, with dossier 001's end-of-project report: 7 000 € spent of 8 000 € planned."""
    reg = demo_registry()
    report = Report(SOLDE_DOSSIER, date(2021, 6, 25), "Terminé", Decimal(1), None, "Bilan remis",
                    Decimal(paid_expenses))
    return replace(reg, reports=reg.reports + (report,))


@pytest.fixture
def registry(tmp_path):
    reg = demo_with_final_report()
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    return path


def test_versements_sheet_round_trips_and_recalc_writes_paid_and_remaining(registry):
    loaded = load_registry(registry)
    assert not loaded.issues
    assert loaded.registry.payments == demo_with_final_report().payments
    assert {p.nature for p in loaded.registry.payments} == {"Avance", "Solde"}
    result = app.recalc(registry, clock=DEMO_CLOCK)
    assert result.ok, result.text()
    wb = openpyxl.load_workbook(registry)
    ws = wb[schema.SHEET_APPLICATIONS]
    paid, remaining, alerts = (header_column(ws, h) for h in ("Versé (€)", "Reste à verser (€)", "Alertes"))
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert (ws.cell(rows["63-2021-003"], paid).value, ws.cell(rows["63-2021-003"], remaining).value) == (
        4677.42, 322.58)
    assert (ws.cell(rows["63-2021-010"], paid).value, ws.cell(rows["63-2021-010"], remaining).value) == (0, 5000)
    assert ws.cell(rows["63-2021-005"], paid).value is None  # not a laureate
    assert "pas d'avance versée 34 jours après la signature" in ws.cell(rows["63-2021-010"], alerts).value
    assert "Solde : réduit à due proportion" in ws.cell(rows[SOLDE_DOSSIER], alerts).value
    assert ws.cell(rows["63-2021-003"], paid).number_format == ws.cell(rows["63-2021-003"],
                                                                       header_column(ws, "Montant accordé (€)")
                                                                       ).number_format
    board = wb[schema.SHEET_DASHBOARD]
    assert board[DASHBOARD_CELLS["envelope.départementale.paid"]].value == 110337.42
    assert board[DASHBOARD_CELLS["envelope.départementale.to_pay"]].value == 106182.58
    assert board[DASHBOARD_CELLS["envelope.3d.paid"]].value == 30000
    versements = wb[schema.SHEET_PAYMENTS]
    assert [c.value for c in versements[1]] == list(schema.PAYMENTS.headers)
    assert versements.tables["Versements"].ref.startswith("A1:F")


def test_a_bad_payment_row_is_reported_where_it_is(registry):
    edit_cells(registry, schema.SHEET_PAYMENTS, {(2, "Nature (Avance, Acompte, Solde)"): "Subvention",
                                                 (3, "Montant (€)"): "beaucoup"})
    loaded = load_registry(registry)
    messages = {(i.row, i.column): str(i) for i in loaded.issues}
    assert (2, "Nature (Avance, Acompte, Solde)") in messages
    assert "Feuille « Versements », ligne 3, colonne « Montant (€) »" in messages[(3, "Montant (€)")]
    assert all(i.dossier_id for i in loaded.issues)


def _pdf_text(docx, tmp_path) -> str:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice ou poppler absent (la CI les installe)")
    out = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), str(docx)], capture_output=True, timeout=180, check=True)
    [pdf] = out.glob("*.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_payment_requests_avance_then_reduced_solde_rendered_and_journaled_once(registry, tmp_path):
    out = tmp_path / "versements"
    # the avance of the demo's laureate still waiting for it
    first = app.payments(registry, DEMO_PAYMENT_REQUEST, out, clock=DEMO_CLOCK)
    assert first.ok, first.text()
    [avance] = first.files
    assert avance.name.startswith(f"{DEMO_PAYMENT_REQUEST}-demande-paiement-avance-")
    assert "2 500 € (50 % de 5 000 €)" in first.text().replace("\u00a0", " ").replace("\u202f", " ")
    # journaled; the same request again is refused until the payment is recorded, or forced
    rows = [v for _, v in journal_rows(registry) if v["operation"] == OPERATION]
    assert [(v["dossier_id"], v["amount"], v["file"]) for v in rows] == [(DEMO_PAYMENT_REQUEST, 2500, avance.name)]
    again = app.payments(registry, DEMO_PAYMENT_REQUEST, out, clock=DEMO_CLOCK)
    assert again.status == 1 and "a déjà été préparée" in again.text() and "ligne 2" in again.text()
    assert app.payments(registry, DEMO_PAYMENT_REQUEST, out, force=True, clock=DEMO_CLOCK).ok

    # the solde of a finished project whose dépenses acquittées (7 000 €) are below its eligible cost (8 000 €)
    solde = app.payments(registry, SOLDE_DOSSIER, out, clock=DEMO_CLOCK)
    assert solde.ok, solde.text()
    text = _pdf_text(solde.files[0], tmp_path)
    for expected in (
        "DEMANDE DE MISE EN PAIEMENT", "Solde à l'achèvement du projet", f"Dossier n° {SOLDE_DOSSIER}",
        "Commune de Saint-Amant-des-Combrailles", "21630318000014",  # the beneficiary and its SIRET
        "7 000,00 € pour un coût éligible prévu de 8 000,00 €",
        "5 000,00 € × 7 000,00 € / 8 000,00 € = 4 375,00 €",
        "4 375,00 € − 2 500,00 € déjà versés = 1 875,00 €", "reliquat de 625,00 € est à désengager",
        "mille huit cent soixante-quinze euros", "2103001389",  # the Chorus engagement juridique of the avance
        "bilan du projet et état récapitulatif des dépenses acquittées",
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    assert "Attention : dépenses acquittées" in solde.text()


def test_payments_refusals_are_french_and_write_nothing(registry, tmp_path, capsys):
    out = tmp_path / "versements"
    cases = {
        "63-2021-003": "le solde a déjà été versé le 28/06/2021",
        "63-2021-005": "le dossier n'est pas lauréat (statut « Éligible »)",
        "63-2021-004": "aucun état des lieux « Terminé » dans la feuille « Suivi »",
        "63-2021-999": "le dossier « 63-2021-999 » est introuvable",
    }
    for dossier, message in cases.items():
        assert main(["payments", str(registry), "--dossier", dossier, "-o", str(out)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("Erreur") and message in err, err
        assert "Traceback" not in err
    assert not out.exists()
    assert not [v for _, v in journal_rows(registry) if v["operation"] == OPERATION]
    # a dossier with an input error is not paid
    edit_cells(registry, schema.SHEET_APPLICATIONS, {(2, "Date de signature de la convention"): "31/02/2021"})
    assert main(["payments", str(registry), "--dossier", "63-2021-001", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "contient des erreurs de saisie" in err and "colonne « Date de signature de la convention »" in err
    # the command itself
    assert main(["payments", str(registry), "--dossier", DEMO_PAYMENT_REQUEST, "-o", str(out)]) == 0
    assert "Demande de mise en paiement de l'avance du dossier 63-2021-010" in capsys.readouterr().out


def test_a_request_that_could_not_be_journaled_is_not_prepared(registry, tmp_path):
    """The Journal row is what refuses a second request of the same instalment: on a registry without « Journal »,
    each run prepared the avance again. The row is tried first; no document without it."""
    wb = openpyxl.load_workbook(registry)
    wb.remove(wb[schema.SHEET_JOURNAL])
    wb.save(registry)
    before = registry.read_bytes()
    out = tmp_path / "versements"
    result = app.payments(registry, DEMO_PAYMENT_REQUEST, out, clock=DEMO_CLOCK)
    assert result.status == 1 and not out.exists() and registry.read_bytes() == before
    assert ("Erreur : la demande ne pourrait pas être consignée dans le journal du registre (la feuille « Journal » "
            "est absente du classeur). Aucune demande n'est préparée : sans cette ligne, une nouvelle demande du même "
            "versement ne serait pas refusée.") in result.text(), result.text()


def test_advance_needs_the_signature_date(tmp_path):
    reg = demo_registry()
    apps = tuple(replace(a, convention_signed_on=None) if a.dossier_id == DEMO_PAYMENT_REQUEST else a
                 for a in reg.applications)
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, replace(reg, applications=apps))
    result = app.payments(path, DEMO_PAYMENT_REQUEST, tmp_path / "out")
    assert result.status == 1
    assert "la « Date de signature de la convention » n'est pas renseignée" in result.text()


def test_payment_rows_typed_by_an_agent_are_counted(registry):
    """A payment typed below the table (Excel did not extend it) counts too, and recalc takes it into the table."""
    wb = openpyxl.load_workbook(registry)
    ws = wb[schema.SHEET_PAYMENTS]
    row = ws.max_row + 1
    for header, value in {"N° dossier": DEMO_PAYMENT_REQUEST, "Date": "28/06/2021",
                          "Nature (Avance, Acompte, Solde)": "Avance", "Montant (€)": "2 500 €"}.items():
        ws.cell(row, header_column(ws, header), value)
    wb.save(registry)
    loaded = load_registry(registry)
    assert Payment(DEMO_PAYMENT_REQUEST, date(2021, 6, 28), "Avance", Decimal(2500)) in loaded.registry.payments
    assert app.recalc(registry, clock=DEMO_CLOCK).ok
    wb = openpyxl.load_workbook(registry)
    assert wb[schema.SHEET_PAYMENTS].tables["Versements"].ref.endswith(str(row))


def _set_parameter(registry, label: str, value) -> None:
    wb = openpyxl.load_workbook(registry)
    ws = wb[schema.SHEET_PARAMETERS]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label)
    ws.cell(row, 2).value = value
    wb.save(registry)


def _docx_text(path) -> str:
    import docx

    return " ".join(" ".join(p.text for p in docx.Document(str(path)).paragraphs).replace("\u202f", " ")
                    .replace("\u00a0", " ").split())


def test_advance_rate_left_empty_is_50_percent_and_the_convention_states_the_rate_applied(registry, tmp_path):
    # « Taux de l'avance » is optional: left empty, every job runs with 50 % (it failed with a TypeError)
    _set_parameter(registry, "Taux de l'avance", None)
    loaded = load_registry(registry)
    assert not loaded.issues and loaded.registry.parameters.advance_rate == Decimal("0.5")
    assert app.check(registry, clock=DEMO_CLOCK).ok
    assert app.recalc(registry, clock=DEMO_CLOCK).ok
    # a local rate: the convention's article 4 says it, and the payment request applies it
    _set_parameter(registry, "Taux de l'avance", 0.3)
    out = tmp_path / "out"
    assert app.conventions(registry, out, dossiers=[DEMO_PAYMENT_REQUEST], clock=DEMO_CLOCK, workers=1).ok
    [convention] = out.glob(f"{DEMO_PAYMENT_REQUEST}-convention-*.docx")
    text = _docx_text(convention)
    assert "une avance de 30 % à la notification de la présente convention" in text and "50 %" not in text
    request = app.payments(registry, DEMO_PAYMENT_REQUEST, out, clock=DEMO_CLOCK)
    assert request.ok and "1 500 € (30 % de 5 000 €)" in request.text().replace("\u00a0", " ").replace("\u202f", " ")
    # no avance at all: one payment, at the end
    _set_parameter(registry, "Taux de l'avance", 0)
    assert app.conventions(registry, out, dossiers=[DEMO_PAYMENT_REQUEST], clock=DEMO_CLOCK, workers=1,
                           force=True).ok
    assert "versée en une fois, à l'achèvement du projet" in _docx_text(convention)
