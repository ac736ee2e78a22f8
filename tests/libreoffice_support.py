"""A real LibreOffice, headless, as a French préfecture runs it: a user profile set to the fr-FR locale.

The profile's registrymodifications.xcu sets `/org.openoffice.Setup/L10N/ooSetupSystemLocale` (« Paramètres
linguistiques » : the locale of number formats, here a space as thousands separator and a decimal comma),
`ooLocale` (the interface language) and the default language of documents to fr-FR. `recalc_on_load` also makes
LibreOffice recalculate every formula of an .xlsx it opens (`Formula/Load/OOXMLRecalcMode` = 0; its default is
never), as it does for the cells a user types into.

One `soffice` call converts a whole batch of files: keep calls few, each one starts LibreOffice.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent (la CI l'installe)")

_ITEM = ('<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>')
FR_FR = (
    ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "fr-FR"),
    ("/org.openoffice.Setup/L10N", "ooLocale", "fr-FR"),
    ("/org.openoffice.Office.Linguistic/General", "DefaultLocale", "fr-FR"),
)
RECALC_ON_LOAD = (("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "0"),)

# CSV export of every sheet (one file per sheet, « NAME-SHEET.csv »), cells as shown (formats applied), UTF-8,
# comma-separated, language fr-FR: tokens 1-3 separator/quote/charset, 6 language, 9 « as shown », 12 sheets (-1).
CSV_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1036,false,true,true,false,false,-1"
XLSX = "xlsx:Calc MS Excel 2007 XML"
ODS = "ods"


def french_profile(folder: Path, recalc_on_load: bool = False, locale: str = "fr-FR") -> Path:
    """A new LibreOffice user profile in `folder`, set to fr-FR (or `locale`: « en-US » for an English one).
    Returns its folder (for -env:UserInstallation)."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    settings = tuple((p, n, locale) for p, n, _ in FR_FR) + (RECALC_ON_LOAD if recalc_on_load else ())
    items = "\n".join(_ITEM.format(path=p, name=n, value=v) for p, n, v in settings)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n{items}\n</oor:items>\n', encoding="utf-8")
    return folder


def convert(profile: Path, files: list[Path], target: str, outdir: Path, expect: int | None = None) -> list[Path]:
    """Open each of `files` in LibreOffice (profile `profile`) and save it as `target` (`XLSX`, `ODS`,
    `CSV_AS_SHOWN`…) into `outdir`, in one call. Returns the files written; fails unless there are `expect` of
    them (default: one per input; a CSV of every sheet gives one per sheet)."""
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    run = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                          "--outdir", str(outdir), *map(str, files)], capture_output=True, text=True, timeout=300)
    written = sorted(set(outdir.iterdir()) - before)
    wanted = len(files) if expect is None else expect
    assert run.returncode == 0 and len(written) >= wanted, (run.returncode, run.stdout, run.stderr, written)
    return written


def shown(text: str) -> str:
    """A displayed value with its spaces made plain (LibreOffice writes no-break and narrow no-break ones)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
