"""recalc and the safe writer on real files: inputs untouched, computed values = core, atomic, locks honoured."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import edit_cells, header_column

from fitn_xl import app, schema
from fitn_xl.app import Clock
from fitn_xl.book.computed import computed_rows
from fitn_xl.book.dashboard import DASHBOARD_CELLS
from fitn_xl.cli import main
from fitn_xl.core.compute import compute
from fitn_xl.workbook.cells import EURO_FORMAT
from fitn_xl.workbook.read import load_registry
from fitn_xl.workbook.write import (
    STALE_TEMP_SECONDS,
    append_input_rows,
    append_journal,
    atomic_update,
    previous_version_path,
)
from fitn_xl.workbook.xlsx import XlsxPackage

TODAY = date(2021, 12, 31)


def recalc(path, today: date | None = None, now: datetime | None = None, force: bool = False):
    """The `recalc` job on a clock set to `now`, else to noon on `today` (else the machine's clock)."""
    moment = now or (datetime(today.year, today.month, today.day, 12) if today else None)
    return app.recalc(path, force=force, clock=Clock(moment))
GENERATED_SHEETS = {schema.SHEET_DASHBOARD, "Classement"}  # rewritten whole by recalc
COMPUTED = {c.header for c in schema.APPLICATIONS.computed} | {
    f"{schema.SCORES.name}:{c.header}" for c in schema.SCORES.computed}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_cells(path: Path) -> dict:
    """Every cell that is not computed: (sheet, row, column) -> (value, number format, fill colour)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title in GENERATED_SHEETS:
            continue
        computed_cols = set()
        for table in schema.INPUT_TABLES:
            if table.sheet == ws.title:
                computed_cols = {header_column(ws, c.header) for c in table.computed}
        for row in ws.iter_rows():
            for cell in row:
                if cell.row > 1 and cell.column in computed_cols:
                    continue
                out[(ws.title, cell.row, cell.column)] = (cell.value, cell.number_format, cell.fill.fgColor.rgb)
    return out


def computed_values(path: Path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_APPLICATIONS]
    headers = [c.value for c in ws[1]]
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0]:
            out[row[0]] = {h: v for h, v in zip(headers, row, strict=True) if h in COMPUTED}
    return out


def same(cell_value, core_value) -> bool:
    if core_value is None or core_value == "":
        return cell_value in (None, "")
    if isinstance(core_value, Decimal):
        return cell_value is not None and abs(Decimal(str(cell_value)) - core_value) < Decimal("1e-9")
    return cell_value == core_value


def test_recalc_writes_core_results_and_leaves_inputs_identical(registry_file):
    before = input_cells(registry_file)
    summary = recalc(registry_file, today=TODAY)
    assert summary.dossiers == 5 and summary.issues == [] and not summary.blocking
    assert input_cells(registry_file) == before
    loaded = load_registry(registry_file)
    expected = compute(loaded.registry, TODAY)
    got = computed_values(registry_file)
    assert set(got) == set(expected.results)
    for dossier_id, result in expected.results.items():
        for column in schema.APPLICATIONS.computed:
            value = result.cells()[column.attr]
            assert same(got[dossier_id][column.header], value), (dossier_id, column.header, value)
    # a few facts the sample was built for
    assert got["63-001"]["Forfait (€)"] == 5000 and got["63-001"]["Dépenses exclues (€)"] == 2000
    assert got["63-003"]["Éligible"] == "Non" and got["63-003"]["Motifs"].startswith("Échéance")
    assert got["63-002"]["En retard"] == "Oui" and got["63-002"]["Part licences hors UE"] == pytest.approx(0.4)


def test_recalc_is_idempotent_and_styles_survive(registry_file):
    recalc(registry_file, today=TODAY)
    first = computed_values(registry_file)
    recalc(registry_file, today=TODAY)
    assert computed_values(registry_file) == first
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    proposed = ws.cell(2, header_column(ws, "Montant proposé (€)"))
    assert proposed.number_format == EURO_FORMAT
    assert proposed.fill.fgColor.rgb.endswith("E7E6E6")  # computed: grey
    share = ws.cell(3, header_column(ws, "Part licences hors UE"))
    assert "%" in share.number_format


def test_dashboard_values_are_rewritten(registry_file):
    with XlsxPackage(registry_file) as pkg:
        charts = {n: pkg.zip.read(n) for n in pkg.names if n.startswith("xl/charts/")}
    assert len(charts) >= 2
    recalc(registry_file, now=datetime(2021, 12, 31, 9, 30))
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_DASHBOARD]
    assert ws[DASHBOARD_CELLS["envelope.départementale.committed"]].value == 30000
    assert ws[DASHBOARD_CELLS["envelope.3d.committed"]].value == 45000
    assert ws[DASHBOARD_CELLS["count.3a.Reçu"]].value == 1
    assert ws[DASHBOARD_CELLS["count.total.total"]].value == 5
    assert ws[DASHBOARD_CELLS["indicator.late"]].value == 1
    assert ws[DASHBOARD_CELLS["updated"]].value == datetime(2021, 12, 31, 9, 30)
    with XlsxPackage(registry_file) as pkg:  # the charts survive unchanged (openpyxl would drop them)
        assert {n: pkg.zip.read(n) for n in pkg.names if n.startswith("xl/charts/")} == charts


def test_dossier_with_errors_gets_values_and_an_alert(registry_file):
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(2, "Population"): "beaucoup",
                                                           (3, "Date de décision"): "32/13/2021"})
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(6, schema.DOSSIER_ID): "63-004"})  # duplicate
    summary = recalc(registry_file, today=TODAY)
    assert summary.with_errors == 2
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    alerts, eligible = header_column(ws, "Alertes"), header_column(ws, "Éligible")
    assert ws.cell(2, alerts).value.startswith("Erreurs de saisie : 1 (voir fitn-xl check)")
    assert ws.cell(2, eligible).value == "Oui"  # still computed where possible
    assert ws.cell(3, alerts).value.startswith("Erreurs de saisie : 1 (voir fitn-xl check)\nLicences hors UE")
    assert ws.cell(6, alerts).value == "Erreurs de saisie : 1 (voir fitn-xl check)"  # duplicated row
    assert ws.cell(6, eligible).value is None
    assert ws.cell(4, alerts).value is None  # 63-003 has no error and no alert
    # the public `computed_rows` is exactly what recalc wrote (the Excel add-in writes it too)
    loaded = load_registry(registry_file)
    rows = computed_rows(loaded, compute(loaded.registry, TODAY))
    assert set(rows) == {2, 3, 4, 5, 6}
    headers = [c.value for c in ws[1]]
    for r, values in rows.items():
        assert set(values) == ({"Alertes"} if r == 6 else {c.header for c in schema.APPLICATIONS.computed})
        for header, value in values.items():
            assert same(ws.cell(r, headers.index(header) + 1).value, value), (r, header)


def test_callers_use_public_writer_names():
    import fitn_xl.addin.bookio
    import fitn_xl.forms.importer
    from fitn_xl.workbook import write

    assert not hasattr(write, "_append")
    for module in (fitn_xl.addin.bookio, fitn_xl.forms.importer):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "import XlsxPackage, _" not in source and "_error_alerts" not in source and "_alerts," not in source


def test_rows_typed_below_the_table_are_taken_in(registry_file):
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    for header, value in {schema.DOSSIER_ID: "63-006", "Date de réception": date(2021, 4, 1), "Mesure": "3a",
                          "Collectivité": "Commune de Thiers", "Type de candidat": "Commune", "Population": 11000,
                          "Intitulé du projet": "Audit", "Statut": "Reçu", "Engagement décisionnel": "Oui",
                          "Projet de transformation numérique": "Oui", "Date de fin prévue": date(2022, 1, 1),
                          "Coût global (€)": 9000, "Financement demandé (€)": 9000}.items():
        ws.cell(8, header_column(ws, header), value)  # two blank rows below the table
    wb.save(registry_file)
    summary = recalc(registry_file, today=TODAY)
    assert schema.APPLICATIONS.name in summary.extended_tables
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    last_letter = openpyxl.utils.get_column_letter(len(schema.APPLICATIONS.all_columns))
    assert ws.tables[schema.APPLICATIONS.name].ref == f"A1:{last_letter}8"
    assert ws.cell(8, header_column(ws, "Forfait (€)")).value == 10000
    assert ws.cell(8, header_column(ws, "Montant proposé (€)")).value == 9000


def test_recalc_output_opens_in_libreoffice_and_its_resave_recalcs(registry_file, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice absent")
    recalc(registry_file, today=TODAY)
    expected = computed_values(registry_file)
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"), str(registry_file)],
                   check=True, timeout=180, capture_output=True)
    resaved = tmp_path / "out" / "registre.xlsx"  # LibreOffice read our file and wrote its own XML
    assert load_registry(resaved).issues == []
    edit_cells(resaved, schema.SHEET_APPLICATIONS, {(4, "Date de fin prévue"): date(2022, 6, 1)})
    recalc(resaved, today=TODAY)
    got = computed_values(resaved)
    assert got["63-003"]["Éligible"] == "Oui" and got["63-003"]["Montant proposé (€)"] == 6000
    assert got["63-001"] == expected["63-001"]


def test_recalc_killed_mid_write_leaves_the_original_intact(registry_file):
    digest = sha(registry_file)
    env = dict(os.environ, FITN_XL_TEST_WRITE_DELAY="60")
    child = subprocess.Popen([sys.executable, "-m", "fitn_xl.cli", "recalc", str(registry_file)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        temp = []
        while time.monotonic() < deadline:
            temp = [p for p in registry_file.parent.glob(".registre.*fitn-tmp*") if p.stat().st_size > 0]
            if temp:
                break
            time.sleep(0.05)
        assert temp, "the child never started writing"
        time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert sha(registry_file) == digest
    assert load_registry(registry_file).issues == []
    assert not previous_version_path(registry_file).exists()
    # the killed writer's half-written temp file stays until the next update of that registry, which removes
    # it once stale; a recent one (another writer at work) and another registry's are left alone
    (left,) = temp
    assert left.exists()
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(left, (old, old))
    busy = registry_file.with_name(".registre.abcd1234.fitn-tmp.xlsx")
    other = registry_file.with_name(".registre.autre.abcd1234.fitn-tmp.xlsx")
    for p in (busy, other):
        p.write_bytes(b"en cours")
    os.utime(other, (old, old))
    recalc(registry_file, today=TODAY)
    assert not left.exists() and busy.exists() and other.exists()
    assert sorted(p.name for p in registry_file.parent.glob(".registre.*")) == sorted([busy.name, other.name])


def test_previous_version_is_kept(registry_file):
    os.chmod(registry_file, 0o664)
    original = registry_file.read_bytes()
    recalc(registry_file, today=TODAY)
    assert registry_file.stat().st_mode & 0o777 == 0o664  # permissions kept (the temp file was private)
    previous = previous_version_path(registry_file)
    assert previous.name == "registre.precedent.xlsx"
    assert previous.read_bytes() == original
    once = registry_file.read_bytes()
    recalc(registry_file, today=TODAY)
    assert previous.read_bytes() == once  # replaced each time
    assert not list(registry_file.parent.glob("*fitn-tmp*"))


@pytest.mark.parametrize("lock", ["~$registre.xlsx", ".~lock.registre.xlsx#"])
def test_lock_file_is_honoured_and_force_overrides(registry_file, lock, capsys):
    (registry_file.parent / lock).write_text("verrou")
    digest = sha(registry_file)
    refused = recalc(registry_file)
    assert refused.status == 1 and "semble ouvert dans Excel ou LibreOffice" in refused.text()
    assert main(["recalc", str(registry_file)]) == 1
    assert "fermez-le" in capsys.readouterr().err
    assert sha(registry_file) == digest
    assert main(["recalc", str(registry_file), "--force"]) == 0
    assert sha(registry_file) != digest


def test_atomic_update_failure_leaves_original_untouched(registry_file):
    digest = sha(registry_file)
    with pytest.raises(RuntimeError), atomic_update(registry_file) as tmp:
        tmp.write_bytes(b"half written")
        raise RuntimeError("boom")
    assert sha(registry_file) == digest
    assert not list(registry_file.parent.glob("*fitn-tmp*"))
    assert not previous_version_path(registry_file).exists()


def test_blocking_parameter_error_exits_1_and_never_writes_inputs(registry_file, capsys):
    edit_cells(registry_file, schema.SHEET_PARAMETERS, {(6, "Valeur"): "beaucoup"})
    before = input_cells(registry_file)
    assert main(["recalc", str(registry_file)]) == 1
    err = capsys.readouterr().err
    assert "Feuille « Paramètres », ligne 6, colonne « Valeur » : Enveloppe départementale (€) : « beaucoup »" in err
    assert input_cells(registry_file) == before
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    assert ws.cell(2, header_column(ws, "Alertes")).value.startswith("Paramètres en erreur : 1")


def test_append_journal_and_input_rows(registry_file):
    append_journal(registry_file, [{"Opération": "Convention", schema.DOSSIER_ID: "63-002", "Montant (€)": 30000,
                                    "Fichier": "conventions/63-002.docx"}])
    rows = append_journal(registry_file, [{"Opération": "Liste DITP", "Mois": "2021-06", "Nombre": 2,
                                           "Date et heure": datetime(2021, 7, 1, 8, 0)}])
    assert rows == [3]
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_JOURNAL]
    assert ws.tables["Journal"].ref == "A1:J3"
    assert ws.cell(2, 2).value == "Convention" and ws.cell(2, 7).value == 30000
    assert isinstance(ws.cell(2, 1).value, datetime)
    assert ws.cell(3, 1).value == datetime(2021, 7, 1, 8, 0) and ws.cell(3, 4).value == "2021-06"

    written = append_input_rows(registry_file, schema.EXPENSES, [
        {schema.DOSSIER_ID: "63-004", "Libellé": "Licence LMS", "Catégorie": "Licence ou abonnement logiciel",
         "Pays de l'éditeur": "US", "Montant (€)": Decimal("1234.50")}])
    assert written == [6]
    written = append_input_rows(registry_file, schema.APPLICATIONS, [
        {schema.DOSSIER_ID: "63-007", "Date de réception": date(2021, 5, 2), "Mesure": "3b",
         "Collectivité": "Commune d'Ambert", "Type de candidat": "Commune", "Intitulé du projet": "Formation",
         "Statut": "Reçu", "Engagement décisionnel": True, "Projet de transformation numérique": False}])
    assert written == [7]
    loaded = load_registry(registry_file)
    assert loaded.issues == []
    assert loaded.registry.expenses[-1].publisher_country == "US" and loaded.registry.expenses[-1].amount == Decimal(
        "1234.5")
    app = loaded.registry.applications[-1]
    assert (app.received_on, app.decision_commitment, app.digital_transformation) == (date(2021, 5, 2), True, False)
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_EXPENSES]
    assert ws.cell(6, 5).value == "États-Unis" and ws.cell(6, 6).number_format == EURO_FORMAT
    with pytest.raises(ValueError):
        append_input_rows(registry_file, schema.EXPENSES, [{"Inconnu": 1}])


def test_sheet_layer_add_sheet_and_replace_data(registry_file, tmp_path):
    out = tmp_path / "essai.xlsx"
    with XlsxPackage(registry_file) as pkg:
        sheet = pkg.add_sheet("Essai")
        euro = pkg.style_with_format(EURO_FORMAT)
        sheet.replace_data([["Rang", "N° dossier", "Montant"], [1, "63-001", Decimal("5000.5")]], styles={3: euro})
        sheet.replace_data([["Rang", "N° dossier", "Montant"], [1, "63-004", 12000], [2, "63-001", 5000]],
                           styles={3: euro})
        pkg.sheet(schema.SHEET_DASHBOARD).set_values({"A1": "Titre < & >"})
        pkg.save(out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Essai"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [["Rang", "N° dossier", "Montant"],
                                                                 [1, "63-004", 12000], [2, "63-001", 5000]]
    assert ws.cell(2, 3).number_format == EURO_FORMAT
    assert wb[schema.SHEET_DASHBOARD]["A1"].value == "Titre < & >"
    assert load_registry(out).issues == []


def test_input_cells_and_untouched_parts_are_byte_identical(registry_file):
    from lxml import etree

    from fitn_xl.workbook.xlsx import SheetXml

    def cells(pkg):
        sheet = SheetXml(etree.fromstring(pkg.zip.read(pkg.sheet_parts[schema.SHEET_APPLICATIONS])))
        n_inputs = len(schema.APPLICATIONS.columns)
        return {(r, c): etree.tostring(cell) for r, row in sheet._rows.items()
                for c, cell in SheetXml.row_cells(row).items() if c <= n_inputs}

    with XlsxPackage(registry_file) as pkg:
        before = cells(pkg)
        parts = {n: pkg.zip.read(n) for n in pkg.names}
    recalc(registry_file, today=TODAY)
    with XlsxPackage(registry_file) as pkg:
        assert cells(pkg) == before
        after = {n: pkg.zip.read(n) for n in pkg.names}
        sheets = {schema.SHEET_APPLICATIONS, schema.SHEET_SCORES, schema.SHEET_DASHBOARD, "Classement"}
        rewritten = {pkg.sheet_parts[s] for s in sheets if s in pkg.sheet_parts}
        rewritten |= {t.part for t in pkg.tables().values() if t.sheet == "Classement"}  # rebuilt whole
    assert set(after) == set(parts)
    for name, data in parts.items():
        if name not in rewritten and name != "xl/styles.xml":
            assert after[name] == data, name


def test_writer_stores_formula_like_text_as_text(tmp_path, registry_data):
    from dataclasses import replace

    from test_workbook_build import FORMULA_LIKE, formula_elements

    from fitn_xl.book.build import build_registry

    reg = registry_data
    first = replace(reg.applications[0], applicant="-1 commune")  # eligible: listed in « Classement »
    reg = replace(reg, applications=(first, *reg.applications[1:]))
    registry_file = tmp_path / "registre.xlsx"
    build_registry(registry_file, reg.parameters, reg)

    rows = [{schema.DOSSIER_ID: f"63-1{i:02d}", "Date de réception": date(2021, 5, 2), "Mesure": "3b",
             "Collectivité": text, "Type de candidat": "Commune", "Intitulé du projet": text, "Statut": "Reçu"}
            for i, text in enumerate(FORMULA_LIKE)]
    append_input_rows(registry_file, schema.APPLICATIONS, rows)
    append_journal(registry_file, [{"Opération": "=1+1", "Fichier": "@SOMME(A1)"}])
    recalc(registry_file, today=TODAY)  # the « Classement » sheet repeats the collectivités
    assert set(formula_elements(registry_file).values()) == {0}
    loaded = load_registry(registry_file)
    assert [a.applicant for a in loaded.registry.applications[-len(FORMULA_LIKE):]] == list(FORMULA_LIKE)
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    cell = ws.cell(7, header_column(ws, "Collectivité"))
    assert cell.value == "=1+1" and cell.quotePrefix
    assert cell.number_format == ws.cell(2, header_column(ws, "Collectivité")).number_format
    assert ws.cell(7, header_column(ws, "Statut")).quotePrefix is False
    journal = wb[schema.SHEET_JOURNAL]
    assert (journal.cell(2, 2).value, journal.cell(2, 2).quotePrefix) == ("=1+1", True)
    classement = [c for row in wb["Classement"].iter_rows(values_only=True) for c in row]
    assert "-1 commune" in classement


def test_recalc_reads_the_registry_once_and_scores_land_on_their_rows(registry_file, monkeypatch):
    from fitn_xl.workbook import read

    edit_cells(registry_file, schema.SHEET_SCORES, {(3, schema.DOSSIER_ID): "99-999"})  # not a known dossier
    opened = []
    real_open = read._open
    monkeypatch.setattr(read, "_open", lambda path, *rest: opened.append(path) or real_open(path, *rest))
    recalc(registry_file, today=TODAY)
    assert len(opened) == 1
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_SCORES]
    score, measure = header_column(ws, "Note /20"), header_column(ws, "Mesure")
    assert [ws.cell(r, measure).value for r in range(2, 6)] == ["3a", None, "3b", "3b"]
    assert ws.cell(2, score).value is not None and ws.cell(3, score).value is None
    assert ws.cell(5, score).value is None  # conflict of interest


def test_recalc_without_the_excel_table_writes_below_the_header_row_it_finds(registry_file, tmp_path):
    """« Candidatures » lost its Excel table and has a title above its header row (row 3): the reader finds the
    header in the sheet, and recalc writes the computed cells of each dossier on its own row, never above."""
    reference = tmp_path / "reference.xlsx"
    shutil.copy(registry_file, reference)
    recalc(reference, today=TODAY)
    expected = computed_values(reference)

    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    del ws.tables[schema.APPLICATIONS.name]
    ws.insert_rows(1, 2)
    ws["A1"] = "Registre des candidatures"
    wb.save(registry_file)
    loaded = load_registry(registry_file)
    assert loaded.header_rows[schema.APPLICATIONS.name] == 3
    assert loaded.application_rows["63-001"] == 4

    recalc(registry_file, today=TODAY)
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    assert ws["A1"].value == "Registre des candidatures"
    assert all(cell.value is None for cell in ws[2])
    headers = [c.value for c in ws[3]]
    got = {row[0]: {h: v for h, v in zip(headers, row, strict=True) if h in COMPUTED}
           for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}
    assert got == expected
