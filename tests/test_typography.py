"""French spacing of generated text (`fitn_xl.typography`): what it fixes, what it leaves alone, across Word runs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from fitn_xl.typography import NB_HYPHEN, NNBSP, french, french_part, ordinary_gaps, plural, unbreakable

TEXT = st.text(alphabet=st.sampled_from(list("ab1 \u00a0\u202f;:!?«»\n-./")), max_size=40)


def test_examples():
    assert french("Objet : test ; suite !") == f"Objet{NNBSP}: test{NNBSP}; suite{NNBSP}!"
    assert french("« Sport & Loisirs »") == f"«{NNBSP}Sport & Loisirs{NNBSP}»"
    assert french("Quoi?") == f"Quoi{NNBSP}?"
    for untouched in ("https://x.fr/?a=1", "18:00", "a;b", "63-2021-001"):
        assert french(untouched) == untouched
    assert french("(15); Arverne") == f"(15){NNBSP}; Arverne"
    assert unbreakable("dossier 63-2021-001.", ["63-2021-001"]) == f"dossier 63{NB_HYPHEN}2021{NB_HYPHEN}001."
    assert (plural(0, "note"), plural(1, "lauréat"), plural(2, "note valide"), plural(3, "œil", "yeux")) == \
        ("0 note", "1 lauréat", "2 notes valides", "3 yeux")


@given(TEXT)
def test_only_spacing_changes_and_twice_is_once(text):
    fixed = french(text)
    assert french(fixed) == fixed
    assert not ordinary_gaps(fixed)
    strip = str.maketrans("", "", " \u00a0\u202f")
    assert fixed.translate(strip) == text.translate(strip)  # every other character kept, in order


@given(st.lists(TEXT, min_size=1, max_size=4))
def test_a_paragraph_split_in_runs_is_fixed_as_one(pieces):
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    runs = "".join(f'<w:r><w:t xml:space="preserve">{_esc(p)}</w:t></w:r>'
                   for p in pieces)
    xml = f'<w:document xmlns:w="{w}"><w:body><w:p>{runs}</w:p></w:body></w:document>'
    root = etree.fromstring(french_part(xml))
    joined = "".join(t.text or "" for t in root.iter(f"{{{w}}}t"))
    assert joined == french("".join(pieces))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
