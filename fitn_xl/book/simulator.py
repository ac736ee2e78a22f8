"""The « Simulateur » sheet: an agent types one case and sees forfait, eligibility, reasons and proposed amount
computed live by the add-in's cell functions.

Two add-ins provide those functions under two names: classic xlwings (VBA wrappers, `FITN_FORFAIT`) and the
Office.js add-in of `fitn-xl serve` (namespace FITN, `FITN.FORFAIT`). A drop-down cell of the sheet
(`ADDIN_CELL`, « xlwings (VBA) » or « Office.js ») says which one the workstation has; each result formula calls
the chosen one: `=IF($B$15="Office.js",FITN.FORFAIT(…),FITN_FORFAIT(…))` (IF evaluates only its chosen branch, so
the other add-in's name is never looked up). In the file, an Office.js custom function is stored the way Excel
itself saves it: `_xldudf_` + the namespaced name with its dot as an underscore (`_xldudf_FITN_FORFAIT(…)`); Excel
shows it as `FITN.FORFAIT` once the add-in has registered its functions. A formula stored with the typed name
(`FITN.FORFAIT(…)`) would stay `#NAME?` even after the add-in loads.

`add_simulator_sheet(workbook)` adds the sheet to an openpyxl workbook (the registry builder calls it).
openpyxl cannot store a formula's last value, so `cache_simulator_values(path)` then writes the values the
functions give for the sheet's case into the saved file, next to the formulas: without the add-in (LibreOffice,
a colleague's Excel) the sheet shows those values instead of `#NAME?` until a recalculation, whichever add-in is
chosen.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import python_calamine
from lxml import etree
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .. import schema
from ..files import atomic_write
from ..formulas import functions
from ..workbook.build import font
from ..workbook.cells import DATE_FORMAT, EURO_FORMAT, INTEGER_FORMAT, row_height, wrapped_lines
from ..workbook.read import load_registry
from . import native

SHEET = "Simulateur"
TITLE = "Simulateur : les règles de la fiche appliquées à un cas saisi"
FIRST_ROW = 4  # first input row

# (label, example value, drop-down) — the order of the function arguments
INPUTS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    ("Mesure", "3a", schema.MEASURES),
    ("Type de candidat", "Commune", schema.APPLICANT_TYPES),
    ("Population", 3200, ()),
    ("Financée exclusivement par des collectivités", None, schema.YES_NO),
    ("Engagement décisionnel", schema.YES, schema.YES_NO),
    ("Projet de transformation numérique", schema.YES, schema.YES_NO),
    ("Date de fin prévue", date(2022, 9, 30), ()),
    ("Coût global (€)", 12000, ()),
    ("Financement demandé (€)", 8000, ()),
    ("Part collectivités (€)", None, ()),
)
INPUT_CELLS = {label: f"B{FIRST_ROW + i}" for i, (label, _, _) in enumerate(INPUTS)}
RESULT_ROW = FIRST_ROW + len(INPUTS) + 2

# The add-in that computes the results: the drop-down on the results' heading row.
ADDIN_VBA = "xlwings (VBA)"
ADDIN_OFFICEJS = "Office.js"
ADDIN_NONE = "Sans complément"  # the sheet's own formulas (`book.native`): LibreOffice, Excel without Python
ADDINS = (ADDIN_NONE, ADDIN_VBA, ADDIN_OFFICEJS)
ADDIN_CELL = f"B{RESULT_ROW - 1}"
NAMESPACE = "FITN"  # Office.js namespace of the functions (the server's XLWINGS_FUNCTIONS_NAMESPACE)
OFFICEJS_FILE_PREFIX = "_xldudf_"  # how Excel stores an Office.js custom function's name in a formula


def _ref(label: str) -> str:
    return INPUT_CELLS[label]


def classic_name(function: str) -> str:
    """The classic xlwings (VBA) name of the cell function `function` (its Python name): `FITN_FORFAIT`."""
    return function.upper()


def officejs_name(function: str) -> str:
    """The Office.js name the agent types for `function`: `FITN.FORFAIT` (namespace, then `name=` of `xw.func`,
    the Python name without its `fitn_` prefix)."""
    return f"{NAMESPACE}.{function.removeprefix('fitn_').upper()}"


def officejs_file_name(function: str) -> str:
    """The name of `function` as stored in the .xlsx formula text for the Office.js add-in: `_xldudf_FITN_FORFAIT`."""
    return OFFICEJS_FILE_PREFIX + officejs_name(function).replace(".", "_")


def _call(function: str, args: str, without: str) -> str:
    """`function` applied to `args` by the add-in chosen in `ADDIN_CELL`, or the formula `without` when the choice
    is « Sans complément » (formula text without its `=`). IF computes only the branch chosen: LibreOffice and
    Excel never look up the name of an add-in that is not chosen."""
    choice = "$" + ADDIN_CELL[0] + "$" + ADDIN_CELL[1:]
    return (f'IF({choice}="{ADDIN_NONE}",{without},IF({choice}="{ADDIN_OFFICEJS}",{officejs_file_name(function)}'
            f'({args}),{classic_name(function)}({args})))')


_CASE = native.Case(*(INPUT_CELLS[label] for label, _, _ in INPUTS))


def _eligibility_args() -> str:
    labels = ("Mesure", "Type de candidat", "Financée exclusivement par des collectivités", "Engagement décisionnel",
              "Projet de transformation numérique", "Date de fin prévue", "Coût global (€)",
              "Financement demandé (€)")
    return ",".join(_ref(label) for label in labels)


NO_REASON = "Aucun : le cas est éligible"

# (label, formula, Python function name) — the results, computed by the add-in's functions
RESULTS: tuple[tuple[str, str, str], ...] = (
    ("Forfait (€)",
     "=" + _call("fitn_forfait", f"{_ref('Mesure')},{_ref('Type de candidat')},{_ref('Population')},Forfaits",
                 native.forfait(_CASE)),
     "fitn_forfait"),
    ("Éligible", "=" + _call("fitn_eligible", f"{_eligibility_args()},Parametres", native.eligible(_CASE)),
     "fitn_eligible"),
    # an eligible case shows a word, not an empty text: a formula cached as '' is recalculated (#NAME? without
    # the add-in) by LibreOffice
    ("Motifs", f'=IF(B{RESULT_ROW + 1}="Oui","{NO_REASON}",'
               + _call("fitn_motifs", f"{_eligibility_args()},Parametres", native.motifs(_CASE)) + ")",
     "fitn_motifs"),
    ("Montant proposé (€)",
     "=" + _call("fitn_montant_propose",
                 ",".join(_ref(label) for label, _, _ in INPUTS) + ",Forfaits,Parametres",
                 native.proposed(_CASE, f"B{RESULT_ROW}", f"B{RESULT_ROW + 1}")),
     "fitn_montant_propose"),
)
RESULT_CELLS = {label: f"B{RESULT_ROW + i}" for i, (label, _, _) in enumerate(RESULTS)}


NOTE = (
    "Saisissez le cas dans les cellules jaunes ; les résultats se calculent aussitôt. En " + ADDIN_CELL + ", « "
    + ADDIN_NONE + " » (le choix par défaut) les calcule par les formules de la feuille, dans LibreOffice comme "
    "dans Excel ; « " + ADDIN_VBA + " » (fonctions FITN_…, Python sur le poste Windows) ou « " + ADDIN_OFFICEJS
    + " » (fonctions FITN.…, serveur fitn-xl : Excel sur le web, Mac, Windows) les font calculer par fitn-xl "
    "lui-même. Les trois donnent les mêmes résultats pour un cas sans lignes de dépenses ; sans le complément "
    "choisi, les résultats deviennent une erreur de nom : revenez alors à « " + ADDIN_NONE + " »."
)


def add_simulator_sheet(workbook, title: str = SHEET, addin: str = ADDIN_NONE):
    """Add the « Simulateur » sheet (inputs with drop-downs, the add-in choice set to `addin`, result formulas) to
    an openpyxl `workbook`; returns the worksheet. Formulas refer to the tables `Forfaits` and `Parametres` of
    « Paramètres » and to the list `Liste_Types`."""

    ws = workbook.create_sheet(title)
    ws["A1"] = TITLE
    ws["A1"].font = font(bold=True, size=13, color="000091")
    ws["A2"] = NOTE
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:C2")
    ws.row_dimensions[2].height = row_height(wrapped_lines(NOTE, 44 + 34 + 40))
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 40
    ws[f"A{FIRST_ROW - 1}"] = "Cas"
    ws[f"A{FIRST_ROW - 1}"].font = font(bold=True)
    yellow = PatternFill("solid", fgColor="FFF2CC")
    grey = PatternFill("solid", fgColor="E8E8F4")
    for i, (label, example, choices) in enumerate(INPUTS):
        row = FIRST_ROW + i
        ws.cell(row, 1, label)
        cell = ws.cell(row, 2, example)
        cell.fill = yellow
        if isinstance(example, date):
            cell.number_format = DATE_FORMAT
        elif "(€)" in label:
            cell.number_format = EURO_FORMAT
        elif label == "Population":
            cell.number_format = INTEGER_FORMAT  # « 3 200 », as in « Candidatures »
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            if len(dv.formula1) > 255:  # Excel's limit for a literal list: point to the cells instead
                first = ws.max_column + 3
                for j, choice in enumerate(choices):
                    ws.cell(FIRST_ROW + j, first, choice)
                letter = ws.cell(1, first).column_letter
                dv = DataValidation(type="list", allow_blank=True,
                                    formula1=f"${letter}${FIRST_ROW}:${letter}${FIRST_ROW + len(choices) - 1}")
                ws.column_dimensions[letter].hidden = True
            dv.error, dv.errorTitle = "Choisissez une valeur de la liste.", "Valeur non prévue"
            ws.add_data_validation(dv)
            dv.add(cell)
    ws[f"A{RESULT_ROW - 1}"] = "Résultats, calculés par :"
    ws[f"A{RESULT_ROW - 1}"].font = font(bold=True)
    if addin not in ADDINS:
        raise ValueError(f"addin: {addin!r} not in {ADDINS}")
    choice = ws[ADDIN_CELL]
    choice.value = addin
    choice.fill = yellow
    choice.font = font(bold=True)
    dv = DataValidation(type="list", formula1='"' + ",".join(ADDINS) + '"', allow_blank=False)
    dv.error, dv.errorTitle = ("Choisissez « " + ADDIN_NONE + " », « " + ADDIN_VBA + " » ou « " + ADDIN_OFFICEJS
                               + " ».", "Calcul")
    dv.prompt, dv.promptTitle = ("« " + ADDIN_NONE + " » : les formules de la feuille (LibreOffice, tout Excel) ; "
                                 "sinon le complément installé sur ce poste.", "Calcul")
    ws.add_data_validation(dv)
    dv.add(choice)
    ws[f"C{RESULT_ROW - 1}"] = "← formules de la feuille, ou complément du poste"
    for i, (label, formula, _) in enumerate(RESULTS):
        row = RESULT_ROW + i
        ws.cell(row, 1, label)
        cell = ws.cell(row, 2, formula)
        cell.fill = grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if "(€)" in label:
            cell.number_format = EURO_FORMAT
    return ws


def simulate(path: str | Path, sheet: str = SHEET) -> dict[str, object]:
    """The results the add-in's functions give for the case typed in the « Simulateur » sheet (or another made by
    `add_simulator_sheet`, `sheet`) of the registry at `path` (its Forfaits and Parametres tables): result label
    -> value."""
    book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    values = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

    def cell(ref: str):
        row, col = int(ref[1:]) - 1, ord(ref[0]) - ord("A")
        return values[row][col] if row < len(values) and col < len(values[row]) else None

    case = [cell(INPUT_CELLS[label]) for label, _, _ in INPUTS]
    params = load_registry(path).registry.parameters
    forfaits = [[c.header for c in schema.FORFAITS.columns]] + [
        [f.measure, f.applicant_type, f.population_min, f.population_max, f.amount] for f in params.forfaits]
    parametres = [["Paramètre", "Valeur"], ["Échéance des résultats", params.results_deadline]]
    by_name = {
        "fitn_forfait": lambda: functions.fitn_forfait(case[0], case[1], case[2], forfaits),
        "fitn_eligible": lambda: functions.fitn_eligible(*case[:2], *case[3:9], parametres),
        "fitn_motifs": lambda: functions.fitn_motifs(*case[:2], *case[3:9], parametres) or NO_REASON,
        "fitn_montant_propose": lambda: functions.fitn_montant_propose(*case, forfaits, parametres),
    }
    return {label: by_name[name]() for label, _, name in RESULTS}


def _sheet_part(archive: zipfile.ZipFile, title: str) -> str:

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    wb = etree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{ns['r']}}}id") for s in wb.iterfind("m:sheets/m:sheet", ns) if s.get("name") == title)
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def cache_simulator_values(path: str | Path) -> dict[str, object]:
    """Store in the saved registry at `path` the current values of the « Simulateur » formulas (computed by the
    same functions), atomically. Returns them."""

    path = Path(path)
    results = simulate(path)
    atomic_write(path, lambda tmp: _write_cached(path, tmp, results))
    return results


def _write_cached(path: Path, tmp: Path, results: dict[str, object]) -> None:
    """Copy the registry at `path` to `tmp` with the « Simulateur » formulas' cached values set to `results`."""

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, SHEET)
        root = etree.fromstring(archive.read(part))
        for label, ref in RESULT_CELLS.items():
            c = root.find(f".//{{{main}}}c[@r='{ref}']")
            if c is None or c.find(f"{{{main}}}f") is None:
                continue
            for old in c.findall(f"{{{main}}}v"):
                c.remove(old)
            value = results[label]
            v = etree.SubElement(c, f"{{{main}}}v")
            if isinstance(value, int | float) and not isinstance(value, bool):
                c.attrib.pop("t", None)
                v.text = repr(value) if isinstance(value, float) else str(value)
            else:
                c.set("t", "str")
                v.text = "" if value is None else str(value)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                out.writestr(info, data if info.filename == part else archive.read(info.filename))
