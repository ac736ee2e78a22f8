"""The add-in's column path (whole columns parsed at once, objects built a field at a time, repeated rows computed
once) gives exactly what one call per cell gives, errors included."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest
from test_addin_fixtures import function_arguments, parameter_ranges, sample_registry

from fitn_xl import schema
from fitn_xl.core.model import Application, Expense
from fitn_xl.formulas import functions as f
from fitn_xl.formulas import ranges

FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
            ["3a", "Commune", 0, 4999, 5000],
            ["3a", "Commune", 5000, None, 10000],
            ["3b", "Département", None, None, 20000]]
HEADER = [c.header for c in schema.EXPENSES.columns]


def test_instances_equal_the_dataclass_built_row_by_row():
    apps = ranges.instances(Application, {"measure": ["3a", "3d"], "population": [12, None],
                                          "requested": [Decimal("10.50"), Decimal(0)]}, 2, {"dossier_id": ""})
    assert apps == [Application("", measure="3a", population=12, requested=Decimal("10.50")),
                    Application("", measure="3d", requested=Decimal(0))]
    assert hash(apps[0]) == hash(Application("", measure="3a", population=12, requested=Decimal("10.50")))
    with pytest.raises(AttributeError):  # still frozen
        apps[0].measure = "3b"
    lines = ranges.instances(Expense, {"dossier_id": ["D1"], "amount": [Decimal(3)]}, 1)
    assert lines == [Expense("D1", amount=Decimal(3))]
    assert [getattr(lines[0], fl.name) for fl in fields(Expense)] == ["D1", "", "", "", "", Decimal(3)]
    with pytest.raises(TypeError):  # dossier_id has no default
        ranges.instances(Expense, {"amount": [Decimal(3)]}, 1)


def _cells(rnd: random.Random, n: int, choices) -> list[list]:
    return [[rnd.choice(choices)] for _ in range(n)]


def test_repeated_rows_with_bad_and_rich_cells_give_what_one_call_per_cell_gives():
    rnd = random.Random(4)
    n = 80
    measures = _cells(rnd, n, ("3a", "3A", "3b", "3z", "", {"type": "Error", "basicValue": "#N/A"}))
    types = _cells(rnd, n, ("Commune", "commune", "Département", "Région", "inconnu"))
    populations = _cells(rnd, n, (100, 100.0, "4 999", 5000, "abc", -3, None,
                                  {"type": "Double", "basicValue": 6000}))
    got = f.fitn_forfait(measures, types, populations, FORFAITS)
    expected = [[f.fitn_forfait(m[0], t[0], p[0], FORFAITS)] for m, t, p in zip(measures, types, populations,
                                                                                strict=True)]
    assert got == expected
    shown = {row[0] for row in got}
    assert {5000, 10000, 20000, ""} <= shown
    assert any(str(v).startswith("Erreur : Mesure : ") for v in shown)
    assert any(str(v).startswith("Erreur : Population : ") for v in shown)
    assert any(str(v).startswith("Erreur : Type de candidat : ") for v in shown)
    # a rich value is read as its basic value, an error cell as the error it is (never as an empty cell)
    assert f.fitn_forfait("3a", "Commune", {"type": "Double", "basicValue": 6000}, FORFAITS) == 10000
    assert f.fitn_forfait({"type": "Error"}, "Commune", 1, FORFAITS).startswith("Erreur : Mesure : « #N/A » : ")
    ref = {"type": "Error", "basicValue": "#REF!", "errorType": "Ref"}
    assert f.fitn_forfait("3a", "Commune", ref, FORFAITS).startswith("Erreur : Population : « #REF! » : valeur")


def test_rows_are_grouped_only_when_they_repeat():
    few, _ = f._parse_arguments({"mesure": ["3a", "3b", "3a", "3a"] * 5, "population": [1, 2, 1, 1] * 5})
    distinct, back = f._distinct_rows(few)
    assert distinct == {"measure": ["3a", "3b"], "population": [1, 2]}
    assert back == [0, 1, 0, 0] * 5
    many, _ = f._parse_arguments({"dossier": [f"D{i}" for i in range(20)], "mesure": ["3a"] * 20})
    assert f._distinct_rows(many) is None


# (not FITN.NOTE: there one bad Mesure cell leaves the whole column without grid, unlike a one-row call)
@pytest.mark.parametrize("name", ["fitn_montant_propose", "fitn_cout_eligible", "fitn_part_hors_ue", "fitn_motifs"])
def test_columns_with_bad_cells_give_what_one_call_per_cell_gives(name):
    registry = sample_registry(40, seed=21)
    args = function_arguments(registry)[name]
    tables = set(parameter_ranges(registry))
    rnd = random.Random(name)
    for key, value in args.items():  # spoil a few input cells of each column
        if key not in tables:
            for i in rnd.sample(range(len(value)), 3):
                value[i] = [rnd.choice(("abc", "31/02/2022", "3z", -5, "peut-être"))]
    got = getattr(f, name)(**args)
    errors = [row[0] for row in got if str(row[0]).startswith("Erreur : ")]
    assert 3 <= len(errors) < len(got)
    for i in range(len(got)):
        one = {k: (v if k in tables else v[i][0]) for k, v in args.items()}
        assert getattr(f, name)(**one) == got[i][0]


def test_expense_table_errors_name_their_row_and_spoil_their_dossier_only():
    expenses = [HEADER,
                ["D1", "PC", "Équipement informatique pour les agents", "", "", 1000],
                [None, None, None, None, None, None],  # an empty row: skipped, still counted
                ["D2", "Conseil", "Formation", "", "", "mille"],
                ["D2", "Licence", "Licence ou abonnement logiciel", "Éditeur", "Allemagne", 500],
                ["", "Orpheline", "Formation", "", "", 300],
                ["D3", "Licence", "Licence ou abonnement logiciel", "Éditeur", "États-Unis", 400]]
    lines, errors = ranges.expenses_by_dossier(expenses)
    assert errors == {
        "D2": "tableau « Depenses », ligne 4, colonne « Montant (€) » : « mille » n'est pas un montant",
        "": "tableau « Depenses », ligne 6, colonne « N° dossier » : valeur obligatoire manquante",
    }
    assert lines["D1"] == [Expense("D1", "PC", "Équipement informatique pour les agents", "", "", Decimal(1000))]
    assert lines["D2"] == [Expense("D2", "Licence", "Licence ou abonnement logiciel", "Éditeur", "DE",
                                   Decimal(500))]
    assert [e.publisher_country for e in lines["D3"]] == ["US"]
    got = f.fitn_cout_eligible([["D1"], ["D2"], ["D3"]], [[5000], [5000], [5000]], expenses)
    assert got[0] == [0] and got[2] == [400]
    assert got[1][0] == "Erreur : " + errors["D2"]


def test_expense_table_without_header_and_with_ragged_rows():
    # without a header row the columns follow the contract's order; a short row's missing cells are empty
    rows = [["D1", "Conseil", "Formation", "", "", 700],
            ["D1", "Licence", "Licence ou abonnement logiciel", "Éditeur"]]
    lines, errors = ranges.expenses_by_dossier(rows)
    assert [e.amount for e in lines["D1"]] == [Decimal(700)]
    assert errors == {"D1": "tableau « Depenses », ligne 2, colonne « Montant (€) » : valeur obligatoire "
                            "manquante"}
    # an Office.js rich value in the table (unhashable): read as its basic value, empty rows still skipped
    rich = [HEADER, [{"type": "String", "basicValue": "D9"}, "Conseil", "Formation", "", "", 250],
            ["", None, "  ", None, None, None], ["D9", "Formation", "Formation", "", "", 50]]
    lines, errors = ranges.expenses_by_dossier(rich)
    assert errors == {} and [e.amount for e in lines["D9"]] == [Decimal(250), Decimal(50)]
    assert ranges.raw_columns(rich, schema.EXPENSES)[0] == [2, 4]
    # four columns only (no « Montant »): no line counts, and a licence still needs its country
    lines, errors = ranges.expenses_by_dossier([["D1", "Licence", "Licence ou abonnement logiciel", "Éditeur"]])
    assert lines == {}
    assert errors == {"D1": "tableau « Depenses », ligne 1, colonne « Pays de l'éditeur » : obligatoire pour "
                            "une licence"}


def test_parameter_table_reports_its_first_bad_row():
    bad = [row[:] for row in FORFAITS] + [["3c", "Commune", None, None, "x"]]
    bad[3][1] = "Personne"
    assert f.fitn_forfait("3a", "Commune", 100, bad).startswith(
        "Erreur : tableau « Forfaits », ligne 4, colonne « Type de candidat » : « Personne » n'est pas une valeur")
    rows = ranges.table_records([FORFAITS[0], [None] * 5, FORFAITS[1]], schema.FORFAITS)
    assert rows == [(3, {"measure": "3a", "applicant_type": "Commune", "population_min": 0,
                         "population_max": 4999, "amount": Decimal(5000)})]


def test_dates_as_serial_numbers_or_text_read_alike():
    case = ("3c", "Commune", None, "Oui", "Oui")
    assert f.fitn_motifs([[case[0]]] * 2, "Commune", None, "Oui", "Oui", [[45000], ["15/03/2023"]], 10000, 8000) \
        == [["Échéance : fin prévue le 15/03/2023, après le 31/12/2022"]] * 2
    assert date(1899, 12, 30).toordinal() + 45000 == date(2023, 3, 15).toordinal()
    assert f.fitn_eligible(*case, "30/06/2022", 10000, 8000) == "Oui"


def test_a_remembered_error_does_not_keep_its_call_alive():
    import gc
    import weakref

    class Column(list):  # a list that can be watched
        pass

    populations = Column([[f"pas un nombre {id(Column)}"]] + [[i] for i in range(50)])
    watch = weakref.ref(populations)
    got = f.fitn_forfait("3a", "Commune", populations, FORFAITS)
    assert got[0][0].startswith("Erreur : Population : ")
    del populations, got
    gc.collect()
    assert watch() is None
