"""`fitn_xl.frames(path)`: the registry as pandas DataFrames for analysts, and the consolidation built on frames of
several départements (their registries or their DITP lists)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from conftest import edit_cells, sample_registry
from openpyxl import load_workbook
from test_ditp_support import app, make_registry

import fitn_xl
from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.ditp import build_monthly_list
from fitn_xl.schema import Kind

DTYPES = {Kind.AMOUNT: "float64", Kind.NUMBER: "float64", Kind.PERCENT: "float64", Kind.INTEGER: "Int64",
          Kind.YES_NO: "boolean", Kind.DATE: "datetime64"}


def test_one_typed_frame_per_input_sheet_with_french_headers(registry_file):
    frames = fitn_xl.frames(registry_file)
    assert list(frames) == [t.sheet for t in schema.INPUT_TABLES]
    for table in schema.INPUT_TABLES:
        frame = frames[table.sheet]
        assert list(frame.columns) == list(table.headers), table.sheet
        for column in table.all_columns:
            dtype = str(frame[column.header].dtype)
            assert dtype.startswith(DTYPES.get(column.kind, "string")), (table.sheet, column.header, dtype)
    data = sample_registry()
    assert len(frames[schema.SHEET_APPLICATIONS]) == len(data.applications)
    assert len(frames[schema.SHEET_EXPENSES]) == len(data.expenses)
    assert len(frames[schema.SHEET_SCORES]) == len(data.scores)


def test_values_are_the_registry_values_and_the_rules_results(registry_file, capsys):
    frames = fitn_xl.frames(registry_file)
    apps = frames[schema.SHEET_APPLICATIONS].set_index(schema.DOSSIER_ID)
    data = {a.dossier_id: a for a in sample_registry().applications}
    first = data["63-001"]
    assert apps.loc["63-001", "Date de réception"] == pd.Timestamp(first.received_on)
    assert apps.loc["63-001", "Population"] == first.population
    assert apps.loc["63-001", "Coût global (€)"] == float(first.total_cost)
    assert bool(apps.loc["63-001", "Engagement décisionnel"]) is first.decision_commitment
    # every computed column equals what `fitn-xl check --json` computes
    assert main(["check", str(registry_file), "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)["dossiers"]
    for dossier_id, columns in checked.items():
        for header, value in columns.items():
            got = apps.loc[dossier_id, header]
            if value is None:
                assert pd.isna(got) or got == "", (dossier_id, header, got)
            elif header in ("Éligible", "En retard"):
                assert bool(got) is (value == "Oui"), (dossier_id, header)
            elif isinstance(value, int | float):
                assert got == pytest.approx(value), (dossier_id, header)
            else:
                assert got == value, (dossier_id, header)
    expenses = frames[schema.SHEET_EXPENSES]
    assert set(expenses["Pays de l'éditeur"]) == {"États-Unis", "France"}  # the French name, as the sheet shows it
    notation = frames[schema.SHEET_SCORES]
    conflicted = notation[notation["Conflit d'intérêts"].fillna(False)]
    assert len(conflicted) == 1 and conflicted["Note /20"].isna().all()  # computed columns of Notation too


def test_computed_columns_come_from_the_rules_not_from_the_cells(registry_file):
    """A stale or tampered cached value in a computed column never reaches the frames."""
    assert main(["recalc", str(registry_file)]) == 0
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(2, "Montant proposé (€)"): 999_999,
                                                           (2, "Financement demandé (€)"): 4_000})
    apps = fitn_xl.frames(registry_file)[schema.SHEET_APPLICATIONS].set_index(schema.DOSSIER_ID)
    assert apps.loc["63-001", "Montant proposé (€)"] == 4_000  # min(forfait 5 000, requested 4 000, cost)


def test_a_cell_in_error_is_empty_and_its_dossier_says_so(registry_file):
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(2, "Population"): "beaucoup"})
    apps = fitn_xl.frames(registry_file)[schema.SHEET_APPLICATIONS].set_index(schema.DOSSIER_ID)
    assert pd.isna(apps.loc["63-001", "Population"])
    assert "Erreurs de saisie : 1" in apps.loc["63-001", "Alertes"]


def test_an_analyst_loads_ten_registries_in_three_lines(tmp_path):
    base = sample_registry()
    paths = []
    for code in ("01", "03", "15", "37", "42", "43", "63", "69", "971", "974"):
        params = replace(base.parameters, department=code, department_name=f"Département {code}")
        path = tmp_path / f"registre-{code}.xlsx"
        build_registry(path, params, replace(base, parameters=params))
        paths.append(path)
    # the three lines of the README
    candidatures = pd.concat({p.stem.removeprefix("registre-"): fitn_xl.frames(p)["Candidatures"] for p in paths},
                             names=["Département", None]).reset_index(level=0)
    by = candidatures.groupby(["Département", "Mesure"])["Montant proposé (€)"].sum()
    assert len(candidatures) == 10 * len(base.applications)
    assert set(candidatures["Département"]) == {"01", "03", "15", "37", "42", "43", "63", "69", "971", "974"}
    one = fitn_xl.frames(paths[0])["Candidatures"].groupby("Mesure")["Montant proposé (€)"].sum()
    assert by.loc["974"].to_dict() == one.to_dict()


def test_not_a_registry_is_a_french_error(tmp_path):
    from fitn_xl.workbook.errors import RegistryError

    path = tmp_path / "autre.xlsx"
    path.write_bytes(b"pas un classeur")
    with pytest.raises(RegistryError, match="n'est pas un classeur Excel"):
        fitn_xl.frames(path)


# --- consolidation on frames --------------------------------------------------------------------------------


@pytest.fixture
def departments(tmp_path):
    """Two registries and the monthly list of a third département."""
    today = date(2021, 7, 1)
    reg63 = make_registry(tmp_path / "registre-63.xlsx",
                          [app(1, measure="3a", granted=Decimal("5000")),
                           app(2, measure="3c", granted=Decimal("30000")),
                           app(3, measure="3a", status="Reçu", granted=None, decided_on=None)],
                          reference_date=date(2021, 6, 30))
    reg01 = make_registry(tmp_path / "registre-01.xlsx", [app(1, measure="3a", granted=Decimal("10000.25"))],
                          department="01", name="Ain", reference_date=date(2021, 6, 30))
    reg37 = make_registry(tmp_path / "registre-37.xlsx", [app(7, measure="3b", granted=Decimal("8000"))],
                          department="37", name="Indre-et-Loire")
    list37 = build_monthly_list(reg37, "2021-06", tmp_path / "out", today=today).xlsx
    return reg63, reg01, list37


def rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_registries_and_lists_consolidate_by_department_and_measure(departments, tmp_path, capsys):
    reg63, reg01, list37 = departments
    out = tmp_path / "consolidation.xlsx"
    assert main(["consolidate", str(reg63), str(reg01), str(list37), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 département(s), 4 lauréat(s)" in printed
    wb = load_workbook(out)
    assert wb.sheetnames == ["Lauréats", "Par département", "Par mesure", "Par département et mesure"]
    laureates = rows(wb["Lauréats"])[:-1]
    assert {(r[0], r[1]) for r in laureates} == {("63", "2021-001"), ("63", "2021-002"), ("01", "2021-001"),
                                                ("37", "2021-007")}
    both = {(r[0], r[2]): (r[3], Decimal(str(r[4]))) for r in rows(wb["Par département et mesure"])[:-1]}
    assert both == {("01", "3a"): (1, Decimal("10000.25")), ("37", "3b"): (1, Decimal("8000")),
                    ("63", "3a"): (1, Decimal("5000")), ("63", "3c"): (1, Decimal("30000"))}
    per_measure = {r[0]: (r[2], Decimal(str(r[3]))) for r in rows(wb["Par mesure"])}
    assert per_measure["3a"] == (2, Decimal("15000.25"))
    assert per_measure["Total"] == (4, Decimal("53000.25"))


def test_a_registry_gives_the_rows_of_its_own_list(departments, tmp_path):
    reg63, _, _ = departments
    listed = build_monthly_list(reg63, "2021-06", tmp_path / "liste", today=date(2021, 7, 1)).xlsx
    by_registry, by_list = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["consolidate", str(reg63), "-o", str(by_registry)]) == 0
    assert main(["consolidate", str(listed), "-o", str(by_list)]) == 0
    from_registry = rows(load_workbook(by_registry)["Lauréats"])[:-1]
    from_list = rows(load_workbook(by_list)["Lauréats"])[:-1]
    assert [r[:-1] for r in from_registry] == [r[:-1] for r in from_list] and len(from_list) == 2
    assert {r[-1] for r in from_registry} == {reg63.name} and {r[-1] for r in from_list} == {listed.name}


def test_the_same_department_twice_is_refused(departments, tmp_path, capsys):
    reg63, _, _ = departments
    other = tmp_path / "copie-63.xlsx"
    shutil.copy(reg63, other)
    out = tmp_path / "c.xlsx"
    assert main(["consolidate", str(reg63), str(other), "-o", str(out)]) == 1
    assert "sont deux listes du département 63" in capsys.readouterr().err and not out.exists()
