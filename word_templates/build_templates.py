"""Build the Word templates of fitn-xl (convention, acceptance letter, refusal letter, payment request) with
python-docx.

Run: `.venv/bin/python word_templates/build_templates.py` (rewrites the .docx files beside this script).
The documents are plain Word files whose fields are Jinja tags typed as text ({{ field }}, {%p %}, {%tr %}), so a
clerk can reword them in Word; the fields are listed in README.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from fitn_xl.documents.docx_build import FONT, keep_rows, repeat_header, shade, use_font

HERE = Path(__file__).resolve().parent
BLUE = RGBColor(0x00, 0x00, 0x91)  # « bleu France »
GREY = RGBColor(0x55, 0x55, 0x55)


# --- low-level helpers -------------------------------------------------------------------------------------------


def _base_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    use_font(doc)
    doc.core_properties.author = "fitn-xl"
    doc.core_properties.comments = ""
    doc.core_properties.language = "fr-FR"
    doc.core_properties.created = doc.core_properties.modified = datetime(2021, 3, 1)
    doc.core_properties.revision = 1
    # French proofing language, so Word's spell-checker does not underline everything
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "fr-FR")
    rpr.append(lang)
    return doc


def para(container, text: str = "", *, bold=False, italic=False, size=None, align=None, color=None,
         space_before=None, space_after=None, keep_next=False, style=None, indent=None):
    p = container.add_paragraph(style=style)
    if text:
        run(p, text, bold=bold, italic=italic, size=size, color=color)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if space_before is not None:
        fmt.space_before = Pt(space_before)
    if space_after is not None:
        fmt.space_after = Pt(space_after)
    if keep_next:
        fmt.keep_with_next = True
    if indent is not None:
        fmt.left_indent = Cm(indent)
    return p


def run(p, text: str, *, bold=False, italic=False, size=None, color=None):
    r = p.add_run(text)
    r.bold, r.italic = bold or None, italic or None
    if size:
        r.font.size = Pt(size)
    if color is not None:
        r.font.color.rgb = color
    return r


def tag(container, text: str):
    """A paragraph holding only a docxtpl paragraph tag ({%p ... %}); docxtpl removes the paragraph."""
    return container.add_paragraph(text)


def field(p, instruction: str, placeholder: str = "1", size=None):
    """A Word field (PAGE, NUMPAGES) as a simple field."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    r = OxmlElement("w:r")
    if size:
        rpr = OxmlElement("w:rPr")
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), str(int(size * 2)))
        rpr.append(sz)
        r.append(rpr)
    t = OxmlElement("w:t")
    t.text = placeholder
    r.append(t)
    fld.append(r)
    p._p.append(fld)




def no_borders(table):
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tblpr.append(borders)




def cell_text(cell, text: str, *, bold=False, italic=False, size=None, align=None, color=None):
    p = cell.paragraphs[0]
    if text:
        run(p, text, bold=bold, italic=italic, size=size, color=color)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(2)
    return p


def widths(table, cms):
    for row in table.rows:
        for cell, w in zip(row.cells, cms, strict=True):
            cell.width = Cm(w)


# --- shared blocks ----------------------------------------------------------------------------------------------


def state_header(doc):
    """First-page header: the State's block (« PRÉFET » / « DU PUY-DE-DÔME », or the préfet de région for 3d) on
    the left, the issuing préfecture and service and the dossier on the right."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    header = section.first_page_header
    table = header.add_table(rows=1, cols=2, width=Cm(16.5))
    no_borders(table)
    left, right = table.rows[0].cells
    widths(table, [9.0, 7.5])
    p = cell_text(left, "{{ prefect_title }}", bold=True, size=11)
    p.paragraph_format.space_after = Pt(0)
    p = left.add_paragraph()
    run(p, "{{ prefect_of|upper }}", bold=True, size=11)
    p.paragraph_format.space_after = Pt(4)
    for i, word in enumerate(("Liberté", "Égalité", "Fraternité")):
        p = left.add_paragraph()
        run(p, word, italic=True, size=9)
        p.paragraph_format.space_after = Pt(0 if i < 2 else 2)
    for i, line in enumerate(("{{ issuer }}", "Dossier n° {{ dossier_id }}")):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        run(p, line, size=9, color=GREY)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_after = Pt(0)
    header.paragraphs[0].paragraph_format.space_after = Pt(0)
    # Other pages: a short running header
    other = section.header.paragraphs[0]
    run(other, "{{ document_title }} — dossier n° {{ dossier_id }}", size=8, color=GREY)
    other.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def page_footer(doc, text: str):
    section = doc.sections[0]
    for footer in (section.footer, section.first_page_footer):
        p = footer.paragraphs[0]
        run(p, text + " — page ", size=8, color=GREY)
        field(p, "PAGE", size=8)
        run(p, " sur ", size=8, color=GREY)
        field(p, "NUMPAGES", size=8)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def article(doc, number: int, title: str):
    para(doc, f"Article {number} — {title}", bold=True, size=11, color=BLUE, space_before=10, space_after=4,
         keep_next=True)


def bullet(doc, text: str):
    p = para(doc, "", indent=0.6, space_after=3)
    p.paragraph_format.first_line_indent = Cm(-0.4)
    run(p, "–\u00a0" + text)
    return p


def justified(doc, text: str):
    p = para(doc, text)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


# --- the templates ----------------------------------------------------------------------------------------------

# The beneficiary as the convention introduces it: its name, what it is, where, who represents it — each only when
# known, so that nothing is left blank.
BENEFICIARY = (
    "{% if applicant_details %} ({{ applicant_details }}){% endif %}"
    "{% if address %}, dont le siège est situé {{ address }}{% endif %}"
    "{% if beneficiary_signature %}, {{ represented }} par {{ beneficiary_signature|dans_la_phrase }}{% endif %}"
    ", ci-après {{ designated }} « le bénéficiaire »."
)
END_DATE = (
    "{% if planned_end and planned_end != results_deadline %}Le bénéficiaire s'engage à achever le projet au plus "
    "tard le {{ planned_end|date_longue }}, de sorte qu'il produise des résultats tangibles avant le "
    "{{ results_deadline|date_longue }}.{% elif planned_end %}Le bénéficiaire s'engage à achever le projet au plus "
    "tard le {{ planned_end|date_longue }}, date à laquelle il doit avoir produit des résultats tangibles."
    "{% else %}Le bénéficiaire s'engage à achever le projet de sorte qu'il produise des résultats tangibles avant le "
    "{{ results_deadline|date_longue }}.{% endif %}"
)


def build_convention() -> Document:
    doc = _base_document()
    state_header(doc)
    page_footer(doc, "Convention attributive de subvention France Relance — dossier n° {{ dossier_id }}")

    para(doc, "CONVENTION ATTRIBUTIVE DE SUBVENTION", bold=True, size=15, color=BLUE,
         align=WD_ALIGN_PARAGRAPH.CENTER, space_before=12, space_after=4)
    para(doc, "Plan France Relance — Fonds de transformation numérique des collectivités territoriales",
         bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(doc, "Axe 3 « guichets territoriaux » — mesure {{ measure }} : {{ measure_label }}", italic=True,
         align=WD_ALIGN_PARAGRAPH.CENTER, space_after=4)
    para(doc, "Dossier n° {{ dossier_id }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=9, color=GREY, space_after=14)

    para(doc, "ENTRE", bold=True, space_after=4)
    p = para(doc, "")
    run(p, "L'État", bold=True)
    run(p, ", représenté par {{ represented_by }}, ci-après désigné « l'État »,")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    para(doc, "ET", bold=True, space_after=4)
    p = para(doc, "")
    run(p, "{{ applicant_subject }}", bold=True)
    run(p, BENEFICIARY)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    para(doc, "Vu le plan France Relance et sa fiche « Transformation numérique des collectivités territoriales — "
              "axe 3 : guichets territoriaux » ;", space_before=8, space_after=2)
    para(doc, "Vu la demande de subvention du bénéficiaire reçue le {{ received_on|date_longue }} ;", space_after=2)
    para(doc, "Vu la décision d'attribution du {{ decided_on|date_longue }} ;")
    para(doc, "IL EST CONVENU CE QUI SUIT :", bold=True, space_before=8, align=WD_ALIGN_PARAGRAPH.CENTER)

    article(doc, 1, "Objet")
    justified(doc, "La présente convention fixe les conditions dans lesquelles l'État apporte son soutien financier "
                   "au projet « {{ title }} » porté par le bénéficiaire, au titre de la mesure {{ measure }} "
                   "({{ measure_label }}) du fonds de transformation numérique des collectivités territoriales.")
    tag(doc, "{%p if description %}")
    para(doc, "Présentation du projet : {{ description }}", italic=True)
    tag(doc, "{%p endif %}")

    article(doc, 2, "Montant de la subvention")
    p = para(doc, "")
    run(p, "L'État attribue au bénéficiaire une subvention d'un montant de ")
    run(p, "{{ granted|eur }}", bold=True)
    run(p, " ({{ granted|en_lettres }}){% if total_cost %}, pour un coût global du projet de {{ total_cost|eur }}"
           "{% if excluded %} dont {{ eligible_cost|eur }} de dépenses éligibles{% endif %}{% endif %}.")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    justified(doc, "Cette subvention est un montant maximal. Elle est financée par les crédits du plan France "
                   "Relance{% if regional %} délégués au préfet de région pour les projets menés avec un laboratoire "
                   "d'innovation territoriale{% endif %}{% if budget_line %} ({{ budget_line }}){% endif %}.")
    tag(doc, "{%p if expenses %}")
    para(doc, "Le budget prévisionnel du projet est le suivant :", keep_next=True)
    table = doc.add_table(rows=5, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = ("Dépense", "Catégorie", "Fournisseur ou éditeur", "Montant")
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell_text(cell, text, bold=True, size=9, align=WD_ALIGN_PARAGRAPH.RIGHT if text == "Montant" else None)
        shade(cell, "E3E3FD")
    repeat_header(table.rows[0])
    cell_text(table.rows[1].cells[0], "{%tr for e in expenses %}")
    row = table.rows[2].cells
    cell_text(row[0], "{{ e.label }}", size=9)
    cell_text(row[1], "{{ e.category }}{% if e.excluded %} (exclue){% endif %}", size=9)
    cell_text(row[2], "{{ e.supplier }}", size=9)
    cell_text(row[3], "{{ e.amount|eur }}", size=9, align=WD_ALIGN_PARAGRAPH.RIGHT)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    total = table.rows[4].cells
    cell_text(total[0], "Total", bold=True, size=9)
    cell_text(total[3], "{{ spending_cost|eur }}", bold=True, size=9, align=WD_ALIGN_PARAGRAPH.RIGHT)
    widths(table, [5.2, 4.3, 4.0, 3.0])
    keep_rows(table)
    para(doc, "", space_after=2)
    tag(doc, "{%p if excluded %}")
    justified(doc, "Les dépenses exclues du financement ({{ excluded_categories|join(', ') }}) s'élèvent à "
                   "{{ excluded|eur }} ; elles ne peuvent pas être financées par la subvention.")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    article(doc, 3, "Durée et achèvement du projet")
    justified(doc, "La présente convention prend effet à la date de sa signature. " + END_DATE
              + " Toute modification de cette date est signalée sans délai au service instructeur.")

    article(doc, 4, "Modalités de versement")
    justified(doc, "{{ payment_terms }}")

    article(doc, 5, "Obligations du bénéficiaire")
    para(doc, "Le bénéficiaire s'engage à :", keep_next=True, space_after=3)
    bullet(doc, "transmettre au service instructeur{% if service %} ({{ service }}){% endif %}, au moins une fois "
                "par trimestre, un état des lieux de l'avancement du projet ;")
    bullet(doc, "communiquer la date de fin du projet et toute modification de celle-ci ;")
    bullet(doc, "transmettre la liste des entreprises bénéficiant de commandes financées par la subvention, en "
                "précisant le département de leur siège social ;")
    bullet(doc, "ne pas financer par la subvention d'achat d'équipements informatiques pour les agents, les achats "
                "de licences logicielles d'éditeurs extra-communautaires ne pouvant en représenter qu'une partie "
                "marginale ;")
    bullet(doc, "utiliser la subvention conformément à l'objet défini à l'article 1.")
    tag(doc, "{%p if providers %}")
    para(doc, "Entreprises prestataires déclarées à ce jour :", space_before=4, space_after=2, keep_next=True)
    tag(doc, "{%p for p in providers %}")
    bullet(doc, "{{ p.name }}{% if p.siret %} (SIRET {{ p.siret }}){% endif %}, siège : {{ p.department_label }}"
                "{% if not loop.last %} ;{% else %}.{% endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    article(doc, 6, "Publicité")
    justified(doc, "Le bénéficiaire fait mention du soutien de l'État au titre du plan France Relance dans toute "
                   "communication relative au projet (site internet, supports imprimés, réunions publiques, "
                   "panneaux), en faisant figurer le logo « France Relance ».")

    article(doc, 7, "Contrôle et reversement")
    justified(doc, "L'État peut contrôler l'emploi de la subvention. Il peut exiger le reversement de tout ou partie "
                   "des sommes versées en cas de non-réalisation du projet, d'utilisation non conforme à son objet ou "
                   "de non-respect des obligations de la présente convention.")

    article(doc, 8, "Litiges")
    justified(doc, "Les parties s'efforcent de régler à l'amiable tout différend relatif à la présente convention. "
                   "À défaut, le litige est porté devant le tribunal administratif compétent.")

    para(doc, "Fait{% if signature_place %} à {{ signature_place }}{% endif %}, le {{ document_date|date_longue }}, "
              "en deux exemplaires originaux.", space_before=14, keep_next=True)
    signatures(doc, ("Pour l'État,", "{{ signatory }}"), ("Pour le bénéficiaire,", "{{ beneficiary_signature }}"))
    return doc


def signatures(doc, left: tuple[str, str], right: tuple[str, str]):
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    for cell, (title, who) in zip(table.rows[0].cells, (left, right), strict=True):
        cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        p = cell.add_paragraph()
        run(p, who)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for _ in range(3):
            cell.add_paragraph()
    widths(table, [8.25, 8.25])
    keep_rows(table)
    # keep the signature block on one page
    for p in table.rows[0].cells[0].paragraphs + table.rows[0].cells[1].paragraphs:
        p.paragraph_format.keep_with_next = True


def letter_start(doc, subject: str):
    state_header(doc)
    page_footer(doc, "{{ issuer }}")
    para(doc, "{% if signature_place %}{{ signature_place }}, le{% else %}Le{% endif %} "
              "{{ document_date|date_longue }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=6, space_after=14)
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    widths(table, [8.0, 8.5])
    cell = table.rows[0].cells[1]
    first = cell.paragraphs[0]
    first.add_run("{%p for line in addressee_lines %}")
    for text in ("{{ line }}", "{%p endfor %}", "{{ applicant }}", "{%p if address %}", "{{ address }}",
                 "{%p endif %}"):
        p = cell.add_paragraph()
        run(p, text)
        p.paragraph_format.space_after = Pt(0)
    para(doc, "", space_after=10)
    p = para(doc, "")
    run(p, "Objet : ", bold=True)
    run(p, subject)
    p = para(doc, "")
    run(p, "Réf. : ", bold=True)
    run(p, "dossier n° {{ dossier_id }} — « {{ title }} »")
    para(doc, "{{ salutation }}", space_before=10)


def letter_end(doc):
    para(doc, "Mes services restent à votre disposition pour toute information complémentaire.")
    para(doc, "Je vous prie d'agréer, {{ addressee_title }}, l'expression de ma considération distinguée.",
         space_after=18)
    para(doc, "{{ signatory }}", align=WD_ALIGN_PARAGRAPH.RIGHT, bold=True)


REQUEST = ("Vous avez sollicité, par une demande reçue le {{ received_on|date_longue }}, le soutien de l'État au titre "
           "de la mesure {{ measure }} ({{ measure_label }}) du fonds de transformation numérique des collectivités "
           "territoriales pour votre projet « {{ title }} »")


def build_notification() -> Document:
    doc = _base_document()
    letter_start(doc, "France Relance — transformation numérique des collectivités territoriales, axe 3 : "
                      "notification de subvention")
    justified(doc, REQUEST + ".")
    p = para(doc, "")
    run(p, "J'ai le plaisir de vous informer que j'ai décidé, le {{ decided_on|date_longue }}, d'attribuer "
           "{{ applicant_to }} une subvention de ")
    run(p, "{{ granted|eur }}", bold=True)
    run(p, " ({{ granted|en_lettres }}) pour ce projet{% if total_cost %}, dont le coût global est estimé à "
           "{{ total_cost|eur }}{% endif %}.")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    tag(doc, "{%p if contract_mode == 'CRTE' %}")
    justified(doc, "Conformément au modèle privilégié par le plan France Relance, ce financement sera formalisé "
                   "dans le contrat de relance et de transition écologique (CRTE) de votre territoire, qui en "
                   "précisera les modalités de versement.")
    tag(doc, "{%p else %}")
    justified(doc, "Vous trouverez ci-joint la convention attributive de subvention qui en précise les modalités "
                   "de versement et vos engagements. Je vous remercie de me la retourner signée.")
    tag(doc, "{%p endif %}")
    justified(doc, "{% if planned_end %}Le projet devra être achevé le {{ planned_end|date_longue }} au plus tard et "
                   "produire des résultats tangibles avant le {{ results_deadline|date_longue }}.{% else %}Le projet "
                   "devra produire des résultats tangibles avant le {{ results_deadline|date_longue }}.{% endif %} "
                   "Je vous rappelle que vous vous engagez à :")
    bullet(doc, "transmettre à mes services, au moins une fois par trimestre, un état des lieux de l'avancement du "
                "projet ;")
    bullet(doc, "communiquer la date de fin du projet et toute modification de celle-ci ;")
    bullet(doc, "transmettre la liste des entreprises bénéficiant de commandes financées par cette subvention, en "
                "précisant le département de leur siège social ;")
    bullet(doc, "faire mention du soutien de l'État au titre du plan France Relance dans votre communication sur "
                "le projet.")
    para(doc, "", space_after=2)
    letter_end(doc)
    return doc


def build_refusal() -> Document:
    doc = _base_document()
    letter_start(doc, "France Relance — transformation numérique des collectivités territoriales, axe 3 : "
                      "réponse à votre demande de subvention")
    justified(doc, REQUEST + "{% if requested %}, pour un montant de {{ requested|eur }}{% endif %}.")
    justified(doc, "J'ai le regret de vous informer que je ne suis pas en mesure de donner une suite favorable à "
                   "votre demande.")
    tag(doc, "{%p if ground_points %}")
    justified(doc, "{{ ground_text }}")
    tag(doc, "{%p for g in ground_points %}")
    bullet(doc, "{{ g }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    justified(doc, "{{ ground_text }}")
    tag(doc, "{%p endif %}")
    justified(doc, "Cette décision peut faire l'objet d'un recours gracieux auprès de mes services ou d'un recours "
                   "contentieux devant le tribunal administratif compétent dans un délai de deux mois à compter de "
                   "sa notification.")
    letter_end(doc)
    return doc


def label_rows(doc, rows: list[tuple[str, str]], condition: dict[int, str] | None = None):
    """A two-column table of labels and values; `condition` maps a row index to a Jinja test keeping that row."""
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    condition = condition or {}
    for i, (label, value) in enumerate(rows):
        if i in condition:
            cell_text(table.add_row().cells[0], f"{{%tr if {condition[i]} %}}")
        cells = table.add_row().cells
        cell_text(cells[0], label, bold=True, size=9)
        shade(cells[0], "E3E3FD")
        cell_text(cells[1], value, size=9)
        if i in condition:
            cell_text(table.add_row().cells[0], "{%tr endif %}")
    table.autofit = False
    for column, width in zip(table.columns, (5.5, 11.0), strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice reads
    widths(table, [5.5, 11.0])
    para(doc, "", space_after=0).paragraph_format.line_spacing = 0.6
    return table


def build_payment_request() -> Document:
    doc = _base_document()
    state_header(doc)
    page_footer(doc, "Demande de mise en paiement — dossier n° {{ dossier_id }}")
    para(doc, "DEMANDE DE MISE EN PAIEMENT", bold=True, size=15, color=BLUE, align=WD_ALIGN_PARAGRAPH.CENTER,
         space_before=12, space_after=4)
    para(doc, "Subvention France Relance — Fonds de transformation numérique des collectivités territoriales",
         bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(doc, "Axe 3 « guichets territoriaux » — mesure {{ measure }} : {{ measure_label }}", italic=True,
         align=WD_ALIGN_PARAGRAPH.CENTER, space_after=4)
    para(doc, "{% if instalment.nature == 'Avance' %}Avance à la notification de la convention"
              "{% else %}{{ instalment.nature }} à l'achèvement du projet{% endif %}",
         bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, space_after=8)

    para(doc, "Bénéficiaire", bold=True, size=11, color=BLUE, space_after=3, keep_next=True)
    label_rows(doc, [
        ("Bénéficiaire", "{{ applicant }}"),
        ("SIRET", "{{ beneficiary_siret }}"),
        ("Adresse", "{{ address }}"),
        ("Projet", "« {{ title }} »"),
    ])
    para(doc, "Références", bold=True, size=11, color=BLUE, space_after=3, keep_next=True)
    label_rows(doc, [
        ("N° dossier", "{{ dossier_id }}"),
        ("Décision d'attribution", "{{ decided_on|date_longue }}"),
        ("Convention signée le", "{{ convention_signed_on|date_longue }}"),
        ("N° d'engagement juridique (Chorus)", "{% if legal_commitment %}{{ legal_commitment }}"
                                               "{% else %}……………………{% endif %}"),
        ("Imputation budgétaire", "{{ budget_line }}"),
    ], condition={4: "budget_line"})

    para(doc, "Montants", bold=True, size=11, color=BLUE, space_after=3, keep_next=True)
    table = doc.add_table(rows=2, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    heads = ("Montant accordé", "Déjà versé", "Présente demande ({{ instalment.label }})",
             "Reste à verser après paiement")
    values = ("{{ instalment.granted|eur }}", "{{ instalment.paid|eur }}", "{{ instalment.amount|eur }}",
              "{{ instalment.remaining_after|eur }}")
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell_text(cell, text, bold=True, size=9, align=WD_ALIGN_PARAGRAPH.CENTER)
        shade(cell, "E3E3FD")
    for i, (cell, text) in enumerate(zip(table.rows[1].cells, values, strict=True)):
        cell_text(cell, text, bold=i == 2, size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    widths(table, [4.1, 4.1, 4.2, 4.1])
    para(doc, "", space_after=2)
    p = para(doc, "")
    run(p, "Montant à mettre en paiement : ")
    run(p, "{{ instalment.amount|eur }}", bold=True)
    run(p, " ({{ instalment.amount|en_lettres }}).")

    para(doc, "Justification", bold=True, size=11, color=BLUE, space_before=6, space_after=3, keep_next=True)
    tag(doc, "{%p if instalment.nature == 'Avance' %}")
    justified(doc, "Avance de {{ instalment.rate|pourcent }} du montant accordé, versée à la notification de la "
                   "convention signée le {{ convention_signed_on|date_longue }}, conformément à ses modalités de "
                   "versement : « {{ payment_terms }} »")
    tag(doc, "{%p else %}")
    justified(doc, "Solde versé à l'achèvement du projet, au vu du bilan (état des lieux final du "
                   "{{ instalment.final_report_on|date_longue }}) et de l'état récapitulatif des dépenses "
                   "acquittées : {{ instalment.paid_expenses|eur }} pour un coût éligible prévu de "
                   "{{ instalment.planned_cost|eur }}.")
    tag(doc, "{%p if instalment.reduced %}")
    justified(doc, "Les dépenses réalisées étant inférieures au coût prévu, la subvention est réduite à due "
                   "proportion : {{ instalment.granted|eur }} × {{ instalment.paid_expenses|eur }} / "
                   "{{ instalment.planned_cost|eur }} = {{ instalment.due|eur }}. Le solde est de "
                   "{{ instalment.due|eur }} − {{ instalment.paid|eur }} déjà versés = {{ instalment.amount|eur }} ; "
                   "le reliquat de {{ instalment.released|eur }} est à désengager.")
    tag(doc, "{%p else %}")
    justified(doc, "Les dépenses acquittées atteignent le coût prévu : le solde est de {{ instalment.granted|eur }} "
                   "− {{ instalment.paid|eur }} déjà versés = {{ instalment.amount|eur }}.")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if payments %}")
    para(doc, "Versements déjà effectués", bold=True, size=11, color=BLUE, space_before=6, space_after=3,
         keep_next=True)
    table = doc.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("Date", "Nature", "Montant", "N° d'engagement juridique"),
                          strict=True):
        cell_text(cell, text, bold=True, size=9, align=WD_ALIGN_PARAGRAPH.RIGHT if text == "Montant" else None)
        shade(cell, "E3E3FD")
    repeat_header(table.rows[0])
    cell_text(table.rows[1].cells[0], "{%tr for v in payments %}")
    row = table.rows[2].cells
    cell_text(row[0], "{{ v.date|date_courte }}", size=9)
    cell_text(row[1], "{{ v.nature }}", size=9)
    cell_text(row[2], "{{ v.amount|eur }}", size=9, align=WD_ALIGN_PARAGRAPH.RIGHT)
    cell_text(row[3], "{{ v.legal_commitment }}", size=9)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    widths(table, [3.0, 3.0, 3.5, 7.0])
    para(doc, "", space_after=2)
    tag(doc, "{%p endif %}")

    justified(doc, "Je certifie que les conditions de versement prévues par la convention sont remplies et "
                   "demande la mise en paiement de la somme de {{ instalment.amount|eur }} au profit du "
                   "bénéficiaire.").paragraph_format.space_before = Pt(6)
    para(doc, "Fait{% if signature_place %} à {{ signature_place }}{% endif %}, le {{ document_date|date_longue }}.",
         space_before=8,
         align=WD_ALIGN_PARAGRAPH.RIGHT, keep_next=True)
    para(doc, "{{ signatory }}", align=WD_ALIGN_PARAGRAPH.RIGHT, bold=True, space_after=10)
    para(doc, "Pièces jointes :", bold=True, space_after=2, keep_next=True, size=9)
    bullet(doc, "convention signée le {{ convention_signed_on|date_courte }} ;").runs[0].font.size = Pt(9)
    tag(doc, "{%p if instalment.nature != 'Avance' %}")
    bullet(doc, "bilan du projet et état récapitulatif des dépenses acquittées, certifié par le représentant du "
                "bénéficiaire ;").runs[0].font.size = Pt(9)
    tag(doc, "{%p endif %}")
    bullet(doc, "relevé d'identité bancaire du bénéficiaire.").runs[0].font.size = Pt(9)
    return doc


TEMPLATES = {
    "convention.docx": build_convention,
    "lettre-notification.docx": build_notification,
    "lettre-refus.docx": build_refusal,
    "demande-paiement.docx": build_payment_request,
}


def build_all(directory: Path = HERE) -> list[Path]:
    """Write every template into `directory` (atomically) and return their paths."""
    out = []
    for name, build in TEMPLATES.items():
        doc = build()
        target = directory / name
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".docx.tmp")
        os.close(fd)
        try:
            doc.save(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        out.append(target)
    return out


if __name__ == "__main__":
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
