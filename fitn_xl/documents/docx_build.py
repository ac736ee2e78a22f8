"""Small python-docx helpers shared by the scripts that build the Word templates (cell shading, header rows)."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def shade(cell, fill: str) -> None:
    """Background colour of a table cell, `fill` as hex RGB ('1F3864')."""
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def repeat_header(row) -> None:
    """Repeat this table row at the top of every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
