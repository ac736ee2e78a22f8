"""Démarches Simplifiées exports into a real registry: creation, later exports, edits kept, broken exports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import Workbook

from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core.params import parameters_for
from fitn_xl.forms.ds import load_mapping
from fitn_xl.forms.importer import read_journal
from fitn_xl.workbook.read import load_registry
from fitn_xl.workbook.write import append_input_rows, atomic_update
from fitn_xl.workbook.xlsx import XlsxPackage

MAPPING = load_mapping()


def dossier(number: int, **changes) -> dict[str, object]:
    base = {
        "Collectivité": f"Commune n°{number}",
        "Représentant": "Mme Martin",
        "Fonction": "Maire",
        "Adresse": "1 place de la Mairie",
        "Courriel": f"mairie{number}@example.fr",
        "Téléphone": "04 73 00 00 00",
        "Mesure": "3b - Formation au numérique pour des agents de la collectivité",
        "Intitulé du projet": f"Formation des agents {number}",
        "Présentation": "Former 20 agents.",
        "Coût global (€)": 8000,
        "Financement demandé (€)": "6 000 €",
        "Engagement décisionnel": "on",
        "Type de candidat": "Commune",
        "Code INSEE ou SIREN": "63470",
        "Population": 4500,
        "Financée exclusivement par des collectivités": "",
        "Date de fin prévue": datetime(2022, 6, 30),
    }
    base.update(changes)
    return base


def write_export(path: Path, dossiers: dict[int, dict], expenses: dict[int, list[dict]] | None = None,
                 drop: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dossiers"
    labels = ["ID", "Email", "Déposé le", *MAPPING.columns.values()]
    labels = [lb for lb in labels if lb != drop]
    ws.append(labels)
    for number, values in dossiers.items():
        by_ds = {MAPPING.columns[h]: v for h, v in values.items()}
        ws.append([number, "x@example.fr", datetime(2021, 3, 1, 10, 30),
                   *(by_ds.get(lb) for lb in labels[3:])])
    for child in MAPPING.children:
        sheet = wb.create_sheet(child.sheet)
        sheet.append(["Dossier ID", "Ligne", *child.columns.values()])
        if child.table is schema.EXPENSES:
            for number, lines in (expenses or {}).items():
                for i, line in enumerate(lines, 1):
                    sheet.append([number, i, *(line.get(h) for h in child.columns)])
    wb.save(path)
    return path


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    return path


LINES = {101: [{"Libellé": "Formation", "Catégorie": "formation", "Montant (€)": "5 000"},
               {"Libellé": "Licence", "Catégorie": "Licence ou abonnement logiciel", "Pays de l'éditeur": "Allemagne",
                "Montant (€)": 3000}]}


def test_first_export_creates_dossiers_with_their_lines(registry, tmp_path, capsys):
    export = write_export(tmp_path / "export.xlsx", {101: dossier(101), 102: dossier(102, **{"Mesure": "3a"})}, LINES)
    assert main(["import", str(registry), str(export)]) == 0
    out = capsys.readouterr().out
    assert "dossier DS 101 → dossier DS-101" in out and "dossier DS 102 → dossier DS-102" in out
    loaded = load_registry(registry)
    assert loaded.issues == []
    a, b = loaded.registry.applications
    assert (a.dossier_id, b.dossier_id) == ("DS-101", "DS-102")
    assert a.received_on == date(2021, 3, 1) and a.status == "Reçu"
    assert a.measure == "3b" and b.measure == "3a"
    assert a.total_cost == D("8000") and a.requested == D("6000")
    assert a.decision_commitment is True and a.funded_by_authorities_only is None
    assert a.planned_end == date(2022, 6, 30) and a.population == 4500
    assert [(e.dossier_id, e.category, e.publisher_country, e.amount) for e in loaded.registry.expenses] == [
        ("DS-101", "Formation", "", D("5000")), ("DS-101", schema.LICENCE, "DE", D("3000"))]
    journal = read_journal(registry)
    assert [(e.operation, e.dossier_id) for e in journal] == [("Import DS", "DS-101"), ("Import DS", "DS-102")]


def _edit_cell(registry: Path, dossier_id: str, header: str, value) -> None:
    """What an instructeur does in Excel: change one input cell."""
    loaded = load_registry(registry)
    row = loaded.application_rows[dossier_id]
    col = loaded.header_columns[schema.APPLICATIONS.name][header]
    with atomic_update(registry) as tmp, XlsxPackage(registry) as pkg:
        pkg.sheet(schema.SHEET_APPLICATIONS).set_row(row, {col: value})
        pkg.save(tmp)


def test_newer_export_adds_updates_and_keeps_edits(registry, tmp_path, capsys):
    write_export(tmp_path / "v1.xlsx", {101: dossier(101), 102: dossier(102)}, LINES)
    assert main(["import", str(registry), str(tmp_path / "v1.xlsx")]) == 0
    # the instructeur edits DS-102's title and scores DS-101
    _edit_cell(registry, "DS-102", "Intitulé du projet", "Titre revu par l'instructeur")
    append_input_rows(registry, schema.SCORES, [{"N° dossier": "DS-101", "Évaluateur": "A. Durand",
                                                 "Critère 1": 4, "Commentaire": "bien"}])
    capsys.readouterr()
    v2 = {101: dossier(101, **{"Coût global (€)": 9000, "Intitulé du projet": "Nouveau titre 101"}),
          102: dossier(102, **{"Intitulé du projet": "Nouveau titre DS 102", "Population": 4600}),
          103: dossier(103)}
    write_export(tmp_path / "v2.xlsx", v2, {**LINES, 101: LINES[101][:1]})
    assert main(["import", str(registry), str(tmp_path / "v2.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "dossier DS 103 → dossier DS-103" in out
    assert "dossier DS 101 → dossier DS-101 : mis à jour (Intitulé du projet, Coût global (€))" in out
    assert "dossier DS 102 → dossier DS-102 : mis à jour (Population)" in out
    assert ("dossier DS 102 → dossier DS-102 : modifié dans le registre depuis le dernier import, valeur gardée "
            "(Intitulé du projet)") in out
    assert "les lignes de la feuille « Dépenses » ont changé dans DS" in out
    loaded = load_registry(registry)
    assert loaded.issues == []
    apps = {a.dossier_id: a for a in loaded.registry.applications}
    assert list(apps) == ["DS-101", "DS-102", "DS-103"]
    assert apps["DS-101"].total_cost == D("9000") and apps["DS-101"].title == "Nouveau titre 101"
    assert apps["DS-102"].title == "Titre revu par l'instructeur" and apps["DS-102"].population == 4600
    assert len(loaded.registry.expenses) == 2  # lines are not rewritten
    (score,) = loaded.registry.scores
    assert (score.evaluator, score.criteria[0], score.comment) == ("A. Durand", D(4), "bien")

    # a third import of the same export changes nothing and no longer reports the edit as new
    before = registry.read_bytes()
    capsys.readouterr()
    assert main(["import", str(registry), str(tmp_path / "v2.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "Aucune modification du registre." in out and "mis à jour" not in out
    assert registry.read_bytes() == before


def test_missing_column_refuses_the_export(registry, tmp_path, capsys):
    export = write_export(tmp_path / "export.xlsx", {101: dossier(101)}, drop="Coût global du projet")
    before = registry.read_bytes()
    assert main(["import", str(registry), str(export)]) == 1
    err = capsys.readouterr().err
    assert ("Export DS « export.xlsx » : onglet « Dossiers » : colonne « Coût global du projet » (pour « Coût global "
            "(€) ») absente(s) de l'export") in err
    assert registry.read_bytes() == before


def test_bad_dossier_is_skipped_others_imported(registry, tmp_path, capsys):
    export = write_export(tmp_path / "export.xlsx", {
        101: dossier(101, **{"Coût global (€)": "douze mille"}),
        102: dossier(102),
        103: dossier(103, **{"Collectivité": ""}),
    })
    assert main(["import", str(registry), str(export)]) == 1
    err = capsys.readouterr().err
    assert ("Export DS « export.xlsx », dossier DS 101 (ligne 2), colonne « Coût global du projet » : « douze mille » "
            "n'est pas un montant") in err
    assert "dossier DS 103 (ligne 4), colonne « Entité territoriale » : valeur obligatoire manquante" in err
    assert [a.dossier_id for a in load_registry(registry).registry.applications] == ["DS-102"]


def test_mapping_cannot_write_computed_columns(registry, tmp_path, capsys):
    bad = tmp_path / "map.toml"
    bad.write_text('[dossiers]\nnumero = "ID"\n[dossiers.colonnes]\n"Montant proposé (€)" = "Montant"\n',
                   encoding="utf-8")
    export = write_export(tmp_path / "export.xlsx", {101: dossier(101)})
    before = registry.read_bytes()
    assert main(["import", str(registry), str(export), "--correspondance", str(bad)]) == 2
    assert "« Montant proposé (€) » est une colonne calculée" in capsys.readouterr().err
    assert registry.read_bytes() == before


def test_not_an_export(registry, tmp_path, capsys):
    (tmp_path / "export.xlsx").write_text("texte", encoding="utf-8")
    before = registry.read_bytes()
    assert main(["import", str(registry), str(tmp_path / "export.xlsx")]) == 1
    assert "n'est pas un classeur Excel (.xlsx) exporté de Démarches Simplifiées" in capsys.readouterr().err
    assert registry.read_bytes() == before
