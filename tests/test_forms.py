"""Blank application forms, filled as a user would, imported into a real registry; broken and hostile .docx."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import docx
import pytest
from lxml import etree

from fitn_xl import schema
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.core.params import parameters_for
from fitn_xl.forms import fields as f
from fitn_xl.forms.build import FILE_NAMES, write_forms
from fitn_xl.forms.docx_in import W14, FormError, W, _safe_parser, parse_xml, read_controls
from fitn_xl.forms.fill import fill_form
from fitn_xl.forms.importer import read_journal
from fitn_xl.forms.parse import parse_form
from fitn_xl.workbook.read import load_registry

A1 = FILE_NAMES["annexe1"]
A2 = FILE_NAMES["annexe2"]


@pytest.fixture(scope="module")
def blanks(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forms")
    write_forms(out)
    return out


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registre.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme", service="Bureau de la modernisation"))
    return path


ANNEX1_VALUES = {
    "applicant": "Commune de Riom",
    "civility": "M.",
    "representative": "Jean Dupont",
    "representative_role": "Maire",
    "address": "1 place de la Mairie\n63200 Riom",
    "email": "mairie@riom.example",
    "phone": "04 73 00 00 00",
    "measure": f.MEASURE_CHOICES_ANNEX1[0][1],
    "description": "Diagnostic numérique & feuille de route.\nDeuxième ligne.",
    "total_cost": "12 000 €",
    "requested": "10000,50",
    "decision_commitment": True,
    "signed_on": "01/03/2021",
    "signature": "J. Dupont",
    "title": "Accompagnement à la dématérialisation",
    "applicant_type": "Commune",
    "insee_or_siren": "63300",
    "population": "4 500",
    "funded_by_authorities_only": "Non",
    "planned_end": "30/11/2022",
    "Depenses.1.label": "Diagnostic",
    "Depenses.1.category": "Prestation d'accompagnement ou de conseil",
    "Depenses.1.supplier": "Conseil Auvergne",
    "Depenses.1.amount": "9 000",
    "Depenses.2.label": "Logiciel de GRU",
    "Depenses.2.category": "Licence ou abonnement logiciel",
    "Depenses.2.supplier": "Éditeur US",
    "Depenses.2.publisher_country": "États-Unis",
    "Depenses.2.amount": "3 000 €",
    "Prestataires.1.name": "Conseil Auvergne",
    "Prestataires.1.siret": "732 829 320 00074",
    "Prestataires.1.department": "63",
    "Prestataires.1.amount": "9000",
}


def _tags(path: Path) -> dict[str, object]:
    return {c.tag: c for c in read_controls(path)}


# --- blank forms -----------------------------------------------------------------------------------------------


def test_blank_forms_have_every_field_as_a_tagged_content_control(blanks):
    for annex, name in FILE_NAMES.items():
        spec = f.SPECS[annex]()
        with zipfile.ZipFile(blanks / name) as zf:
            root = etree.fromstring(zf.read("word/document.xml"))
        sdts = {}
        for sdt in root.iter(f"{{{W}}}sdt"):
            sdts[sdt.find(f"{{{W}}}sdtPr/{{{W}}}tag").get(f"{{{W}}}val")] = sdt
        assert set(sdts) == {fl.tag for fl in spec.all_fields()} | {f.FORM_TAG}
        for fl in spec.all_fields():
            pr = sdts[fl.tag].find(f"{{{W}}}sdtPr")
            if fl.control == f.DROPDOWN:
                items = [i.get(f"{{{W}}}value") for i in pr.iter(f"{{{W}}}listItem")]
                assert items == [v for v, _ in fl.choices]
            elif fl.control == f.CHECKBOX:
                assert pr.find(f"{{{W14}}}checkbox") is not None
            else:
                assert pr.find(f"{{{W}}}showingPlcHdr") is not None
        # registry attrs are the tags of the fields that have a registry column
        assert {"applicant", "requested", "total_cost", "planned_end", "applicant_type"} <= set(sdts)
        text = "\n".join(p.text for p in docx.Document(blanks / name).paragraphs)
        assert "Informations complémentaires demandées par la préfecture" in text
        assert f.COMMITMENT in text
    measure = next(fl for fl in f.annex1().all_fields() if fl.tag == "measure")
    assert [v for v, _ in measure.choices] == ["3a", "3b", "3c"]


def test_blank_form_untouched_reports_required_fields_as_missing(blanks):
    form = parse_form(blanks / A1)
    assert form.annex == "annexe1"
    assert f"Formulaire « {A1} », champ « Entité territoriale » : valeur obligatoire manquante" in form.errors
    assert any("case non cochée" in e for e in form.errors)
    assert not form.expenses and not form.providers


def test_forms_command_takes_prefecture_and_deadline_from_registry(tmp_path):
    reg = tmp_path / "r.xlsx"
    build_registry(reg, parameters_for("15", "Cantal", service="Bureau du numérique",
                                       results_deadline=date(2023, 6, 30)))
    assert main(["forms", "-o", str(tmp_path / "out"), "--registre", str(reg)]) == 0
    # annexe 1 (3a–3c) goes to the préfecture de département, annexe 2 (3d) to the préfet de région's SGAR
    tops = {}
    for annex, name in FILE_NAMES.items():
        d = docx.Document(tmp_path / "out" / name)
        text = "\n".join(p.text for p in d.paragraphs)
        tops[annex] = d.paragraphs[0].text
        assert "30 juin 2023" in text and "30/06/2023" not in text
        assert d.core_properties.author != "python-docx" and "python-docx" not in d.core_properties.comments
    assert tops["annexe1"] == "À adresser à\u202f: Préfecture du Cantal — Bureau du numérique"
    assert tops["annexe2"] == ("À adresser à\u202f: Secrétariat général pour les affaires régionales "
                               "Auvergne-Rhône-Alpes")
    assert main(["forms", "-o", str(tmp_path / "o2"), "--departement", "2A"]) == 0
    assert "Préfecture de la Corse-du-Sud" in docx.Document(tmp_path / "o2" / A1).paragraphs[0].text
    assert "Corse" in docx.Document(tmp_path / "o2" / FILE_NAMES["annexe2"]).paragraphs[0].text


def test_forms_command_bad_department_is_usage_error(tmp_path, capsys):
    assert main(["forms", "-o", str(tmp_path), "--departement", "99"]) == 2
    assert "n'est pas un code de département" in capsys.readouterr().err


# --- round trip ------------------------------------------------------------------------------------------------


def test_round_trip_annex1_every_value_in_the_registry(blanks, registry, tmp_path, capsys):
    filled = fill_form(blanks / A1, tmp_path / "riom.docx", ANNEX1_VALUES)
    assert main(["import", str(registry), str(filled), "--date-reception", "02/03/2021"]) == 0
    out = capsys.readouterr().out
    assert "riom.docx » → dossier 63-2021-001" in out
    loaded = load_registry(registry)
    assert loaded.issues == []
    (app,) = loaded.registry.applications
    assert app.dossier_id == "63-2021-001"
    assert app.received_on == date(2021, 3, 2)
    assert app.status == "Reçu"
    assert app.measure == "3a"
    assert app.applicant == "Commune de Riom"
    assert app.applicant_type == "Commune"
    assert app.representative == "Jean Dupont" and app.representative_role == "Maire" and app.civility == "M."
    assert app.address == "1 place de la Mairie\n63200 Riom"
    assert app.email == "mairie@riom.example" and app.phone == "04 73 00 00 00"
    assert app.title == "Accompagnement à la dématérialisation"
    assert app.description == "Diagnostic numérique & feuille de route.\nDeuxième ligne."
    assert app.total_cost == D("12000") and app.requested == D("10000.50")
    assert app.decision_commitment is True
    assert app.population == 4500 and app.insee_or_siren == "63300"
    assert app.funded_by_authorities_only is False
    assert app.planned_end == date(2022, 11, 30)
    assert app.digital_transformation is None and app.granted is None  # the instructeur's to fill
    exp = sorted(loaded.registry.expenses, key=lambda e: e.amount)
    assert [(e.label, e.category, e.supplier, e.publisher_country, e.amount) for e in exp] == [
        ("Logiciel de GRU", schema.LICENCE, "Éditeur US", "US", D("3000")),
        ("Diagnostic", "Prestation d'accompagnement ou de conseil", "Conseil Auvergne", "", D("9000")),
    ]
    (prov,) = loaded.registry.providers
    assert (prov.dossier_id, prov.name, prov.siret, prov.department, prov.amount) == (
        "63-2021-001", "Conseil Auvergne", "73282932000074", "63", D("9000"))
    (entry,) = read_journal(registry)
    assert entry.operation == "Import formulaire" and entry.dossier_id == "63-2021-001"
    assert entry.sha256 == parse_form(filled).fingerprint and len(entry.sha256) == 64
    assert entry.file == "riom.docx"


def test_round_trip_annex2_laboratory(blanks, registry, tmp_path):
    values = {k: v for k, v in ANNEX1_VALUES.items() if not k.startswith(("Depenses", "Prestataires"))}
    del values["measure"], values["description"]
    values.update({"applicant": "Labo 63", "applicant_type": "Structure pilote d'un laboratoire d'innovation "
                                                            "territoriale",
                   "objectives": "Simplifier les démarches.", "project_description": "Un guichet unique.",
                   "beneficiaries": "Riom, Volvic", "expected_results": "Délais divisés par deux.",
                   "authorities_share": "6 000"})
    filled = fill_form(blanks / A2, tmp_path / "labo.docx", values)
    assert main(["import", str(registry), str(filled), "--date-reception", "2021-04-01"]) == 0
    (app,) = load_registry(registry).registry.applications
    assert app.measure == "3d" and app.applicant_type == schema.STRUCTURE_PILOTE
    assert app.authorities_share == D("6000")
    assert app.description == ("Objectifs : Simplifier les démarches.\n\nDescription : Un guichet unique.\n\n"
                               "Collectivité(s) bénéficiaire(s) associée(s) : Riom, Volvic\n\n"
                               "Résultats attendus : Délais divisés par deux.")


def test_form_saved_without_tags_is_read_by_position(blanks, tmp_path):
    """LibreOffice up to 7.4 keeps content controls and their order but drops `w:tag`."""
    filled = fill_form(blanks / A1, tmp_path / "x.docx", ANNEX1_VALUES)
    stripped = tmp_path / "lo.docx"
    with zipfile.ZipFile(filled) as zin, zipfile.ZipFile(stripped, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for tag in list(root.iter(f"{{{W}}}tag")):
                    tag.getparent().remove(tag)
                data = etree.tostring(root)
            zout.writestr(info, data)
    assert all(not c.tag for c in read_controls(stripped))
    a, b = parse_form(filled), parse_form(stripped)
    assert b.errors == [] and b.application == a.application and b.expenses == a.expenses
    assert b.fingerprint == a.fingerprint


# --- careless forms, duplicates --------------------------------------------------------------------------------


def test_careless_forms_are_reported_and_others_go_through(blanks, registry, tmp_path, capsys):
    good = fill_form(blanks / A1, tmp_path / "bon.docx", ANNEX1_VALUES)
    words = fill_form(blanks / A1, tmp_path / "lettres.docx", {**ANNEX1_VALUES, "total_cost": "douze mille"})
    values = dict(ANNEX1_VALUES)
    del values["applicant"]  # left with its placeholder
    values["decision_commitment"] = False
    careless = fill_form(blanks / A1, tmp_path / "oubli.docx", values)
    licence = fill_form(blanks / A1, tmp_path / "pays.docx", {**ANNEX1_VALUES, "Depenses.2.publisher_country": ""})
    rc = main(["import", str(registry), str(good), str(words), str(careless), str(licence)])
    err = capsys.readouterr().err
    assert rc == 1
    assert ("Formulaire « lettres.docx », champ « Coût global du projet » : « douze mille » n'est pas un montant"
            in err)
    assert "Formulaire « oubli.docx », champ « Entité territoriale » : valeur obligatoire manquante" in err
    assert "Formulaire « oubli.docx », champ « Engagement du demandeur » : case non cochée" in err
    assert "Formulaire « pays.docx », champ « Dépenses, ligne 2, Pays de l'éditeur » : obligatoire pour une " \
           "licence" in err
    loaded = load_registry(registry)
    assert [a.applicant for a in loaded.registry.applications] == ["Commune de Riom"]
    assert len(loaded.registry.expenses) == 2
    assert [e.file for e in read_journal(registry)] == ["bon.docx"]


def test_same_form_twice_is_not_a_second_dossier(blanks, registry, tmp_path, capsys):
    first = fill_form(blanks / A1, tmp_path / "a.docx", ANNEX1_VALUES)
    assert main(["import", str(registry), str(first)]) == 0
    capsys.readouterr()
    before = registry.read_bytes()
    # the same answers typed differently, under another name
    again = fill_form(blanks / A1, tmp_path / "copie.docx",
                      {**ANNEX1_VALUES, "total_cost": "12000", "requested": "10 000,50 €"})
    assert main(["import", str(registry), str(again), str(first)]) == 0
    out = capsys.readouterr().out
    year = date.today().year
    assert f"Formulaire « copie.docx » : déjà importé, c'est le dossier 63-{year}-001" in out
    assert f"Formulaire « a.docx » : déjà importé, c'est le dossier 63-{year}-001" in out
    assert registry.read_bytes() == before
    other = fill_form(blanks / A1, tmp_path / "b.docx", {**ANNEX1_VALUES, "applicant": "Commune de Volvic"})
    assert main(["import", str(registry), str(other)]) == 0
    ids = [a.dossier_id for a in load_registry(registry).registry.applications]
    assert ids == [f"63-{year}-001", f"63-{year}-002"]


# --- broken and hostile inputs ---------------------------------------------------------------------------------


def _import_refused(registry: Path, file: Path, capsys) -> str:
    before = registry.read_bytes()
    assert main(["import", str(registry), str(file)]) == 1
    assert registry.read_bytes() == before
    return capsys.readouterr().err


def test_word_document_that_is_not_a_form(registry, tmp_path, capsys):
    d = docx.Document()
    d.add_paragraph("Madame la préfète, veuillez trouver ma demande.")
    d.save(tmp_path / "lettre.docx")
    err = _import_refused(registry, tmp_path / "lettre.docx", capsys)
    assert "Formulaire « lettre.docx » : ce document n'est pas un formulaire de demande fitn-xl" in err
    (tmp_path / "faux.docx").write_text("pas un zip", encoding="utf-8")
    err = _import_refused(registry, tmp_path / "faux.docx", capsys)
    assert "Formulaire « faux.docx » : ce n'est pas un document Word (.docx)" in err
    assert "Traceback" not in err


def _docx_with_document(path: Path, document: bytes, blank: Path | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if blank is not None:
            with zipfile.ZipFile(blank) as src:
                for info in src.infolist():
                    if info.filename != "word/document.xml":
                        zf.writestr(info, src.read(info))
        zf.writestr("word/document.xml", document)
    return path


def test_zip_bomb_is_refused_before_reading(registry, tmp_path, capsys):
    big = _docx_with_document(tmp_path / "bombe.docx", b"<" + b"\0" * (25 * 1024 * 1024) + b">")
    assert big.stat().st_size < 100_000
    err = _import_refused(registry, big, capsys)
    assert "« word/document.xml » est trop volumineux une fois décompressé" in err
    ratio = _docx_with_document(tmp_path / "ratio.docx", b" " * (5 * 1024 * 1024))
    err = _import_refused(registry, ratio, capsys)
    assert "taux de compression anormal" in err


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>
<w:t>&lol4;</w:t></w:r></w:p></w:body></w:document>"""


def _external(secret: Path) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>
<w:sdt><w:sdtPr><w:tag w:val="applicant"/></w:sdtPr><w:sdtContent><w:r><w:t>&x;</w:t></w:r></w:sdtContent></w:sdt>
</w:p></w:body></w:document>""".encode()


def test_entities_and_external_references_are_refused(blanks, registry, tmp_path, capsys):
    laughs = _docx_with_document(tmp_path / "rires.docx", BILLION_LAUGHS, blanks / A1)
    err = _import_refused(registry, laughs, capsys)
    assert "contient une déclaration DTD ou d'entité, interdite dans un document Word" in err
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET", encoding="utf-8")
    external = _docx_with_document(tmp_path / "externe.docx", _external(secret), blanks / A1)
    err = _import_refused(registry, external, capsys)
    assert "déclaration DTD" in err and "MOT-DE-PASSE-SECRET" not in err
    with pytest.raises(FormError):
        parse_xml(_external(secret), "word/document.xml")


def test_parser_itself_never_expands_entities_nor_reads_files(tmp_path):
    """Second line of defence, should the DTD pre-check be bypassed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET", encoding="utf-8")
    root = etree.fromstring(_external(secret), _safe_parser())
    assert "MOT-DE-PASSE-SECRET" not in etree.tostring(root, encoding="unicode")
    root = etree.fromstring(BILLION_LAUGHS, _safe_parser())
    assert len(etree.tostring(root)) < 5000
