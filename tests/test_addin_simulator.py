"""The « Simulateur » sheet: live formulas of the add-in's functions, with cached values for Excel without the
add-in and LibreOffice, equal to the rules core for the typed case."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import python_calamine

from fitn_xl.addin.simulator import INPUT_CELLS, NO_REASON, RESULT_CELLS, SHEET, cache_simulator_values
from fitn_xl.core import Application, parameters_for
from fitn_xl.core.rules import forfait, ineligibility_reasons, proposed_amount, spending
from fitn_xl.workbook.build import build_workbook
from fitn_xl.workbook.read import load_registry


def _registry(tmp_path):
    path = tmp_path / "registre.xlsx"
    wb = build_workbook(parameters_for("63", "Puy-de-Dôme"))
    assert wb.sheetnames.count(SHEET) == 1  # the registry builder adds the sheet (add_simulator_sheet)
    wb.save(path)
    return path


def _shown(path) -> dict[str, object]:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(
        skip_empty_area=False)
    return {label: rows[int(ref[1:]) - 1][1] for label, ref in RESULT_CELLS.items()}


def _core(case: dict, params) -> dict[str, object]:
    app = Application("SIM", **case)
    spent = spending(app, (), params)
    flat = forfait(app, params.forfaits)
    reasons = ineligibility_reasons(app, params)
    return {"Forfait (€)": flat, "Éligible": "Non" if reasons else "Oui", "Motifs": "\n".join(reasons),
            "Montant proposé (€)": proposed_amount(app, not reasons, flat, spent)}


def test_formulas_are_live_and_values_cached_like_the_core(tmp_path):
    path = _registry(tmp_path)
    cache_simulator_values(path)
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws[RESULT_CELLS["Forfait (€)"]].value == "=FITN_FORFAIT(B4,B5,B6,Forfaits)"
    assert ws[RESULT_CELLS["Montant proposé (€)"]].value.startswith("=FITN_MONTANT_PROPOSE(B4,B5,B6,")
    params = load_registry(path).registry.parameters
    case = dict(measure="3a", applicant_type="Commune", population=3200, decision_commitment=True,
                digital_transformation=True, planned_end=date(2022, 9, 30), total_cost=Decimal(12000),
                requested=Decimal(8000))
    expected = _core(case, params)
    shown = _shown(path)
    assert shown["Forfait (€)"] == float(expected["Forfait (€)"]) == 5000
    assert shown["Éligible"] == "Oui" and shown["Motifs"] == NO_REASON
    assert shown["Montant proposé (€)"] == float(expected["Montant proposé (€)"])
    assert load_registry(path).issues == []  # the registry itself is untouched


def test_another_case_typed_gives_its_own_cached_values(tmp_path):
    path = _registry(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws[INPUT_CELLS["Population"]] = 9000
    ws[INPUT_CELLS["Date de fin prévue"]] = date(2023, 3, 15)
    wb.save(path)
    cache_simulator_values(path)
    shown = _shown(path)
    assert shown["Forfait (€)"] == 10000
    assert shown["Éligible"] == "Non"
    assert shown["Motifs"] == "Échéance : fin prévue le 15/03/2023, après le 31/12/2022"
    assert shown["Montant proposé (€)"] == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent (la CI l'installe)")
def test_libreoffice_shows_the_cached_results_never_name_errors(tmp_path):
    from fitn_xl.workbook.build import build_registry

    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    profile = tmp_path / "profil"
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", every_sheet,
                    "--outdir", str(tmp_path / "csv"), str(path)], check=True, capture_output=True, timeout=180)
    sheets = list((tmp_path / "csv").glob(f"registre-{SHEET}.csv"))
    assert sheets, sorted(p.name for p in (tmp_path / "csv").iterdir())
    text = sheets[0].read_text(encoding="utf-8")
    assert "#NAME" not in text and "#NOM" not in text
    assert NO_REASON in text
