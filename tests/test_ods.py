"""A registry saved by LibreOffice in its own format (.ods), or renamed .xlsx, or whose Excel tables were
« converted to range »: read by check and the document commands; the commands that write into it refuse with
status 2 and say how to save it as .xlsx; never « Erreur inattendue »."""

from __future__ import annotations

import shutil
from datetime import datetime

import openpyxl
import pytest
from libreoffice_support import ODS, convert, french_profile, needs_libreoffice

from fitn_xl import app, schema
from fitn_xl.app import Clock
from fitn_xl.cli import main
from fitn_xl.workbook.read import RegistryError, is_ods, journal_rows, load_registry

NOW = Clock(datetime(2021, 12, 31, 12))


@pytest.fixture(scope="module")
def ods(tmp_path_factory):
    """The sample registry, recalculated, saved as .ods by a French LibreOffice; and the same renamed .xlsx."""
    from conftest import sample_registry

    from fitn_xl.book.build import build_registry

    folder = tmp_path_factory.mktemp("ods")
    reg = sample_registry()
    xlsx = folder / "registre.xlsx"
    build_registry(xlsx, reg.parameters, reg)
    assert app.recalc(xlsx, clock=NOW).status == 0
    (saved,) = convert(french_profile(folder / "profil"), [xlsx], ODS, folder / "ods")
    renamed = folder / "renomme.xlsx"
    shutil.copy(saved, renamed)
    return xlsx, saved, renamed


@needs_libreoffice
def test_an_ods_registry_is_read_as_its_xlsx_and_documents_are_made_from_it(ods, tmp_path):
    xlsx, saved, renamed = ods
    assert saved.suffix == ".ods" and is_ods(saved) and is_ods(renamed) and not is_ods(xlsx)
    original, read = load_registry(xlsx), load_registry(saved)
    assert read.issues == [] and read.registry == original.registry
    with pytest.raises(RegistryError, match="renommé"):  # said in French, and how to save it (issue 12's guard)
        load_registry(renamed)
    for run in (app.check, app.letters):  # « an .ods renamed .xlsx gives an English fragment »: no longer
        args = (renamed, tmp_path / "renomme") if run is app.letters else (renamed,)
        text = run(*args, clock=NOW).text()
        assert "renommé" in text and "enregistrez-le" in text and "inattendue" not in text, text
    check = app.check(saved, clock=NOW)
    assert check.status == 0 and "classeur LibreOffice (.ods)" in check.text() and "Enregistrer sous" in check.text()
    assert check.cells == app.check(xlsx, clock=NOW).cells
    for name, run in (("courriers", app.letters), ("conventions", app.conventions)):
        result = run(saved, tmp_path / name, clock=NOW)
        assert result.status == 0, result.text()
        assert result.files and "« Journal » n'est pas complétée" in result.text()
        assert len(result.files) == len(run(xlsx, tmp_path / f"{name}-xlsx", clock=NOW).files)
    result = app.ditp(saved, "2021-12", tmp_path / "ditp", clock=NOW)
    assert result.status == 0 and len(result.files) == 3, result.text()
    result = app.committee(saved, tmp_path / "comite", clock=NOW)
    assert result.status == 0 and result.files, result.text()
    assert "inattendue" not in result.text()


@needs_libreoffice
def test_commands_that_write_refuse_an_ods_and_say_how_to_save_it_as_xlsx(ods, tmp_path, capsys):
    xlsx, saved, renamed = ods
    before = saved.read_bytes()
    for result in (app.recalc(saved, clock=NOW), app.scoring(saved, ["Mme Durand"], clock=NOW),
                   app.import_files(saved, [tmp_path / "formulaire.docx"], clock=NOW),
                   app.ditp(saved, "2021-12", tmp_path / "envoi", send=True, clock=NOW),
                   app.upgrade(saved, clock=NOW)):
        text = result.text()
        assert result.status == 2, text
        assert "« registre.ods » est un classeur LibreOffice (.ods)" in text
        assert "Fichier > Enregistrer sous" in text and "(.xlsx)" in text and "inattendue" not in text
    assert saved.read_bytes() == before
    result = app.recalc(renamed, clock=NOW)
    assert result.status == 2 and "classeur LibreOffice (.ods) renommé en .xlsx" in result.text()
    assert main(["recalc", str(saved)]) == 2
    err = capsys.readouterr()
    assert "Enregistrer sous" in err.err + err.out and "Traceback" not in err.err


def test_tables_converted_to_range_are_read_from_their_headers(registry_file, tmp_path):
    wb = openpyxl.load_workbook(registry_file)
    for ws in wb.worksheets:  # what Excel's « Convertir en plage » leaves: the cells, no table
        for name in list(ws.tables):
            del ws.tables[name]
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    assert loaded.issues == [] and len(loaded.registry.applications) == 5
    assert app.check(registry_file, clock=NOW).status == 0
    result = app.recalc(registry_file, clock=NOW)
    assert result.status == 0 and result.rows_written == 5, result.text()
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    headers = [c.value for c in ws[1]]
    assert ws.cell(2, headers.index("Montant proposé (€)") + 1).value == 5000
    letters = app.letters(registry_file, tmp_path / "courriers", clock=NOW)
    assert letters.status == 0 and letters.files and "inattendue" not in letters.text()
    assert len(journal_rows(registry_file)) == len(letters.files)  # below the « Journal » headers, no table


def test_a_file_that_is_no_workbook_is_explained_in_french(tmp_path):
    fake = tmp_path / "registre.xlsx"
    fake.write_bytes(b"PK\x03\x04" + b"\0" * 200)  # a broken zip
    for result in (app.check(fake, clock=NOW), app.recalc(fake, clock=NOW)):
        text = result.text()
        assert result.status != 0 and "inattendue" not in text and "registre.xlsx" in text
        assert not any(word in text for word in ("File", "not found", "zip file", "Error")), text


def test_telling_an_ods_never_blocks_on_a_named_pipe_nor_reads_a_large_member(tmp_path):
    """The writing commands ask « is it an .ods? » before the guard looks at the file: that question must not open
    a named pipe (the opening waits for a writer forever) nor inflate a huge « mimetype »."""
    import os
    import threading
    import zipfile

    pipe = tmp_path / "tube.xlsx"
    os.mkfifo(pipe)
    answers = []
    asking = threading.Thread(target=lambda: answers.append((is_ods(pipe), app.recalc(pipe, clock=NOW))),
                              daemon=True)
    asking.start()
    asking.join(timeout=20)
    assert not asking.is_alive(), "is_ods or recalc opened the named pipe"
    (ods_answer, result), = answers
    assert ods_answer is False and result.status != 0 and "tube" in result.text() and "inattendue" not in result.text()
    big = tmp_path / "gros.xlsx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet" + b" " * 50_000_000)
        z.writestr("content.xml", b"<x/>")
    assert is_ods(big) is False
