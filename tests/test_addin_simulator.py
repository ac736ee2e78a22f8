"""The « Simulateur » sheet: live formulas of the add-in's functions (classic xlwings or Office.js, chosen in the
sheet), with cached values for Excel without the add-in and LibreOffice, equal to the rules core for the typed
case."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import python_calamine
from test_addin_functions import server_functions

from fitn_xl.addin import server
from fitn_xl.book import native
from fitn_xl.book.build import build_workbook
from fitn_xl.book.simulator import (
    _CASE,
    ADDIN_CELL,
    ADDIN_NONE,
    ADDIN_OFFICEJS,
    ADDIN_VBA,
    INPUT_CELLS,
    NAMESPACE,
    NO_REASON,
    RESULT_CELLS,
    RESULTS,
    SHEET,
    cache_simulator_values,
    officejs_file_name,
    officejs_name,
)
from fitn_xl.core import Application, parameters_for
from fitn_xl.core.rules import forfait, ineligibility_reasons, proposed_amount, spending
from fitn_xl.formulas import functions
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


def _choose(path, addin: str) -> None:
    wb = openpyxl.load_workbook(path)
    wb[SHEET][ADDIN_CELL] = addin
    wb.save(path)


@pytest.mark.parametrize("addin", [ADDIN_VBA, ADDIN_OFFICEJS])
def test_formulas_are_live_and_values_cached_like_the_core(tmp_path, addin):
    path = _registry(tmp_path)
    _choose(path, addin)
    cache_simulator_values(path)
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws[ADDIN_CELL].value == addin
    choice = ws.data_validations.dataValidation
    assert any(ADDIN_CELL in dv.sqref and dv.formula1 == f'"{ADDIN_NONE},{ADDIN_VBA},{ADDIN_OFFICEJS}"'
               for dv in choice)
    assert ws[RESULT_CELLS["Forfait (€)"]].value == (
        f'=IF($B$15="{ADDIN_NONE}",{native.forfait(_CASE)},'
        'IF($B$15="Office.js",_xldudf_FITN_FORFAIT(B4,B5,B6,Forfaits),FITN_FORFAIT(B4,B5,B6,Forfaits)))')
    proposed = ws[RESULT_CELLS["Montant proposé (€)"]].value
    assert "_xldudf_FITN_MONTANT_PROPOSE(B4,B5,B6," in proposed and ",FITN_MONTANT_PROPOSE(B4,B5,B6," in proposed
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
    ws[ADDIN_CELL] = ADDIN_OFFICEJS
    ws[INPUT_CELLS["Population"]] = 9000
    ws[INPUT_CELLS["Date de fin prévue"]] = date(2023, 3, 15)
    wb.save(path)
    cache_simulator_values(path)
    shown = _shown(path)
    assert shown["Forfait (€)"] == 10000
    assert shown["Éligible"] == "Non"
    assert shown["Motifs"] == "Échéance : fin prévue le 15/03/2023, après le 31/12/2022"
    assert shown["Montant proposé (€)"] == 0


def test_each_formula_calls_both_flavours_of_a_function_the_server_declares():
    meta = {fn["id"]: fn for fn in server_functions()}
    assert NAMESPACE == server.NAMESPACE
    for label, formula, name in RESULTS:
        excel_name = f"{server.NAMESPACE}.{meta[name.upper()]['name']}"  # as typed in Excel: FITN.FORFAIT
        assert officejs_name(name) == excel_name
        # stored the way Excel saves an Office.js custom function: _xldudf_ + name with the dot as underscore
        assert officejs_file_name(name) == "_xldudf_" + excel_name.replace(".", "_")
        assert f'IF($B$15="{ADDIN_OFFICEJS}",{officejs_file_name(name)}(' in formula, label
        assert f"),{name.upper()}(" in formula, label  # classic xlwings: the Python name
        assert "FITN." not in formula  # a typed dotted name would stay #NAME? after the add-in loads
        assert hasattr(functions, name)
        # same arguments in both branches
        inner = formula.split(f"{officejs_file_name(name)}(", 1)[1].split(")", 1)[0]
        assert f"{name.upper()}({inner})" in formula


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent (la CI l'installe)")
@pytest.mark.parametrize("addin", [ADDIN_VBA, ADDIN_OFFICEJS])
def test_libreoffice_shows_the_cached_results_never_name_errors(tmp_path, addin):
    from fitn_xl.book.build import build_registry

    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    if addin != ADDIN_VBA:
        _choose(path, addin)
        cache_simulator_values(path)
    profile = tmp_path / "profil"
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", every_sheet,
                    "--outdir", str(tmp_path / "csv"), str(path)], check=True, capture_output=True, timeout=180)
    sheets = list((tmp_path / "csv").glob(f"registre-{SHEET}.csv"))
    assert sheets, sorted(p.name for p in (tmp_path / "csv").iterdir())
    text = sheets[0].read_text(encoding="utf-8")
    assert "#NAME" not in text and "#NOM" not in text and "Err:" not in text
    assert NO_REASON in text and addin in text
    shown = {row.split(",")[0].strip('"'): row for row in text.splitlines()}
    assert "5000" in shown["Forfait (€)"] and "Oui" in shown["Éligible"]


def test_readmes_point_to_the_addin_choice_cell():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    main = (root / "README.md").read_text(encoding="utf-8")
    section = main[main.index("## Le complément Excel"):]
    section = section[:section.index("\n## ")]
    assert f"(cellule {ADDIN_CELL})" in section and f'$B${ADDIN_CELL[1:]}="{ADDIN_OFFICEJS}"' in section
    assert ADDIN_VBA in section and ADDIN_OFFICEJS in section
    macros = (root / "macros" / "README.md").read_text(encoding="utf-8")
    assert f"« {ADDIN_OFFICEJS} » en {ADDIN_CELL}" in macros and f"la cellule {ADDIN_CELL}" in macros
