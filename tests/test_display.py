"""The registry, the DITP list and the consolidation as people see them: number formats that survive a save by
French LibreOffice, one font family, wrapped multi-line text in rows tall enough, readable headers, a dashboard
whose table and charts agree. The LibreOffice tests run a real one with a fr-FR profile (`libreoffice_support`)."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import _app, edit_cells, header_column
from libreoffice_support import CSV_AS_SHOWN, XLSX, convert, french_profile, needs_libreoffice, shown
from lxml import etree

from fitn_xl import app, schema
from fitn_xl.app import Clock
from fitn_xl.book import dashboard as dash
from fitn_xl.book.build import build_registry
from fitn_xl.core.params import parameters_for
from fitn_xl.ditp import build_monthly_list
from fitn_xl.ditp.consolidation import consolidate
from fitn_xl.workbook.build import FONT_NAME
from fitn_xl.workbook.cells import (
    DAMAGED_FORMATS,
    EURO_FORMAT,
    LINE_HEIGHT,
    PERCENT_FORMAT,
    line_capacity,
    row_height,
    unescaped_space,
    wrapped_lines,
)
from fitn_xl.workbook.write import append_input_rows

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
NOW = datetime(2021, 12, 31, 12)
OLD_FORMATS = {EURO_FORMAT: '#,##0.00 "€"', PERCENT_FORMAT: "0.0 %"}  # what registries had before this fix


def recalc(path: Path):
    return app.recalc(path, clock=Clock(NOW))


def styles(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("xl/styles.xml"))


def format_codes(path: Path) -> list[str]:
    return [f.get("formatCode") for f in styles(path).iter(f"{MAIN}numFmt")]


def font_names(path: Path) -> list[str | None]:
    out = []
    for f in styles(path).find(f"{MAIN}fonts"):
        name = f.find(f"{MAIN}name")
        out.append(None if name is None else name.get("val"))
    return out


@pytest.fixture
def outputs(registry_file, tmp_path):
    """A recalculated registry, its DITP list of December 2021 and the consolidation of that list."""
    assert recalc(registry_file).status == 0
    listing = build_monthly_list(registry_file, "2021-12", tmp_path / "ditp", today=date(2022, 1, 3)).xlsx
    merged = tmp_path / "consolidation.xlsx"
    consolidate([listing], merged)
    return registry_file, listing, merged


def test_every_number_format_has_its_spaces_escaped_and_one_font_family(outputs):
    for path in outputs:
        codes = format_codes(path)
        assert codes and not [c for c in codes if unescaped_space(c)], path.name
    for path in outputs:
        assert set(font_names(path)) == {FONT_NAME}, path.name
    with zipfile.ZipFile(outputs[0]) as z:  # the dashboard's and the ranking's charts: their text too
        charts = [etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 3
    for chart in charts:
        latin = chart.find(f"{CHART}txPr/{{http://schemas.openxmlformats.org/drawingml/2006/main}}p/"
                           "{http://schemas.openxmlformats.org/drawingml/2006/main}pPr/"
                           "{http://schemas.openxmlformats.org/drawingml/2006/main}defRPr/"
                           "{http://schemas.openxmlformats.org/drawingml/2006/main}latin")
        assert latin is not None and latin.get("typeface") == FONT_NAME
    assert EURO_FORMAT in format_codes(outputs[0]) and PERCENT_FORMAT in format_codes(outputs[0])
    assert unescaped_space('#,##0.00 "€"') and not unescaped_space('#,##0.00" €"')


def _damage(path: Path, codes: dict[str, str]) -> None:
    """Rewrite number format codes of a registry in place (old or damaged formats), nothing else."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/styles.xml":
                root = etree.fromstring(data)
                for f in root.iter(f"{MAIN}numFmt"):
                    f.set("formatCode", codes.get(f.get("formatCode"), f.get("formatCode")))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(info, data)
    tmp.replace(path)


def test_recalc_puts_back_the_formats_a_french_libreoffice_save_damaged(registry_file):
    assert recalc(registry_file).status == 0
    damaged = {right: wrong for wrong, right in DAMAGED_FORMATS.items() if "\\€" in wrong or "%" in wrong}
    _damage(registry_file, damaged)
    wb = openpyxl.load_workbook(registry_file)
    cost = wb[schema.SHEET_APPLICATIONS].cell(2, header_column(wb[schema.SHEET_APPLICATIONS], "Coût global (€)"))
    assert cost.number_format == "#,##0.00,\\€"  # what French LibreOffice wrote: amounts shown ÷ 1 000
    result = recalc(registry_file)
    assert any("Formats de nombres rétablis : 2" in line.text for line in result.lines)
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    for header, fmt in (("Coût global (€)", EURO_FORMAT), ("Montant proposé (€)", EURO_FORMAT),
                        ("Part licences hors UE", PERCENT_FORMAT), ("Forfait (€)", EURO_FORMAT)):
        assert ws.cell(2, header_column(ws, header)).number_format == fmt, header
    board = wb[schema.SHEET_DASHBOARD]
    assert board[dash.DASHBOARD_CELLS["envelope.départementale.amount"]].number_format == EURO_FORMAT
    assert board[dash.DASHBOARD_CELLS["envelope.départementale.consumption"]].number_format == PERCENT_FORMAT
    assert not [c for c in format_codes(registry_file) if c in DAMAGED_FORMATS]


def test_recalc_gives_computed_cells_their_format_back_whatever_their_style(registry_file):
    """A computed cell restyled by someone (General, here) gets its column's format again; inputs keep theirs."""
    assert recalc(registry_file).status == 0
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    proposed, cost = header_column(ws, "Montant proposé (€)"), header_column(ws, "Coût global (€)")
    ws.cell(3, proposed).number_format = "General"
    ws.cell(3, cost).number_format = "0.000"
    wb.save(registry_file)
    recalc(registry_file)
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    assert ws.cell(3, proposed).number_format == EURO_FORMAT
    assert ws.cell(3, cost).number_format == "0.000"  # an input cell: never changed


def test_multi_line_text_wraps_in_rows_tall_enough_and_headers_fit(registry_file):
    assert recalc(registry_file).status == 0
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_APPLICATIONS]
    alerts, reasons = header_column(ws, "Alertes"), header_column(ws, "Motifs")
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(alerts)].width
    tall = 0
    for r in range(2, 7):
        text = ws.cell(r, alerts).value or ""
        lines = max(wrapped_lines(text, width), wrapped_lines(ws.cell(r, reasons).value, width))
        assert ws.cell(r, alerts).alignment.wrap_text and ws.cell(r, reasons).alignment.wrap_text
        if lines > 1:
            tall += 1
            assert ws.row_dimensions[r].height == row_height(lines) >= LINE_HEIGHT * (text.count("\n") + 1)
        else:
            assert ws.row_dimensions[r].height is None
    assert tall >= 2  # 63-001 (excluded spending, expense lines) and 63-002 (licences, population)
    header = ws.row_dimensions[1].height
    for c in range(1, ws.max_column + 1):
        text = ws.cell(1, c).value
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width
        assert header >= row_height(wrapped_lines(text, width, bold=True)), text
    assert header >= 4 * LINE_HEIGHT  # « Financée exclusivement par des collectivités » takes four lines
    late, rank = header_column(ws, "En retard"), header_column(ws, "Rang")
    received = header_column(ws, "Date de réception")
    assert {ws.cell(2, c).alignment.horizontal for c in (late, rank, received)} == {"center"}

    params = wb[schema.SHEET_PARAMETERS]
    for r in range(2, 2 + len(schema.PARAMETER_ROWS)):
        aide = params.cell(r, 3)
        assert aide.alignment.wrap_text
        assert (params.row_dimensions[r].height or LINE_HEIGHT) >= row_height(wrapped_lines(aide.value, 60))


def unbreakable(text, width: float, bold: bool = False) -> list[str]:
    """The words of `text` too long for a line of a wrapped cell `width` wide: the program cuts them in two."""
    return [w for w in str(text or "").split() if len(w) > line_capacity(width, bold)]


def test_every_table_of_every_sheet_has_readable_headers_and_rows_tall_enough(registry_file):
    """After recalc, in every table of every sheet (« Notation »'s grid, « Classement »'s alerts, « Paramètres »…):
    the header row is tall enough for its longest header, and a text of several lines is wrapped in a row tall
    enough for it."""
    assert recalc(registry_file).status == 0
    wb = openpyxl.load_workbook(registry_file)
    tables = multi = 0
    for ws in wb.worksheets:
        def width(c, ws=ws):
            return ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 8.43

        for table in ws.tables.values():
            tables += 1
            c0, r0, c1, r1 = openpyxl.utils.range_boundaries(table.ref)
            header = ws.row_dimensions[r0].height or LINE_HEIGHT
            for c in range(c0, c1 + 1):
                text = ws.cell(r0, c).value
                assert header >= row_height(wrapped_lines(text, width(c), bold=True)), (ws.title, text)
                assert not unbreakable(text, width(c), bold=True), (ws.title, text)  # no word cut in two
            for r in range(r0 + 1, r1 + 1):
                for c in range(c0, c1 + 1):
                    cell = ws.cell(r, c)
                    if not isinstance(cell.value, str):
                        continue
                    lines = wrapped_lines(cell.value, width(c)) if cell.alignment.wrap_text else (
                        cell.value.count("\n") + 1)
                    if lines > 1:
                        multi += 1
                        assert cell.alignment.wrap_text, (ws.title, r, ws.cell(r0, c).value)
                        assert not unbreakable(cell.value, width(c)), (ws.title, r, ws.cell(r0, c).value)
                        assert (ws.row_dimensions[r].height or LINE_HEIGHT) >= row_height(lines), (
                            ws.title, r, ws.cell(r0, c).value)
    assert tables >= 14 and multi >= 10, (tables, multi)


def test_a_longer_parameter_typed_later_gets_a_row_tall_enough_at_the_next_recalc(registry_file):
    """« Service instructeur cut off »: a row of one line keeps the program's own height (it grows as one types);
    a row whose height is fixed is sized again by recalc from what « Paramètre », « Valeur » and « Aide » hold."""
    service = "Préfecture du Puy-de-Dôme — Bureau de la coordination interministérielle et de la modernisation"
    assert recalc(registry_file).status == 0

    def row_of(label):
        ws = openpyxl.load_workbook(registry_file)[schema.SHEET_PARAMETERS]
        r = next(c.row for c in ws["A"] if c.value == label)
        return ws, r

    ws, r = row_of("Service instructeur")
    assert ws.row_dimensions[r].height is None  # one line: the program's height
    ws, threshold = row_of("Seuil licences hors UE")
    fixed = ws.row_dimensions[threshold].height
    assert fixed and fixed > LINE_HEIGHT  # its help takes several lines
    wb = openpyxl.load_workbook(registry_file)
    params = wb[schema.SHEET_PARAMETERS]
    params.cell(r, 2).value = service
    params.cell(threshold, 2).value = 0.1
    params.cell(threshold, 3).value = params.cell(threshold, 3).value + "\n" + service + "\n" + service
    wb.save(registry_file)
    assert recalc(registry_file).status == 0
    ws, _ = row_of("Service instructeur")
    assert ws.row_dimensions[r].height == row_height(wrapped_lines(service, ws.column_dimensions["B"].width)) > (
        LINE_HEIGHT)
    help_text = ws.cell(threshold, 3).value
    assert ws.row_dimensions[threshold].height == row_height(wrapped_lines(help_text, ws.column_dimensions["C"].width))
    assert ws.row_dimensions[threshold].height > fixed

    edit_cells(registry_file, schema.SHEET_PARAMETERS, {(r, "Valeur"): "Bureau"})
    assert recalc(registry_file).status == 0
    ws, _ = row_of("Service instructeur")
    assert ws.row_dimensions[r].height is None


def test_a_shorter_alert_gives_the_row_a_smaller_height(registry_file):
    assert recalc(registry_file).status == 0
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    alerts = header_column(ws, "Alertes")
    before = ws.row_dimensions[2].height
    assert before == row_height(4)  # 63-001: excluded spending and a disagreement, two lines each
    edit_cells(registry_file, schema.SHEET_EXPENSES, {(3, "Catégorie"): "Autre matériel"})  # no exclusion left
    recalc(registry_file)
    ws = openpyxl.load_workbook(registry_file)[schema.SHEET_APPLICATIONS]
    text = ws.cell(2, alerts).value
    assert text.startswith("Notation : écart") and "\n" not in text
    assert ws.row_dimensions[2].height == row_height(2) < before


def _charts(path: Path) -> list[tuple[str, etree._Element, tuple[int, int, int, int]]]:
    """(title, chart XML, (first col, first row, last col, last row) 0-based) of the dashboard's charts."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        drawing = next(n for n in names if n.startswith("xl/drawings/drawing") and n.endswith(".xml")
                       and b"chart" in z.read(n))
        rels = etree.fromstring(z.read(drawing.replace("drawings/", "drawings/_rels/") + ".rels"))
        targets = {r.get("Id"): "xl/charts/" + r.get("Target").rsplit("/", 1)[1] for r in rels}
        out = []
        for anchor in etree.fromstring(z.read(drawing)):
            frm, to = anchor.find(f"{XDR}from"), anchor.find(f"{XDR}to")
            box = tuple(int(m.find(f"{XDR}{k}").text) for m in (frm, to) for k in ("col", "row"))
            rid = next(el for el in anchor.iter() if el.tag.endswith("}chart")).get(
                "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            root = etree.fromstring(z.read(targets[rid]))
            title = "".join(t.text for t in root.find(f"{CHART}chart/{CHART}title").iter(
                "{http://schemas.openxmlformats.org/drawingml/2006/main}t"))
            out.append((title, root, box))
    return out


def _axes_shown(chart: etree._Element) -> set[str]:
    return {ax.find(f"{CHART}delete").get("val") for ax in chart.iter(f"{CHART}catAx", f"{CHART}valAx")}


def test_dashboard_table_and_charts_say_the_same_thing_and_never_overlap(registry_file):
    assert recalc(registry_file).status == 0
    wb = openpyxl.load_workbook(registry_file)
    ws = wb[schema.SHEET_DASHBOARD]
    cell = dash.DASHBOARD_CELLS
    classement = wb["Classement"]
    summary = {row[7].value: row for row in classement.iter_rows(min_row=5, max_row=6)}  # H5:M6
    for env, label in (("départementale", "Départementale (3a, 3b, 3c)"), ("3d", "3d (laboratoires d'innovation)")):
        amount, committed, retained, after = (ws[cell[f"envelope.{env}.{f}"]].value
                                              for f in ("amount", "committed", "retained", "remaining_after"))
        assert committed + retained + after == amount  # what the chart stacks adds up to the envelope
        assert (summary[label][10].value, summary[label][11].value) == (retained, after)  # as « Classement »
        assert ws[cell[f"envelope.{env}.remaining"]].value == amount - committed
    assert ws[f"A{dash.ENVELOPE_NOTE_ROW}"].value == dash.ENVELOPE_NOTE
    charts = _charts(registry_file)
    by_title = {t: (c, box) for t, c, box in charts}
    envelope_chart, _ = by_title[dash.CHART_TITLES["envelopes"][0]]
    series = [s.find(f"{CHART}val/{CHART}numRef/{CHART}f").text for s in envelope_chart.iter(f"{CHART}ser")]
    names = [s.find(f"{CHART}tx/{CHART}strRef/{CHART}f").text for s in envelope_chart.iter(f"{CHART}ser")]
    fields = [dash.ENVELOPE_FIELDS.index(f) for f in ("committed", "retained", "remaining_after")]
    letters = [openpyxl.utils.get_column_letter(2 + i) for i in fields]
    assert [f.split("!")[1].replace("$", "") for f in series] == [
        f"{c}{min(dash.ENVELOPE_ROWS.values())}:{c}{max(dash.ENVELOPE_ROWS.values())}" for c in letters]
    assert [ws[n.split("!")[1].replace("$", "")].value for n in names] == [
        dash.ENVELOPE_HEADERS[i + 1] for i in fields]  # the series are named by the table's own headers
    boxes = [box for _, _, box in charts]
    assert len(boxes) == 3
    for _, r0, _, _ in boxes:
        assert r0 >= dash.CHARTS_ROW  # below every table, below the note row
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)
    assert all(_axes_shown(c) == {"0"} for _, c, _ in charts)
    assert ws[dash.CHARTS_NOTE_CELL].value is None


def test_a_blank_registry_says_there_is_no_dossier_until_there_is_one(tmp_path):
    path = tmp_path / "vierge.xlsx"
    build_registry(path, parameters_for("63", "Puy-de-Dôme"))
    titles = {t: c for t, c, _ in _charts(path)}
    empty_counts, empty_scores = dash.CHART_TITLES["counts"][1], dash.CHART_TITLES["scores"][1]
    assert "aucun dossier" in empty_counts and empty_counts in titles and empty_scores in titles
    assert _axes_shown(titles[empty_counts]) == _axes_shown(titles[empty_scores]) == {"1"}  # no empty axes
    assert titles[empty_counts].find(f"{CHART}chart/{CHART}legend") is None  # nor a legend of nothing
    assert _axes_shown(titles[dash.CHART_TITLES["envelopes"][0]]) == {"0"}  # the envelope is there to see
    ws = openpyxl.load_workbook(path)[schema.SHEET_DASHBOARD]
    assert ws[dash.CHARTS_NOTE_CELL].value == dash.NO_DOSSIER_NOTE
    assert recalc(path).status == 0  # still blank: unchanged
    assert dash.CHART_TITLES["counts"][1] in {t for t, _, _ in _charts(path)}

    application = _app("63-001")
    append_input_rows(path, schema.APPLICATIONS, [{c.header: getattr(application, c.attr)
                                                   for c in schema.APPLICATIONS.columns}])
    assert recalc(path).status == 0
    titles = {t: c for t, c, _ in _charts(path)}
    assert dash.CHART_TITLES["counts"][0] in titles and _axes_shown(titles[dash.CHART_TITLES["counts"][0]]) == {"0"}
    legend = titles[dash.CHART_TITLES["counts"][0]].find(f"{CHART}chart/{CHART}legend")
    assert legend is not None and legend.find(f"{CHART}legendPos").get("val") == "r"
    assert legend.getprevious().tag == f"{CHART}plotArea"
    assert dash.CHART_TITLES["scores"][1] in titles  # a dossier, but none scored yet
    assert openpyxl.load_workbook(path)[schema.SHEET_DASHBOARD][dash.CHARTS_NOTE_CELL].value is None


# --- a real LibreOffice, in French -------------------------------------------------------------------------


def _csv(folder: Path, stem: str, sheet: str) -> list[list[str]]:
    path = folder / f"{stem}-{sheet}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return [[shown(v) for v in row] for row in csv.reader(f)]


def _row(rows: list[list[str]], first: str, header: str | None = None) -> dict[str, str]:
    """The row whose first cell is `first`, by the headers of the row whose first cell is `header` (default: the
    first row)."""
    head = rows[0] if header is None else next(r for r in rows if r and r[0] == header)
    line = next(r for r in rows if r and r[0] == first)
    return dict(zip(head, line, strict=False))


@needs_libreoffice
def test_french_libreoffice_saves_and_reopens_every_amount_right(outputs, tmp_path):
    registry, listing, merged = outputs
    old = tmp_path / "ancien.xlsx"  # a registry made before the formats were escaped
    shutil.copy(registry, old)
    _damage(old, OLD_FORMATS)
    profile = french_profile(tmp_path / "profil")
    convert(profile, [registry, old, listing, merged], XLSX, tmp_path / "enregistre")
    saved = {p.name: p for p in (tmp_path / "enregistre").iterdir()}

    # the failure this guards against, reproduced with the old formats: the profile really is French
    assert "#,##0.00,\\€" in format_codes(saved[old.name])
    for name in (registry.name, listing.name, merged.name):
        assert not [c for c in format_codes(saved[name]) if c in DAMAGED_FORMATS or unescaped_space(c)], name
        assert set(font_names(saved[name])) == {FONT_NAME}, name  # no font left to LibreOffice's default (serif)
    repaired = tmp_path / "ancien-recalcule.xlsx"
    shutil.copy(saved[old.name], repaired)
    assert any("Formats de nombres rétablis" in line.text for line in recalc(repaired).lines)
    # the same files saved by an English LibreOffice (en-US: « , » thousands, « . » decimals), shown in French below
    english = []
    for path in convert(french_profile(tmp_path / "profil-en", locale="en-US"), [registry, listing, merged], XLSX,
                        tmp_path / "enregistre-en"):
        english.append(path.rename(path.with_name(f"{path.stem}-en{path.suffix}")))
    for path in english:
        assert not [c for c in format_codes(path) if c in DAMAGED_FORMATS or unescaped_space(c)], path.name

    shown_dir = tmp_path / "affiche"
    convert(profile, [saved[registry.name], saved[old.name], repaired, saved[listing.name], saved[merged.name],
                      *english], CSV_AS_SHOWN, shown_dir, expect=8)

    apps = _csv(shown_dir, registry.stem, schema.SHEET_APPLICATIONS)
    first, second = _row(apps, "63-001"), _row(apps, "63-002")
    assert first["Coût global (€)"] == "8 000,00 €" and first["Dépenses exclues (€)"] == "2 000,00 €"
    assert first["Montant proposé (€)"] == "5 000,00 €" and first["Forfait (€)"] == "5 000,00 €"
    assert second["Part licences hors UE"] == "40,0 %" and second["Montant accordé (€)"] == "30 000,00 €"
    assert "Dépenses exclues : 2 000 €" in first["Alertes"]
    board = _csv(shown_dir, registry.stem, schema.SHEET_DASHBOARD)
    envelope = _row(board, dash.ENVELOPE_LABELS["départementale"], "Enveloppe")
    assert envelope["Montant (€)"] == "297 000,00 €" and envelope["Engagé (€)"] == "30 000,00 €"
    assert envelope["Consommation (engagé / montant)"] == "10,1 %"
    params = _csv(shown_dir, registry.stem, schema.SHEET_PARAMETERS)
    assert _row(params, "Seuil licences hors UE")["Valeur"] == "10,0 %"
    assert _row(params, "Enveloppe 3d (€)")["Valeur"] == "100 000,00 €"

    broken = _row(_csv(shown_dir, old.stem, schema.SHEET_APPLICATIONS), "63-001")
    assert broken["Coût global (€)"] == "8,00€"  # what the issue saw: every amount divided by 1 000
    fixed = _row(_csv(shown_dir, repaired.stem, schema.SHEET_APPLICATIONS), "63-001")
    assert fixed["Coût global (€)"] == "8 000,00 €" and fixed["Montant proposé (€)"] == "5 000,00 €"
    assert _row(_csv(shown_dir, repaired.stem, schema.SHEET_DASHBOARD),
                dash.ENVELOPE_LABELS["3d"], "Enveloppe")["Montant (€)"] == "100 000,00 €"

    laureates = _csv(shown_dir, listing.stem, "Lauréats")
    assert _row(laureates, "63")["Montant financé (€)"] in ("30 000,00 €", "45 000,00 €")
    assert _row(laureates, "Total")["Montant financé (€)"] == "75 000,00 €"
    assert _row(_csv(shown_dir, merged.stem, "Par département"), "Total")["Montant financé (€)"] == "75 000,00 €"
    assert re.fullmatch(r"\d\d/\d\d/2021", _row(laureates, "63")["Date de décision"])

    # Every sheet (« Classement », « Notation », the list's and the consolidation's included): each amount and
    # percentage shown as French writes it, and what the English save shows is what the French one shows.
    amounts = percents = 0
    for path in (registry, listing, merged):
        for sheet in openpyxl.load_workbook(path, read_only=True).sheetnames:
            french = _csv(shown_dir, path.stem, sheet)
            assert _csv(shown_dir, f"{path.stem}-en", sheet) == french, (path.name, sheet)
            for value in (v for row in french for v in row):
                if re.fullmatch(r"[-\d ,.]+ ?€", value):
                    assert re.fullmatch(r"-?\d{1,3}( \d{3})*,\d\d €", value), (path.name, sheet, value)
                    amounts += 1
                elif re.fullmatch(r"[-\d ,.]+ ?%", value):
                    assert re.fullmatch(r"-?\d+,\d %", value), (path.name, sheet, value)
                    percents += 1
    assert amounts > 100 and percents > 5, (amounts, percents)


def test_the_ditp_list_and_the_consolidation_have_rows_tall_enough_for_their_wrapped_text(outputs):
    tall = 0
    for path in outputs[1:]:
        ws = openpyxl.load_workbook(path)["Lauréats"]
        letter = openpyxl.utils.get_column_letter
        widths = {c: ws.column_dimensions[letter(c)].width for c in range(1, ws.max_column + 1)}
        assert ws.row_dimensions[1].height >= max(row_height(wrapped_lines(ws.cell(1, c).value, w, bold=True))
                                                 for c, w in widths.items())
        for r in range(2, ws.max_row + 1):
            lines = max((wrapped_lines(ws.cell(r, c).value, w) for c, w in widths.items()
                         if ws.cell(r, c).alignment.wrap_text), default=1)
            assert (ws.row_dimensions[r].height or LINE_HEIGHT) >= row_height(lines), (path.name, r)
            tall += lines > 1
        headers = [c.value for c in ws[1]]
        for header in ("Date de décision", "Date de fin du projet"):  # centred: never against the next text
            assert ws.cell(2, headers.index(header) + 1).alignment.horizontal == "center", (path.name, header)
    assert tall
