"""Property tests (hypothesis) over what a cell can hold and how tables are laid out: every value reads the same
through every path — the reader on a real .xlsx written by openpyxl, the add-in's functions and ranges as Office.js
and classic xlwings hand cells over, the Démarches Simplifiées import — or is reported by each, with its place;
never silently different (issue 14)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitn_xl import schema
from fitn_xl.core.params import parameters_for
from fitn_xl.forms import ds
from fitn_xl.forms.ds_files import read_tables
from fitn_xl.formulas import functions as f
from fitn_xl.formulas import ranges
from fitn_xl.values import (
    COM_ERRORS,
    EXCEL_ERRORS,
    CellError,
    ExcelError,
    Uncomputed,
    control_character,
    is_empty,
    parse_amount,
    parse_number,
)
from fitn_xl.workbook.cells import excel_serial
from fitn_xl.workbook.read import load_registry

C, P = schema.SHEET_APPLICATIONS, schema.SHEET_PARAMETERS
ROWS = 8  # dossiers of the registry a property writes into

# --- what a cell can hold ----------------------------------------------------------------------------------------

_typed_text = st.sampled_from([
    "10 000 €", "10000,50", "1.234,56 €", "-5", "12,345", "abc", "", " ", "oui", "NON", "x", "3A", "3b ", "Commune",
    "commune", "Métropole", "31/12/2022", "31/12/22", "30/06/2022 14:30", "2022-06-30", "31/02/2022", "31/12/0022",
    "01/01/0000", "31/12/2202", "#N/A", "#REF!", "#valeur!", "# N/A", "N/A", "1e400", "nan", "Infinity", "4 999",
    "4999.0", "0", "1", "Guadeloupe", "Açores", "Royaume-Uni", "Oui\x0b", "Ville\x0bde X", "\x01", "a\tb", "a\nb",
])
_free_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=12)
_dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))
_datetimes = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
cell_values = st.one_of(
    st.none(), _typed_text, _free_text, st.booleans(),
    st.integers(-10**6, 10**15), st.floats(-1e16, 1e16, allow_nan=False), st.sampled_from([0.5, 4999.5, 44742.604]),
    _dates, _datetimes,
    st.sampled_from(sorted(EXCEL_ERRORS)).map(ExcelError),
    st.sampled_from(["A1*2", "SOMME(B2:B9)", "1+1"]).map(Uncomputed),
)

_ESCAPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_cell(cell, value) -> None:
    """`value` typed into an openpyxl cell as Excel saves it: an error cell, a formula, text (control characters as
    their OOXML escape, as Excel writes them), a number or a date."""
    if isinstance(value, ExcelError):
        cell.value = value.code
        cell.data_type = "e"
    elif isinstance(value, Uncomputed):
        cell.value = f"={value.formula}"
    elif isinstance(value, str):
        cell.value = _ESCAPED.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
        cell.data_type = "s"  # text, even « =… » or « #N/A »
    else:
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = "dd/mm/yyyy hh:mm"
        elif isinstance(value, date):
            cell.number_format = "dd/mm/yyyy"


_OFFICE_TYPES = {code: name for name, code in (("Div0", "#DIV/0!"), ("NotAvailable", "#N/A"), ("Ref", "#REF!"))}


def office(value, serial_dates: bool = False):
    """The cell as Office.js hands it to a custom function of xlwings Server (rich values allowed): an error as an
    Error value, a date cell as a FormattedNumber (or, from older Excel, its serial number)."""
    if value is None:
        return ""
    if isinstance(value, ExcelError):
        error = {"type": "Error", "basicValue": value.code}
        if value.code in _OFFICE_TYPES:
            error["errorType"] = _OFFICE_TYPES[value.code]
        return error
    if isinstance(value, date):
        serial = excel_serial(value)
        if serial_dates:
            return float(serial)
        return {"type": "FormattedNumber", "basicValue": serial, "numberFormat": "dd/mm/yyyy"}
    return value


def com(value):
    """The cell as Excel's COM interface hands it to classic xlwings with the raw converter: numbers as floats,
    dates as date-times, errors as their COM code."""
    if isinstance(value, ExcelError):  # (an error Excel has no COM code for: its text, as xlwings gives it)
        return next((k for k, v in COM_ERRORS.items() if v == value.code), value.code)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return float(value)


# --- a registry written by openpyxl, as small as the reader accepts ------------------------------------------

ARGS = ("mesure", "type_candidat", "population", "financee_collectivites", "engagement", "transformation",
        "date_fin", "cout_global", "demande", "part_collectivites")
HEADER = {name: f._COLUMNS[f._ARG_ATTR[name]].header for name in ARGS}
DS_COLUMNS = {"population": "Population", "date_fin": "Date de fin prévue", "cout_global": "Coût global (€)",
              "demande": "Financement demandé (€)"}  # what the DS import reads as the reader does


def base_application(i: int) -> dict[str, object]:
    return {schema.DOSSIER_ID: f"63-{i:03d}", "Date de réception": date(2021, 3, 15), "Mesure": "3a",
            "Collectivité": f"Commune {i}", "Type de candidat": "Commune", "Population": 4500,
            "Engagement décisionnel": "Oui", "Projet de transformation numérique": "Oui",
            "Intitulé du projet": f"Projet {i}", "Date de fin prévue": date(2022, 6, 30), "Coût global (€)": 8000,
            "Financement demandé (€)": 6000, "Statut": "Reçu"}


def write_registry(path, cells: dict[tuple[int, str], object], forfaits: list[list] | None = None) -> None:
    """Every sheet the reader needs, header rows only but « Candidatures » (ROWS dossiers, `cells` typed over them:
    {(Excel row, header): value}) and « Paramètres » (the fiche's parameters; `forfaits` rows when given)."""
    params = parameters_for("63", "Puy-de-Dôme", reference_date=date(2021, 12, 31))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = P
    ws.append(["Paramètre", "Valeur"])
    for spec in schema.PARAMETER_ROWS:
        ws.append([spec.label, _param_value(getattr(params, spec.attr))])
    rows = forfaits if forfaits is not None else [
        [r.measure, r.applicant_type, r.population_min, r.population_max, int(r.amount)] for r in params.forfaits]
    for c, header in enumerate(schema.FORFAITS.headers, start=5):
        ws.cell(1, c, header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=5):
            write_cell(ws.cell(r, c), value)
    for c, header in enumerate(schema.GRID.headers, start=11):
        ws.cell(1, c, header)
    for r, crit in enumerate(params.grid, start=2):
        for c, value in enumerate((crit.measure, crit.number, crit.name, int(crit.weight), int(crit.max_score)),
                                  start=11):
            ws.cell(r, c, value)
    ws.cell(1, 17, schema.EXCLUSIONS.columns[0].header)
    for r, category in enumerate(sorted(params.excluded_categories), start=2):
        ws.cell(r, 17, category)
    apps = wb.create_sheet(C)
    headers = [c.header for c in schema.APPLICATIONS.columns]
    apps.append(headers)
    for i in range(1, ROWS + 1):
        apps.append([base_application(i).get(h) for h in headers])
    for (row, header), value in cells.items():
        write_cell(apps.cell(row, headers.index(header) + 1), value)
    for table in schema.INPUT_TABLES[1:]:
        wb.create_sheet(table.sheet).append([c.header for c in table.columns])
    wb.save(path)


def _param_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def write_ds_export(path, dossiers: dict[int, dict[str, object]]) -> None:
    mapping = ds.load_mapping()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = mapping.sheet or "Dossiers"
    labels = [mapping.key[0], mapping.received[0], *(labels[0] for labels in mapping.columns.values())]
    ws.append(labels)
    for r, (number, values) in enumerate(dossiers.items(), start=2):
        ws.cell(r, 1, number)
        ws.cell(r, 2, datetime(2021, 3, 1, 10, 30))
        for c, reg in enumerate(mapping.columns, start=3):
            write_cell(ws.cell(r, c), values.get(reg))
    wb.save(path)  # no repeatable block: DS writes no sheet for a block without rows


def ds_expected(name: str, value, expected):
    """What the DS import makes of a cell the reader reads as `expected`: the same, but for DS's own conventions —
    a number 0 in the population or an amount is an empty DS champ (read as missing), an amount with more than two
    decimals is rounded to the cent."""
    if name not in ("population", "cout_global", "demande") or isinstance(value, bool):
        return expected
    try:
        number = parse_number(value)
    except CellError:
        return expected
    if number == 0:
        return None
    if name != "population" and number is not None and number > 0 and number != number.quantize(Decimal("0.01")):
        return parse_amount(number.quantize(Decimal("0.01"), ROUND_HALF_UP))
    return expected


def reader_outcome(loaded, row: int, header: str):
    """What the reader made of one cell of « Candidatures »: 'error' when it reported that cell, else the value."""
    if any(i.sheet == C and i.row == row and i.column == header for i in loaded.issues):
        return "error"
    by_row = dict(zip(loaded.rows[schema.APPLICATIONS.name], loaded.registry.applications, strict=True))
    return getattr(by_row[row], schema.APPLICATIONS.column(header).attr)


def addin_outcome(name: str, handed_over):
    parsed, _ = f._parse_arguments({name: [handed_over]})
    value = parsed[f._ARG_ATTR[name]][0]
    return "error" if isinstance(value, CellError) else value


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("paths")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(ARGS), cell_values), min_size=1, max_size=ROWS))
def test_a_cell_reads_the_same_through_every_path_or_is_reported_by_each(folder, edits):
    cells = {(row, HEADER[name]): value for row, (name, value) in enumerate(edits, start=2)}
    path = folder / "registre.xlsx"
    write_registry(path, cells)
    loaded = load_registry(path)
    for issue in loaded.issues:  # every problem is one of the typed cells, located
        assert (issue.row, issue.column) in cells, issue
    ds_path = folder / "export.xlsx"
    ds_cells = {row: {DS_COLUMNS[name]: value} for row, (name, value) in enumerate(edits, start=2)
                if name in DS_COLUMNS}
    write_ds_export(ds_path, ds_cells)
    mapping = ds.load_mapping()
    imported = {int(d.number): d for d in ds.read_export(read_tables(ds_path), mapping).dossiers}
    for row, (name, value) in enumerate(edits, start=2):
        header = HEADER[name]
        expected = reader_outcome(loaded, row, header)
        where = f"{name} = {value!r} (reader: {expected!r})"
        if is_empty(value) and not (isinstance(value, str) and control_character(value)):
            # an empty required cell is an error of the registry; a function reads « not given »
            assert expected in ("error", None, ""), where
            assert addin_outcome(name, office(value)) in (None, ""), where
            continue
        if not isinstance(value, Uncomputed):  # Excel always computes a formula before handing it over
            assert addin_outcome(name, office(value)) == expected, f"Office.js: {where}"
            assert addin_outcome(name, com(value)) == expected, f"COM: {where}"
            if name == "date_fin" and isinstance(value, date):
                assert addin_outcome(name, office(value, serial_dates=True)) == expected, f"serial: {where}"
        if name in DS_COLUMNS:
            d = imported[row]
            label = mapping.columns[DS_COLUMNS[name]][0]
            located = [e for e in d.problems if f"colonne « {label} »" in e]
            got = "error" if located else d.values.get(DS_COLUMNS[name])
            assert got == ds_expected(name, value, expected), f"DS import: {where}"


# --- table shapes --------------------------------------------------------------------------------------------

_bound = st.one_of(st.none(), st.integers(0, 200_000), st.sampled_from(["4 999", "-1", "abc", 4999.5]),
                   st.sampled_from(["#REF!", "#N/A"]).map(ExcelError))
_forfait_row = st.tuples(st.sampled_from(["3a", "3b", "3A", "3e", None]),
                         st.sampled_from(["Commune", "Département", "commune", "Association", None]),
                         _bound, _bound,
                         st.one_of(st.integers(0, 50_000), st.sampled_from(["20 000 €", None, "-5"]),
                                   st.sampled_from(["#DIV/0!"]).map(ExcelError)))
_blank = st.just((None, None, None, None, None))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(_forfait_row, _forfait_row, _blank), min_size=1, max_size=10))
def test_a_parameter_table_reads_whole_whatever_its_blank_rows_and_the_same_as_a_range(folder, rows):
    path = folder / "forfaits.xlsx"
    write_registry(path, {}, [list(r) for r in rows])
    loaded = load_registry(path)
    bad = sorted(i.row for i in loaded.issues if i.sheet == P)
    assert all(i.sheet == P and i.row is not None for i in loaded.issues), loaded.issues
    filled = [r for r, row in enumerate(rows, start=2) if any(v is not None for v in row)]
    assert set(bad) <= set(filled)
    # blank rows between filled ones are noted, never the end of the table
    assert sorted(n.row for n in loaded.notes) == [r for r in range(2, max(filled, default=1) + 1)
                                                     if r not in filled]
    as_range = [list(schema.FORFAITS.headers)] + [[office(v) for v in row] for row in rows]
    try:
        by_range = ranges.forfait_rules(as_range)
    except ranges.RangeError as exc:
        assert bad, f"only the range reports: {exc}"
        named = re.match(r"tableau « Forfaits », ligne (\d+)\b", str(exc))
        assert named and int(named.group(1)) in bad, (str(exc), bad)  # a row the reader reports too
    else:
        assert not bad, f"only the reader reports: {loaded.issues}"
        assert loaded.registry.parameters.forfaits == by_range
        # and rows kept in order, whatever blank rows lie between them
        assert len(by_range) == len(filled)


def test_the_property_helpers_write_what_they_say(tmp_path):
    path = tmp_path / "r.xlsx"
    write_registry(path, {(2, "Collectivité"): "Ville\x0bde X", (3, "Population"): ExcelError("#SPILL!"),
                          (4, "Coût global (€)"): Uncomputed("A1*2"), (5, "Date de fin prévue"):
                          datetime(2022, 6, 30, 14, 30)})
    loaded = load_registry(path)
    assert {(i.row, i.column) for i in loaded.issues} == {(2, "Collectivité"), (3, "Population"),
                                                            (4, "Coût global (€)")}
    assert loaded.registry.applications[3].planned_end == date(2022, 6, 30)
    assert office(datetime(2022, 6, 30, 14, 30))["basicValue"] == pytest.approx(44742.604, abs=1e-3)
    assert loaded.registry.parameters.forfaits == parameters_for("63", "x").forfaits
