"""The add-in's cell functions as plain Python (xlwings decorators are pass-throughs here): same results as the
rules core, one row or whole columns, French error texts in the cell."""

from __future__ import annotations

import functools

import pytest
from test_addin_fixtures import expected_columns, function_arguments, parameter_ranges, sample_registry

from fitn_xl.core import parameters_for
from fitn_xl.formulas import functions as f

FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
            ["3a", "Commune", 0, 4999, 5000],
            ["3a", "Commune", 5000, None, 10000],
            ["3a", "Région", None, None, 20000]]


@pytest.fixture(scope="module")
def registry():
    return sample_registry(120, seed=11)


@pytest.mark.parametrize("name", [fn.__name__ for fn in f.FUNCTIONS])
def test_whole_columns_equal_the_core(registry, name):
    got = getattr(f, name)(**function_arguments(registry)[name])
    expected = expected_columns(registry)[name]
    assert got == [[v] for v in expected]
    assert len(set(map(str, expected))) > 1, "the sample must exercise more than one outcome"


@pytest.mark.parametrize("name", [fn.__name__ for fn in f.FUNCTIONS])
def test_one_row_at_a_time_equals_the_core(registry, name):
    args = function_arguments(registry)[name]
    expected = expected_columns(registry)[name]
    tables = set(parameter_ranges(registry))
    for i in range(0, len(expected), 17):
        one = {k: (v if k in tables else v[i][0]) for k, v in args.items()}
        assert getattr(f, name)(**one) == expected[i]


def test_forfaits_of_the_fiche():
    assert f.fitn_forfait("3a", "Commune", 4999, FORFAITS) == 5000
    assert f.fitn_forfait("3a", "commune", "5 000", FORFAITS) == 10000
    assert f.fitn_forfait("3a", "Région", None, FORFAITS) == 20000
    assert f.fitn_forfait("3b", "Commune", 100, FORFAITS) == ""
    # the table without its header row, columns in the contract's order
    assert f.fitn_forfait("3a", "Commune", 100, FORFAITS[1:]) == 5000


def test_bad_input_gives_a_french_text_in_its_own_cell_only():
    got = f.fitn_forfait([["3a"], ["3a"], ["3a"]], "Commune", [[100], ["abc"], [-3]], FORFAITS)
    assert got[0] == [5000]
    assert got[1] == ["Erreur : Population : « abc » n'est pas un nombre"]
    assert got[2][0].startswith("Erreur : Population : ") and "négatif" in got[2][0]
    assert f.fitn_forfait("3z", "Commune", 1, FORFAITS).startswith("Erreur : Mesure : « 3z » n'est pas une valeur")


def test_bad_parameter_table_is_named_with_row_and_column():
    bad = [row[:] for row in FORFAITS]
    bad[2][4] = "dix mille"
    assert f.fitn_forfait("3a", "Commune", 100, bad) == (
        "Erreur : tableau « Forfaits », ligne 3, colonne « Montant (€) » : « dix mille » n'est pas un montant")


def test_ranges_of_different_sizes_are_refused():
    got = f.fitn_forfait([["3a"], ["3a"]], [["Commune"], ["Commune"], ["Région"]], 1, FORFAITS)
    assert got.startswith("Erreur : les plages n'ont pas la même taille")


def test_a_row_of_inputs_spills_as_a_row():
    assert f.fitn_forfait([["3a", "3a", "3b"]], "Commune", [[100, 6000, 1]], FORFAITS) == [[5000, 10000, ""]]


def test_eligibility_and_reasons_follow_the_deadline_parameter():
    case = ("3c", "Commune", None, "Oui", "oui", "15/03/2023", "10 000 €", 8000)
    assert f.fitn_eligible(*case) == "Non"
    assert f.fitn_motifs(*case) == "Échéance : fin prévue le 15/03/2023, après le 31/12/2022"
    table = [["Paramètre", "Valeur"], ["Échéance des résultats", "30/06/2023"]]
    assert f.fitn_eligible(*case, table) == "Oui"
    assert f.fitn_motifs(*case, "30/06/2023") == ""
    assert f.fitn_eligible(*case, "31/02/2023").startswith("Erreur : Échéance des résultats : ")


def test_proposed_amount_caps_and_zero_when_ineligible():
    base = dict(mesure="3a", type_candidat="Commune", population=3000, financee_collectivites=None,
                engagement="Oui", transformation="Oui", date_fin="30/06/2022", cout_global=12000, demande=8000,
                part_collectivites=None, forfaits=FORFAITS)
    assert f.fitn_montant_propose(**base) == 5000  # forfait
    assert f.fitn_montant_propose(**{**base, "population": 9000, "demande": 7000}) == 7000  # requested
    assert f.fitn_montant_propose(**{**base, "engagement": "Non"}) == 0
    lab = {**base, "mesure": "3d", "type_candidat": "Commune", "demande": 9000, "part_collectivites": 4000}
    assert f.fitn_montant_propose(**lab) == 4000  # 3d: the collectivités' share
    expenses = [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur", "Montant (€)"],
                ["D1", "PC", "Équipement informatique pour les agents", "", "", 10000],
                ["D1", "Conseil", "Prestation d'accompagnement ou de conseil", "", "", 2000]]
    capped = {**base, "population": 9000, "dossier": "D1", "depenses": expenses}
    assert f.fitn_montant_propose(**capped) == 2000  # eligible cost = 12 000 − 10 000 excluded


def test_spending_functions_report_a_bad_expense_line_for_its_dossier_only():
    expenses = [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur", "Montant (€)"],
                ["D1", "Licence", "Licence ou abonnement logiciel", "Éditeur", "", 1000],
                ["D2", "Licence", "Licence ou abonnement logiciel", "Éditeur", "États-Unis", 1000],
                ["D2", "Formation", "Formation", "", "", 3000]]
    got = f.fitn_part_hors_ue([["D1"], ["D2"]], [[1000], [4000]], expenses)
    assert got[0][0] == ("Erreur : tableau « Depenses », ligne 2, colonne « Pays de l'éditeur » : "
                         "obligatoire pour une licence")
    assert got[1] == [0.25]


def test_score_uses_the_grid_passed_and_skips_conflicts():
    params = parameters_for("63")
    grid = [["Mesure", "N°", "Critère", "Pondération", "Note maximale"]] + [
        [c.measure, c.number, c.name, 2 if c.number == 1 else 1, 5] for c in params.grid]
    notation = [["N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3"],
                ["A", "Alice", "Non", 5, 0, 0],
                ["A", "Bruno", "Oui", 0, 0, 0]]
    # (2·5/5 + 0 + 0) / 4 × 20 = 10; Bruno's row is left out (conflict of interest)
    assert f.fitn_note("A", "3a", notation, grid) == 10
    assert f.fitn_note("B", "3a", notation, grid) == ""


def test_a_bad_measure_cell_spoils_its_own_row_only_in_a_score_column():
    params = parameters_for("63")
    grid = [["Mesure", "N°", "Critère", "Pondération", "Note maximale"]] + [
        [c.measure, c.number, c.name, c.weight, c.max_score] for c in params.grid]
    notation = [["N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3"],
                ["A", "Alice", "Non", 5, 5, 5],
                ["B", "Alice", "Non", 0, 0, 0]]
    got = f.fitn_note([["A"], ["B"]], [["3a"], ["3z"]], notation, grid)
    assert got[0] == [20]
    assert got[1][0].startswith("Erreur : Mesure : ") and "3z" in got[1][0]


def test_every_function_is_documented_in_french():
    for fn in f.FUNCTIONS:
        assert fn.__doc__ and "€" in f.DOC["forfaits"]
        assert any(word in fn.__doc__ for word in ("dossier", "Forfait", "Montant", "Part", "Motifs", "Coût"))


@functools.cache
def server_functions() -> list[dict]:
    """`custom_functions_meta(functions)["functions"]` as xlwings Server builds it, from a fresh interpreter
    (XLWINGS_ON_SERVER must be set before xlwings is first imported)."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json, xlwings.server as s; from fitn_xl.formulas import functions as f; "
            "print(json.dumps(s.custom_functions_meta(f)['functions']))")
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         timeout=120)
    return json.loads(out.stdout)


def _has_default(fn) -> dict[str, bool]:
    import inspect

    return {name: p.default is not inspect.Parameter.empty for name, p in inspect.signature(fn).parameters.items()}


def test_facultatif_in_the_server_docs_exactly_for_optional_arguments():
    meta = {fn["id"]: fn for fn in server_functions()}
    assert set(meta) == {fn.__name__.upper() for fn in f.FUNCTIONS}
    for fn in f.FUNCTIONS:
        optional = _has_default(fn)
        params = meta[fn.__name__.upper()]["parameters"]
        assert [p["name"] for p in params] == list(optional)
        for p in params:
            where = f"{fn.__name__}({p['name']})"
            assert (f.OPTIONAL_WORD in p["description"]) == optional[p["name"]], where
            assert p.get("optional", False) == optional[p["name"]], where
            assert p["description"].startswith(f.DOC[p["name"]]), where
    # the review's case: Depenses is required by DEPENSES_EXCLUES and PART_HORS_UE, optional elsewhere
    by_name = {(fn["name"], p["name"]): p["description"] for fn in meta.values() for p in fn["parameters"]}
    assert f.OPTIONAL_WORD not in by_name["DEPENSES_EXCLUES", "depenses"]
    assert f.OPTIONAL_WORD not in by_name["PART_HORS_UE", "depenses"]
    assert f.OPTIONAL_WORD in by_name["COUT_ELIGIBLE", "depenses"]
    assert f.OPTIONAL_WORD in by_name["MONTANT_PROPOSE", "depenses"]


def test_argument_docs_follow_the_signatures():
    assert not any(f.OPTIONAL_WORD in text for text in f.DOC.values())  # only argument_doc adds it
    for fn in f.FUNCTIONS:
        for name, optional in _has_default(fn).items():
            text = f.argument_doc(name, optional)
            assert (f.OPTIONAL_WORD in text) == optional, (fn.__name__, name)


def test_wizard_texts_fit_excel_macrooptions_limit():
    # classic xlwings passes these texts to Application.MacroOptions, which cuts them at 255 characters
    for fn in server_functions():
        assert len(fn["description"]) <= 255, fn["name"]
        for p in fn["parameters"]:
            assert len(p["description"]) <= 255, (fn["name"], p["name"])
