"""A démarche's life in the registry, export after export: weekly DS exports imported in sequence (updates only
what changed, edits kept, lines replaced while nobody touched them, no rollback from an older export, a re-deposit
flagged), DS's decisions taken with --decisions-ds, and an export round-tripped through LibreOffice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from conftest import edit_cells
from ds_export import EXPENSES_BLOCK, association, dombes, fitn_demarche, riom, volvic, week1, write_export
from libreoffice_support import ODS, XLSX, convert, french_profile, needs_libreoffice

from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core.params import parameters_for
from fitn_xl.forms.importer import read_journal
from fitn_xl.workbook.read import load_registry

DEMARCHE = fitn_demarche()


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    return path


def alerts(path: Path) -> dict[str, str]:
    """N° dossier -> its « Alertes » cell, as recalc wrote it."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[schema.SHEET_APPLICATIONS].iter_rows(values_only=True))
    wb.close()
    return {r[0]: r[rows[0].index("Alertes")] or "" for r in rows[1:] if r[0]}


def row_of(path: Path, dossier_id: str) -> int:
    return load_registry(path).application_rows[dossier_id]


def week2() -> list:
    """A week later: Volvic corrected its cost and title and added an expense line; the association fixed its
    type and amount; a new dossier re-deposits the one classé sans suite; Dombes and Riom did not change."""
    v = volvic(updated_at=datetime(2021, 3, 26, 17, 5))
    v.champs[1634709] = "12000"
    v.champs[1634712] = "Formation aux outils collaboratifs"
    v.rows[EXPENSES_BLOCK].append({1634719: "Support de cours", 1634720: "Autre", 1634723: "1583.333"})
    a = association(updated_at=datetime(2021, 3, 25, 9, 0))
    a.champs[1634713] = "Personne morale financée par des collectivités"
    a.champs[1634710] = "500"
    redeposit = dombes(state="en_construction", processed_at=None, en_instruction_at=None, motivation=None,
                       depose_at=datetime(2021, 3, 24, 11, 0), updated_at=datetime(2021, 3, 24, 11, 0))
    redeposit.id = 105
    return [v, dombes(), riom(), a, redeposit]


def test_weekly_exports_update_only_what_changed_and_never_roll_back(registry, tmp_path, capsys):
    w1 = write_export(tmp_path / "dossiers_fitn7_2021-03-22_09-00.xlsx", DEMARCHE, week1())
    w2 = write_export(tmp_path / "dossiers_fitn7_2021-03-29_09-00.xlsx", DEMARCHE, week2())
    assert main(["import", str(registry), w1]) == 0
    assert len(load_registry(registry).issues) == 2  # DS-104's two cells, flagged
    # the instructeur renames Volvic's project and records the decision on Riom
    edit_cells(registry, schema.SHEET_APPLICATIONS, {
        (row_of(registry, "DS-101"), "Intitulé du projet"): "Formation des agents (revu)",
        (row_of(registry, "DS-103"), "Statut"): "Lauréat",
        (row_of(registry, "DS-103"), "Date de décision"): datetime(2021, 5, 3),
        (row_of(registry, "DS-103"), "Montant accordé (€)"): 30000,
    })
    capsys.readouterr()

    assert main(["import", str(registry), w2]) == 0
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert "Dossiers créés (1)" in out and "dossier DS 105 → dossier DS-105" in out
    assert ("dossier DS 101 → dossier DS-101 : mis à jour (Coût global (€), lignes de « Dépenses »)") in out
    assert ("dossier DS 101 → dossier DS-101 : modifié dans le registre depuis le dernier import, valeur gardée "
            "(Intitulé du projet)") in out
    assert "dossier DS 104 → dossier DS-104 : mis à jour (Financement demandé (€), Type de candidat)" in out
    assert "DS-102 : " not in out and "DS-103 : " not in out  # unchanged in DS: nothing written
    assert "dossier DS-105 : redépôt probable du dossier DS-102 (même demandeur, même intitulé)" in err
    loaded = load_registry(registry)
    assert loaded.issues == []  # DS-104's cells, fixed in DS, replaced the values flagged last week
    a = {x.dossier_id: x for x in loaded.registry.applications}
    assert list(a) == ["DS-101", "DS-102", "DS-103", "DS-104", "DS-105"]
    assert a["DS-101"].total_cost == D("12000") and a["DS-101"].title == "Formation des agents (revu)"
    assert (a["DS-103"].status, a["DS-103"].granted) == ("Lauréat", D("30000"))  # the instructeur's decision
    assert (a["DS-104"].applicant_type, a["DS-104"].requested) == (schema.PERSONNE_MORALE, D("500"))
    assert [(e.dossier_id, e.label, e.amount) for e in loaded.registry.expenses] == [
        ("DS-101", "Sessions de formation", D("7416.67")), ("DS-101", "Licence collaborative", D("3000")),
        ("DS-103", "Développement du guichet", D("50000")), ("DS-101", "Support de cours", D("1583.33"))]
    after_week2 = registry.read_bytes()

    # last week's export again: older for DS-101 and DS-104, nothing rolls back (said per dossier)
    assert main(["import", str(registry), w1]) == 0
    out = capsys.readouterr().out
    for number, then, now in (("101", "05/03/2021 à 09:00", "26/03/2021 à 17:05"),
                              ("104", "04/03/2021 à 08:00", "25/03/2021 à 09:00")):
        assert (f"dossier DS {number} : cet export est plus ancien que le dernier import (dossier mis à jour dans "
                f"DS le {then} ici, le {now} dans le registre) ; rien n'est repris") in out
    assert "Aucune modification du registre." in out
    assert registry.read_bytes() == after_week2
    # and this week's again: nothing to do
    assert main(["import", str(registry), w2]) == 0
    assert "Aucune modification du registre." in capsys.readouterr().out
    assert registry.read_bytes() == after_week2

    # both weeks in one command, in order, on a new registry: the same registry as week after week
    other = tmp_path / "autre.xlsx"
    build_registry(other, parameters_for("63", "Puy-de-Dôme"))
    assert main(["import", str(other), w1, w2]) == 0
    b = {x.dossier_id: x for x in load_registry(other).registry.applications}
    assert b["DS-101"].title == "Formation aux outils collaboratifs" and b["DS-104"].requested == D("500")

    # the re-deposit and Riom's agreement, as the Alertes say once recalculated
    assert main(["recalc", str(registry)]) == 0
    shown = alerts(registry)
    assert "Redépôt probable : même demandeur et même intitulé que le dossier DS-102" in shown["DS-105"]
    assert "Démarches Simplifiées" not in shown["DS-103"]  # Accepté in DS, Lauréat in the registry
    journal = [(e.operation, e.dossier_id) for e in read_journal(registry)]
    assert journal.count(("Mise à jour DS", "DS-101")) == 1 and ("Import DS", "DS-105") in journal


def test_lines_edited_in_the_registry_are_kept_when_ds_changes_them(registry, tmp_path, capsys):
    v1 = write_export(tmp_path / "v1.xlsx", DEMARCHE, [volvic()])
    assert main(["import", str(registry), v1]) == 0
    loaded = load_registry(registry)
    edit_cells(registry, schema.SHEET_EXPENSES, {(loaded.rows[schema.EXPENSES.name][0], "Montant (€)"): 7000})
    later = volvic(updated_at=datetime(2021, 4, 1, 8, 0))
    later.rows[EXPENSES_BLOCK] = later.rows[EXPENSES_BLOCK][:1]
    assert main(["import", str(registry), write_export(tmp_path / "v2.xlsx", DEMARCHE, [later])]) == 0
    out = capsys.readouterr().out
    assert ("les lignes de la feuille « Dépenses » ont changé dans DS et dans le registre ; celles du registre sont "
            "gardées (dossier DS-101)") in out
    assert [e.amount for e in load_registry(registry).registry.expenses] == [D("7000"), D("3000")]


def test_ds_decisions_are_taken_with_the_option_never_over_a_registry_decision(registry, tmp_path, capsys):
    w1 = write_export(tmp_path / "w1.ods", DEMARCHE, week1())
    assert main(["import", str(registry), w1, "--decisions-ds"]) == 0
    out = capsys.readouterr().out
    assert "Décisions reprises de Démarches Simplifiées (2)" in out
    assert "dossier DS-102 : Statut « Sans suite » d'après DS (« Classé sans suite » le 20/03/2021)" in out
    assert "dossier DS-103 : Statut « Lauréat » d'après DS (« Accepté » le 02/05/2021)" in out
    a = {x.dossier_id: x for x in load_registry(registry).registry.applications}
    assert (a["DS-102"].status, a["DS-102"].decided_on) == ("Sans suite", date(2021, 3, 20))
    assert (a["DS-103"].status, a["DS-103"].decided_on, a["DS-103"].granted) == ("Lauréat", date(2021, 5, 2),
                                                                                 D("30000"))  # the annotation
    assert a["DS-101"].status == "Reçu"  # en instruction in DS
    # the registry refuses Volvic; DS accepts it later: the registry's decision stands, and the Alertes say so
    edit_cells(registry, schema.SHEET_APPLICATIONS, {(row_of(registry, "DS-101"), "Statut"): "Refusé",
                                                     (row_of(registry, "DS-101"), "Date de décision"):
                                                         datetime(2021, 4, 2)})
    accepted = volvic(state="accepte", processed_at=datetime(2021, 4, 6, 10, 0), updated_at=datetime(2021, 4, 6, 10))
    assert main(["import", str(registry), write_export(tmp_path / "w3.ods", DEMARCHE, [accepted]),
                 "--decisions-ds"]) == 0
    out = capsys.readouterr().out
    assert "dossier DS-101 : décision du registre gardée (« Refusé ») ; DS dit « Accepté »" in out
    v = {x.dossier_id: x for x in load_registry(registry).registry.applications}["DS-101"]
    assert (v.status, v.ds_state, v.ds_decided_on) == ("Refusé", "Accepté", date(2021, 4, 6))
    assert main(["recalc", str(registry)]) == 0
    assert "Démarches Simplifiées : dossier « Accepté » dans DS le 06/04/2021, « Refusé » dans le registre" in \
        alerts(registry)["DS-101"]


def registry_values(path: Path) -> dict:
    loaded = load_registry(path)
    return {"apps": loaded.registry.applications, "expenses": loaded.registry.expenses,
            "providers": loaded.registry.providers, "issues": [(i.row, i.column, i.message) for i in loaded.issues]}


@needs_libreoffice
def test_an_export_saved_again_by_libreoffice_imports_the_same(tmp_path):
    """The instructeur opened DS's export in LibreOffice (fr-FR) and saved it: .xlsx as .xlsx, DS's .ods (no
    mimetype) as a proper .ods; each imports into the same registry as the file DS gave."""
    dossiers = week1()
    direct = {}
    for suffix in (".xlsx", ".ods"):
        export = write_export(tmp_path / f"ds{suffix}", DEMARCHE, dossiers)
        reg = tmp_path / f"direct{suffix}.xlsx"
        build_registry(reg, parameters_for("63", "Puy-de-Dôme"))
        assert main(["import", str(reg), export]) == 0
        direct[suffix] = registry_values(reg)
    assert direct[".xlsx"] == direct[".ods"]
    profile = french_profile(tmp_path / "profil")
    (saved_xlsx,) = convert(profile, [tmp_path / "ds.xlsx"], XLSX, tmp_path / "lo-xlsx")
    (saved_ods,) = convert(profile, [tmp_path / "ds.ods"], ODS, tmp_path / "lo-ods")
    import zipfile

    with zipfile.ZipFile(saved_ods) as z:
        assert z.namelist()[0] == "mimetype"  # LibreOffice repairs what rodf left out
    for saved in (saved_xlsx, saved_ods):
        reg = tmp_path / f"lo-{saved.suffix[1:]}.xlsx"
        build_registry(reg, parameters_for("63", "Puy-de-Dôme"))
        assert main(["import", str(reg), str(saved)]) == 0
        assert registry_values(reg) == direct[".xlsx"], saved.name
