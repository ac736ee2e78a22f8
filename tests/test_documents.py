"""Word documents: context, templates, rendering (fast path vs docxtpl), file names, and the two commands."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from fitn_xl.core import compute
from fitn_xl.documents import (
    CompiledTemplate,
    DocumentError,
    RenderJob,
    canonical_parts,
    dossier_context,
    render_documents,
    render_docxtpl,
)
from fitn_xl.documents.batch import BUILTIN_TEMPLATES, TEMPLATE_FILES, document_filename, safe_filename
from fitn_xl.documents.context import DEFAULT_PAYMENT_TERMS
from fitn_xl.documents.sample import TRICKY, sample_loaded, sample_registry
from fitn_xl.formatting import amount_in_words, format_eur, long_date, ordinal
from fitn_xl.typography import NB_HYPHEN, NNBSP

CONVENTION = BUILTIN_TEMPLATES / "convention.docx"
NOTIFICATION = BUILTIN_TEMPLATES / "lettre-notification.docx"
REFUSAL = BUILTIN_TEMPLATES / "lettre-refus.docx"
TODAY = date(2021, 7, 1)


def docx_text(data: bytes) -> str:
    """All the text a reader sees: body paragraphs, table cells, every header and footer (python-docx)."""
    doc = Document(BytesIO(data))
    out = []

    def walk(container):
        for p in container.paragraphs:
            out.append(p.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(doc)
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.footer, section.first_page_footer):
            walk(part)
    return plain("\n".join(out))


def plain(text: str) -> str:
    """The text with French spacing and unbreakable hyphens read as ordinary ones (what a search finds)."""
    return text.replace(NNBSP, " ").replace(NB_HYPHEN, "-")


def strict_parse_all(data: bytes) -> None:
    """Every XML part of the package parses with a strict parser."""
    parser = etree.XMLParser(recover=False, resolve_entities=False)
    with zipfile.ZipFile(BytesIO(data)) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name), parser)


@pytest.fixture(scope="module")
def sample():
    return sample_loaded(6)


def test_convention_shows_every_field(sample):
    loaded, computation = sample
    ctx = dossier_context(loaded, computation, "63-2021-001", today=TODAY)
    text = docx_text(CompiledTemplate(CONVENTION).render(ctx))
    app = loaded.registry.applications[0]
    expected = [
        app.dossier_id, "La commune de Saint-Éloi-1 (code INSEE 63100)", app.address, app.representative,
        "représentée par Mme Claire Dupont-1, maire, ci-après désignée « le bénéficiaire »", app.title, app.measure,
        "Accompagnement par un expert du numérique",
        "Accompagnement par un cabinet spécialisé.\nDeuxième ligne : ateliers avec les agents.",
        format_eur(app.granted), amount_in_words(app.granted), format_eur(app.total_cost),
        format_eur(ctx["eligible_cost"]), format_eur(ctx["excluded"]), "Équipement informatique pour les agents",
        long_date(app.received_on), long_date(app.decided_on), long_date(app.planned_end), "31 décembre 2022",
        "1er juillet 2021", "PRÉFET", "DU PUY-DE-DÔME", "Liberté", "Égalité", "Fraternité",
        "Bureau de la modernisation et de la coordination", "le préfet du Puy-de-Dôme, M. Philippe Chopin",
        "Clermont-Ferrand", DEFAULT_PAYMENT_TERMS, "Numérique Auvergne 0", "73282932000074", "Puy-de-Dôme (63)",
        "Conseil National", "Paris (75)", "état des lieux", "France Relance", "département de leur siège social",
    ]
    for e in loaded.registry.expenses:
        if e.dossier_id == app.dossier_id:
            expected += [e.label, e.supplier, format_eur(e.amount)]
    missing = [e for e in expected if plain(e) not in text]
    assert not missing
    assert "10 000,00\u00a0€ (dix mille euros)" in text
    assert "{{" not in text and "{%" not in text


def test_letters_acceptance_crte_and_refusals(sample):
    loaded, computation = sample
    crte = dossier_context(loaded, computation, "63-2021-002", kind="notification", today=TODAY)
    assert crte["contract_mode"] == "CRTE"
    text = docx_text(CompiledTemplate(NOTIFICATION).render(crte))
    assert "contrat de relance et de transition écologique (CRTE)" in text
    assert "convention attributive" not in text
    assert plain(format_eur(crte["granted"])) in text and amount_in_words(crte["granted"]) in text

    conv = dossier_context(loaded, computation, "63-2021-001", kind="notification", today=TODAY)
    text = docx_text(CompiledTemplate(NOTIFICATION).render(conv))
    assert "convention attributive de subvention" in text and "(CRTE)" not in text

    ineligible = dossier_context(loaded, computation, "63-2021-003", kind="refus", today=TODAY)
    text = docx_text(CompiledTemplate(REFUSAL).render(ineligible))
    assert ineligible["reasons"] and ineligible["ground_kind"] == "ineligible" and not ineligible["missing"]
    assert "la fin du projet est prévue le 15 mars 2023, alors que les projets financés doivent donner des " \
           "résultats tangibles au plus tard le 31 décembre 2022." in text
    assert "15/03/2023" not in text and "Échéance :" not in text  # prose, not the sheet's label
    assert "condition d'éligibilité" in text and "classe" not in text and "enveloppe" not in text

    registry = loaded.registry
    apps = tuple(replace(a, refusal_reason="") if a.dossier_id == "63-2021-004" else a
                 for a in registry.applications)
    registry = replace(registry, applications=apps)
    unmotivated = type("L", (), {"registry": registry})()
    refused = dossier_context(unmotivated, compute(registry), "63-2021-004", kind="refus", today=TODAY)
    assert refused["eligible"] and refused["missing"] == [
        "la colonne « Motif de refus » : indiquez pourquoi le dossier est refusé (liste déroulante ou phrase de "
        "votre choix)"]  # no ground, no letter: never the envelope by default

    registry = loaded.registry
    apps = tuple(replace(a, refusal_reason="note insuffisante") if a.dossier_id == "63-2021-004" else a
                 for a in registry.applications)
    registry = replace(registry, applications=apps)
    scored = type("L", (), {"registry": registry})()
    refused = dossier_context(scored, compute(registry), "63-2021-004", kind="refus", today=TODAY)
    text = docx_text(CompiledTemplate(REFUSAL).render(refused))
    assert refused["rank"] is not None and not refused["missing"]
    assert f"se classe {ordinal(refused['rank'])} sur {refused['ranked_count']} projets éligibles notés" in text
    assert "Cette note ne permet pas de le retenir." in text and "enveloppe" not in text
    assert "recours" in text


def test_hostile_values_render_intact_and_xml_is_strict(tmp_path):
    registry = sample_registry(4, tricky=True)
    long_name = ("Syndicat intercommunal à vocation multiple « Numérique & territoires » " * 5)[:300]
    apps = list(registry.applications)
    apps[1] = replace(apps[1], applicant=long_name)
    registry = replace(registry, applications=tuple(apps))
    computation = compute(registry)
    loaded = type("L", (), {"registry": registry})()
    for did, template in (("63-2021-001", CONVENTION), ("63-2021-002", NOTIFICATION), ("63-2021-003", REFUSAL)):
        ctx = dossier_context(loaded, computation, did, today=TODAY)
        data = CompiledTemplate(template).render(ctx)
        strict_parse_all(data)
        text = docx_text(data)
        if did == "63-2021-002":
            assert long_name in text
        else:
            assert TRICKY + f" n°{did[-1]}\nligne 2" in text  # & < > " ' {{ }} {% %} emoji and a line break
            assert TRICKY in text
        (tmp_path / f"{did}.docx").write_bytes(data)
    if shutil.which("soffice"):
        out = tmp_path / "pdf"
        result = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), *map(str, sorted(tmp_path.glob("*.docx")))],
            capture_output=True, timeout=180,
        )
        pdfs = sorted(out.glob("*.pdf"))
        assert len(pdfs) == 3, result.stderr
        assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)


def test_control_characters_are_dropped_not_fatal():
    registry = sample_registry(1)
    app = replace(registry.applications[0], title="Projet\x01 test\x0b\r\nsuite\x07")
    registry = replace(registry, applications=(app,))
    loaded = type("L", (), {"registry": registry})()
    ctx = dossier_context(loaded, compute(registry), app.dossier_id, today=TODAY)
    assert ctx["title"] == "Projet test\nsuite"
    data = CompiledTemplate(CONVENTION).render(ctx)
    strict_parse_all(data)
    assert "Projet test\nsuite" in docx_text(data)


@pytest.mark.parametrize("tricky", [False, True])
def test_fast_path_matches_docxtpl(tricky):
    loaded, computation = sample_loaded(6, tricky=tricky)
    for template in (CONVENTION, NOTIFICATION, REFUSAL):
        compiled = CompiledTemplate(template)
        assert compiled.fast
        for did in computation.results:
            ctx = dossier_context(loaded, computation, did, today=TODAY)
            fast, plain = compiled.render(ctx), render_docxtpl(template, ctx)
            reference = canonical_parts(plain)
            assert set(reference) >= {"word/document.xml", "word/header1.xml", "word/footer1.xml"}
            assert canonical_parts(fast) == reference, (template.name, did)
            strict_parse_all(fast)


def _template(tmp_path: Path, text: str) -> Path:
    doc = Document()
    doc.add_paragraph(text)
    path = tmp_path / "modele.docx"
    doc.save(path)
    return path


def test_missing_field_names_field_and_dossier(tmp_path, sample):
    loaded, computation = sample
    ctx = dossier_context(loaded, computation, "63-2021-001", today=TODAY)
    path = _template(tmp_path, "Bonjour {{ applicant }}, {{ champ_inconnu }}")
    with pytest.raises(DocumentError, match=r"63-2021-001.*« champ_inconnu ».*modele\.docx"):
        CompiledTemplate(path).render(ctx)
    results = render_documents([RenderJob(str(path), ctx, "a.docx")], tmp_path / "out", workers=1)
    assert results[0].path is None and "champ_inconnu" in results[0].error
    assert not (tmp_path / "out" / "a.docx").exists()
    attr = _template(tmp_path, "{{ expenses[0].inexistant }}")
    with pytest.raises(DocumentError, match="« inexistant »"):
        CompiledTemplate(attr).render(ctx)


def test_broken_tag_is_a_french_error(tmp_path):
    with pytest.raises(DocumentError, match="balise mal formée"):
        CompiledTemplate(_template(tmp_path, "Bonjour {{ applicant "))


def test_render_documents_in_processes_matches_single(tmp_path):
    loaded, computation = sample_loaded(20)
    jobs = [RenderJob(str(CONVENTION), dossier_context(loaded, computation, did, today=TODAY), f"{did}.docx")
            for did in computation.results]
    seen = []
    results = render_documents(jobs, tmp_path / "multi", workers=2, progress=seen.append)
    assert sum(seen) == 20 and [r.job_index for r in results] == list(range(20))
    assert all(r.path and r.path.is_file() for r in results)
    single = render_documents(jobs[:3], tmp_path / "single", workers=1)
    for a, b in zip(results[:3], single, strict=False):
        assert canonical_parts(a.path) == canonical_parts(b.path)
        assert a.sha256 == b.sha256  # deterministic bytes
    assert not list((tmp_path / "multi").glob(".~*"))  # no temporary file left


def test_safe_filenames():
    assert safe_filename('a/b\\c:d*e?f"g<h>i|j') == "a-b-c-d-e-f-g-h-i-j"
    assert safe_filename("Commune de Saint-Éloi  ") == "Commune de Saint-Éloi"
    assert safe_filename("Sainte\u0301") == "Sainté"  # NFC
    assert safe_filename("fin...") == "fin"
    name = document_filename("63-2021-001", "convention", "Syndicat " * 60)
    assert name.startswith("63-2021-001-convention-Syndicat") and name.endswith(".docx") and len(name) <= 120
    assert document_filename("1", "refus", "A/B") == "1-refus-A-B.docx"


def test_templates_are_reproducible(tmp_path):
    import runpy

    module = runpy.run_path(str(BUILTIN_TEMPLATES / "build_templates.py"))
    module["build_all"](tmp_path)
    for name in TEMPLATE_FILES.values():
        built, shipped = tmp_path / name, BUILTIN_TEMPLATES / name
        assert canonical_parts(built) == canonical_parts(shipped), name
