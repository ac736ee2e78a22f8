"""Every command on every bad file (`badfiles.py`): never a crash, a hang, a traceback or « Erreur inattendue »; a
French sentence naming the file; the inputs untouched. Plus the guard's own promises: real files are read as before,
odd names work, a text longer than a cell is an error where it is."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from test_ditp_support import standard_registry

from fitn_xl import schema
from fitn_xl.cli import main
from fitn_xl.workbook import guard
from fitn_xl.workbook.read import journal_rows, load_registry
from fitn_xl.workbook.xlsx import XlsxPackage

HERE = Path(__file__).resolve().parent
# words of the English messages of the libraries underneath (calamine, zipfile, lxml, openpyxl, the system)
ENGLISH = re.compile(r"\b(the|not found|no such|error|errno|failed|invalid|cannot|unexpected|expecting|worksheet|"
                     r"range is|missing|permission denied|directory|truncated|encrypted|password|unsupported|"
                     r"traceback|bad|zipfile|calamine|exception|none|os error|file is)\b", re.I)


SHARES = 2  # driver processes, side by side (the machines have two cores)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("corpus")
    start = time.monotonic()
    subprocess.run([sys.executable, str(HERE / "badfiles.py"), "build", str(folder)], check=True, timeout=300,
                   cwd=HERE)
    built = time.monotonic()
    drivers = [subprocess.Popen([sys.executable, str(HERE / "badfiles.py"), "run", str(folder), str(i), str(SHARES)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE)
               for i in range(SHARES)]
    runs = []
    for driver in drivers:
        out, err = driver.communicate(timeout=600)
        records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        started = [r for r in records if "start" in r]
        assert driver.returncode == 0, (f"the driver died ({driver.returncode}) during "
                                        f"« {started[-1] if started else '?'} »\n{err[-3000:]}")
        assert records[-1].get("untouched") == [], f"inputs changed: {records[-1]}"
        runs += [r for r in records if "command" in r]
    assert not list(folder.rglob("*.fitn-verrou*")), "a registry lock was left behind"
    print(f"{len(runs)} runs: corpus built in {built - start:.1f} s, run in {time.monotonic() - built:.1f} s")
    return runs


@pytest.fixture(scope="module")
def unreadable() -> list[dict]:
    """Every command on a registry its user may not read (mode 000), run by a user who does not own it."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fitn-illisible-"))  # not under pytest's folder: « nobody » cannot enter
    try:
        folder.chmod(0o777)
        subprocess.run([sys.executable, str(HERE / "badfiles.py"), "build-unreadable", str(folder)], check=True,
                       timeout=120, cwd=HERE)
        # root reads a file whatever its mode: the driver then runs as « nobody »
        unprivileged = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        if unprivileged and not shutil.which("setpriv"):
            pytest.skip("setpriv absent (util-linux) : root lit tout fichier")
        driver = subprocess.run([*unprivileged, sys.executable, str(HERE / "badfiles.py"), "run", str(folder), "0",
                                 "1"], capture_output=True, text=True, cwd=HERE, timeout=300,
                                env={**os.environ, "HOME": str(folder)})
        records = [json.loads(line) for line in driver.stdout.splitlines() if line.startswith("{")]
        assert driver.returncode == 0, driver.stderr[-3000:]
        assert records[-1].get("untouched") == [], f"inputs changed: {records[-1]}"
        assert not list(folder.rglob("*.fitn-verrou*")), "a registry lock was left behind"
        return [r for r in records if "command" in r]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_registry_its_user_may_not_read_is_said_so_by_every_command(unreadable):
    assert {r["command"] for r in unreadable} >= {"check", "recalc", "ditp --send", "scoring", "consolidate",
                                                  "import (registre)", "import (export DS)", "upgrade", "payments"}
    problems = []
    for run in unreadable:
        text = _messages(run)
        if run["code"] != 1 or "accès refusé : vous n'avez pas le droit de lire ce fichier" not in text \
                or "illisible.xlsx" not in text or ENGLISH.findall(text.replace("fitn-xl", "")) \
                or "inattendue" in text or "lecture seule" in text or run["changed"]:
            problems.append(f"{run['command']}: exit {run['code']}, {text[:300]!r}, changed {run['changed']}")
    assert not problems, "\n".join(problems)


def _messages(run: dict) -> str:
    """What the user reads; for `check --json`, the messages inside the document (its keys are the contract)."""
    if run["command"] == "check --json" and run["out"].startswith("{"):
        document = json.loads(run["out"])
        return run["err"] + "\n".join(e["message"] for e in document.get("errors", []))
    return run["out"] + run["err"]


def test_the_corpus_covers_every_kind_of_bad_file_and_every_command(corpus):
    kinds = {r["file"] for r in corpus}
    assert len(kinds) >= 30
    for needed in ("empty", "random bytes", "truncated zip", "a .docx renamed", "encrypted by msoffcrypto-tool",
                   "a part declaring 300 MB", "billion laughs in workbook.xml", "a value in XFD1048576 (dimension "
                   "says so)", "XFD1048576 behind a dimension A1:B2", "no _rels/.rels", "the registry without its "
                   "Excel tables", "an OpenDocument spreadsheet", "a folder", "a Latin-1 file name"):
        assert needed in kinds
    commands = {r["command"] for r in corpus}
    assert commands >= {"check", "recalc", "conventions", "letters", "ditp", "ditp --send", "relances", "committee",
                        "scoring", "import (registre)", "import (export DS)", "forms --registre", "consolidate",
                        "upgrade", "payments", "opendata"}


def test_no_bad_file_crashes_hangs_or_speaks_english(corpus):
    problems = []
    for run in corpus:
        text = _messages(run)
        where = f"{run['command']} on {run['file']}"
        if run["code"] not in ((0, 1, 2) if run["valid"] else (1, 2)):
            problems.append(f"{where}: exit {run['code']}")
        if "Erreur inattendue" in text or "Traceback" in text:
            problems.append(f"{where}: {text[:200]!r}")
        english = ENGLISH.findall(text.replace("fitn-xl", ""))
        if english:
            problems.append(f"{where}: English {sorted(set(english))} in {text[:300]!r}")
        if not run["valid"] and run["name"] not in text:
            problems.append(f"{where}: the message does not name « {run['name']} »: {text[:200]!r}")
        if run["changed"]:
            problems.append(f"{where}: changed {run['changed']}")
        if run["seconds"] > 10:
            problems.append(f"{where}: {run['seconds']} s")
    assert not problems, "\n".join(problems)


def test_refusals_say_what_the_file_is_and_what_to_do(corpus):
    said = {r["file"]: r["err"] for r in corpus if r["command"] == "check"}
    assert "est vide (0 octet)" in said["empty"] and "version précédente" in said["empty"]
    assert "est un document Word (.docx), pas un classeur Excel" in said["a .docx renamed"]
    assert "est protégé par un mot de passe" in said["encrypted by msoffcrypto-tool"]
    assert "retirez le mot de passe" in said["encrypted by msoffcrypto-tool"]
    assert "Excel 97-2003 (.xls)" in said["an OLE (.xls) file"]
    assert "dépasse 256 Mo une fois décompressée" in said["a part declaring 300 MB"]
    assert "contrôle d'intégrité faux" in said["a part inflating to 40 MB, declared 1 KB"]
    assert ("la partie interne « xl/sharedStrings.xml » contient plus de 1\u202f000\u202f000 textes"
            in said["1 500 000 shared strings"])
    assert ("la partie interne « xl/styles.xml » contient plus de 100\u202f000 formats de cellule (Excel en permet "
            "65\u202f490)" in said["200 000 cell formats"])
    assert "déclaration de DTD ou d'entités" in said["billion laughs in workbook.xml"]
    for far in ("a value in XFD1048576 (dimension says so)", "XFD1048576 behind a dimension A1:B2",
                "the far cell written in lower case, attribute last"):
        assert "feuille « Candidatures » : une valeur en XFD1048576 : la feuille dépasse" in said[far]
        assert "250\u202f000 lignes" in said[far] and "Ctrl+Fin" in said[far]
    assert "feuille « Dépenses » : une valeur en XFD100000" in said["a value in XFD100000 of Dépenses"]
    assert "jusqu'à la ligne 300\u202f002" in said["300 000 rows of empty texts in Dépenses"]
    assert "« _rels/.rels » est absente" in said["no _rels/.rels"]
    assert "est un dossier, pas un fichier" in said["a folder"]
    assert "n'est pas un fichier ordinaire" in said["a named pipe"]
    consolidated = {r["file"]: r["err"] for r in corpus if r["command"] == "consolidate"}
    assert "une valeur en XFD1048576" in consolidated["a value in XFD1048576 (dimension says so)"]
    imported = {r["file"]: r["err"] for r in corpus if r["command"] == "import (export DS)"}
    assert "Export DS « chiffre.xlsx » : le fichier est protégé" in imported["encrypted by msoffcrypto-tool"]


def test_odd_registries_work_in_every_command(corpus):
    """A Latin-1 file name, quotes and spaces, a registry without its Excel tables, a name so long that a side file
    named after it could not be made: read and written like any."""
    for kind in ("a Latin-1 file name", "spaces, quotes and accents", "the registry without its Excel tables",
                 "a 245-byte file name"):
        runs = {r["command"]: r for r in corpus if r["file"] == kind}
        for command in ("check", "recalc", "relances", "scoring", "forms --registre", "consolidate"):
            assert runs[command]["code"] == 0, (kind, command, runs[command]["err"])
    latin1 = {r["command"]: r for r in corpus if r["file"] == "a Latin-1 file name"}
    assert "Registre recalculé : registre-prefecture-été.xlsx" in latin1["recalc"]["out"]


# --- the guard on real files -------------------------------------------------------------------------------------


def test_a_real_registry_is_read_in_one_search_per_sheet(tmp_path, monkeypatch):
    """The bench-like path: a registry written by fitn-xl never takes the cell-by-cell count."""
    registry = standard_registry(tmp_path / "registre.xlsx")
    counted = []
    real = guard._extent
    monkeypatch.setattr(guard, "_extent", lambda xml: counted.append(1) or real(xml))
    loaded = load_registry(registry)
    assert len(loaded.registry.applications) == 6 and counted == []


def test_a_formatted_far_cell_without_value_is_read(tmp_path):
    """Excel writes a formatted empty cell where a user only set a format: calamine reads past it, so does fitn-xl."""
    registry = standard_registry(tmp_path / "registre.xlsx")
    part = XlsxPackage(registry).sheet_parts[schema.SHEET_APPLICATIONS]
    out = tmp_path / "formatee.xlsx"
    with zipfile.ZipFile(registry) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>')
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            zout.writestr(info, data)
    assert len(load_registry(out).registry.applications) == 6


def test_a_libreoffice_ods_passes_the_guard(tmp_path):
    """LibreOffice writes its trailing empty rows as one row repeated a million times: not refused."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="Feuille1"><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>N° dossier</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/>'
               '</table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell '
               'table:number-columns-repeated="16384"/></table:table-row></table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    path = tmp_path / "libre.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    assert guard.inspect(path).kind == guard.ODS
    with pytest.raises(guard.WorkbookRefused, match="renommé"):
        renamed = tmp_path / "libre.xlsx"
        renamed.write_bytes(path.read_bytes())
        guard.inspect(renamed)


def test_a_text_longer_than_a_cell_is_an_error_where_it_is(tmp_path, capsys):
    registry = standard_registry(tmp_path / "registre.xlsx")
    with XlsxPackage(registry) as pkg:  # fitn-xl writes no such cell (test below): the text goes in afterwards
        pkg.sheet(schema.SHEET_APPLICATIONS).set_values({"D2": "LONG"})
        pkg.save(tmp_path / "court.xlsx")
    _with_text(tmp_path / "court.xlsx", tmp_path / "long.xlsx", b">LONG<", b">" + b"x" * 40_000 + b"<")
    assert main(["check", str(tmp_path / "long.xlsx")]) == 1
    out = capsys.readouterr().out
    assert ("Feuille « Candidatures », ligne 2, colonne « Collectivité » : texte de 40\u202f000 caractères, plus que "
            "les 32\u202f767 qu'une cellule d'Excel peut contenir") in out


def test_documents_in_a_folder_with_a_latin1_name_are_journaled(tmp_path, capsys):
    """The folder a user gives may have a name in another encoding: the documents are written there and journaled
    (the committee's row holds the whole path, shown readable)."""
    registry = standard_registry(tmp_path / "registre.xlsx")
    out = tmp_path / os.fsdecode("sorties-\xe9t\xe9".encode("latin-1"))
    assert main(["letters", str(registry), "-o", str(out)]) == 0, capsys.readouterr().err
    assert "Documents consignés" in capsys.readouterr().out
    assert main(["committee", str(registry), "-o", str(out)]) == 0, capsys.readouterr().err
    printed = capsys.readouterr()
    assert "sorties-été" in printed.out and "Attention" not in printed.out + printed.err
    rows = [row for _, row in journal_rows(registry) if row.get("operation")]
    assert len(rows) == len(list(out.iterdir()))
    assert "sorties-été" in str(rows[-1]["file"])


def test_the_add_in_does_not_ask_excel_for_a_sheet_beyond_the_limits():
    """An open workbook whose used range reaches XFD1048576 (classic buttons, the remote book): refused before its
    values are asked for (this sheet has no `range`: asking would fail)."""
    from types import SimpleNamespace

    from fitn_xl.addin import bookio

    sheet = SimpleNamespace(name="Candidatures", book=SimpleNamespace(name="registre.xlsx"),
                            used_range=SimpleNamespace(row=1, column=1, shape=(1_048_576, 16_384)))
    with pytest.raises(guard.WorkbookRefused, match="feuille « Candidatures » : sa zone utilisée va jusqu'à la "
                                                    "cellule XFD1048576"):
        bookio.sheet_values(sheet)


def _with_text(src: Path, out: Path, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info).replace(old, new))
    return out


def _with_rows(registry: Path, out: Path, sheet: str, rows: bytes) -> Path:
    part = XlsxPackage(registry).sheet_parts[sheet]
    with zipfile.ZipFile(registry) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data.replace(b"</sheetData>", rows + b"</sheetData>") if info.filename == part
                          else data)
    return out


def test_a_sheet_of_a_million_and_a_half_empty_rows_is_read_but_never_parsed_whole(tmp_path, capsys):
    """1.5 million empty `<row>` elements under « Candidatures » (a few MB zipped): read like any registry (calamine
    keeps no empty row), but recalc and the DS import, which patch that sheet, refuse it on its bytes, before lxml
    holds 1.5 million rows (0.9 GB and 8 s before): French, naming the sheet, saying what to do; the file as it was."""
    from ds_export import fitn_demarche, week1, write_export

    registry = _with_rows(standard_registry(tmp_path / "base.xlsx"), tmp_path / "registre.xlsx",
                          schema.SHEET_APPLICATIONS, b"".join(b'<row r="%d"/>' % r for r in range(20, 1_500_020)))
    before = registry.read_bytes()
    assert main(["check", str(registry)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    said = ("« registre.xlsx », feuille « Candidatures » : elle enregistre 1\u202f500\u202f007 lignes, vides ou "
            "seulement mises en forme pour la plupart (250\u202f000 au plus) : fitn-xl ne la modifie pas. Supprimez "
            "les lignes et colonnes en trop")
    start = time.monotonic()
    # the command's own peak memory: VmHWM of its process (the rusage of a child counts the parent's pages at fork)
    peak = ("import sys\nfrom fitn_xl.cli import main\ncode = main(sys.argv[1:])\n"
            "print(next(x for x in open('/proc/self/status') if x.startswith('VmHWM')), file=sys.stderr)\n"
            "sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", peak, "recalc", str(registry)], capture_output=True, text=True,
                          cwd=HERE.parent, timeout=60)
    assert proc.returncode == 1 and said in proc.stderr, proc.stderr
    kilobytes = int(re.search(r"VmHWM:\s*(\d+) kB", proc.stderr).group(1))
    assert kilobytes < 400 * 1024, f"{kilobytes // 1024} MB"
    assert time.monotonic() - start < 10
    export = write_export(tmp_path / "export-ds.xlsx", fitn_demarche(), week1())
    assert main(["import", str(registry), str(export)]) == 1
    assert said in capsys.readouterr().err
    assert registry.read_bytes() == before


def test_a_part_with_millions_of_elements_is_refused_before_lxml_parses_it():
    with pytest.raises(guard.WorkbookRefused, match="la partie interne « xl/sharedStrings.xml » compte "
                                                    "2\u202f500\u202f001 éléments XML"):
        guard.check_patchable(b"<sst>" + b"<si/>" * 2_500_000 + b"</sst>", "registre.xlsx", "xl/sharedStrings.xml")
    guard.check_patchable(b"<sst>" + b"<si/>" * 1_000_000 + b"</sst>", "registre.xlsx", "xl/sharedStrings.xml")


def test_an_import_never_writes_a_text_longer_than_a_cell(tmp_path, capsys):
    """A DS dossier with a 40 000-character answer: a cell holding it would be « repaired » by Excel when it opens
    the registry. The DS import cuts it at 32 767 characters and says so, so that the dossier still lands (issue
    13: every DS dossier lands); any writer asked for a longer text is refused, naming the cell, nothing written."""
    from ds_export import fitn_demarche, week1, write_export

    from fitn_xl.workbook.errors import RegistryError
    from fitn_xl.workbook.write import append_input_rows

    registry = standard_registry(tmp_path / "registre.xlsx")
    dossiers = week1()
    champs = dossiers[0].champs
    longest = max((k for k, v in champs.items() if isinstance(v, str)), key=lambda k: len(champs[k]))
    champs[longest] = "é" * 40_000
    export = write_export(tmp_path / "export-ds.xlsx", fitn_demarche(), dossiers)
    assert main(["import", str(registry), str(export)]) == 0
    err = capsys.readouterr().err
    assert "texte de 40\u202f000 caractères coupé aux 32\u202f767 qu'une cellule d'Excel peut contenir" in err, err
    with zipfile.ZipFile(registry) as z:
        texts = [t for name in z.namelist() if name.startswith("xl/worksheets/")
                 for t in re.findall(r"<t[^>]*>([^<]*)</t>", z.read(name).decode())]
    assert "é" * 32_767 in texts and max(len(t) for t in texts) == 32_767
    before = registry.read_bytes()
    with pytest.raises(RegistryError) as refused:
        append_input_rows(registry, schema.EXPENSES, [{"N° dossier": "DS-101", "Libellé": "é" * 40_000}])
    assert re.search(r"« registre\.xlsx », feuille « Dépenses », cellule [A-Z]+\d+ : texte de 40\u202f000 "
                     r"caractères, plus que les 32\u202f767 qu'une cellule d'Excel peut contenir : rien n'a été écrit",
                     str(refused.value)), refused.value
    assert registry.read_bytes() == before
