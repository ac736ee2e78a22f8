"""The review in real registry files: scoring rows preparation, score checks, « Notation » computed columns and
the « Classement » sheet written through the patching layer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import openpyxl
import pytest
from test_review_core import sample_registry

from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core import Score, compute
from fitn_xl.review.classement import EVALUATORS_TABLE, RANKING_HEADERS, RANKING_TABLE, SHEET_CLASSEMENT
from fitn_xl.review.notation import notation_cells
from fitn_xl.review.patch import write_review
from fitn_xl.review.sheet import RANKING_AT
from fitn_xl.schema import SCORES, SHEET_DASHBOARD
from fitn_xl.workbook.read import load_registry
from fitn_xl.workbook.write import atomic_update
from fitn_xl.workbook.xlsx import XlsxPackage


@pytest.fixture
def registry_file(tmp_path):
    reg = sample_registry()
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    return path


def _pairs(path) -> list[tuple[str, str]]:
    return [(s.dossier_id, s.evaluator) for s in load_registry(path).registry.scores]


def test_preparing_scoring_rows_twice_creates_no_duplicates(registry_file, capsys):
    before = _pairs(registry_file)
    assert main(["scoring", str(registry_file), "--evaluateur", "Alice", "--evaluateur", "Dora",
                 "--evaluateur", "dora"]) == 0
    after = _pairs(registry_file)
    added = after[len(before):]
    pending_eligible = ["A1", "B2", "A4", "A5", "B6", "D7", "D8"]  # not A8 (ineligible), C3 (laureate), B9
    assert sorted(added) == sorted([("B6", "Alice")] + [(d, "Dora") for d in pending_eligible])
    assert "8 ligne(s) de notation ajoutée(s)" in capsys.readouterr().out

    assert main(["scoring", str(registry_file), "--evaluateur", "ALICE", "--evaluateur", "Dora"]) == 0
    assert _pairs(registry_file) == after
    assert "Rien à ajouter" in capsys.readouterr().out
    assert len(set(after)) == len(after)
    loaded = load_registry(registry_file)
    assert loaded.issues == []
    # the new rows are empty scores: they do not count as valid scores
    assert compute(loaded.registry).results["B6"].scoring.valid_count == 0


def test_score_above_the_criterion_maximum_names_the_cell(tmp_path):
    reg = sample_registry()
    reg = replace(reg, scores=reg.scores + (Score("B2", "Dora", False, (D(4), D(7), D(4))),))
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    loaded = load_registry(path)
    [issue] = loaded.issues
    assert (issue.sheet, issue.column, issue.dossier_id) == ("Notation", "Critère 2", "B2")
    assert issue.row == 2 + len(sample_registry().scores)  # header on row 1, the new row is last
    assert str(issue).startswith(f"Feuille « Notation », ligne {issue.row}, colonne « Critère 2 » : 7")
    assert "hors de l'échelle du critère « Niveau de portage du projet »" in str(issue)
    # the out-of-range row is not a valid score: B2 keeps its two valid scores and average
    result = compute(loaded.registry).results["B2"]
    assert (result.scoring.valid_count, result.scoring.average) == (2, D(18))
    cells = notation_cells(loaded)
    assert cells[issue.row]["Note /20"] is None


def _write_review(path):
    loaded = load_registry(path)
    computation = compute(loaded.registry)
    with atomic_update(path, force=True) as tmp, XlsxPackage(path) as pkg:
        write_review(pkg, loaded, computation)
        pkg.save(tmp)


def test_new_registry_has_classement_charts_and_score_validations(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    assert wb.sheetnames.index(SHEET_CLASSEMENT) == wb.sheetnames.index(SHEET_DASHBOARD) + 1
    assert {RANKING_TABLE, EVALUATORS_TABLE} <= set(wb[SHEET_CLASSEMENT].tables)
    validations = wb[SCORES.sheet].data_validations.dataValidation
    decimal = [v for v in validations if v.type == "decimal"]
    assert len(decimal) == 5 and all((v.formula1, v.formula2) == ("0", "5") for v in decimal)


def test_recalc_rebuilds_the_classement_sheet(registry_file):
    from fitn_xl.app import recalc

    recalc(registry_file, force=True)
    cl = openpyxl.load_workbook(registry_file)[SHEET_CLASSEMENT]
    r0, _ = RANKING_AT
    ids = [r[2] for r in cl.iter_rows(min_row=r0 + 1, max_col=3, values_only=True) if r[2]]
    assert ids == ["C3", "B2", "A1", "A4", "A5", "B6", "D8", "D7"]


def test_review_written_into_notation_and_classement(registry_file):
    _write_review(registry_file)
    _write_review(registry_file)  # idempotent
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[SCORES.sheet]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers)}
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    a1 = rows[("A1", "Alice")]
    assert a1[col["Mesure"]] == "3a"
    assert a1[col["Critères de la grille"]].startswith("1. Impact du projet (/5) ; 2. Besoin")
    assert a1[col["Note /20"]] == 20
    assert rows[("A5", "Alice")][col["Note /20"]] is None  # conflict of interest
    assert rows[("D7", "Bruno")][col["Note /20"]] == 12
    # inputs untouched
    assert [rows[("A4", "Bruno")][col[f"Critère {i}"]] for i in (1, 2, 3)] == [5, 2, 2]

    cl = wb[SHEET_CLASSEMENT]
    r0, c0 = RANKING_AT
    assert [c.value for c in cl[r0]][: len(RANKING_HEADERS)] == list(RANKING_HEADERS)
    data = [dict(zip(RANKING_HEADERS, r, strict=False))
            for r in cl.iter_rows(min_row=r0 + 1, max_col=len(RANKING_HEADERS), values_only=True) if r[2]]
    assert [d["N° dossier"] for d in data] == ["C3", "B2", "A1", "A4", "A5", "B6", "D8", "D7"]
    by_id = {d["N° dossier"]: d for d in data}
    assert (by_id["A1"]["Cumul (€)"], by_id["A1"]["Dans l'enveloppe"]) == (30000, "Oui")
    assert (by_id["A4"]["Cumul (€)"], by_id["A4"]["Dans l'enveloppe"]) == (None, "Non")
    assert by_id["C3"]["Dans l'enveloppe"] == "Engagé" and by_id["B6"]["Dans l'enveloppe"] == "Non noté"
    assert "Désaccord sur le critère 1" in by_id["A4"]["Alertes"]
    assert cl.tables[RANKING_TABLE].ref == f"A{r0}:Q{r0 + len(data)}"
    evaluators = [r for r in cl.iter_rows(min_row=r0 + 1, min_col=19, max_col=24, values_only=True) if r[0]]
    assert [e[0] for e in evaluators] == ["Alice", "Bruno", "Chloé"]
    assert cl.tables[EVALUATORS_TABLE].ref.endswith(str(r0 + 3))
    assert cl["A5"].value == "3a" and cl["B5"].value == 3  # 3a: A1, A4, A5 scored (A8 ineligible)
    assert cl["J5"].value == 8000  # departmental envelope: committed
    assert len(wb[SHEET_DASHBOARD]._charts) >= 2


def test_classement_shrinks_when_dossiers_are_decided(registry_file):
    _write_review(registry_file)
    wb = openpyxl.load_workbook(registry_file)
    ws = wb["Candidatures"]
    status_col = [c.value for c in ws[1]].index("Statut") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value in ("A4", "A5", "B6", "D7", "D8"):
            ws.cell(r, status_col).value = "Refusé"
    wb.save(registry_file)
    _write_review(registry_file)
    cl = openpyxl.load_workbook(registry_file)[SHEET_CLASSEMENT]
    r0, _ = RANKING_AT
    ids = [r[2] for r in cl.iter_rows(min_row=r0 + 1, max_col=3, values_only=True) if r[2]]
    assert ids == ["C3", "B2", "A1"]
    assert cl.tables[RANKING_TABLE].ref == f"A{r0}:Q{r0 + 3}"
