"""A registry made by an earlier version of fitn-xl: every job still reads it (what it lacks is empty, with a
note), and `fitn-xl upgrade` rebuilds it for this version, every input and Journal row kept.

`fixtures/registre-fitn-xl-0.1.xlsx` is the demo registry written by fitn-xl 0.1 (commit 4b00b2a: `fitn-xl demo`),
its computed columns, dashboard and Journal as that version left them.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import edit_cells

from fitn_xl import schema
from fitn_xl.cli import main
from fitn_xl.workbook.read import journal_rows, load_registry

OLD = Path(__file__).parent / "fixtures" / "registre-fitn-xl-0.1.xlsx"
FIRST_APPLICATION_FIELDS = {c.attr for c in schema.APPLICATIONS.columns
                            if c.header in schema.FIRST_CONTRACT["Candidatures"]}


@pytest.fixture
def old(tmp_path) -> Path:
    path = tmp_path / "registre.xlsx"
    shutil.copy(OLD, path)
    return path


def _first_contract(registry):
    """The registry's records restricted to what fitn-xl 0.1 knew."""
    apps = [{k: v for k, v in dataclasses.asdict(a).items() if k in FIRST_APPLICATION_FIELDS}
            for a in registry.applications]
    return apps, registry.expenses, registry.providers, registry.scores, registry.reports


def test_every_job_reads_an_older_registry_and_says_what_it_lacks(old, tmp_path, capsys):
    assert main(["check", str(old)]) == 0
    out = capsys.readouterr().out
    assert "Aucune erreur de saisie." in out
    assert "créé par une version précédente de fitn-xl" in out and "« Civilité »" in out
    assert "fitn-xl upgrade REGISTRE.xlsx" in out
    assert main(["recalc", str(old)]) == 0
    assert "version précédente de fitn-xl" in capsys.readouterr().out
    assert main(["committee", str(old), "-o", str(tmp_path / "comite")]) == 0
    assert main(["ditp", str(old), "--mois", "2021-06", "-o", str(tmp_path / "ditp")]) == 0
    capsys.readouterr()


def test_upgrade_rebuilds_it_and_keeps_every_input_and_journal_row(old, capsys):
    before = load_registry(old)
    journal_before = [cells for _, cells in journal_rows(old)]
    assert before.outdated and not before.issues
    original = old.read_bytes()
    assert main(["upgrade", str(old)]) == 0
    out = capsys.readouterr().out
    assert "mis à jour pour cette version de fitn-xl" in out and "« Civilité »" in out
    assert f"{len(journal_before)} ligne(s) du Journal" in out
    after = load_registry(old)
    assert after.outdated == [] and after.issues == [] and not [n for n in after.notes if "précédente" in str(n)]
    assert _first_contract(after.registry) == _first_contract(before.registry)
    assert after.registry.parameters == before.registry.parameters
    assert [cells for _, cells in journal_rows(old)] == journal_before
    assert old.with_name("registre.precedent.xlsx").read_bytes() == original  # the 0.1 file, kept as it was
    ws = openpyxl.load_workbook(old)[schema.SHEET_APPLICATIONS]
    headers = [c.value for c in ws[1]]
    assert list(schema.APPLICATIONS.headers) == headers[: len(schema.APPLICATIONS.headers)]
    proposed = headers.index("Montant proposé (€)") + 1
    assert all(ws.cell(r, proposed).value is not None for r in range(2, 2 + len(after.registry.applications)))
    assert main(["upgrade", str(old)]) == 0  # twice: nothing more to do
    assert "déjà à jour" in capsys.readouterr().out


def test_upgrade_refuses_while_an_input_is_in_error(old, capsys):
    edit_cells(old, schema.SHEET_APPLICATIONS, {(2, "Population"): "beaucoup"})
    digest = old.read_bytes()
    assert main(["upgrade", str(old)]) == 1
    err = capsys.readouterr().err
    assert "une cellule en erreur serait perdue" in err and "ligne 2, colonne « Population »" in err
    assert old.read_bytes() == digest


def test_upgrade_names_what_it_would_not_carry_over(old, capsys):
    wb = openpyxl.load_workbook(old)
    ws = wb[schema.SHEET_APPLICATIONS]
    ws.cell(1, ws.max_column + 2, "Mes notes")  # a column of the préfecture's own, outside the table
    wb.create_sheet("Brouillon")
    wb.save(old)
    assert main(["upgrade", str(old)]) == 1
    err = capsys.readouterr().err
    assert "colonne « Mes notes » (feuille « Candidatures »)" in err and "feuille « Brouillon »" in err
    assert "--force" in err
    assert main(["upgrade", str(old), "--force"]) == 0
    assert "non repris (--force) : colonne « Mes notes »" in capsys.readouterr().err
    assert "Brouillon" not in openpyxl.load_workbook(old, read_only=True).sheetnames
