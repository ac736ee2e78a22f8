"""Builds `word_templates/liste-ditp.docx`, the Word template of the monthly DITP list (landscape table).

Run `python -m fitn_xl.ditp.template` to rebuild it; the fields are listed in `word_templates/README-ditp.md`.
The file is generated, never edited by hand here; a préfecture may edit its own copy in Word.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from ..documents.docx_build import FONT, keep_rows, repeat_header, shade, use_font
from ..resources import word_templates

TEMPLATE_NAME = "liste-ditp.docx"
TEMPLATE_PATH = word_templates() / TEMPLATE_NAME

# (header, field of each item of `lignes`, width in cm, right-aligned)
# The DITP's columns, then two extras (« Versé », « Reste à verser »): 26,7 cm, the landscape page's width.
COLUMNS: tuple[tuple[str, str, float, bool], ...] = (
    ("N° dossier", "dossier", 2.4, False),
    ("Mesure", "mesure", 1.4, False),
    ("Collectivité porteuse", "collectivite", 2.7, False),
    ("Intitulé du projet", "intitule", 3.0, False),
    ("Date de décision", "date_decision", 2.1, False),
    ("Montant financé", "montant", 2.4, True),
    ("Date de fin du projet", "date_fin", 2.1, False),
    ("Entreprises (département du siège)", "entreprises", 3.1, False),
    ("État des lieux", "etat", 2.9, False),
    ("Versé", "verse", 2.3, True),
    ("Reste à verser", "reste", 2.3, True),
)
TOTALS = {"montant": "total", "verse": "total_verse", "reste": "total_reste"}  # column field -> total field
FIELDS = ("departement", "nom_departement", "mois", "arrete_au", "genere_le", "service", "nombre", "total",
          "total_verse", "total_reste", "lignes")






def _cell_text(cell, text: str, bold=False, right=False, color: RGBColor | None = None, size=8.5) -> None:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color


def build_document():
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    section.top_margin = section.bottom_margin = Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(10)
    use_font(doc)

    title = doc.add_paragraph()
    run = title.add_run("Liste des projets lauréats – {{ nom_departement }} ({{ departement }}) – {{ mois }}")
    run.bold, run.font.size = True, Pt(14)
    doc.add_paragraph(
        "Fonds de transformation numérique des collectivités territoriales – France Relance, axe 3 « guichets "
        "territoriaux ». Liste arrêtée au {{ arrete_au }} : {{ nombre }} projet{% if nombre > 1 %}s{% endif %} "
        "lauréat{% if nombre > 1 %}s{% endif %}, {{ total }} financés par le Plan de relance."
    )

    table = doc.add_table(rows=4, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header, loop_start, data, loop_end = table.rows
    repeat_header(header)
    for i, (label, field, width, right) in enumerate(COLUMNS):
        table.columns[i].width = Cm(width)  # the grid (LibreOffice reads it)
        for row in table.rows:
            row.cells[i].width = Cm(width)
        _cell_text(header.cells[i], label, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
        shade(header.cells[i], "1F3864")
        _cell_text(data.cells[i], f"{{{{ l.{field} }}}}", right=right)
    _cell_text(loop_start.cells[0], "{%tr for l in lignes %}")
    _cell_text(loop_end.cells[0], "{%tr endfor %}")

    keep_rows(table)
    total_row = table.add_row()
    for i, (_label, _field, width, _right) in enumerate(COLUMNS):
        total_row.cells[i].width = Cm(width)
    _cell_text(total_row.cells[0], "Total", bold=True)
    _cell_text(total_row.cells[1], "{{ nombre }}", bold=True)
    fields = [c[1] for c in COLUMNS]
    for column_field, total_field in TOTALS.items():
        _cell_text(total_row.cells[fields.index(column_field)], f"{{{{ {total_field} }}}}", bold=True, right=True,
                   size=7.5)
    for i in range(len(COLUMNS)):
        shade(total_row.cells[i], "D9E2F3")
    keep_rows(table)

    footer = section.footer.paragraphs[0]
    footer.text = "{{ service }} — liste arrêtée au {{ arrete_au }}, établie le {{ genere_le }}"
    footer.runs[0].font.size = Pt(8)
    return doc


def template_bytes() -> bytes:
    buf = BytesIO()
    build_document().save(buf)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else TEMPLATE_PATH
    from ..files import atomic_write_bytes

    atomic_write_bytes(target, template_bytes())
    print(f"Modèle écrit : {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
