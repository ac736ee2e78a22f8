"""Démarches Simplifiées exports, built as DS builds them (`ds_export`), into a real registry with no option:
every format, every dossier, its lines and DS's decision; DS's conventions; bad values flagged, never dropped."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from ds_export import (
    EXPENSES_BLOCK,
    PROVIDERS_BLOCK,
    Geo,
    association,
    block_sheet_name,
    dombes,
    fitn_demarche,
    riom,
    volvic,
    week1,
    write_export,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core.params import parameters_for
from fitn_xl.forms.ds import find_block_sheets, load_mapping
from fitn_xl.forms.importer import read_journal
from fitn_xl.workbook.read import load_registry

DEMARCHE = fitn_demarche()


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    return path


def apps(path: Path) -> dict:
    return {a.dossier_id: a for a in load_registry(path).registry.applications}


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".csv"])
def test_default_mapping_imports_every_dossier_of_a_ds_export(registry, tmp_path, capsys, suffix):
    export = write_export(tmp_path / f"dossiers_fitn7-puy-de-dome_2021-03-22_09-00{suffix}", DEMARCHE, week1())
    if suffix == ".ods":
        import zipfile

        with zipfile.ZipFile(export) as z:
            assert "mimetype" not in z.namelist()  # as rodf writes it
    assert main(["import", str(registry), export]) == 0
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert "Dossiers créés (4)" in out
    loaded = load_registry(registry)
    a = {x.dossier_id: x for x in loaded.registry.applications}
    assert list(a) == ["DS-101", "DS-102", "DS-103", "DS-104"]  # every dossier, the bad one too
    v = a["DS-101"]
    assert (v.applicant, v.measure, v.applicant_type, v.insee_or_siren) == ("Commune de Volvic", "3b", "Commune",
                                                                             "63470")
    assert v.received_on == date(2021, 3, 1) and v.status == "Reçu"
    assert v.total_cost == D("10416.67") and v.requested == D("6000")  # 3 decimals rounded, said so
    assert v.population is None  # DS wrote 0 for the empty champ
    assert v.decision_commitment is True and v.planned_end == date(2022, 6, 30)
    assert v.address == "1 place de la Mairie\n63530 Volvic" and v.phone == "0473000000"
    assert (v.ds_state, v.ds_instructors) == ("En instruction", "instructeur@puy-de-dome.gouv.fr")
    assert v.beneficiary_siret == "21630470900019"  # the applicant's establishment (« Etablissements », « Dossier »)
    assert "« Coût global du projet » : 10 416,667 arrondi au centime (10 416,67 €)" in err.replace("\u202f", " ") \
        .replace("\u00a0", " ")
    assert "« Population (habitants) » vaut 0 dans l'export : DS écrit 0 pour un nombre laissé vide" in err
    s = a["DS-102"]
    assert (s.ds_state, s.ds_decided_on, s.ds_motivation) == ("Classé sans suite", date(2021, 3, 20),
                                                               "Demande retirée par la communauté de communes")
    assert s.status == "Reçu" and s.population == 22000  # DS's decision is kept, not taken (no option)
    r = a["DS-103"]
    assert (r.ds_state, r.ds_decided_on, r.funded_by_authorities_only) == ("Accepté", date(2021, 5, 2), False)
    assert r.granted is None
    if suffix == ".csv":  # DS's CSV has no repeatable block: said so, no line
        assert loaded.registry.expenses == () and loaded.registry.providers == ()
        assert "l'export CSV de DS ne contient pas les blocs répétables" in err
    else:
        lines = [(e.dossier_id, e.label, e.category, e.publisher_country, e.amount) for e in loaded.registry.expenses]
        assert lines == [("DS-101", "Sessions de formation", "Formation", "FR", D("7416.67")),
                         ("DS-101", "Licence collaborative", schema.LICENCE, "DE", D("3000")),
                         ("DS-103", "Développement du guichet", "Développement ou intégration", "FR", D("50000"))]
        providers = [(p.dossier_id, p.name, p.siret, p.department, p.amount) for p in loaded.registry.providers]
        assert providers == [("DS-101", "Forma63", "73282932000074", "63", D("7416.67")),
                             ("DS-102", "Conseil Numérique SA", "", schema.ABROAD, D("24000"))]  # « 99 – Etranger »
    # the bad dossier is in, its cells flagged where they are (the registry's usual errors)
    flagged = [i for i in loaded.issues if i.dossier_id == "DS-104"]
    assert {(i.column, i.message) for i in flagged} == {
        ("Type de candidat", "« Association culturelle » n'est pas une valeur de la liste (Commune, Département, "
                             "Région, Collectivité d'outre-mer ou à statut particulier, Communauté de communes, "
                             "Communauté d'agglomération, Communauté urbaine, Métropole…)"),
        ("Financement demandé (€)", f"« {'-500.0' if suffix == '.csv' else '-500'} » : un montant ne peut pas être "
                                    "négatif"),  # as DS wrote it: the CSV has Ruby's text of the float
    }
    assert "À corriger dans le registre (importé tel que DS l'a écrit ; voir fitn-xl check) (2)" in err
    assert [i for i in loaded.issues if i.dossier_id != "DS-104"] == []
    capsys.readouterr()
    assert main(["check", str(registry)]) == 1
    assert "colonne « Type de candidat » : « Association culturelle »" in capsys.readouterr().out + \
        capsys.readouterr().err
    # DS's decisions against the registry's Statut: alerts once recalculated
    assert main(["recalc", str(registry)]) == 0
    import openpyxl

    wb = openpyxl.load_workbook(registry, read_only=True)
    rows = list(wb[schema.SHEET_APPLICATIONS].iter_rows(values_only=True))
    wb.close()
    alerts = {row[0]: row[rows[0].index("Alertes")] or "" for row in rows[1:] if row[0]}
    assert "Démarches Simplifiées : dossier « Accepté » dans DS le 02/05/2021, « Reçu » dans le registre" \
        in alerts["DS-103"]
    assert "Démarches Simplifiées : dossier « Classé sans suite » dans DS le 20/03/2021, « Reçu » dans le registre" \
        in alerts["DS-102"]
    assert "Démarches Simplifiées" not in alerts["DS-101"]


def test_repeatable_block_sheets_are_found_whatever_ds_did_to_their_names():
    names = ["Dossiers", "Etablissements", "Avis", "(1634718) Depenses prevues", "(1634724) Prestataires retenus",
             "(2001) Depenses prevues", "(77) Signes - et -- points"]
    assert block_sheet_name(DEMARCHE[-3]) == "(1634718) Depenses prevues"  # as DS writes it
    assert block_sheet_name(DEMARCHE[-2]) == "(1634724) Prestataires retenus"  # cut to 30 characters
    assert find_block_sheets(names, "Dépenses prévues") == [("(1634718) Depenses prevues", "1634718"),
                                                            ("(2001) Depenses prevues", "2001")]  # a new revision
    assert find_block_sheets(names, "Prestataires retenus ou envisagés") == [("(1634724) Prestataires retenus",
                                                                             "1634724")]
    assert find_block_sheets(names, "Signes : et ; points") == [("(77) Signes - et -- points", "77")]
    assert find_block_sheets(names, "Prestataires") == []
    assert find_block_sheets(["Dépenses"], "dépenses") == [("Dépenses", None)]  # a hand-made export


def test_a_block_nobody_filled_has_no_sheet_and_gives_no_line(registry, tmp_path, capsys):
    dossiers = [volvic(rows={}), dombes(rows={})]
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, dossiers)
    import python_calamine

    assert python_calamine.CalamineWorkbook.from_path(export).sheet_names == ["Dossiers", "Etablissements", "Avis"]
    assert main(["import", str(registry), export]) == 0
    err = capsys.readouterr().err
    assert "pas d'onglet pour le bloc « Dépenses prévues » (DS n'en écrit pas quand aucun dossier n'a de ligne)" in err
    assert list(apps(registry)) == ["DS-101", "DS-102"]


def test_mapping_labels_may_list_alternatives_and_template_columns(registry, tmp_path, capsys):
    """An « export template »: dossier columns renamed by DS (« N° dossier », « Date de dépôt »…) or by the
    instructeur, block children named « <bloc> – <champ> », typed cells (real booleans, dates, numbers)."""
    template = {"columns": {"ID": "N° dossier", "Déposé le": "Date de dépôt",
                            "Dernière mise à jour le": "Date du dernier évènement", "Traité le": "Date de traitement",
                            "Coût global du projet": "Coût total (€)"}}
    export = write_export(tmp_path / "modele.xlsx", DEMARCHE, [volvic(), riom()], template)
    mapping = tmp_path / "ma-demarche.toml"
    text = (Path(__file__).parent.parent / "fitn_xl" / "forms" / "ds_default.toml").read_text(encoding="utf-8")
    mapping.write_text(text.replace('"Coût global (€)" = "Coût global du projet"',
                                    '"Coût global (€)" = ["Coût global du projet", "Coût total (€)"]'),
                       encoding="utf-8")
    assert main(["import", str(registry), export, "--correspondance", str(mapping)]) == 0
    a = apps(registry)
    assert a["DS-101"].total_cost == D("10416.67") and a["DS-101"].received_on == date(2021, 3, 1)
    assert a["DS-101"].decision_commitment is True and a["DS-103"].ds_decided_on == date(2021, 5, 2)
    loaded = load_registry(registry)
    assert [e.label for e in loaded.registry.expenses] == ["Sessions de formation", "Licence collaborative",
                                                           "Développement du guichet"]
    assert loaded.issues == []


def test_missing_column_refuses_the_export_and_names_a_close_one(registry, tmp_path, capsys):
    demarche = [t if t.stable_id != 1634709 else type(t)(t.stable_id, t.type_champ, "Cout global du projet HT",
                                                          t.mandatory) for t in DEMARCHE]
    export = write_export(tmp_path / "export.xlsx", demarche, [volvic()])
    before = registry.read_bytes()
    assert main(["import", str(registry), export]) == 1
    err = capsys.readouterr().err
    assert ("Export DS « export.xlsx » : onglet « Dossiers » : colonne « Coût global du projet » (pour « Coût global "
            "(€) », colonne proche : « Cout global du projet HT ») absente(s) de l'export") in err
    assert registry.read_bytes() == before


def test_mapping_cannot_write_computed_or_ds_columns(registry, tmp_path, capsys):
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, [volvic()])
    before = registry.read_bytes()
    for header, message in (("Montant proposé (€)", "« Montant proposé (€) » est une colonne calculée"),
                            ("État DS", "la colonne « État DS » est gérée par fitn-xl ou par l'instructeur")):
        bad = tmp_path / "map.toml"
        bad.write_text(f'[dossiers]\nnumero = "ID"\n[dossiers.colonnes]\n"{header}" = "Montant"\n', encoding="utf-8")
        assert main(["import", str(registry), export, "--correspondance", str(bad)]) == 2
        assert message in capsys.readouterr().err
    assert registry.read_bytes() == before


@pytest.mark.parametrize("name,content,message", [
    ("export.xlsx", b"texte", "n'est pas un classeur Excel (.xlsx) exporté de Démarches Simplifiées"),
    ("export.ods", b"texte", "n'est pas un classeur OpenDocument (.ods) exporté de Démarches Simplifiées"),
    ("export.csv", b"", "le fichier CSV est vide"),
    ("export.pdf", b"%PDF", "ni un formulaire (.docx) ni un export Démarches Simplifiées (.xlsx, .ods ou .csv)"),
])
def test_not_an_export(registry, tmp_path, capsys, name, content, message):
    (tmp_path / name).write_bytes(content)
    before = registry.read_bytes()
    assert main(["import", str(registry), str(tmp_path / name)]) == 1
    assert message in capsys.readouterr().err
    assert registry.read_bytes() == before


def test_csv_resaved_by_a_french_spreadsheet_is_read(registry, tmp_path):
    export = Path(write_export(tmp_path / "export.csv", DEMARCHE, [riom()]))
    import csv
    import io

    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    export.write_bytes(out.getvalue().encode("cp1252", errors="replace"))
    assert main(["import", str(registry), str(export)]) == 0
    r = apps(registry)["DS-103"]
    assert (r.applicant, r.ds_state, r.total_cost) == ("Commune de Riom", "Accepté", D("50000"))


def test_journal_remembers_each_dossier_and_when_ds_last_changed_it(registry, tmp_path):
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, [volvic(), riom()])
    assert main(["import", str(registry), export]) == 0
    journal = read_journal(registry)
    assert [(e.operation, e.dossier_id, e.file) for e in journal] == [("Import DS", "DS-101", "export.xlsx"),
                                                                      ("Import DS", "DS-103", "export.xlsx")]
    detail = json.loads(journal[0].detail)
    assert detail["ds"] == "101" and detail["maj"] == "2021-03-05 09:00:00"
    assert datetime.fromisoformat(json.loads(journal[1].detail)["maj"]) == datetime(2021, 5, 2, 10)


def test_many_lines_keep_their_order_and_an_empty_optional_number_is_missing(registry, tmp_path):
    d = volvic(rows={EXPENSES_BLOCK: [{1634719: f"Ligne {i}", 1634720: "Formation", 1634723: str(100 * i)}
                                      for i in range(1, 13)],
                     PROVIDERS_BLOCK: [{1634725: "Forma63", 1634727: Geo("Puy-de-Dôme", "63")}]})
    export = write_export(tmp_path / "export.ods", DEMARCHE, [d])
    assert main(["import", str(registry), export]) == 0
    loaded = load_registry(registry)
    assert [e.label for e in loaded.registry.expenses] == [f"Ligne {i}" for i in range(1, 13)]
    assert loaded.registry.providers[0].amount is None  # an empty optional number: 0 in the export, read as missing


def test_default_mapping_matches_the_demarche_document():
    """docs/demarche-ds.md lists every champ the default mapping reads, with its DS type."""
    doc = (Path(__file__).parent.parent / "docs" / "demarche-ds.md").read_text(encoding="utf-8")
    mapping = load_mapping()
    labels = [ls[0] for ls in mapping.columns.values()]
    labels += [child.block for child in mapping.children]
    labels += [ls[-1] for child in mapping.children for ls in child.columns.values()]
    for label in labels:
        assert f"| {label} |" in doc, label
    for tdc in DEMARCHE:
        assert f"| {tdc.libelle} |" in doc, tdc.libelle
    assert association().champs[1634713] not in doc


def test_a_registry_of_an_earlier_version_is_upgraded_first(tmp_path, capsys):
    import shutil

    old = tmp_path / "registre.xlsx"
    shutil.copy(Path(__file__).parent / "fixtures" / "registre-fitn-xl-0.1.xlsx", old)
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, [volvic()])
    before = old.read_bytes()
    assert main(["import", str(old), export]) == 1
    err = capsys.readouterr().err
    assert ("Import impossible : le registre n'a pas les colonnes « État DS », « Décision DS le », « Motivation DS », "
            "« Instructeurs DS »") in err and "Mettez-le d'abord à jour : fitn-xl upgrade registre.xlsx" in err
    assert old.read_bytes() == before
    assert main(["upgrade", str(old)]) == 0
    assert main(["import", str(old), export]) == 0
    assert "DS-101" in {a.dossier_id for a in load_registry(old).registry.applications}


def test_a_required_value_ds_left_empty_lands_with_its_dossier_and_is_reported(registry, tmp_path, capsys):
    """DS writes 0 for a number champ left empty (a block's « Montant (€) », the dossier's « Coût global du
    projet »), and a template can leave out a mandatory text: the registry reports the empty required cells, the
    import still writes every dossier and every line, and says where to correct."""
    v = volvic()
    del v.champs[1634709]  # Coût global du projet: 0 in the export
    v.rows[EXPENSES_BLOCK][0][1634723] = None  # Montant (€) of the first line: 0 in the export
    v.rows[EXPENSES_BLOCK][1][1634719] = None  # Libellé of the second line: empty
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, [v, riom()])
    assert main(["import", str(registry), export]) == 0
    err = capsys.readouterr().err
    loaded = load_registry(registry)
    assert list(apps(registry)) == ["DS-101", "DS-103"]
    import openpyxl

    wb = openpyxl.load_workbook(registry, read_only=True)
    lines = [r[:6] for r in wb[schema.EXPENSES.sheet].iter_rows(min_row=2, values_only=True) if r[0]]
    wb.close()
    assert [(line[0], line[1], line[5]) for line in lines] == [  # N° dossier, Libellé, Montant (€): every line
        ("DS-101", "Sessions de formation", None), ("DS-101", None, 3000),
        ("DS-103", "Développement du guichet", 50000)]
    assert apps(registry)["DS-101"].total_cost is None
    assert {(i.sheet, i.row, i.column, i.message) for i in loaded.issues} == {
        ("Dépenses", 2, "Montant (€)", "valeur obligatoire manquante"),
        ("Dépenses", 3, "Libellé", "valeur obligatoire manquante")}
    assert "À corriger dans le registre (importé tel que DS l'a écrit ; voir fitn-xl check) (2) :" in err
    assert ("dossier DS 101, onglet « (1634718) Depenses prevues », ligne 2 : « Montant (€) » vaut 0 dans l'export : "
            "DS écrit 0 pour un nombre laissé vide, lu comme non renseigné") in err
    assert "« Coût global du projet » vaut 0 dans l'export" in err


@pytest.mark.parametrize("sheet,header,raw,expected", [
    # booleans: a checkbox champ (on/off), a dossier boolean or an API value (true/false text), template cells
    (schema.SHEET_APPLICATIONS, "Engagement décisionnel", "on", True),
    (schema.SHEET_APPLICATIONS, "Engagement décisionnel", "off", False),
    (schema.SHEET_APPLICATIONS, "Engagement décisionnel", "true", True),
    (schema.SHEET_APPLICATIONS, "Engagement décisionnel", "false", False),
    (schema.SHEET_APPLICATIONS, "Engagement décisionnel", True, True),
    (schema.SHEET_APPLICATIONS, "Financée exclusivement par des collectivités", "Non", False),
    # a date champ is ISO text; a template types it; .ods and .csv write dates as text with their offset
    (schema.SHEET_APPLICATIONS, "Date de fin prévue", "2022-03-31", date(2022, 3, 31)),
    (schema.SHEET_APPLICATIONS, "Date de fin prévue", datetime(2022, 3, 31), date(2022, 3, 31)),
    (schema.SHEET_APPLICATIONS, "Date de fin prévue", "2022-03-31 00:00:00 +0200", date(2022, 3, 31)),
    # drop-downs: the option's text, of which the registry keeps its code
    (schema.SHEET_APPLICATIONS, "Mesure", "3c - Financement d'un projet de transformation numérique", "3c"),
    (schema.SHEET_APPLICATIONS, "État DS", "accepte", "Accepté"),  # the API's enum
    # départements and pays: by name, by code (the « (Code) » column), « 99 – Etranger »
    (schema.SHEET_PROVIDERS, "Département du siège", "Puy-de-Dôme", "63"),
    (schema.SHEET_PROVIDERS, "Département du siège", "2A", "2A"),
    (schema.SHEET_PROVIDERS, "Département du siège", "99 – Etranger", schema.ABROAD),
    (schema.SHEET_PROVIDERS, "Département du siège", "63 – Puy-de-Dôme", "63"),
    (schema.SHEET_EXPENSES, "Pays de l'éditeur", "DE", "DE"),
    # numbers: 0 where 0 is impossible is DS's empty champ; 3 decimals rounded to the cent
    (schema.SHEET_APPLICATIONS, "Population", 0, None),
    (schema.SHEET_APPLICATIONS, "Population", 0.0, None),
    (schema.SHEET_PROVIDERS, "Montant commandé (€)", 0, None),
    (schema.SHEET_APPLICATIONS, "Coût global (€)", 10416.667, D("10416.67")),
    (schema.SHEET_APPLICATIONS, "Coût global (€)", "10416.665", D("10416.67")),  # half up, not to even
])
def test_ds_cell_conventions(sheet, header, raw, expected):
    from fitn_xl.forms.ds import parse_value

    table = next(t for t in schema.INPUT_TABLES if t.sheet == sheet)
    value, note = parse_value(raw, table.column(header), "Champ DS")
    assert value == expected
    said = (raw == 0 and expected is None) or header == "Coût global (€)"  # DS's 0, the rounding: each said
    assert bool(note) == said, note
    if said:
        assert note.startswith("« Champ DS »")


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=D("0.001"), max_value=D("999999999.999"), places=3))
def test_any_ds_amount_is_rounded_to_the_cent_with_a_note_when_it_had_a_third_decimal(amount):
    from fitn_xl.forms.ds import parse_value

    column = schema.EXPENSES.column("Montant (€)")
    for raw in (float(amount), str(amount)):  # an .xlsx/.ods number, a .csv or API text
        value, note = parse_value(raw, column, "Montant (€)")
        assert value == amount.quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert bool(note) == (amount != amount.quantize(D("0.01")))


def test_a_text_longer_than_a_cell_holds_is_cut_and_said_and_its_dossier_lands(registry, tmp_path, capsys):
    """A DS textarea has no limit; a cell of Excel holds 32 767 characters (and the registry's writer refuses more):
    the text is cut there, said, and the dossier lands with the others."""
    v = volvic()
    v.champs[1634708] = ("Former les agents. " * 2_200).strip()  # 41 799 characters
    v.rows[EXPENSES_BLOCK][0][1634719] = "L" * 33_000
    export = write_export(tmp_path / "export.xlsx", DEMARCHE, [v, riom()])
    assert main(["import", str(registry), export]) == 0
    err = capsys.readouterr().err
    a = apps(registry)
    assert list(a) == ["DS-101", "DS-103"]
    assert a["DS-101"].description == v.champs[1634708][:32_767].strip()  # what a registry cell holds
    assert ("dossier DS 101 (ligne 2) : « Présentation du projet en 10 lignes » : texte de 41\u202f799 caractères "
            "coupé aux 32\u202f767 qu'une cellule d'Excel peut contenir (le texte entier reste dans DS)") in err
    assert "onglet « (1634718) Depenses prevues », ligne 2 : « Libellé » : texte de 33\u202f000 caractères" in err
    assert load_registry(registry).registry.expenses[0].label == "L" * 32_767
