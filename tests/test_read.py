"""The registry reader on real files: every kind of SPEC §5 error is reported with sheet, row and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from conftest import edit_cells, header_column
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitn_xl import schema
from fitn_xl.workbook.read import RegistryError, load_registry

C, E, N = schema.SHEET_APPLICATIONS, schema.SHEET_EXPENSES, schema.SHEET_SCORES


def messages(path) -> list[str]:
    return [str(i) for i in load_registry(path).issues]


def test_clean_registry_reads_back_what_was_built(registry_file, registry_data):
    loaded = load_registry(registry_file)
    assert loaded.issues == []
    assert loaded.registry.applications == registry_data.applications
    assert loaded.registry.expenses == registry_data.expenses
    assert loaded.registry.providers == registry_data.providers
    assert loaded.registry.reports == registry_data.reports
    assert [s.criteria[:3] for s in loaded.registry.scores] == [s.criteria[:3] for s in registry_data.scores]
    p = loaded.registry.parameters
    assert (p.department, p.department_name, p.reference_date) == ("63", "Puy-de-Dôme", date(2021, 12, 31))
    assert p.forfaits == registry_data.parameters.forfaits
    assert p.excluded_categories == registry_data.parameters.excluded_categories
    assert loaded.application_rows == {f"63-00{i}": i + 1 for i in range(1, 6)}


@pytest.mark.parametrize(
    "sheet, row, header, value, expected",
    [
        (C, 2, "Population", "abc", "Feuille « Candidatures », ligne 2, colonne « Population » : « abc » n'est pas un "
                                    "nombre"),
        (C, 3, "Date de fin prévue", "31/02/2022", "Feuille « Candidatures », ligne 3, colonne « Date de fin prévue » "
                                                   ": « 31/02/2022 » n'est pas une date valide"),
        (C, 4, "Coût global (€)", -5, "Feuille « Candidatures », ligne 4, colonne « Coût global (€) » : « -5 » : un "
                                      "montant ne peut pas être négatif"),
        (C, 5, "Statut", "Gagné", "Feuille « Candidatures », ligne 5, colonne « Statut » : « Gagné » n'est pas une "
                                  "valeur de la liste"),
        (E, 2, "Catégorie", "Voyage", "Feuille « Dépenses », ligne 2, colonne « Catégorie » : « Voyage » n'est pas "
                                      "une valeur de la liste"),
        (E, 3, schema.DOSSIER_ID, "63-999", "Feuille « Dépenses », ligne 3, colonne « N° dossier » : « 63-999 » est "
                                            "inconnu"),
        (E, 4, "Pays de l'éditeur", "", "Feuille « Dépenses », ligne 4, colonne « Pays de l'éditeur » : "
                                          "obligatoire pour une licence"),
        (N, 2, "Critère 1", 7, "Feuille « Notation », ligne 2, colonne « Critère 1 » : 7 hors de l'échelle du "
                               "critère « Impact du projet » (0 à 5"),
    ],
)
def test_each_kind_of_error_names_sheet_row_and_column(registry_file, sheet, row, header, value, expected):
    edit_cells(registry_file, sheet, {(row, header): value})
    found = messages(registry_file)
    assert any(m.startswith(expected) for m in found), found


def test_duplicated_dossier_is_an_error(registry_file):
    edit_cells(registry_file, C, {(3, schema.DOSSIER_ID): "63-001"})
    found = messages(registry_file)
    expected = "Feuille « Candidatures », ligne 3, colonne « N° dossier » : « 63-001 » est en double (déjà ligne 2)"
    assert expected in found


def test_text_dates_and_french_amounts_are_understood(registry_file):
    edit_cells(registry_file, C, {(2, "Date de fin prévue"): "31/12/2022", (2, "Coût global (€)"): "10 000 €",
                                  (2, "Financement demandé (€)"): "10000,50"})
    loaded = load_registry(registry_file)
    app = loaded.registry.applications[0]
    assert loaded.issues == []
    assert app.planned_end == date(2022, 12, 31)
    assert app.total_cost == Decimal("10000")
    assert app.requested == Decimal("10000.50")


def test_a_dossier_with_errors_does_not_stop_the_others(registry_file):
    edit_cells(registry_file, C, {(2, "Population"): "beaucoup", (4, "Date de réception"): "32/01/2021"})
    loaded = load_registry(registry_file)
    assert loaded.dossiers_with_errors == {"63-001", "63-003"}
    assert [a.dossier_id for a in loaded.valid_dossiers()] == ["63-002", "63-004", "63-005"]
    assert not loaded.blocking
    assert len(loaded.registry.applications) == 5  # kept, with the bad cell empty


def test_parameter_error_is_blocking(registry_file):
    edit_cells(registry_file, schema.SHEET_PARAMETERS, {(6, "Valeur"): "beaucoup"})
    loaded = load_registry(registry_file)
    assert loaded.blocking
    assert any(i.sheet == schema.SHEET_PARAMETERS and i.row == 6 and i.column == "Valeur" for i in loaded.issues)


def test_rows_typed_below_a_table_are_read(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[E]
    assert ws.tables["Depenses"].ref.endswith("5")
    ws.cell(7, 1, "63-004")  # a blank row then a new line below the table
    ws.cell(7, 2, "Formation des agents")
    ws.cell(7, 3, "Formation")
    ws.cell(7, header_column(ws, "Montant (€)"), "1 500")
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    assert loaded.issues == []
    assert loaded.registry.expenses[-1].amount == Decimal(1500)
    assert loaded.last_rows["Depenses"] == 7


def test_not_a_registry(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("pas un classeur")
    with pytest.raises(RegistryError, match="n'est pas un classeur Excel"):
        load_registry(bad)
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "autre.xlsx")
    with pytest.raises(RegistryError, match="absente du classeur"):
        load_registry(tmp_path / "autre.xlsx")


# --- the reader never raises on what an agent can type ---------------------------------------------------------

_cell_values = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(), st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)),
    st.sampled_from(["10 000 €", "1.234,56", "31/02/2022", "oui", "NON", "3A", "Hors France", "2a", "#N/A", "=1+1",
                     "-", "%", "12 %", "1e400", "nan", " "]),
)
_targets = [(t.sheet, c.header) for t in schema.INPUT_TABLES for c in t.columns]


@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    from conftest import sample_registry

    from fitn_xl.book.build import build_registry

    reg = sample_registry()
    path = tmp_path_factory.mktemp("fuzz") / "base.xlsx"
    build_registry(path, reg.parameters, reg)
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(_targets), st.integers(2, 7), _cell_values), min_size=1,
                      max_size=12))
def test_reader_never_raises_on_arbitrary_cells(base_file, tmp_path_factory, edits):
    wb = openpyxl.load_workbook(base_file)
    for (sheet, header), row, value in edits:
        ws = wb[sheet]
        ws.cell(row, header_column(ws, header), value)
    path = tmp_path_factory.mktemp("ex") / "fuzz.xlsx"
    wb.save(path)
    loaded = load_registry(path)  # must not raise
    for issue in loaded.issues:
        assert issue.sheet in {t.sheet for t in schema.INPUT_TABLES} | {schema.SHEET_PARAMETERS}
        assert str(issue).startswith(f"Feuille « {issue.sheet} »")


def test_huge_number_in_a_date_cell_is_an_issue_not_a_crash(registry_file):
    # calamine panics converting such a date cell; the reader falls back to raw values
    edit_cells(registry_file, C, {(2, "Date de réception"): 10**12})
    loaded = load_registry(registry_file)
    assert [(i.row, i.column) for i in loaded.issues] == [(2, "Date de réception")]
    assert "n'est pas une date" in loaded.issues[0].message
    assert loaded.registry.applications[1].received_on == date(2021, 3, 15)  # other rows still read as dates


def test_rows_of_each_record_are_known(registry_file):
    edit_cells(registry_file, N, {(3, schema.DOSSIER_ID): "99-999"})  # unknown dossier: no Score kept
    edit_cells(registry_file, E, {(2, "Montant (€)"): " "})  # no amount: no Expense kept
    edit_cells(registry_file, N, {(7, schema.DOSSIER_ID): "63-002", (7, "Évaluateur"): "D. Nouveau"})  # below
    loaded = load_registry(registry_file)
    reg, rows = loaded.registry, loaded.rows
    assert rows[schema.SCORES.name] == [2, 4, 5, 7]
    assert [s.evaluator for s in reg.scores] == ["A. Dupont", "A. Dupont", "C. Conflit", "D. Nouveau"]
    assert rows[schema.EXPENSES.name] == [3, 4, 5]
    assert rows[schema.APPLICATIONS.name] == [loaded.application_rows[a.dossier_id] for a in reg.applications]
    for table, records in ((schema.PROVIDERS, reg.providers), (schema.REPORTS, reg.reports)):
        assert rows[table.name] == list(range(2, 2 + len(records)))


def test_only_parameters_and_structure_block(registry_file):
    edit_cells(registry_file, E, {(2, schema.DOSSIER_ID): "99-999"})  # unknown dossier
    edit_cells(registry_file, schema.SHEET_PROVIDERS, {(2, schema.DOSSIER_ID): " "})  # missing dossier
    edit_cells(registry_file, C, {(7, schema.DOSSIER_ID): "63-004", (7, "Collectivité"): "Doublon"})  # duplicated
    loaded = load_registry(registry_file)
    by_place = {(i.sheet, i.row): i for i in loaded.issues}
    assert set(by_place) == {(E, 2), (schema.SHEET_PROVIDERS, 2), (C, 7)}
    assert all(i.dossier_id is None and not i.blocking for i in loaded.issues)
    assert not loaded.blocking  # reported (check), but every other dossier goes through
    assert by_place[(E, 2)].as_dict()["blocking"] is False
    # a parameter, a grid row, a missing column: blocking
    edit_cells(registry_file, schema.SHEET_PARAMETERS, {(6, "Valeur"): "beaucoup"})
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_REPORTS]
    ws.cell(1, header_column(ws, "État")).value = "Etat"
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    blocking = {(i.sheet, i.row, i.column) for i in loaded.issues if i.blocking}
    assert blocking == {(schema.SHEET_PARAMETERS, 6, "Valeur"), (schema.SHEET_REPORTS, 1, "État")}
    assert loaded.blocking


def test_a_bad_cell_reads_as_its_field_default_and_the_rest_of_the_row_is_kept(registry_file, registry_data):
    P = schema.SHEET_PROVIDERS
    edit_cells(registry_file, P, {(2, "Raison sociale"): " ", (2, "Montant commandé (€)"): "beaucoup"})
    loaded = load_registry(registry_file)
    assert [(i.sheet, i.row, i.column) for i in loaded.issues] == [(P, 2, "Raison sociale"),
                                                                     (P, 2, "Montant commandé (€)")]
    first, expected = loaded.registry.providers[0], registry_data.providers[0]
    assert (first.name, first.amount) == ("", None)  # text defaults to '', an amount to None
    assert (first.dossier_id, first.siret, first.department) == (expected.dossier_id, expected.siret,
                                                                 expected.department)
    assert loaded.registry.providers[1:] == registry_data.providers[1:]
    assert loaded.dossiers_with_errors == {expected.dossier_id}
