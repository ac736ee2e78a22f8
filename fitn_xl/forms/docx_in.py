"""Reading the content controls of an untrusted `.docx`: zip-bomb checks first, then XML without DTD or entities."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
DOCUMENT_PART = "word/document.xml"

# Limits for an application form (a real one is ~40 kB zipped, ~300 kB of XML).
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024

CHECKED_MARKS = {"\u2612", "\u2611", "\u2713", "\u2714", "x", "X"}


class FormError(Exception):
    """A file that cannot be read as a form at all; `str()` is the French message (without the file name)."""


@dataclass(frozen=True)
class Control:
    """What one content control holds. `checked` is None unless it is a check box."""

    tag: str  # '' when the saving program dropped it (LibreOffice up to 7.4 does)
    text: str
    showing_placeholder: bool
    checked: bool | None
    kind: str = "text"  # 'text', 'dropdown', 'date' or 'checkbox'


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse archives whose declared sizes or compression ratios are those of a zip bomb."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise FormError(f"le fichier contient trop d'éléments ({len(infos)}) pour être un formulaire")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise FormError(f"l'élément interne « {info.filename} » est trop volumineux une fois décompressé "
                            f"({info.file_size // (1024 * 1024)} Mo) : fichier refusé")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FormError(f"l'élément interne « {info.filename} » a un taux de compression anormal "
                            "(archive piégée ?) : fichier refusé")
    if total > MAX_TOTAL_BYTES:
        raise FormError("le contenu décompressé du fichier est trop volumineux : fichier refusé")


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, never more than MAX_MEMBER_BYTES whatever its header claims."""
    with zf.open(name) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise FormError(f"l'élément interne « {name} » est trop volumineux : fichier refusé")
    return data


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse one XML part; a DTD or an entity declaration (never found in Word files) is refused outright."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or head.startswith(b"\xfe\xff") or head.startswith(b"\xff\xfe"):
        raise FormError(f"l'élément interne « {name} » contient une déclaration DTD ou d'entité, interdite dans un "
                        "document Word : fichier refusé")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise FormError(f"l'élément interne « {name} » n'est pas un XML valide ({exc.msg})") from None
    if root.getroottree().docinfo.doctype:
        raise FormError(f"l'élément interne « {name} » contient une déclaration DTD : fichier refusé")
    return root


def open_docx(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise FormError("le fichier n'existe pas")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FormError("le fichier est trop volumineux pour être un formulaire")
    if not zipfile.is_zipfile(path):
        raise FormError("ce n'est pas un document Word (.docx)")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormError(f"ce n'est pas un document Word lisible ({exc})") from None
    try:
        check_zip(zf)
        if DOCUMENT_PART not in zf.namelist():
            raise FormError("ce n'est pas un document Word (.docx) : partie « word/document.xml » absente")
    except BaseException:
        zf.close()
        raise
    return zf


def _text(content: etree._Element) -> str:
    parts: list[str] = []
    paragraphs = 0
    for el in content.iter():
        tag = el.tag
        if tag == f"{{{W}}}p":
            if paragraphs:
                parts.append("\n")
            paragraphs += 1
        elif tag == f"{{{W}}}t":
            parts.append(el.text or "")
        elif tag == f"{{{W}}}tab":
            parts.append("\t")
        elif tag in (f"{{{W}}}br", f"{{{W}}}cr"):
            parts.append("\n")
    return "".join(parts)


def controls(root: etree._Element) -> list[Control]:
    """Every content control of a document part holding no other control, in document order."""
    out = []
    for sdt in root.iter(f"{{{W}}}sdt"):
        pr = sdt.find(f"{{{W}}}sdtPr")
        content = sdt.find(f"{{{W}}}sdtContent")
        if pr is None or (content is not None and next(content.iter(f"{{{W}}}sdt"), None) is not None):
            continue  # a container around other controls (LibreOffice adds one around a check box's paragraph)
        tag_el = pr.find(f"{{{W}}}tag")
        tag = (tag_el.get(f"{{{W}}}val") or "") if tag_el is not None else ""
        text = _text(content) if content is not None else ""
        checked = None
        box = pr.find(f"{{{W14}}}checkbox")
        if box is not None:
            state = box.find(f"{{{W14}}}checked")
            value = (state.get(f"{{{W14}}}val") or "0") if state is not None else "0"
            checked = value.strip().lower() in ("1", "true", "on")
        if checked is not None:
            kind = "checkbox"
        elif pr.find(f"{{{W}}}dropDownList") is not None or pr.find(f"{{{W}}}comboBox") is not None:
            kind = "dropdown"
        elif pr.find(f"{{{W}}}date") is not None:
            kind = "date"
        else:
            kind = "text"
        out.append(Control(tag, text, pr.find(f"{{{W}}}showingPlcHdr") is not None, checked, kind))
    return out


def read_controls(path: str | Path) -> list[Control]:
    """The content controls of the main document of an untrusted `.docx`; raises `FormError` (French)."""
    path = Path(path)
    with open_docx(path) as zf:
        root = parse_xml(read_part(zf, DOCUMENT_PART), DOCUMENT_PART)
    return controls(root)
