"""The properties of a generated Word document (File › Properties, and the PDF's metadata): who issued it (the
préfecture's service), its title and subject, its date; never the library that wrote it.

`DocumentProperties` is a plain value (it travels to worker processes inside a context); `core_xml(props)` is the
docProps/core.xml part of a rendered template, `apply(document, props)` sets a python-docx `Document`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

LANGUAGE = "fr-FR"


@dataclass(frozen=True)
class DocumentProperties:
    author: str  # the issuing service, e.g. « Préfecture du Puy-de-Dôme — Bureau de la modernisation »
    title: str  # e.g. « Convention attributive de subvention — dossier n° 63-2021-001 »
    subject: str = "France Relance — transformation numérique des collectivités territoriales, axe 3"
    keywords: str = "FITN7"
    when: datetime | None = None  # created and modified (the job's clock)

    def as_dict(self) -> dict:
        return {"author": self.author, "title": self.title, "subject": self.subject, "keywords": self.keywords,
                "when": self.when}


def _stamp(when: datetime | None) -> str:
    when = (when or datetime(2021, 1, 1)).replace(microsecond=0, tzinfo=None)
    return when.isoformat() + "Z"


def core_xml(props: DocumentProperties) -> bytes:
    stamp = _stamp(props.when)
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(props.title)}</dc:title><dc:subject>{escape(props.subject)}</dc:subject>"
        f"<dc:creator>{escape(props.author)}</dc:creator><cp:keywords>{escape(props.keywords)}</cp:keywords>"
        f"<dc:description></dc:description><cp:lastModifiedBy>{escape(props.author)}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        f"<dc:language>{LANGUAGE}</dc:language></cp:coreProperties>"
    )
    return xml.encode("utf-8")


def apply(document, props: DocumentProperties) -> None:
    """Set the core properties of a python-docx `Document` (author, title… ; no « python-docx » comment)."""
    cp = document.core_properties
    cp.author = cp.last_modified_by = props.author
    cp.title, cp.subject, cp.keywords = props.title, props.subject, props.keywords
    cp.comments = ""
    cp.category = ""
    cp.identifier = ""
    cp.language = LANGUAGE
    cp.revision = 1
    when = (props.when or datetime(2021, 1, 1)).replace(microsecond=0, tzinfo=None)
    cp.created = cp.modified = when


__all__ = ["DocumentProperties", "apply", "core_xml"]
