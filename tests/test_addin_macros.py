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
    from fitn_xl.formulas.functions import FUNCTIONS

    readme = (MACROS / "README.md").read_text(encoding="utf-8")
    for fn in FUNCTIONS:
        assert fn.__name__.upper() in readme
    for word in ("UDF Modules", "ImportPythonUDFsToAddin", "manifest", "XLWINGS_LICENSE_KEY=noncommercial"):
        assert word in readme


# --- the Windows administrator's steps, checked against the xlwings package they rely on ---

XLWINGS = Path(__import__("xlwings").__file__).resolve().parent


def _readme() -> str:
    return (MACROS / "README.md").read_text(encoding="utf-8")


def test_custom_addin_settings_named_in_the_readme_exist_in_xlwings_template():
    import python_calamine

    readme = _readme()
    assert "xlwings quickstart fitn7 --addin" in readme
    template = python_calamine.CalamineWorkbook.from_path(str(XLWINGS / "quickstart_addin.xlam"))
    assert template.sheet_names == ["_myaddin.conf"]  # the sheet the README tells to rename
    keys = {row[0] for row in template.get_sheet_by_name("_myaddin.conf").to_python()}
    for key in ("Interpreter_Win", "UDF Modules", "PYTHONPATH"):
        assert key in keys and f"**{key}**" in readme
    vba = (XLWINGS / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    assert 'PROJECT_NAME As String = "myaddin"' in vba and "`myaddin.conf`" in readme
    assert "fitn_xl.formulas.functions" in readme


def test_udfs_are_imported_by_the_macro_of_the_custom_addin_itself():
    vba = (XLWINGS / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    # ImportPythonUDFsToAddin writes into ThisWorkbook: the add-in whose module runs it
    base = vba[vba.index("Sub ImportPythonUDFsBase"):vba.index("Sub ImportPythonUDFs()")]
    assert "If addin = True Then\n        Set wb = ThisWorkbook" in base.replace("\r\n", "\n")
    assert "Sub ImportPythonUDFsToAddin()\n    ImportPythonUDFsBase addin:=True" in vba.replace("\r\n", "\n")
    readme = _readme()
    step = readme[readme.index("ImportPythonUDFsToAddin") - 200:readme.index("ImportPythonUDFsToAddin") + 200]
    assert "module **`xlwings` du projet MyAddin**" in step
    assert "catégorie xlwings" not in readme


def test_readme_names_the_wizard_category_set_by_the_functions():
    from fitn_xl.formulas.functions import CATEGORY

    assert f"catégorie **{CATEGORY}**" in _readme()


def test_each_macro_finds_the_vba_it_calls_where_the_readme_puts_it():
    custom_addin = (XLWINGS / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    remote = (XLWINGS / "addin" / "Remote.bas").read_text(encoding="utf-8")
    # classic buttons go into fitn7.xlam, whose own xlwings module defines RunPython
    assert "RunPython " in _text("FitnBoutons.bas") and "Public Function RunPython(" in custom_addin
    # remote buttons need the xlwings add-in (Remote module), which the custom add-in lacks
    assert "RunRemotePython " in _text("FitnDistant.bas")
    assert "Function RunRemotePython(" in remote and "RunRemotePython(" not in custom_addin
    readme = _readme()
    for name in ("FitnBoutons.bas", "FitnDistant.bas"):
        subs = re.findall(r"^Public Sub (\w+)\(\)", _text(name), flags=re.M)
        assert subs and all(f"`{sub}`" in readme for sub in subs), name
