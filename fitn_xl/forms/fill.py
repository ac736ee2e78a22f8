"""Filling a blank form programmatically, as a user does in Word: type over the placeholder, tick the box.

Used by the tests and the demo; it writes the same XML Word writes for a filled content control.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from lxml import etree

from ..files import atomic_write
from .build import CHECKED, UNCHECKED, W14
from .docx_in import DOCUMENT_PART, W

_W = f"{{{W}}}"


def _set_text(sdt: etree._Element, text: str) -> None:
    pr = sdt.find(_W + "sdtPr")
    plh = pr.find(_W + "showingPlcHdr")
    if plh is not None:
        pr.remove(plh)
    content = sdt.find(_W + "sdtContent")
    for child in list(content):
        content.remove(child)
    run = etree.SubElement(content, _W + "r")
    for i, line in enumerate(text.split("\n")):
        if i:
            etree.SubElement(run, _W + "br")
        t = etree.SubElement(run, _W + "t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _set_checked(sdt: etree._Element, checked: bool) -> None:
    pr = sdt.find(_W + "sdtPr")
    state = pr.find(f"{{{W14}}}checkbox/{{{W14}}}checked")
    state.set(f"{{{W14}}}val", "1" if checked else "0")
    for t in sdt.iter(_W + "t"):
        t.text = CHECKED if checked else UNCHECKED


def fill_form(blank: str | Path, target: str | Path, values: dict[str, str | bool]) -> Path:
    """Copy `blank` to `target` with each content control whose tag is in `values` filled (bool = check box)."""
    blank, target = Path(blank), Path(target)
    with zipfile.ZipFile(blank) as zf:
        root = etree.fromstring(zf.read(DOCUMENT_PART))
        for sdt in root.iter(_W + "sdt"):
            tag = sdt.find(f"{_W}sdtPr/{_W}tag")
            key = tag.get(_W + "val") if tag is not None else None
            if key in values:
                value = values[key]
                if isinstance(value, bool):
                    _set_checked(sdt, value)
                else:
                    _set_text(sdt, value)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info in zf.infolist():
                    if info.filename == DOCUMENT_PART:
                        out.writestr(info, data)
                    else:
                        with zf.open(info) as src, out.open(info, "w") as dst:
                            shutil.copyfileobj(src, dst)

        atomic_write(target, write)
    return target
