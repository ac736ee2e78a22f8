"""Every kind of document, rendered as a clerk prints it (LibreOffice -> PDF -> text), for each measure and each
ground of refusal, from a registry with every optional parameter filled and one with all of them empty.

One LibreOffice call converts all the documents of a registry (CI stays fast); the assertions read the PDF text:
no hole left by an empty value, French spacing, the right authority, plurals written out, one font, properties
naming the service. The PNG pages (`../shared/tools/look`) were looked at by hand when this was written.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from fitn_xl import app
from fitn_xl.app.result import Clock
from fitn_xl.book.build import build_registry
from fitn_xl.core.model import Application, Expense, Provider, Registry, Report, Score
from fitn_xl.core.params import parameters_for
from fitn_xl.ditp.reminders import reminder_body
from fitn_xl.typography import ordinary_gaps

CLOCK = Clock(datetime(2021, 6, 30, 18, 0))
TOOLS = all(shutil.which(t) for t in ("soffice", "pdftotext", "pdfinfo", "pdffonts"))

FULL = dict(service="Bureau de la modernisation", signatory="La préfète du Finistère",
            prefecture_town="Quimper", region="Bretagne", regional_prefect="le préfet de la région Bretagne",
            sgar_service="SGAR Bretagne — Mission modernisation", sgar_signatory="Pour le préfet de région et par "
            "délégation, le secrétaire général pour les affaires régionales", sgar_town="Rennes",
            extra={"Imputation budgétaire": "programme 363, action 4"})
EMPTY = dict(service="", signatory="", prefecture_town="", region="", regional_prefect="", sgar_service="",
             sgar_signatory="", sgar_town="")


def _app(did: str, **kw) -> Application:
    base = dict(received_on=date(2021, 3, 2), measure="3a", applicant="Commune de Plougastel", applicant_type="Commune",
                insee_or_siren="29189", population=4200, representative="Mme Anne Le Goff", representative_role="Maire",
                address="Place de la Mairie, 29470 Plougastel", email="mairie@plougastel.example",
                title="Diagnostic numérique : feuille de route ; priorités", description="Diagnostic et ateliers",
                decision_commitment=True, digital_transformation=True, planned_end=date(2022, 6, 30),
                total_cost=D(8000), requested=D(5000), contract_mode="Convention", status="Lauréat",
                decided_on=date(2021, 5, 25), granted=D(5000))
    base.update(kw)
    return Application(dossier_id=did, **base)


def registry(params: dict) -> Registry:
    p = parameters_for("29", "Finistère", envelope=D(20000), envelope_3d=D(100000),
                       reference_date=date(2021, 6, 30), **params)
    apps = (
        _app("29-2021-001"),  # 3a, Mme + Maire
        _app("29-2021-002", measure="3b", applicant="Communauté de communes du Pays des Abers",
             applicant_type="Communauté de communes", insee_or_siren="242900645", representative="Yves Le Bras",
             civility="M.", representative_role="Président", contract_mode="CRTE", granted=D("7500.50"),
             requested=D(8000), total_cost=D(9000)),
        _app("29-2021-003", measure="3c", applicant="Département du Finistère", applicant_type="Département",
             insee_or_siren="", representative="", representative_role="", address="", total_cost=None,
             planned_end=None, granted=D(12000), requested=D(12000)),  # every optional field empty
        _app("29-2021-004", measure="3d", applicant="Association Lab'Breizh", applicant_type="Structure pilote d'un "
             "laboratoire d'innovation territoriale", insee_or_siren="812345678", representative="Claire Kerjean",
             representative_role="Directeur", civility="Mme", total_cost=D(60000), requested=D(30000),
             authorities_share=D(30000), granted=D(30000), planned_end=date(2022, 12, 31)),
        # refusals, one per ground
        _app("29-2021-005", status="Inéligible", planned_end=date(2023, 6, 30), decided_on=date(2021, 5, 25),
             granted=None, applicant="Maison de l'emploi du Léon", applicant_type="Personne morale financée par des "
             "collectivités", funded_by_authorities_only=False, representative="M. Hervé Guivarc'h",
             representative_role="Directeur"),
        _app("29-2021-006", status="Refusé", refusal_reason="Note insuffisante", granted=None),
        _app("29-2021-007", status="Refusé", refusal_reason="Enveloppe épuisée", granted=None, requested=D(3000)),
        _app("29-2021-008", status="Refusé", refusal_reason="Dossier incomplet", granted=None),
        _app("29-2021-009", status="Refusé", refusal_reason="Projet relevant d'un autre dispositif", granted=None),
        _app("29-2021-010", status="Refusé", granted=None, measure="3d", applicant="Région Bretagne",
             applicant_type="Région", representative="M. le Président du Conseil régional", representative_role="",
             refusal_reason="le projet ne s'appuie sur aucun laboratoire d'innovation territoriale"),
        _app("29-2021-011", status="Éligible", granted=None, decided_on=None),  # pending: committee
    )
    expenses = (Expense("29-2021-001", "Diagnostic des usages", "Prestation d'accompagnement ou de conseil",
                        "Fournisseur Armor Conseil", "", D(8000)),)
    providers = (Provider("29-2021-001", "Armor Conseil", "73282932000074", "29", D(8000)),)
    scores = tuple(Score(d, f"Évaluateur {k}", False, (D(1 + k), D(2), D(1)), "")
                   for d in ("29-2021-006", "29-2021-007", "29-2021-011") for k in range(2))
    reports = (Report("29-2021-001", date(2021, 1, 15), "En cours", D("0.2"), None, ""),)
    return Registry(p, apps, expenses, providers, scores, reports)


def _documents(tmp: Path, params: dict) -> list[Path]:
    path = tmp / "registre.xlsx"
    reg = registry(params)
    build_registry(path, reg.parameters, reg)
    out = tmp / "docs"
    results = [
        app.conventions(path, out, clock=CLOCK, workers=1, force=True),
        app.letters(path, out, clock=CLOCK, workers=1, force=True),
        app.ditp(path, "2021-06", out, clock=CLOCK),
        app.committee(path, out, clock=CLOCK),
        app.forms(out, registry=path),
    ]
    for r in results:
        assert r.ok, r.text()
    return sorted(out.glob("*.docx"))


def _pdfs(docx: list[Path], out: Path, profile: Path) -> dict[str, str]:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, docx)], capture_output=True, timeout=300, check=False)
    pdfs = {p.stem: p for p in out.glob("*.pdf")}
    assert len(pdfs) == len(docx), sorted(set(d.stem for d in docx) - set(pdfs))  # a batch may stop short
    return {stem: subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout
            for stem, p in pdfs.items()}


def docx_paragraphs(path: Path) -> str:
    """Every paragraph of the body, headers and footers, exactly as stored (the PDF text of LibreOffice reads a
    narrow no-break space as an ordinary one, so spacing is checked here)."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                root = etree.fromstring(zf.read(name))
                out += ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p")]
    return "\n".join(out)


HOLES = re.compile(r"\(\s*\)|,\s*,|—\s*—|^\s*[:;,]|«\s*»|\{\{|\{%|None|\(s\)|\(e\)|é\(e\)|……", re.M)
DANGLING = re.compile(r"^\s*[—–-]\s|\s[—–-]\s*$", re.M)  # a paragraph around an empty value


@pytest.mark.skipif(not TOOLS, reason="LibreOffice or poppler missing")
@pytest.mark.parametrize("params", [FULL, EMPTY], ids=["tous-les-parametres", "parametres-optionnels-vides"])
def test_every_document_prints_without_a_hole(tmp_path, params):
    docx = _documents(tmp_path, params)
    kinds = {p.name.split("-")[3] if p.name[:2] == "29" else p.name.split("_")[0].split("-")[0] for p in docx}
    assert {"convention", "notification", "refus", "liste", "comite", "Demande"} <= kinds, kinds
    for path in docx:
        stored = docx_paragraphs(path)
        assert not ordinary_gaps(stored), (path.name, ordinary_gaps(stored)[:3])
        dangling = [line for line in stored.splitlines() if DANGLING.search(line) and not line.startswith("–\u00a0")
                    and not line.rstrip().endswith(("Pour l'État,", "Pour le bénéficiaire,", "Madame, Monsieur,"))
                    and not re.search(r"(Maire|Président|Directrice|Monsieur|Madame),$", line)]
        assert not dangling, (path.name, dangling[:3])
    texts = _pdfs(docx, tmp_path / "pdf", tmp_path / "profile")
    for stem, text in texts.items():
        flat = text.replace("\u2011", "-")
        if stem.startswith("Demande"):  # the fiche's own form labels: « Collectivité(s) bénéficiaire(s) … »
            flat = flat.replace("(s)", "")
        assert not HOLES.search(flat), (stem, HOLES.search(flat).group(0), flat[:300])
        assert "Madame, Monsieur, M" not in flat and "python-docx" not in flat
        assert "lauréat(s)" not in flat and "note(s)" not in flat
    # from here on, the text as words: line breaks and no-break spaces read as spaces
    texts = {stem: " ".join(t.replace("\u2011", "-").replace("\u00a0", " ").replace("\u202f", " ").split())
             for stem, t in texts.items()}
    by_dossier = {stem[:11]: text for stem, text in texts.items() if stem.startswith("29-")}
    letter = {stem[:11]: text for stem, text in texts.items() if "-refus-" in stem or "-notification-" in stem}
    conv = {stem[:11]: text for stem, text in texts.items() if "-convention-" in stem}

    # the authority follows the measure
    for did in ("29-2021-001", "29-2021-002", "29-2021-003"):
        assert "DU FINISTÈRE" in letter[did] and "RÉGION" not in letter[did].split("Liberté")[0]
    assert "DE LA RÉGION BRETAGNE" in conv["29-2021-004"] and "DE LA RÉGION BRETAGNE" in letter["29-2021-004"]
    assert "représenté par le préfet de la région Bretagne" in conv["29-2021-004"]
    assert "Fait à Rennes, le 30 juin 2021" in conv["29-2021-004"]
    assert "Fait à Quimper, le 30 juin 2021" in conv["29-2021-001"]
    if params is FULL:
        assert "PRÉFÈTE" in conv["29-2021-001"] and "représenté par la préfète du Finistère" in \
            conv["29-2021-001"]
        assert "SGAR Bretagne" in conv["29-2021-004"]
    else:
        assert "Secrétariat général pour les affaires régionales" in conv["29-2021-004"]
        assert "représenté par le préfet du Finistère" in conv["29-2021-001"]

    # salutations and agreement
    assert "Madame la Maire," in letter["29-2021-001"]
    assert "Monsieur le Président," in letter["29-2021-002"]
    assert "Madame, Monsieur," in letter["29-2021-003"]  # nobody named: the general form, nothing dangling
    assert "Madame la Directrice," in letter["29-2021-004"]
    assert "Monsieur le Président," in letter["29-2021-010"]
    flat1 = conv["29-2021-001"]
    assert "La commune de Plougastel (code INSEE 29189)" in flat1 and "représentée par Mme Anne Le Goff, maire" in \
        flat1 and "ci-après désignée « le bénéficiaire »" in flat1
    flat3 = conv["29-2021-003"]
    assert "Le département du Finistère, ci-après désigné" in flat3  # no representative, no address: worded around
    assert "Pour le bénéficiaire," in flat3 and "d'attribuer au département du Finistère" in \
        letter["29-2021-003"]

    # refusals state their ground, in prose, dates in words, the envelope only when it is the ground
    flat = dict(letter)
    assert "la fin du projet est prévue le 30 juin 2023" in flat["29-2021-005"] and "30/06/2023" not in \
        flat["29-2021-005"]
    assert "n'est pas financée exclusivement par des collectivités" in flat["29-2021-005"]
    assert "il a obtenu la note de" in flat["29-2021-006"] and "enveloppe" not in flat["29-2021-006"]
    assert "ont été attribués aux projets les mieux classés" in flat["29-2021-007"]
    assert "éléments nécessaires à son instruction" in flat["29-2021-008"] and "enveloppe" not in \
        flat["29-2021-008"]
    assert "autres dispositifs de financement" in flat["29-2021-009"]
    assert "ne s'appuie sur aucun laboratoire d'innovation territoriale" in flat["29-2021-010"]
    for did in ("29-2021-005", "29-2021-006", "29-2021-008", "29-2021-009", "29-2021-010"):
        assert "enveloppe" not in flat[did], did

    # amounts: cents in conventions and letters, the command line's rule in working documents
    assert "5 000,00 € (cinq mille euros)" in by_dossier["29-2021-001"]
    committee = next(t for s, t in texts.items() if s.startswith("comite"))
    listing = next(t for s, t in texts.items() if s.startswith("liste"))
    assert ",00 €" not in committee and ",00 €" not in listing and "7 500,50 €" in listing
    # table headers not broken inside a word, dossier numbers on one line
    for word in ("Rang", "dossier", "l'enveloppe", "proposé"):
        assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", committee), word  # « Ran g » would fail
    assert "Fournisseur" in by_dossier["29-2021-001"]
    assert "29-2021-011" in committee
    # plurals
    assert "(2 notes)" in committee and re.search(r"\(\d lauréats?\)", committee)

    # properties: the issuing service, one font family
    for pdf in (tmp_path / "pdf").glob("*.pdf"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        author = re.search(r"^Author:\s*(.*)$", info, re.M)
        assert author and ("Préfecture" in author.group(1) or "SGAR" in author.group(1)
                           or "affaires régionales" in author.group(1)), (pdf.name, info)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
        families = {re.sub(r"^[A-Z]{6}\+", "", f.split()[0]).split("-")[0] for f in fonts if f.strip()}
        families -= {"OpenSymbol", "DejaVuSans", "MSGothic", "MS"}  # check-box and bullet glyphs only
        assert len(families) == 1, (pdf.name, families)


def test_reminder_emails_address_the_representative_and_the_authority_of_the_measure():
    reg = registry(FULL)
    params = reg.parameters
    apps = {a.dossier_id: a for a in reg.applications}
    body = reminder_body(apps["29-2021-001"], params, [], [])
    assert body.startswith("Madame la Maire,\n") and "La commune de Plougastel est lauréate" in body
    assert "Nous vous prions d'agréer, Madame la Maire," in body and "Bureau de la modernisation" in body
    lab = reminder_body(replace(apps["29-2021-004"]), params, [], [
        Provider("29-2021-004", "Cantal Digital", "", "15"), Provider("29-2021-004", "Arverne Conseil", "", "63")])
    assert lab.startswith("Madame la Directrice,") and "L'association Lab'Breizh est lauréate" in lab
    assert "SGAR Bretagne — Mission modernisation" in lab and "Préfecture de la région Bretagne" in lab
    assert "Cantal Digital (Cantal) et Arverne Conseil (Puy-de-Dôme)" in lab and "); " not in lab
    empty = reminder_body(apps["29-2021-003"], registry(EMPTY).parameters, [], [])
    assert empty.startswith("Madame, Monsieur,\n") and empty.rstrip().endswith("Préfecture du Finistère")
    for text in (body, lab, empty):
        assert not ordinary_gaps(__import__("fitn_xl.typography").typography.french(text))
