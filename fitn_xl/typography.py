"""French typography of generated text: narrow no-break spaces (U+202F) before « ; : ! ? » and inside « », dossier
numbers that never break, plurals written out.

`french(text)` fixes a plain string (e-mail bodies and subjects); `french_xml(root)` fixes every paragraph of a
WordprocessingML part in place, across the runs a paragraph is made of (a space in one run, « : » in the next);
`french_docx(data)` does it for the body, headers and footers of a .docx. Only spacing changes: every other
character is kept, in order, and fixing twice changes nothing more.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from io import BytesIO

NNBSP, NBSP = "\u202f", "\u00a0"
NB_HYPHEN = "\u2011"  # non-breaking hyphen: Word shows it as its own « trait d'union insécable »
_SPACES = frozenset(" \u00a0\u2009\u202f")
_BEFORE = frozenset(";:!?»")  # take a narrow no-break space before them
_GLUED_OK = frozenset(";!?»")  # and get one when glued to a word (not « : »: 18:00, https://)


_TRIGGERS = re.compile(r"[;:!?«»]")


def _edits(text: str) -> list[str]:
    """For each character of `text`, what it becomes (itself, '', a narrow space, or a narrow space + itself)."""
    out = list(text)
    n = len(text)
    for m in _TRIGGERS.finditer(text):
        i = m.start()
        c = text[i]
        if c in _BEFORE:
            j = i
            while j > 0 and text[j - 1] in _SPACES:
                j -= 1
            if j < i:
                out[j] = NNBSP
                for k in range(j + 1, i):
                    out[k] = ""
            elif c in _GLUED_OK and i > 0:
                prev = text[i - 1]
                nxt = text[i + 1] if i + 1 < n else " "
                if c == "»":
                    if prev not in "«\n":
                        out[i] = NNBSP + c
                elif (prev.isalnum() or prev in ")»%€") and (nxt in _SPACES or nxt in "\n\t»)" or i + 1 == n):
                    out[i] = NNBSP + c
        if c == "«":
            j = i + 1
            while j < n and text[j] in _SPACES:
                j += 1
            if j > i + 1:
                out[i + 1] = NNBSP
                for k in range(i + 2, j):
                    out[k] = ""
            elif j < n and text[j] not in "\n»":
                out[i] = out[i] + NNBSP
    return out


def french(text: str) -> str:
    """`text` with French spacing: « Objet : », « ; », « ! », « ? », « « texte » » with narrow no-break spaces."""
    if not text or not any(c in text for c in ";:!?«»"):
        return text
    return "".join(_edits(text))


def unbreakable(text: str, words: Iterable[str]) -> str:
    """Each of `words` found in `text` (dossier numbers « 63-2021-001 ») with non-breaking hyphens."""
    for word in words:
        if word and "-" in word and word in text:
            text = text.replace(word, word.replace("-", NB_HYPHEN))
    return text


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 note », « 2 notes », « 0 lauréat », « 3 dossiers éligibles » (French: 0 and 1 take the singular)."""
    word = singular if abs(n) < 2 else (plural_form or " ".join(w + "s" for w in singular.split(" ")))
    return f"{n} {word}"


# --- WordprocessingML -----------------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _T, _R = f"{{{W}}}p", f"{{{W}}}t", f"{{{W}}}r"
_BREAKS = {f"{{{W}}}br", f"{{{W}}}cr", f"{{{W}}}tab"}
_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def _paragraph_texts(p) -> list:
    """The w:t elements of paragraph `p` in reading order, with a None where a line break or tab cuts the text;
    paragraphs nested in it (text boxes) are left to their own pass."""
    out: list = []
    for el in p.iter(_T, *_BREAKS):
        if next(el.iterancestors(_P)) is not p:
            continue
        out.append(el if el.tag == _T else None)
    return out


def french_xml(root, words: Iterable[str] = ()) -> None:
    """Fix every paragraph under the lxml element `root` in place (see `french`); `words` are made unbreakable."""
    words = tuple(w for w in words if w and "-" in w)
    for p in root.iter(_P):
        quick = "".join(t.text or "" for t in p.iter(_T))
        if not _TRIGGERS.search(quick) and not (words and any(w in quick for w in words)):
            continue  # most paragraphs: nothing to do
        texts = _paragraph_texts(p)
        segments: list[list] = [[]]
        for t in texts:
            if t is None:
                segments.append([])
            elif t.text:
                segments[-1].append(t)
        for seg in segments:
            if not seg:
                continue
            joined = "".join(t.text for t in seg)
            if words:
                fixed_words = unbreakable(joined, words)
                if fixed_words != joined:  # same length: hyphens swapped one for one
                    pos = 0
                    for t in seg:
                        t.text = fixed_words[pos:pos + len(t.text)]
                        pos += len(t.text)
                    joined = fixed_words
            if not _TRIGGERS.search(joined):
                continue
            edits = _edits(joined)
            pos = 0
            for t in seg:
                size = len(t.text)
                new = "".join(edits[pos:pos + size])
                pos += size
                if new != t.text:
                    t.text = new
                    if new != new.strip():
                        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def french_part(xml: bytes | str, words: Iterable[str] = ()) -> bytes:
    """One WordprocessingML part (bytes or text) fixed; returns UTF-8 bytes with the XML declaration."""
    from lxml import etree

    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
    french_xml(root, words)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def french_docx(data: bytes, words: Iterable[str] = ()) -> bytes:
    """A .docx with the body, headers, footers and notes fixed (other parts copied as they are)."""
    words = tuple(words)
    src = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if _PART.fullmatch(info.filename):
                content = french_part(content, words)
            dst.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ordinary_gaps(text: str) -> list[str]:
    """The places where `text` breaks the rule (for tests and checks): an ordinary or no-break space before
    « ; : ! ? », after « « » or before « » »; each with a little context."""
    found = []
    for m in re.finditer(r"[ \u00a0][;:!?»]|«[ \u00a0]", text):
        found.append(text[max(0, m.start() - 15):m.end() + 15])
    return found


__all__ = ["NB_HYPHEN", "NBSP", "NNBSP", "french", "french_docx", "french_part", "french_xml", "ordinary_gaps",
           "plural", "unbreakable"]


def for_display(text: str, encoding: str | None = None) -> str:
    """`french(text)` for a screen whose character set is `encoding` (None: Unicode): where it has no narrow
    no-break space (a Windows console's cp850, VBA's message box in cp1252), an ordinary no-break space stands in,
    and a plain space where it has neither."""
    text = french(text)
    if encoding is None or NNBSP not in text:
        return text
    for space in (NNBSP, NBSP, " "):
        try:
            space.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            continue
        return text.replace(NNBSP, space)
    return text.replace(NNBSP, " ")
