"""The bad-file corpus, and a driver that runs it through every command (no tests here: `test_badfiles.py`).

`build(folder)` writes, next to a real blank registry, every kind of file a user (or an attacker) can give fitn-xl:
empty, random bytes, a truncated zip, other formats renamed .xlsx (Word, PDF, text, Excel 97-2003), a really
encrypted .xlsx (msoffcrypto-tool, as Excel encrypts), zip bombs (a part declaring 300 MB, a part inflating beyond
what its header says, 20 000 parts, 1.5 million shared texts, 200 000 cell formats), XML entity tricks (billion
laughs, an external entity), cells far away (XFD1048576 with its dimension, the same with a dimension that lies,
written in lower case, XFD100000 in « Dépenses », 300 000 rows), missing parts, malformed sheet XML, a workbook that
is no registry, an .ods, a folder, a named pipe, a 40 000-character text, attributes no program writes, and odd file
names (Latin-1 bytes, spaces and quotes, 245 bytes long). Each entry says whether a command may accept it (`valid`:
the file is a registry, only odd).

`python tests/badfiles.py build FOLDER` builds the corpus in FOLDER (`build-unreadable`: one registry its user may
not read); `python tests/badfiles.py run FOLDER I N` runs every command on the I-th of N shares of it inside one
process (through `fitn_xl.cli.main`, under a 4 GB address-space limit, so that an allocation calamine would abort on
is an abort here too), printing one JSON line per run as soon as it ends (the last line printed names the run that
crashed, if one does).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import resource
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MONTH = "2021-06"


@dataclass(frozen=True)
class Entry:
    name: str  # the file name in the corpus (str: may hold undecodable bytes, as the system gives them)
    what: str  # what it is, in the test's report
    valid: bool = False  # a registry, only odd: a command may succeed on it
    heavy: bool = False  # costly to read even to refuse it: run through one command per reader, not all of them


def _rewrite(src: Path, dst: Path, change) -> None:
    """Copy the zip `src` to `dst`, `change(name, data)` giving each member's new bytes (None: left out)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def _sheet_part(registry: Path, sheet: str) -> str:
    from fitn_xl.workbook.xlsx import XlsxPackage

    with XlsxPackage(registry) as pkg:
        return pkg.sheet_parts[sheet]


def _patch_header(path: Path, member: str, *, central_size: int | None = None, local_size: int | None = None):
    """Rewrite the uncompressed size a zip declares for `member` (central directory and/or local header)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    if central_size is not None:
        i = data.find(b"PK\x01\x02" + b"")
        while i >= 0:
            n = int.from_bytes(data[i + 28:i + 30], "little")
            if data[i + 46:i + 46 + n] == name:
                data[i + 24:i + 28] = central_size.to_bytes(4, "little")
            i = data.find(b"PK\x01\x02", i + 4)
    if local_size is not None:
        i = data.find(b"PK\x03\x04")
        while i >= 0:
            n = int.from_bytes(data[i + 26:i + 28], "little")
            if data[i + 30:i + 30 + n] == name:
                data[i + 22:i + 26] = local_size.to_bytes(4, "little")
            i = data.find(b"PK\x03\x04", i + 4)
    path.write_bytes(bytes(data))


def build(folder: Path) -> tuple[Path, list[Entry]]:
    """The corpus in `folder`: (a real blank registry, the entries)."""
    from docx import Document
    from msoffcrypto.format.ooxml import OOXMLFile

    from fitn_xl import schema
    from fitn_xl.book.build import build_registry
    from fitn_xl.core import parameters_for
    from fitn_xl.workbook.xlsx import XlsxPackage

    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "modele" / "registre.xlsx"
    good.parent.mkdir(exist_ok=True)
    build_registry(good, parameters_for("63", "Puy-de-Dôme"))
    entries: list[Entry] = []

    def add(name: str, what: str, valid: bool = False, heavy: bool = False) -> Path:
        entries.append(Entry(name, what, valid, heavy))
        return folder / name

    rng = random.Random(12)
    add("vide.xlsx", "empty").write_bytes(b"")
    add("aleatoire.xlsx", "random bytes").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    data = good.read_bytes()
    add("tronque.xlsx", "truncated zip").write_bytes(data[: len(data) // 2])
    add("debut-seul.xlsx", "zip header only").write_bytes(data[:30])
    doc = Document()
    doc.add_paragraph("Compte rendu")
    doc.save(add("compte-rendu.xlsx", "a .docx renamed"))
    add("scan.xlsx", "a PDF renamed").write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    add("notes.xlsx", "text renamed").write_text("N° dossier;Collectivité\n63-001;Volvic\n", encoding="utf-8")
    add("page.xlsx", "HTML renamed").write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    add("ancien.xlsx", "an OLE (.xls) file").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    with open(good, "rb") as src, open(add("chiffre.xlsx", "encrypted by msoffcrypto-tool"), "wb") as out:
        OOXMLFile(src).encrypt("motdepasse", out)

    candidatures = _sheet_part(good, schema.SHEET_APPLICATIONS)
    depenses = _sheet_part(good, schema.SHEET_EXPENSES)

    # zip bombs
    bomb = add("bombe-declaree.xlsx", "a part declaring 300 MB")
    shutil.copy(good, bomb)
    _patch_header(bomb, candidatures, central_size=300 * 1024 * 1024, local_size=300 * 1024 * 1024)
    liar = add("bombe-menteuse.xlsx", "a part inflating to 40 MB, declared 1 KB", heavy=True)
    _rewrite(good, liar, lambda n, d: d.replace(b"</sheetData>", b"<row r=\"3\">" + b" " * 40_000_000
                                                 + b"</row></sheetData>") if n == candidatures else d)
    _patch_header(liar, candidatures, central_size=1024, local_size=1024)
    many = add("dix-mille-parties.xlsx", "10 001 parts", heavy=True)
    shutil.copy(good, many)
    with zipfile.ZipFile(many, "a") as z:
        for i in range(10_001):
            z.writestr(f"xl/media/vide{i}.bin", b"")

    texts = 1_500_000  # a shared-string table calamine would hold whole (12 million: 8 s and 0.7 GB for 550 KB)
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
           b'main" count="%d" uniqueCount="%d">' % (texts, texts) + b"<si><t>a</t></si>" * texts + b"</sst>")

    def with_shared_strings(n: str, d: bytes) -> bytes | None:
        if n == "[Content_Types].xml":
            return d.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                             b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if n == "xl/_rels/workbook.xml.rels":
            return d.replace(b"</Relationships>", b'<Relationship Id="rId999" Type="http://schemas.openxmlformats.'
                             b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                             b"</Relationships>")
        return None if n == "xl/sharedStrings.xml" else d

    many_texts = add("un-million-et-demi-de-textes.xlsx", "1 500 000 shared strings", heavy=True)
    _rewrite(good, many_texts, with_shared_strings)
    with zipfile.ZipFile(many_texts, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", sst)

    _rewrite(good, add("deux-cent-mille-formats.xlsx", "200 000 cell formats", heavy=True),
             lambda n, d: re.sub(rb"<cellXfs[^>]*>", lambda m: m.group(0) + b'<xf numFmtId="0" fontId="0" fillId="0" '
                                 b'borderId="0"/>' * 200_000, d, count=1) if n == "xl/styles.xml" else d)

    # XML entity tricks
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
              b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10)) + b"]>")
    _rewrite(good, add("rires.xlsx", "billion laughs in workbook.xml"),
             lambda n, d: laughs + d[d.find(b"<workbook"):] if n == "xl/workbook.xml" else d)
    xxe = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    _rewrite(good, add("entite-externe.xlsx", "an external entity in a sheet"),
             lambda n, d: xxe + d[d.find(b"<worksheet"):].replace(b"</sheetData>", b'<row r="2"><c r="A2" '
                          b't="inlineStr"><is><t>&x;</t></is></c></row></sheetData>') if n == candidatures else d)

    # cells far away
    with XlsxPackage(good) as pkg:
        pkg.sheet(schema.SHEET_APPLICATIONS).set_values({"XFD1048576": "x"})
        pkg.save(add("cellule-lointaine.xlsx", "a value in XFD1048576 (dimension says so)"))
    far_cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    _rewrite(good, add("dimension-menteuse.xlsx", "XFD1048576 behind a dimension A1:B2"),
             lambda n, d: d.replace(b"</sheetData>", far_cell).replace(d[d.find(b"<dimension"):d.find(b"/>", d.find(
                 b"<dimension")) + 2], b'<dimension ref="A1:B2"/>') if n == candidatures else d)
    _rewrite(good, add("minuscules.xlsx", "the far cell written in lower case, attribute last"),
             lambda n, d: d.replace(b"</sheetData>", b'<row r="9"><c t="inlineStr" r="xfd1048576"><is><t>x</t>'
                                    b'</is></c></row></sheetData>') if n == candidatures else d)
    with XlsxPackage(good) as pkg:
        pkg.sheet(schema.SHEET_EXPENSES).set_values({"XFD100000": 1})
        pkg.save(add("depense-lointaine.xlsx", "a value in XFD100000 of Dépenses"))
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t></t></is></c></row>' % (r, r)
                    for r in range(3, 300_003))
    _rewrite(good, add("trois-cent-mille-lignes.xlsx", "300 000 rows of empty texts in Dépenses", heavy=True),
             lambda n, d: d.replace(b"</sheetData>", rows + b"</sheetData>") if n == depenses else d)

    # missing and broken parts
    _rewrite(good, add("sans-rels.xlsx", "no _rels/.rels"), lambda n, d: None if n == "_rels/.rels" else d)
    _rewrite(good, add("sans-classeur.xlsx", "no xl/workbook.xml"), lambda n, d: None if n == "xl/workbook.xml" else d)
    _rewrite(good, add("sans-feuille.xlsx", "the Candidatures part missing"),
             lambda n, d: None if n == candidatures else d)
    _rewrite(good, add("xml-casse.xlsx", "Candidatures XML cut in the middle"),
             lambda n, d: d[: len(d) // 2] if n == candidatures else d)
    _rewrite(good, add("chaine-partagee.xlsx", "a shared string that does not exist"),
             lambda n, d: d.replace(b"</sheetData>", b'<row r="2"><c r="A2" t="s"><v>99999</v></c></row>'
                                    b"</sheetData>") if n == candidatures else d)
    # attributes no program writes: read by calamine, met again when fitn-xl patches the sheet or the table
    _rewrite(good, add("colonne-sans-numero.xlsx", "a <col> whose min and max are no numbers", valid=True),
             lambda n, d: d.replace(b"<cols>", b'<cols><col min="abc" max="" width="9"/>') if n == candidatures
             else d)
    _rewrite(good, add("plage-fausse.xlsx", "a table whose range is no range", valid=True),
             lambda n, d: re.sub(rb' ref="[^"]*"', b' ref="ZZ"', d, count=1) if n.startswith("xl/tables/") else d)
    from openpyxl import Workbook

    other = Workbook()
    other.active.append(["Nom", "Montant"])
    other.save(add("autre-classeur.xlsx", "a workbook that is no registry"))
    def without_tables(n: str, d: bytes) -> bytes | None:
        if n.startswith("xl/tables/"):
            return None
        if n.startswith("xl/worksheets/_rels/"):
            return re.sub(rb"<Relationship [^>]*/table\"[^>]*/>", b"", d)
        if n.startswith("xl/worksheets/"):
            return re.sub(rb"<tableParts.*?</tableParts>", b"", d, flags=re.S)
        if n == "[Content_Types].xml":
            return re.sub(rb'<Override PartName="/xl/tables/[^>]*/>', b"", d)
        return d

    _rewrite(good, add("sans-tableaux.xlsx", "the registry without its Excel tables", valid=True), without_tables)

    # an .ods (LibreOffice's OpenDocument), a folder, a pipe
    ods = add("registre.ods", "an OpenDocument spreadsheet", valid=True)
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
                   '<office:spreadsheet><table:table table:name="Candidatures"><table:table-row>'
                   '<table:table-cell office:value-type="string"><text:p>N° dossier</text:p></table:table-cell>'
                   '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    far_ods = add("ods-lointain.ods", "an .ods whose valued row repeats a million times")
    with zipfile.ZipFile(far_ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
                   '<office:spreadsheet><table:table table:name="Candidatures">'
                   '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
                   'office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>'
                   '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    add("dossier.xlsx", "a folder").mkdir()
    os.mkfifo(add("tube.xlsx", "a named pipe"))

    # a text longer than a cell holds, odd names
    with XlsxPackage(good) as pkg:  # fitn-xl writes no such cell: the text goes in afterwards
        pkg.sheet(schema.SHEET_APPLICATIONS).set_values({"A2": "63-001", "D2": "GEANT"})
        pkg.save(folder / "geant.tmp")
    _rewrite(folder / "geant.tmp", add("texte-geant.xlsx", "a 40 000-character Collectivité", valid=True),
             lambda n, d: d.replace(b">GEANT<", (">" + "é" * 40_000 + "<").encode()) if n == candidatures else d)
    (folder / "geant.tmp").unlink()
    latin1 = os.fsdecode("registre-prefecture-\xe9t\xe9.xlsx".encode("latin-1"))
    shutil.copy(good, add(latin1, "a Latin-1 file name", valid=True))
    shutil.copy(good, add("registre « copie » d'Hélène.xlsx", "spaces, quotes and accents", valid=True))
    # 245 bytes: the system takes it, a side file named after it (lock, temporary file, previous version) would not
    shutil.copy(good, add("registre-" + "é" * 115 + "s.xlsx", "a 245-byte file name", valid=True))
    return good, entries


# --- the driver ------------------------------------------------------------------------------------------------


def commands(registry: Path, good: Path, export: Path, out: Path) -> dict[str, list[str]]:
    """Every command given `registry` where it takes a registry (or a list, or an export)."""
    r = str(registry)
    return {
        "check": ["check", r],
        "check --json": ["check", r, "--json"],
        "recalc": ["recalc", r],
        "conventions": ["conventions", r, "-o", str(out)],
        "letters": ["letters", r, "-o", str(out)],
        "ditp": ["ditp", r, "--mois", MONTH, "-o", str(out)],
        "ditp --send": ["ditp", r, "--mois", MONTH, "-o", str(out), "--send"],
        "relances": ["relances", r, "-o", str(out)],
        "committee": ["committee", r, "-o", str(out)],
        "scoring": ["scoring", r, "--evaluateur", "Mme Durand"],
        "import (registre)": ["import", r, str(export)],
        "import (export DS)": ["import", str(good), r],
        "forms --registre": ["forms", "-o", str(out), "--registre", r],
        "consolidate": ["consolidate", r, "-o", str(out / "consolidation.xlsx")],
        "upgrade": ["upgrade", r],
        "payments": ["payments", r, "--dossier", "63-001", "-o", str(out)],
        "opendata": ["opendata", r, "-o", str(out / "subventions.csv")],
    }


HEAVY_COMMANDS = ("check", "ditp --send", "consolidate", "import (export DS)")  # one per way of reading a file


def snapshot(folder: Path, content: bool = False) -> dict[str, str]:
    """Every entry under `folder` -> its size, mode, inode and time (and its content's hash with `content`)."""
    import hashlib

    out = {}
    for p in sorted(folder.rglob("*")):
        if _own(p.relative_to(folder)):  # the runs' outputs, working copies (another run's among them)
            continue
        try:
            st = p.lstat()
        except FileNotFoundError:
            continue
        if p.is_dir() and not p.is_symlink():  # its time changes when a lock file comes and goes: entries count
            out[str(p)] = f"dossier:{st.st_mode:o}:{st.st_ino}"
            continue
        out[str(p)] = f"{st.st_size}:{st.st_mode:o}:{st.st_ino}:{st.st_mtime_ns}"
        if content and p.is_file() and not p.is_symlink() and os.access(p, os.R_OK):
            out[str(p)] += ":" + hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def build_all(folder: Path) -> None:
    """The corpus, its list (entries.json) and a DS export, for `run`."""
    from ds_export import fitn_demarche, week1, write_export

    _, entries = build(folder)
    write_export(folder / "modele" / "export-ds.xlsx", fitn_demarche(), week1())
    (folder / "entries.json").write_text(json.dumps([[e.name, e.what, e.valid, e.heavy] for e in entries],
                                                    ensure_ascii=True), encoding="utf-8", errors="surrogateescape")


def build_unreadable(folder: Path) -> None:
    """A corpus of one registry its user may not read (mode 000), for `run` by a user other than its owner (the
    owner, or root, reads it whatever its mode)."""
    from ds_export import fitn_demarche, week1, write_export

    from fitn_xl.book.build import build_registry
    from fitn_xl.core import parameters_for

    good = folder / "modele" / "registre.xlsx"
    good.parent.mkdir(parents=True, exist_ok=True)
    build_registry(good, parameters_for("63", "Puy-de-Dôme"))
    write_export(folder / "modele" / "export-ds.xlsx", fitn_demarche(), week1())
    unreadable = folder / "illisible.xlsx"
    shutil.copy(good, unreadable)
    unreadable.chmod(0)
    (folder / "entries.json").write_text(json.dumps([[unreadable.name, "a registry its user may not read", False,
                                                      False]]), encoding="utf-8")


def _own(path: Path) -> bool:
    """A path a run may change: the outputs and working copies of the runs, and the registry locks a writer takes
    for a moment (another run's among them; none is left at the end: the test checks)."""
    return any(part.startswith(("sorties", "copie", "modele-")) for part in path.parts) or ".fitn-verrou" in path.name


def run(folder: Path, share: int = 0, shares: int = 1) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024 ** 3, hard))
    os.environ.update(FITN_XL_ATTENTE_VERROU="0", FITN_SMTP_HOST="127.0.0.1", FITN_SMTP_PORT="9",
                      FITN_SMTP_SECURITY="none", FITN_SMTP_FROM="Préfecture <pref@example.org>")
    import functools

    from fitn_xl import cli

    cli.build_parser = functools.lru_cache(cli.build_parser)  # built once, as in a real process (cost: 7 ms a run)
    main = cli.main
    entries = [Entry(*e) for e in json.loads((folder / "entries.json").read_text(encoding="utf-8",
                                                                                  errors="surrogateescape"))]
    entries = entries[share::shares]
    mine = folder / f"modele-{share}"  # the valid registry and export a run writes into, its own
    shutil.copytree(folder / "modele", mine, dirs_exist_ok=True)
    good, export = mine / "registre.xlsx", mine / "export-ds.xlsx"
    sorties, work = folder / f"sorties-{share}", folder / f"copie-{share}"
    first = snapshot(folder, content=True)
    previous = None
    for entry in entries:
        path = folder / entry.name
        for label, argv in commands(path, good, export, sorties / "x").items():
            if entry.valid and label.startswith("import (export"):
                continue  # a registry given as a DS export: refused as an export, said in French (covered above)
            if entry.heavy and label not in HEAVY_COMMANDS:
                continue
            target = path  # writers work on a copy of a valid file (in `work`): its odd name is what is tested
            if entry.valid:
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                target = work / path.name
                shutil.copy(path, target)
                argv = [str(target) if a == str(path) else a for a in argv]
            before = previous if previous is not None else snapshot(folder)
            stdout, stderr = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            print(json.dumps({"start": label, "file": entry.what}), flush=True)
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    code = main(argv)
                except SystemExit as exc:  # argparse
                    code = exc.code if isinstance(exc.code, int) else 2
            after = previous = snapshot(folder)
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            shutil.rmtree(sorties, ignore_errors=True)
            print(json.dumps({"file": entry.what, "name": path.name.encode("utf-8", "surrogateescape").decode(
                "utf-8", "replace"), "valid": entry.valid, "command": label, "code": code,
                "seconds": round(time.perf_counter() - start, 3), "out": stdout.getvalue(),
                "err": stderr.getvalue(), "changed": changed}), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    last = snapshot(folder, content=True)
    print(json.dumps({"untouched": sorted(k for k in set(first) | set(last) if first.get(k) != last.get(k))}),
          flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build_all(Path(sys.argv[2]))
    elif sys.argv[1] == "build-unreadable":
        build_unreadable(Path(sys.argv[2]))
    else:
        run(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
