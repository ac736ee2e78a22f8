"""The VBA modules of macros/: importable by the VBA editor (Windows-1252, CRLF) and calling Python entry points
and server scripts that exist."""

from __future__ import annotations

import re
from pathlib import Path

from fitn_xl.addin import remote, scripts

MACROS = Path(__file__).resolve().parent.parent / "macros"


def _text(name: str) -> str:
    raw = (MACROS / name).read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    return raw.decode("cp1252")  # the VBA editor imports .bas files in the ANSI code page


def test_classic_buttons_call_existing_python_functions():
    text = _text("FitnBoutons.bas")
    assert text.startswith('Attribute VB_Name = "FitnBoutons"')
    called = set(re.findall(r"fitn\.(\w+)\(", text))
    assert called == {"bouton_recalculer", "bouton_conventions", "bouton_courriers", "bouton_ditp"}
    for name in called:
        assert callable(getattr(scripts, name))
    assert "import fitn_xl.addin.scripts as fitn" in text


def test_remote_buttons_call_existing_server_scripts():
    text = _text("FitnDistant.bas")
    called = set(re.findall(r'FitnAppeler "(\w+)"', text))
    assert called == {s.__name__ for s in remote.SCRIPTS}
    assert "/xlwings/custom-scripts-call/" in text
    assert 'Environ("FITN_XL_JETON")' in text  # the token is never written in the workbook


def test_readme_is_french_and_names_every_function():
    from fitn_xl.addin.functions import FUNCTIONS

    readme = (MACROS / "README.md").read_text(encoding="utf-8")
    for fn in FUNCTIONS:
        assert fn.__name__.upper() in readme
    for word in ("UDF Modules", "ImportPythonUDFsToAddin", "manifest", "XLWINGS_LICENSE_KEY=noncommercial"):
        assert word in readme
