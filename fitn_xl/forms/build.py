"""Blank application forms as Word documents with content controls (python-docx for layout, lxml for `w:sdt`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from ..authority import authority_for
from ..documents import properties
from ..documents.docx_build import FONT, use_font
from ..files import atomic_write_bytes
from ..formatting import long_date
from ..typography import french_docx
from . import fields as f

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
GREY = "808080"
UNCHECKED, CHECKED = "\u2610", "\u2612"

FILE_NAMES = {
    "annexe1": "Demande_financement_FITN7_annexe1_3a_3b_3c.docx",
    "annexe2": "Demande_financement_FITN7_annexe2_laboratoire_3d.docx",
}


@dataclass(frozen=True)
class Issuer:
    """Who the form is sent to, printed at its top: the préfecture de département for annexe 1 (3a–3c), the
    préfecture de région and its SGAR for annexe 2 (3d), from the registry parameters or the defaults."""

    department: str = ""  # « Préfecture du Puy-de-Dôme — Bureau … » ('' = no registry: a line to fill in)
    region: str = ""  # « Secrétariat général pour les affaires régionales Auvergne-Rhône-Alpes »
    results_deadline: date = date(2022, 12, 31)

    def line(self, annex: str = "annexe1") -> str:
        text = self.region if annex == "annexe2" else self.department
        if text:
            return f"À adresser à : {text}"
        return "À adresser à la préfecture de région (SGAR)" if annex == "annexe2" else \
            "À adresser à la préfecture de votre département"


def _w(tag: str) -> str:
    return qn(f"w:{tag}")


def _el(tag: str, parent=None, **attrs) -> etree._Element:
    name = tag if tag.startswith("{") else _w(tag)
    el = etree.SubElement(parent, name) if parent is not None else etree.Element(name)
    for k, v in attrs.items():
        key = k if k.startswith("{") else _w(k)
        el.set(key, str(v))
    return el


def _run(text: str, grey: bool = False, font: str | None = None) -> etree._Element:
    r = _el("r")
    if grey or font:
        rpr = _el("rPr", r)
        if font:
            _el("rFonts", rpr, ascii=font, hAnsi=font, eastAsia=font)
        if grey:
            _el("color", rpr, val=GREY)
    t = _el("t", r)
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def content_control(field: f.Field, sdt_id: int) -> etree._Element:
    """An inline `w:sdt` for `field`, showing its placeholder (or an empty check box)."""
    sdt = _el("sdt")
    pr = _el("sdtPr", sdt)
    _el("alias", pr, val=field.label[:60])
    _el("tag", pr, val=field.tag)
    _el("id", pr, val=sdt_id)
    if field.control != f.CHECKBOX:
        _el("showingPlcHdr", pr)
    if field.control == f.DROPDOWN:
        lst = _el("dropDownList", pr)
        for value, shown in field.choices:
            _el("listItem", lst, displayText=shown, value=value)
    elif field.control == f.DATE:
        d = _el("date", pr)
        _el("dateFormat", d, val="dd/MM/yyyy")
        _el("lid", d, val="fr-FR")
        _el("storeMappedDataAs", d, val="dateTime")
        _el("calendar", d, val="gregorian")
    elif field.control == f.CHECKBOX:
        cb = _el(f"{{{W14}}}checkbox", pr)
        _el(f"{{{W14}}}checked", cb, **{f"{{{W14}}}val": "0"})
        _el(f"{{{W14}}}checkedState", cb, **{f"{{{W14}}}val": "2612", f"{{{W14}}}font": "MS Gothic"})
        _el(f"{{{W14}}}uncheckedState", cb, **{f"{{{W14}}}val": "2610", f"{{{W14}}}font": "MS Gothic"})
    elif field.control == f.MULTILINE:
        _el("text", pr, multiLine="1")
    else:
        _el("text", pr)
    content = _el("sdtContent", sdt)
    if field.control == f.CHECKBOX:
        content.append(_run(UNCHECKED, font="MS Gothic"))
    else:
        content.append(_run(field.placeholder, grey=True))
    return sdt


def locked_marker(form_id: str, sdt_id: int) -> etree._Element:
    """The content control that identifies the form (locked: neither editable nor deletable in Word)."""
    sdt = _el("sdt")
    pr = _el("sdtPr", sdt)
    _el("alias", pr, val="Référence du formulaire")
    _el("tag", pr, val=f.FORM_TAG)
    _el("id", pr, val=sdt_id)
    _el("lock", pr, val="sdtContentLocked")
    _el("text", pr)
    content = _el("sdtContent", sdt)
    content.append(_run(form_id, grey=True))
    return sdt


class _Builder:
    def __init__(self, spec: f.FormSpec, issuer: Issuer):
        self.spec = spec
        self.issuer = issuer
        self.doc = Document()
        self.next_id = 1000
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(2))
        section.top_margin = section.bottom_margin = Cm(1.8)
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10.5)
        use_font(self.doc)
        rpr = normal.element.get_or_add_rPr()
        lang = rpr.find(_w("lang"))
        if lang is None:
            lang = _el("lang", rpr)
        lang.set(_w("val"), "fr-FR")

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def control(self, paragraph, field: f.Field):
        paragraph._p.append(content_control(field, self._id()))

    def heading(self, text: str, level: int = 2):
        self.doc.add_heading(text, level=level)

    def field_table(self, fields: list[f.Field]):
        table = self.doc.add_table(rows=0, cols=2)
        table.style = self.doc.styles["Table Grid"]
        for field in fields:
            cells = table.add_row().cells
            cells[0].width, cells[1].width = Cm(6), Cm(11)
            label = cells[0].paragraphs[0].add_run(field.label + (" *" if field.required else ""))
            label.bold = True
            self.control(cells[1].paragraphs[0], field)
        self.doc.add_paragraph()

    def rows_table(self, title: str, note: str, make, n: int):
        self.heading(title, 3)
        if note:
            self.small(note)
        headers = [fl.label for fl in make(1)]
        table = self.doc.add_table(rows=1, cols=len(headers) + 1)
        table.style = self.doc.styles["Table Grid"]
        for cell, text in zip(table.rows[0].cells, ["N°", *headers], strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for i in range(1, n + 1):
            cells = table.add_row().cells
            cells[0].paragraphs[0].add_run(str(i))
            for cell, field in zip(cells[1:], make(i), strict=True):
                self.control(cell.paragraphs[0], field)
        self.doc.add_paragraph()

    def small(self, text: str, italic: bool = True):
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.italic = italic
        run.font.size = Pt(9)
        return p

    def build(self) -> Document:
        spec, doc = self.spec, self.doc
        top = doc.add_paragraph()
        top.add_run(self.issuer.line(spec.annex)).bold = True
        top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        doc.add_heading(spec.title, level=1)
        sub = doc.add_paragraph()
        sub.add_run(spec.subtitle).italic = True
        self.small("Formulaire à remplir dans Word ou LibreOffice : cliquez sur chaque zone grise et saisissez la "
                   "réponse. Les champs marqués * sont obligatoires. Montants en euros (ex. 12 000), dates au "
                   "format JJ/MM/AAAA. Ne supprimez pas les zones de saisie.")

        self.heading("Demandeur")
        self.field_table(spec.applicant)

        if spec.annex == "annexe1":
            measure, description = spec.project
            self.heading(measure.label)
            p = doc.add_paragraph()
            p.add_run("Nature du projet * : ").bold = True
            self.control(p, measure)
            for _, shown in f.MEASURE_CHOICES_ANNEX1:
                doc.add_paragraph(shown, style="List Bullet")
            self.heading(description.label)
            p = doc.add_paragraph()
            self.control(p, description)
        else:
            self.heading("Présentation du projet")
            self.field_table(spec.project)

        self.heading("Financement demandé")
        self.field_table(spec.money)
        if spec.annex == "annexe2":
            self.small("* Le financement des laboratoires ne devra porter que sur la part « collectivités » du coût "
                       "des projets.")

        checkbox, signed_on, signature = spec.commitment
        p = doc.add_paragraph()
        self.control(p, checkbox)
        p.add_run(" " + f.COMMITMENT + " *")
        table = doc.add_table(rows=2, cols=2)
        table.style = doc.styles["Table Grid"]
        for row, field in zip(table.rows, (signed_on, signature), strict=True):
            row.cells[0].paragraphs[0].add_run(field.label + (" *" if field.required else "")).bold = True
            self.control(row.cells[1].paragraphs[0], field)
        doc.add_paragraph()

        doc.add_page_break()
        h = doc.add_heading("Informations complémentaires demandées par la préfecture", level=2)
        for run in h.runs:
            run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
        deadline = long_date(self.issuer.results_deadline)
        self.small("Ces informations ne figurent pas dans le modèle de la fiche ; la préfecture en a besoin pour "
                   f"instruire la demande. Le projet doit donner des résultats tangibles au plus tard le {deadline}.",
                   italic=False)
        self.field_table(spec.complementary)
        self.rows_table(
            "Dépenses prévues",
            "Une ligne par dépense. Pour une licence ou un abonnement logiciel, indiquez le pays de l'éditeur. Les "
            "équipements informatiques pour les agents ne sont pas finançables.",
            f.expense_fields, f.N_EXPENSE_LINES,
        )
        self.rows_table(
            "Prestataires retenus ou envisagés",
            "Département du siège social : code (ex. 63, 2A, 971) ou « Hors France ».",
            f.provider_fields, f.N_PROVIDER_LINES,
        )
        p = self.small("Référence du formulaire (ne pas modifier) : ")
        p._p.append(locked_marker(spec.form_id, self._id()))
        return doc


def build_form(annex: str, issuer: Issuer | None = None) -> Document:
    """The blank form of `annex` ('annexe1' or 'annexe2') as a python-docx Document."""
    return _Builder(f.SPECS[annex](), issuer or Issuer()).build()


TITLES = {"annexe1": "Demande de financement FITN7 axe 3 (mesures 3a, 3b, 3c)",
          "annexe2": "Demande de financement FITN7 axe 3 (mesure 3d, laboratoires d'innovation territoriale)"}


def form_bytes(annex: str, issuer: Issuer | None = None, when: datetime | None = None) -> bytes:
    """The blank form as .docx bytes: French spacing, properties naming the issuing préfecture."""
    issuer = issuer or Issuer()
    doc = build_form(annex, issuer)
    author = (issuer.region if annex == "annexe2" else issuer.department) or "Préfecture"
    properties.apply(doc, properties.DocumentProperties(author=author, title=TITLES[annex], when=when))
    buf = BytesIO()
    doc.save(buf)
    return french_docx(buf.getvalue())


def write_forms(out_dir: str | Path, issuer: Issuer | None = None, when: datetime | None = None) -> list[Path]:
    """Write both blank forms into `out_dir` (created if needed), each atomically; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for annex, name in FILE_NAMES.items():
        target = out / name
        atomic_write_bytes(target, form_bytes(annex, issuer, when))  # usual permissions, not mkstemp's 0600
        written.append(target)
    return written


def issuer_from_parameters(params) -> Issuer:
    """An `Issuer` from a `core.model.Parameters` value: each annex addressed to the authority of its measures."""
    department = authority_for(params, "3a").issuer if params.department_name else ""
    region = authority_for(params, "3d")
    return Issuer(department, region.issuer if region.territory else "", params.results_deadline)


__all__ = ["FILE_NAMES", "Issuer", "build_form", "content_control", "form_bytes", "issuer_from_parameters",
           "write_forms"]
