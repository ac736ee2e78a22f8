"""The « Simulateur » without the add-in: its own formulas (`book.native`) give, in a real French LibreOffice
recalculating them, what the rules core gives for the same case — forfait, eligibility, every reason's text,
proposed amount — and the add-ins' choice still turns into a name error where no add-in is (the issue's #NAME?)."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from libreoffice_support import CSV_AS_SHOWN, convert, french_profile, needs_libreoffice, shown

from fitn_xl import schema
from fitn_xl.book.build import build_workbook
from fitn_xl.book.simulator import (
    ADDIN_CELL,
    ADDIN_NONE,
    ADDIN_VBA,
    INPUT_CELLS,
    NO_REASON,
    RESULT_CELLS,
    SHEET,
    add_simulator_sheet,
    simulate,
)
from fitn_xl.core.params import parameters_for

PM, SP = schema.PERSONNE_MORALE, schema.STRUCTURE_PILOTE
# label of `simulator.INPUTS` -> value; each case fails (or passes) a different way
BASE = {"Mesure": "3a", "Type de candidat": "Commune", "Population": 3200,
        "Financée exclusivement par des collectivités": None, "Engagement décisionnel": "Oui",
        "Projet de transformation numérique": "Oui", "Date de fin prévue": date(2022, 9, 30),
        "Coût global (€)": 12000, "Financement demandé (€)": 8000, "Part collectivités (€)": None}
CASES = [
    {},  # forfait 5 000 €, under 5 000 inhabitants
    {"Population": 12000},  # the other commune row: 10 000 €, more than asked
    {"Type de candidat": "Région", "Population": None, "Financement demandé (€)": 30000,
     "Coût global (€)": 30000},  # a row without bounds: no population needed
    {"Mesure": "3b", "Population": None},  # no forfait row: the request
    {"Type de candidat": PM},  # financing not said
    {"Type de candidat": PM, "Financée exclusivement par des collectivités": "Non", "Engagement décisionnel": None},
    {"Type de candidat": SP, "Population": None},  # structure pilote outside 3d
    {"Mesure": "3d", "Type de candidat": SP, "Population": None, "Coût global (€)": 90000,
     "Financement demandé (€)": 60000, "Part collectivités (€)": 45000},  # capped by the collectivités' share
    {"Projet de transformation numérique": "Non", "Date de fin prévue": date(2023, 3, 15)},
    {"Date de fin prévue": None, "Coût global (€)": 9000, "Financement demandé (€)": 12000.5},
    {"Coût global (€)": None, "Financement demandé (€)": None, "Engagement décisionnel": "Non",
     "Projet de transformation numérique": None},
    {"Population": 4999, "Coût global (€)": 4200.5, "Financement demandé (€)": 4300},  # bound included; cents
]


def _amount(text: str) -> Decimal | None:
    """« 8 000,50 € » (as LibreOffice shows it in French) -> 8000.50; None for an empty cell."""
    text = shown(text).replace(" ", "").replace("€", "")
    return None if text == "" else Decimal(text.replace(",", "."))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """A registry with one more simulator sheet per case (the registry's own keeps its example), cases typed."""
    path = tmp_path_factory.mktemp("simulateur") / "cas.xlsx"
    wb = build_workbook(parameters_for("63", "Puy-de-Dôme"))
    for i, changes in enumerate(CASES, start=1):
        ws = add_simulator_sheet(wb, f"Cas {i}")
        for label, value in {**BASE, **changes}.items():
            ws[INPUT_CELLS[label]] = value
    ws = add_simulator_sheet(wb, "Complément", addin=ADDIN_VBA)  # an add-in chosen where none is
    ws[INPUT_CELLS["Population"]] = 12000
    wb.save(path)
    return path


def test_the_sheet_computes_without_the_add_in_by_default(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb[SHEET][ADDIN_CELL].value == ADDIN_NONE
    formula = wb[SHEET][RESULT_CELLS["Forfait (€)"]].value
    assert formula.startswith(f'=IF($B$15="{ADDIN_NONE}",IFERROR(INDEX(Forfaits[Montant (€)],MATCH(1,INDEX(')
    assert all(len(wb[SHEET][ref].value) < 8192 for ref in RESULT_CELLS.values())  # Excel's formula limit


@needs_libreoffice
def test_libreoffice_computes_every_case_as_the_rules_do(workbook, tmp_path):
    profile = french_profile(tmp_path / "profil", recalc_on_load=True)  # as when a user types the case
    convert(profile, [workbook], CSV_AS_SHOWN, tmp_path / "csv", expect=len(CASES) + 2)
    result_rows = {int(ref[1:]) - 1: label for label, ref in RESULT_CELLS.items()}

    def results(sheet: str) -> dict[str, str]:
        with (tmp_path / "csv" / f"cas-{sheet}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        return {label: rows[r][1] for r, label in result_rows.items()}

    for i, changes in enumerate(CASES, start=1):
        got, want = results(f"Cas {i}"), simulate(workbook, f"Cas {i}")
        where = f"cas {i} : {changes}"
        assert _amount(got["Forfait (€)"]) == (None if want["Forfait (€)"] in (None, "") else
                                              Decimal(str(want["Forfait (€)"]))), where
        assert got["Éligible"] == want["Éligible"], where
        assert shown(got["Motifs"]) == shown(want["Motifs"]), where
        assert _amount(got["Montant proposé (€)"]) == Decimal(str(want["Montant proposé (€)"])), where
    kinds = {results(f"Cas {i}")["Éligible"] for i in range(1, len(CASES) + 1)}
    assert kinds == {"Oui", "Non"}
    assert results("Cas 1")["Motifs"] == NO_REASON
    assert "financement demandé (12 000,50 €) supérieur au coût global (9 000 €)" in shown(
        results("Cas 10")["Motifs"])
    assert re.search(r"fin prévue le 15/03/2023, après le 31/12/2022", results("Cas 9")["Motifs"])
    assert _amount(results(SHEET)["Forfait (€)"]) == 5000  # the registry's own, example case
    assert "#NAME" in results("Complément")["Forfait (€)"]  # the add-in chosen, none installed
