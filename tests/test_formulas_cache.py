"""FITN formulas written once per row, as classic xlwings (VBA UDFs, COM) calls them: each row a call with its own
cells and a fresh copy of each table (COM hands tuples of tuples). The tables are parsed once per recalculation
(`formulas.cache`), and the cells equal the column form's, errors included."""

from __future__ import annotations

import inspect
import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_addin_fixtures import function_arguments, parameter_ranges, sample_registry

from fitn_xl.core import parameters_for
from fitn_xl.formulas import cache
from fitn_xl.formulas import functions as f
from fitn_xl.formulas.functions import TABLE_ARGS

TABLE_FUNCTIONS = ("fitn_cout_eligible", "fitn_depenses_exclues", "fitn_part_hors_ue", "fitn_montant_propose",
                   "fitn_note")


def com(value):
    """A range as COM hands it to a classic UDF: a new tuple of tuples at each call."""
    return tuple(tuple(row) for row in value)


def spoiled_arguments(n: int = 120, seed: int = 11) -> dict[str, dict]:
    """The column-form arguments of a sample registry, with bad cells: a bad amount in Dépenses (spoils one
    dossier), a score off its scale and a bad score in Notation, a bad population, an empty N° dossier."""
    registry = sample_registry(n, seed=seed)
    args = function_arguments(registry)
    tables = parameter_ranges(registry)
    depenses, notation = tables["depenses"], tables["notation"]
    depenses[3][5] = "trois cents"
    notation[4][3] = 99
    notation[9][4] = "x"
    for values in args.values():
        for key in values:
            if key == "depenses":
                values[key] = depenses
            elif key == "notation":
                values[key] = notation
    args["fitn_montant_propose"]["population"][5][0] = "beaucoup"
    for name in ("fitn_depenses_exclues", "fitn_note"):
        args[name]["dossier"][8][0] = ""
    return args


def per_row(name: str, args: dict) -> list:
    """The cells of a calculated column: one call per row, as classic xlwings makes them."""
    fn = getattr(f, name)
    rows = len(next(v for k, v in args.items() if k not in TABLE_ARGS))
    out = []
    for i in range(rows):
        call = {k: (com(v) if k in TABLE_ARGS else v[i][0]) for k, v in args.items()}
        out.append(fn(**call))
    return out


def column(name: str, args: dict) -> list:
    return [row[0] for row in getattr(f, name)(**args)]


def table_kinds(name: str) -> int:
    return sum(1 for p in inspect.signature(getattr(f, name)).parameters if p in TABLE_ARGS)


@pytest.mark.parametrize("name", TABLE_FUNCTIONS)
def test_per_row_calls_parse_each_table_once_and_equal_the_column_form(name):
    args = spoiled_arguments()[name]
    cache.clear()
    before = cache.stats()
    rows = per_row(name, args)
    after = cache.stats()
    assert after["parsed"] - before["parsed"] == table_kinds(name)  # once per table, not once per row
    assert after["reused"] - before["reused"] == table_kinds(name) * (len(rows) - 1)
    assert rows == column(name, args)
    errors = [i for i, v in enumerate(rows) if isinstance(v, str) and v.startswith("Erreur : ")]
    assert errors and len(errors) < 6, (name, errors)  # the bad cells spoil their own rows only
    if name != "fitn_note":
        spoiled = next(v for v in rows if isinstance(v, str) and "trois cents" in v)
        assert spoiled.startswith("Erreur : tableau « Depenses », ligne 4, colonne « Montant (€) » : ")


def test_a_changed_table_is_parsed_again_and_types_are_told_apart():
    forfaits = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
                ["3a", "Commune", 0, 4999, 5000]]
    cache.clear()
    assert f.fitn_forfait("3a", "Commune", 100, com(forfaits)) == 5000
    assert f.fitn_forfait("3a", "Commune", 200, com(forfaits)) == 5000
    assert cache.stats()["entries"] == 1
    changed = [row[:] for row in forfaits]
    changed[1][4] = 6000
    assert f.fitn_forfait("3a", "Commune", 100, com(changed)) == 6000
    as_text = [row[:] for row in forfaits]
    as_text[1][4] = "5000"  # equal as Excel shows it, not as a cell value: its own entry
    as_float = [row[:] for row in forfaits]
    as_float[1][4] = 5000.0
    f.fitn_forfait("3a", "Commune", 100, com(as_text))
    f.fitn_forfait("3a", "Commune", 100, com(as_float))
    assert cache.stats()["entries"] == 4


def test_a_bad_table_gives_the_same_error_on_every_row_parsed_once():
    bad = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
           ["3a", "Commune", 5000, 100, 5000]]
    cache.clear()
    cells = [f.fitn_forfait("3a", "Commune", p, com(bad)) for p in (100, 6000, "abc")]
    assert cells == ["Erreur : tableau « Forfaits », ligne 2, colonne « Population max » : inférieure à la "
                     "population min"] * 3
    assert cache.stats()["entries"] == 1
    assert f.fitn_forfait([["3a"], ["3a"]], [["Commune"], ["Commune"]], [[100], [6000]], bad) == cells[0]


def test_a_new_recalculation_forgets_the_tables_and_the_cache_is_bounded(monkeypatch):
    class Clock:
        now = 1000.0

        @classmethod
        def monotonic(cls):
            return cls.now

    monkeypatch.setattr(cache, "time", Clock)
    cache.clear()
    exclusions = [["Catégorie exclue"], ["Formation"]]
    depenses = [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur", "Montant (€)"],
                ["D1", "x", "Formation", "F", "", 100]]
    assert f.fitn_depenses_exclues("D1", com(depenses), com(exclusions)) == 100
    assert cache.stats()["entries"] == 2
    Clock.now += cache.RECALC_GAP / 2  # the same recalculation
    f.fitn_depenses_exclues("D1", com(depenses), com(exclusions))
    assert cache.stats()["entries"] == 2
    Clock.now += cache.RECALC_GAP + 0.1  # no call for a while: the next call starts a new recalculation
    f.fitn_forfait("3a", "Commune", 100, None)  # no table: nothing looked up
    assert cache.stats()["entries"] == 2
    parsed = cache.stats()["parsed"]
    f.fitn_depenses_exclues("D1", com(depenses), com(exclusions))
    assert cache.stats()["entries"] == 2 and cache.stats()["parsed"] == parsed + 2
    for amount in range(cache.MAX_ENTRIES + 5):
        depenses[1][5] = amount
        assert f.fitn_depenses_exclues("D1", com(depenses), com(exclusions)) == amount
    assert cache.stats()["entries"] == cache.MAX_ENTRIES


def _grid_range():
    params = parameters_for("63")
    return [["Mesure", "N°", "Critère", "Pondération", "Note maximale"]] + [
        [c.measure, c.number, c.name, c.weight, c.max_score] for c in params.grid]


def test_a_dossier_number_under_two_measures_is_scored_on_each_rows_own_grid():
    """A row's score depends on its own measure only (the column form used to check the Notation rows of a
    dossier against the grid of its first row's measure), so per row and column agree."""
    notation = [["N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3",
                 "Critère 4", "Critère 5"],
                ["A", "Alice", "Non", 5, 5, 5, 5, 5]]
    grid = _grid_range()
    dossiers, measures = [["A"], ["A"]], [["3a"], ["3c"]]
    got = f.fitn_note(dossiers, measures, notation, grid)
    assert got == [[f.fitn_note("A", "3a", com(notation), com(grid))], [f.fitn_note("A", "3c", com(notation),
                                                                                    com(grid))]]
    assert got[0][0].startswith("Erreur : tableau « Notation », ligne 2, colonne « Critère 4 » : la grille de ce "
                                "dossier n'a pas de critère 4")  # 3a has three criteria
    assert got[1][0] == 20


CELLS = st.sampled_from(["3a", "3b", "3c", "3d", "3z", "", None, "Commune", "Département", 0, 1, 2.5, 4, 5, 6, -1,
                         "abc", "Non", "Oui", True, date(2022, 5, 1), "01/02/2022", 12000, "D1", "D2", "D3"])


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_per_row_equals_column_whatever_the_cells(data):
    """Random tables and rows (bad cells, duplicates, empty cells): one call per row gives the column form's
    cells, for every function taking a table."""
    rnd = random.Random(data.draw(st.integers(0, 10**6)))
    n = data.draw(st.integers(1, 8))
    dossiers = [[data.draw(st.sampled_from(["D1", "D2", "D3", "", None, 7]))] for _ in range(n)]
    measures = [[data.draw(st.sampled_from(["3a", "3b", "3c", "3d", "3z", ""]))] for _ in range(n)]
    costs = [[data.draw(CELLS)] for _ in range(n)]
    depenses = [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur",
                 "Montant (€)"]]
    for _ in range(data.draw(st.integers(0, 6))):
        depenses.append([rnd.choice(["D1", "D2", "D3", ""]), "l", rnd.choice(
            ["Formation", "Licence ou abonnement logiciel", "Équipement informatique pour les agents", "?"]),
                         "F", rnd.choice(["FR", "US", "", "Mars"]), rnd.choice([100, 250.5, "abc", None, -5])])
    notation = [["N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3",
                 "Critère 4", "Critère 5"]]
    for _ in range(data.draw(st.integers(0, 6))):
        notation.append([rnd.choice(["D1", "D2", "D3", ""]), rnd.choice(["Alice", "Bruno"]),
                         rnd.choice(["Non", "Oui", "", "peut-être"])] +
                        [rnd.choice([0, 3, 5, 7, None, "x"]) for _ in range(5)])
    grid = _grid_range()
    exclusions = [["Catégorie exclue"], [rnd.choice(["Formation", "Équipement informatique pour les agents"])]]
    cases = {
        "fitn_depenses_exclues": dict(dossier=dossiers, depenses=depenses, exclusions=exclusions),
        "fitn_cout_eligible": dict(dossier=dossiers, cout_global=costs, depenses=depenses, exclusions=exclusions),
        "fitn_part_hors_ue": dict(dossier=dossiers, cout_global=costs, depenses=depenses),
        "fitn_note": dict(dossier=dossiers, mesure=measures, notation=notation, grille=grid),
    }
    for name, args in cases.items():
        got = getattr(f, name)(**args)
        col = [row[0] for row in got] if isinstance(got, list) else [got] * n
        assert per_row(name, args) == col, name
