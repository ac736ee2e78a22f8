"""`fitn-xl conventions` and `fitn-xl letters` on a real registry file built by the project."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
import python_calamine

from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.documents.sample import sample_registry
from fitn_xl.schema import LAUREATE_STATUSES

BAD = "63-2021-005"  # a laureate in Convention mode whose row gets a bad cell


def _sheet(path, name):
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@pytest.fixture
def registry_file(tmp_path):
    registry = sample_registry(8)
    path = tmp_path / "registre.xlsx"
    build_registry(path, registry.parameters, registry)
    wb = openpyxl.load_workbook(path)
    ws = wb["Candidatures"]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "N° dossier" for c in r))
    cols = {c.value: c.column for c in header_row}
    row = next(r[0].row for r in ws.iter_rows(min_row=header_row[0].row + 1)
               if r[cols["N° dossier"] - 1].value == BAD)
    ws.cell(row=row, column=cols["Population"], value="abc")
    wb.save(path)
    return path


def test_conventions_command(registry_file, tmp_path, capsys):
    before = _sheet(registry_file, "Candidatures")
    out = tmp_path / "conventions"
    code = main(["conventions", str(registry_file), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 1  # one dossier skipped for its errors
    names = sorted(p.name for p in out.glob("*.docx"))
    expected = [a for a in sample_registry(8).applications
                if a.status in LAUREATE_STATUSES and a.contract_mode == "Convention" and a.dossier_id != BAD]
    assert len(expected) == 3 and {a.status for a in expected} > {"Lauréat"}
    assert names == [f"{a.dossier_id}-convention-{a.applicant}.docx" for a in expected]
    for p in out.glob("*.docx"):
        assert zipfile.ZipFile(p).testzip() is None
    assert "3 conventions écrites" in captured.out
    assert f"Dossier {BAD}" in captured.err
    assert "Feuille « Candidatures »" in captured.err and "colonne « Population »" in captured.err
    assert "Traceback" not in captured.err
    # inputs untouched; one journal row per document
    assert _sheet(registry_file, "Candidatures") == before
    journal = _sheet(registry_file, "Journal")
    rows = [r for r in journal if "Convention générée" in r]
    assert sorted(r[2] for r in rows) == [a.dossier_id for a in expected]
    assert all(len(r[8]) == 64 for r in rows)  # SHA-256 of each file


def test_letters_command_with_selection(registry_file, tmp_path, capsys):
    out = tmp_path / "courriers"
    code = main(["letters", str(registry_file), "-o", str(out), "--dossier", "63-2021-002", "--dossier",
                 "63-2021-003", "--dossier", "inconnu"])
    captured = capsys.readouterr()
    assert code == 1
    assert sorted(p.name for p in out.glob("*.docx")) == [
        "63-2021-002-notification-Commune de Saint-Éloi-2.docx",
        "63-2021-003-refus-Commune de Saint-Éloi-3.docx",
    ]
    assert "« inconnu » est introuvable" in captured.err
    journal = _sheet(registry_file, "Journal")
    ops = sorted((r[1], r[2]) for r in journal if r[2] in ("63-2021-002", "63-2021-003"))
    assert ops == [("Courrier d'attribution généré", "63-2021-002"), ("Courrier de refus généré", "63-2021-003")]


def test_letters_all_valid_exit_zero(tmp_path, capsys):
    registry = sample_registry(4)
    path = tmp_path / "registre.xlsx"
    build_registry(path, registry.parameters, registry)
    assert main(["letters", str(path), "-o", str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out").glob("*.docx"))) == 4
    assert "4 courriers écrits" in capsys.readouterr().out
