"""The committee file, from a real registry file through the CLI, read back with python-docx."""

from __future__ import annotations

from dataclasses import replace

import docx
import openpyxl
import pytest
from test_review_core import sample_registry

from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core import Score


def _tables_text(document) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


@pytest.fixture
def committee_doc(tmp_path):
    reg = sample_registry()
    apps = tuple(replace(a, applicant="Sport & Loisirs <Syndicat>") if a.dossier_id == "A1" else a
                 for a in reg.applications)
    reg = replace(reg, applications=apps,
                  scores=reg.scores + (Score("B2", "Chloé", True, (), "Très bon & clair"),))
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    out = tmp_path / "sortie"
    assert main(["committee", str(path), "-o", str(out)]) == 0
    journal = [j for j in openpyxl.load_workbook(path)["Journal"].iter_rows(min_row=2, values_only=True) if j[1]]
    assert [j[1] for j in journal] == ["Dossier de comité"] and journal[0][5] == 8  # fiches
    files = list(out.glob("comite-de-selection-*.docx"))
    assert [f.name for f in files] == ["comite-de-selection-2021-05-01.docx"]
    return docx.Document(str(files[0]))


def test_every_eligible_dossier_in_rank_order_with_its_figures(committee_doc):
    tables = _tables_text(committee_doc)
    ranking = [t for t in tables if t[0][0] == "Rang"]
    rows = [r for t in ranking for r in t[1:]]
    # per measure, in rank order: 3a (A1, A4, A5), 3b (B2 then the unscored B6), 3d (D8, D7)
    assert [r[1] for r in rows] == ["A1", "A4", "A5", "B2", "B6", "D8", "D7"]
    by_id = {r[1]: r for r in rows}
    nbsp, nnbsp = "\u00a0", "\u202f"
    assert by_id["A1"][0] == "1" and by_id["A1"][3].startswith("18,00")
    assert "(2 notes)" in by_id["A1"][3] or "(3 notes)" in by_id["A1"][3]  # plurals written out
    # a working document: whole euros, as the command line writes them
    assert by_id["A1"][4] == f"10{nnbsp}000{nbsp}€"
    assert (by_id["A1"][5], by_id["A1"][6], by_id["A1"][7]) == ("2", f"30{nnbsp}000{nbsp}€", "Oui")
    assert (by_id["A4"][6], by_id["A4"][7]) == ("—", "Non")
    assert "Désaccord sur le critère 1" in by_id["A4"][8] and "il manque 12" in by_id["A4"][8]
    assert (by_id["A5"][6], by_id["A5"][7]) == (f"33{nnbsp}000{nbsp}€", "Oui")
    assert "Moins de deux notes valides (1)" in by_id["A5"][8]
    assert "Conflit d'intérêts déclaré" in by_id["A5"][8]
    assert by_id["B6"][7] == "Non noté"
    assert "Sport & Loisirs <Syndicat>" in by_id["A1"][2]  # escaped, not lost
    assert "A8" not in by_id and "B9" not in by_id and "C3" not in by_id

    # envelope balances
    balances = [dict((r[0], r[1]) for r in t) for t in tables if t[0][0] == "Montant de l'enveloppe"]
    dep, lab = balances[:2]
    assert dep["Montant de l'enveloppe"] == f"33{nnbsp}000{nbsp}€"
    assert dep["Déjà engagé (1 lauréat)"] == f"8{nnbsp}000{nbsp}€"
    assert dep["Reste après ces propositions"] == f"0{nbsp}€"
    assert lab["Proposé hors enveloppe (ne tient pas)"] == f"15{nnbsp}000{nbsp}€"

    # ineligible pending dossier listed with its reason
    inel = next(t for t in tables if t[0][-1] == "Motifs d'inéligibilité")
    assert inel[1][0] == "A8" and "supérieur au coût global" in inel[1][3]


def test_one_fiche_per_pending_dossier_with_page_breaks(committee_doc):
    headings = [p.text for p in committee_doc.paragraphs if p.text.startswith("Fiche d'instruction")]
    # ranking order of each envelope, then unscored, then ineligible pending
    assert headings == [f"Fiche d'instruction — dossier {d}" for d in
                        ("B2", "A1", "A4", "A5", "B6", "D8", "D7", "A8")]
    body = committee_doc.element.body.xml
    assert body.count('w:type="page"') == len(headings) - 1
    tables = _tables_text(committee_doc)
    score_tables = [t for t in tables if t[0][:2] == ["Évaluateur", "Notes par critère"]]
    b2 = score_tables[0]
    assert [r[0] for r in b2[1:]] == ["Alice", "Bruno", "Chloé"]
    assert b2[1][1] == "1\u202f: 5 · 2\u202f: 5 · 3\u202f: 5" and b2[1][2] == "20,00"
    assert b2[3][1] == "Conflit d'intérêts déclaré — note écartée" and b2[3][2] == "—"
    assert b2[3][3] == "Très bon & clair"
    costs = [dict((r[0], r[1]) for r in t) for t in tables if t[0][0] == "Coût global"]
    assert costs[0]["Montant proposé"] == "12\u202f000\u00a0€"
    assert costs[0]["Forfait"] == "Pas de forfait"


def test_committee_refuses_a_file_that_is_not_a_registry(tmp_path, capsys):
    bad = tmp_path / "x.xlsx"
    bad.write_text("pas un classeur")
    assert main(["committee", str(bad), "-o", str(tmp_path / "o")]) == 1
    assert "n'est pas un classeur Excel" in capsys.readouterr().err



def test_a_dossier_with_input_errors_is_named_and_the_exit_code_says_so(tmp_path, capsys):
    reg = sample_registry()
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    wb = openpyxl.load_workbook(path)
    ws = wb["Candidatures"]
    population = [c.value for c in ws[1]].index("Population") + 1
    ws.cell(2, population, "beaucoup")
    wb.save(path)
    assert main(["committee", str(path), "-o", str(tmp_path / "sortie")]) == 1
    err = capsys.readouterr().err
    assert "erreurs de saisie, classé mais sans fiche d'instruction" in err
    assert "ligne 2, colonne « Population » : « beaucoup » n'est pas un nombre" in err
    assert list((tmp_path / "sortie").glob("comite-de-selection-*.docx"))  # the others still go through
