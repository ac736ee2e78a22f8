"""Cell functions of the add-in (xlwings UDFs): forfait, excluded spending, extra-EU share, eligibility, proposed
amount, score /20 — thin adapters over `fitn_xl.core.rules` and `fitn_xl.core.scoring`.

Each function is pure: the parameter tables (*Forfaits*, *Grille*, *Exclusions*, *Parametres*) and the input
tables (*Depenses*, *Notation*) are passed as ranges. Inputs may be one cell each (one dossier) or whole columns
(the result spills, one value per row). A bad input gives a French « Erreur : … » text in its cell, never an Excel
error; a bad cell spoils only its own row.

Two ways to write them, with the same results: **one formula per row**, as a calculated column of a table
(`=FITN.DEPENSES_EXCLUES([@[N° dossier]];Depenses;Exclusions)` in « Candidatures »: Excel copies it to each row and
to new rows; a table cannot hold a result that spills), or **the column form**, one formula outside a table on whole
columns (`=FITN.DEPENSES_EXCLUES(Candidatures[N° dossier];Depenses;Exclusions)`), whose result spills. A row's
result depends only on its own cells and the tables, so both give the same cells. For the per-row form the tables
are parsed once per recalculation (`cache`), and under Office.js the add-in's client sends the rows of a
recalculation in one request, each table once (`fitn_xl.addin.batchcall`): both forms cost about the same.

Names: classic xlwings (VBA) uses the Python names, e.g. `FITN_FORFAIT`; Office.js uses `name=` under the add-in
namespace, e.g. `FITN.FORFAIT`.

Outside Excel (Linux, tests) the xlwings decorators are pass-throughs and these are plain Python functions.
"""

from __future__ import annotations

from dataclasses import replace

import xlwings as xw
from xlwings.conversion import Converter
from xlwings.conversion.standard import RawValueAccessor

from ..core import rules, scoring
from ..core.model import Application
from ..perf import gc_paused
from ..schema import APPLICATIONS, NO, YES, Column
from ..values import CellError, parse_column
from . import cache, ranges
from .ranges import ERROR_PREFIX, RangeError, broadcast, excel_value, shape

# Function argument -> attribute of `Application` (its « Candidatures » column gives the kind and the label).
_ARG_ATTR = {
    "dossier": "dossier_id",
    "mesure": "measure",
    "type_candidat": "applicant_type",
    "population": "population",
    "financee_collectivites": "funded_by_authorities_only",
    "engagement": "decision_commitment",
    "transformation": "digital_transformation",
    "date_fin": "planned_end",
    "cout_global": "total_cost",
    "demande": "requested",
    "part_collectivites": "authorities_share",
}
_COLUMNS: dict[str, Column] = {c.attr: replace(c, required=False) for c in APPLICATIONS.columns}

CATEGORY = "FITN7 axe 3"  # Function Wizard category (classic xlwings)


class Cells(Converter):
    """Return converter of the FITN functions: their results are already cell values (numbers, texts, '' for an
    empty cell: see `ranges.excel_value`), so they go out as they are, one value as a 1×1 range (Office.js
    declares every result a matrix). xlwings' default converter would clean each of the 5 000 cells of a column
    again, looking for NaN, dates and pandas types (about 8 ms a column under xlwings Server)."""

    base = RawValueAccessor

    @staticmethod
    def write_value(value, options):
        return value if isinstance(value, list) else [[value]]


# French help of each argument (Function Wizard / Office.js parameter description). Whether an argument is
# optional is not written here: it depends on the function (`depenses` is required by FITN.DEPENSES_EXCLUES, optional
# in FITN.COUT_ELIGIBLE), so `argument_doc` adds « ; facultatif… » from each function's signature.
DOC = {
    "dossier": "N° dossier : [@[N° dossier]] pour une formule par ligne dans un tableau, ou Candidatures[N° dossier] "
               "pour une seule formule dont le résultat se répand sur la colonne",
    "mesure": "Mesure : 3a, 3b, 3c ou 3d (une cellule ou une colonne)",
    "type_candidat": "Type de candidat, valeur de la liste (une cellule ou une colonne)",
    "population": "Population de la collectivité, en habitants (une cellule ou une colonne)",
    "financee_collectivites": "Financée exclusivement par des collectivités : Oui ou Non (personne morale)",
    "engagement": "Engagement décisionnel : Oui ou Non",
    "transformation": "Projet de transformation numérique : Oui ou Non",
    "date_fin": "Date de fin prévue du projet (JJ/MM/AAAA)",
    "cout_global": "Coût global du projet (€)",
    "demande": "Financement demandé (€)",
    "part_collectivites": "Mesure 3d : part du coût assumée par les collectivités (€) ; vide = pas de plafond",
    "forfaits": "Tableau Forfaits (Mesure, Type de candidat, Population min, Population max, Montant (€))",
    "depenses": "Tableau Depenses entier (N° dossier, Libellé, Catégorie, Fournisseur ou éditeur, Pays de "
                "l'éditeur, Montant (€)), le même sur chaque ligne",
    "exclusions": "Tableau Exclusions (catégories de dépenses exclues)",
    "parametres": "Tableau Parametres ou la cellule « Échéance des résultats »",
    "notation": "Tableau Notation entier (N° dossier, Évaluateur, Conflit d'intérêts, Critère 1 … Critère 5), le "
                "même sur chaque ligne",
    "grille": "Tableau Grille (Mesure, N°, Critère, Pondération, Note maximale)",
}

# What an optional argument means when it is left out (the word « facultatif » marks exactly the optional ones).
OPTIONAL_DOC = {
    "dossier": "facultatif, pour relier les dépenses du dossier",
    "depenses": "facultatif ; sans lui, le coût global déclaré",
    "exclusions": "facultatif ; par défaut, celles de la fiche",
    "parametres": "facultatif ; par défaut, le 31/12/2022",
}
OPTIONAL_WORD = "facultatif"


def argument_doc(name: str, optional: bool) -> str:
    """The French help of argument `name`, with what leaving it out means when the function makes it optional."""
    return f"{DOC[name]} ; {OPTIONAL_DOC[name]}" if optional else DOC[name]


_DEFAULTS = {"dossier_id": ""}  # an Application's fields without a default
_MEMOS: dict[str, dict] = {}  # argument -> memo of `parse_column`, kept between calls (recalculations repeat)
_MEMO_MAX = 50_000  # entries per memo; cleared beyond


def _parse_arguments(columns: dict[str, list]) -> tuple[dict[str, list], set[str]]:
    """Broadcast input columns parsed as the reader parses their columns, each distinct value once: `Application`
    attribute -> typed values (`CellError` for a bad cell), and the attributes having a bad cell."""
    parsed: dict[str, list] = {}
    bad: set[str] = set()
    for name, values in columns.items():
        memo = _MEMOS.get(name)
        if memo is None or len(memo) > _MEMO_MAX:
            memo = _MEMOS[name] = {}
        attr = _ARG_ATTR[name]
        parsed[attr], rows = parse_column(ranges.plain_values(values), _COLUMNS[attr], memo)
        if rows:
            bad.add(attr)
    return parsed, bad


def _distinct_rows(parsed: dict[str, list]) -> tuple[dict[str, list], list[int]] | None:
    """When rows repeat (columns of few values: measures, types, populations), the distinct rows (as columns) and
    each row's index among them; None when they cannot repeat much (a column of dossier numbers or amounts)."""
    n = len(next(iter(parsed.values())))
    bound = 1  # distinct rows ≤ the product of the distinct values (by identity: equal raw cells share theirs)
    for values in parsed.values():
        bound *= len(set(map(id, values)))
        if 2 * bound > n:
            return None
    index: dict[tuple, int] = {}
    back = [index.setdefault(key, len(index)) for key in zip(*parsed.values(), strict=True)]
    return dict(zip(parsed, map(list, zip(*index, strict=True)), strict=True)), back


def _applications(parsed: dict[str, list], bad: set[str]) -> tuple[list[Application], dict[int, str]]:
    """One `Application` per row holding the parsed input columns (other fields empty), and {row: French message}
    for the rows with a bad input cell (its first bad argument; `bad`: the attributes having one)."""
    errors: dict[int, str] = {}
    for attr in (a for a in parsed if a in bad):
        for i, value in enumerate(parsed[attr]):
            if isinstance(value, CellError):
                errors.setdefault(i, f"{_COLUMNS[attr].header} : {value}")
    apps = ranges.instances(Application, parsed, len(next(iter(parsed.values()))), _DEFAULTS)
    return apps, errors


def _per_row(arguments: dict[str, object], compute):
    """Broadcast the input columns, run `compute(application)` on each row's `Application` (once per distinct
    row: `compute` is pure); errors become French texts per cell."""
    try:
        _, as_row, columns = broadcast(arguments)
    except RangeError as exc:
        return ERROR_PREFIX + str(exc)
    with gc_paused():
        parsed, bad = _parse_arguments(columns)
        grouped = _distinct_rows(parsed)
        if grouped:
            parsed, back = grouped
        apps, errors = _applications(parsed, bad)
        out = []
        append = out.append
        for i, app in enumerate(apps):
            if errors and i in errors:
                append(ERROR_PREFIX + errors[i])
                continue
            try:
                append(excel_value(compute(app)))
            except RangeError as exc:
                append(ERROR_PREFIX + str(exc))
        if grouped:
            out = list(map(out.__getitem__, back))
        return shape(out, as_row)


# The arguments that take a whole table (the same range for every row of a calculated column): parsed once per
# recalculation (`cache`), and what the add-in's batch endpoint sends once per batch.
TABLE_ARGS = frozenset({"forfaits", "depenses", "exclusions", "parametres", "notation", "grille"})


def _table(kind: str, value, parse):
    """`parse(value)` for the table argument `kind`, once per distinct range within a recalculation (one formula
    per row passes the same « Depenses » to every row)."""
    return cache.parsed(kind, value, parse)


def _guard(build):
    """Parse the tables (once per recalculation); a bad table gives its error in the cell."""
    try:
        with gc_paused():
            return build(), None
    except RangeError as exc:
        return None, ERROR_PREFIX + str(exc)


@xw.func(name="FORFAIT", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("mesure", "raw", doc=DOC["mesure"])
@xw.arg("type_candidat", "raw", doc=DOC["type_candidat"])
@xw.arg("population", "raw", doc=DOC["population"])
@xw.arg("forfaits", "raw", doc=DOC["forfaits"])
def fitn_forfait(mesure, type_candidat, population, forfaits):
    """Forfait de financement (€) de la mesure pour ce type de candidat et cette population, d'après le tableau
    Forfaits ; vide quand aucune ligne ne correspond. Par ligne ([@…]) ou pour toute la colonne."""
    rules_, error = _guard(lambda: _table("forfaits", forfaits, ranges.forfait_rules))
    if error:
        return error
    return _per_row(
        {"mesure": mesure, "type_candidat": type_candidat, "population": population},
        lambda app: rules.forfait(app, rules_),
    )


def _spending_function(dossier, cout_global, depenses, exclusions, pick):
    def build():
        return (_table("depenses", depenses, ranges.expenses_by_dossier),
                _table("exclusions", exclusions, ranges.excluded_categories))

    built, error = _guard(build)
    if error:
        return error
    (lines, line_errors), excluded = built
    params = ranges.parameters(excluded=excluded)

    def compute_row(app):
        if app.dossier_id in line_errors:
            raise RangeError(line_errors[app.dossier_id])
        return pick(rules.spending(app, lines.get(app.dossier_id, ()), params))

    return _per_row({"dossier": dossier, "cout_global": cout_global}, compute_row)


@xw.func(name="DEPENSES_EXCLUES", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("dossier", "raw", doc=DOC["dossier"])
@xw.arg("depenses", "raw", doc=DOC["depenses"])
@xw.arg("exclusions", "raw", doc=DOC["exclusions"])
def fitn_depenses_exclues(dossier, depenses, exclusions=None):
    """Dépenses exclues (€) du dossier : somme de ses lignes de dépenses dont la catégorie est exclue (par
    défaut : équipement informatique pour les agents). Par ligne ([@…]) ou pour toute la colonne."""
    return _spending_function(dossier, None, depenses, exclusions, lambda s: s.excluded)


@xw.func(name="COUT_ELIGIBLE", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("dossier", "raw", doc=DOC["dossier"])
@xw.arg("cout_global", "raw", doc=DOC["cout_global"])
@xw.arg("depenses", "raw", doc=DOC["depenses"])
@xw.arg("exclusions", "raw", doc=DOC["exclusions"])
def fitn_cout_eligible(dossier, cout_global, depenses=None, exclusions=None):
    """Coût éligible (€) : coût du projet (somme des lignes de dépenses, sinon coût global déclaré) moins les
    dépenses exclues. Par ligne ([@…]) ou pour toute la colonne."""
    return _spending_function(dossier, cout_global, depenses, exclusions, lambda s: s.eligible_cost)


@xw.func(name="PART_HORS_UE", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("dossier", "raw", doc=DOC["dossier"])
@xw.arg("cout_global", "raw", doc=DOC["cout_global"])
@xw.arg("depenses", "raw", doc=DOC["depenses"])
@xw.arg("exclusions", "raw", doc=DOC["exclusions"])
def fitn_part_hors_ue(dossier, cout_global, depenses, exclusions=None):
    """Part des licences d'éditeurs hors Union européenne dans le coût éligible (fraction : 0,12 = 12 %) ; vide
    quand le coût éligible est nul. Par ligne ([@…]) ou pour toute la colonne."""
    return _spending_function(dossier, cout_global, depenses, exclusions, lambda s: s.extra_eu_share)


_ELIGIBILITY_ARGS = ("mesure", "type_candidat", "financee_collectivites", "engagement", "transformation",
                     "date_fin", "cout_global", "demande")


def _reasons_function(values: dict, parametres, render):
    deadline, error = _guard(lambda: _table("parametres", parametres, ranges.results_deadline))
    if error:
        return error
    params = ranges.parameters(deadline=deadline)
    return _per_row(values, lambda app: render(rules.ineligibility_reasons(app, params)))


def _eligibility_decorators(f):
    f = xw.arg("parametres", "raw", doc=DOC["parametres"])(f)
    for name in reversed(_ELIGIBILITY_ARGS):
        f = xw.arg(name, "raw", doc=DOC[name])(f)
    return f


@xw.func(name="ELIGIBLE", category=CATEGORY)
@xw.ret(Cells)
@_eligibility_decorators
def fitn_eligible(mesure, type_candidat, financee_collectivites, engagement, transformation, date_fin, cout_global,
                  demande, parametres=None):
    """Éligibilité du dossier aux critères de la fiche (type de candidat, engagement décisionnel, transformation
    numérique, échéance des résultats, montants) : Oui ou Non. Par ligne ([@…]) ou pour toute la colonne."""
    values = dict(zip(_ELIGIBILITY_ARGS, (mesure, type_candidat, financee_collectivites, engagement, transformation,
                                          date_fin, cout_global, demande), strict=True))
    return _reasons_function(values, parametres, lambda reasons: NO if reasons else YES)


@xw.func(name="MOTIFS", category=CATEGORY)
@xw.ret(Cells)
@_eligibility_decorators
def fitn_motifs(mesure, type_candidat, financee_collectivites, engagement, transformation, date_fin, cout_global,
                demande, parametres=None):
    """Motifs d'inéligibilité du dossier, un par ligne (vide quand le dossier est éligible).
    Par ligne ([@…]) ou pour toute la colonne."""
    values = dict(zip(_ELIGIBILITY_ARGS, (mesure, type_candidat, financee_collectivites, engagement, transformation,
                                          date_fin, cout_global, demande), strict=True))
    return _reasons_function(values, parametres, lambda reasons: "\n".join(reasons))


_PROPOSED_ARGS = ("mesure", "type_candidat", "population", "financee_collectivites", "engagement", "transformation",
                  "date_fin", "cout_global", "demande", "part_collectivites")


@xw.func(name="MONTANT_PROPOSE", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("mesure", "raw", doc=DOC["mesure"])
@xw.arg("type_candidat", "raw", doc=DOC["type_candidat"])
@xw.arg("population", "raw", doc=DOC["population"])
@xw.arg("financee_collectivites", "raw", doc=DOC["financee_collectivites"])
@xw.arg("engagement", "raw", doc=DOC["engagement"])
@xw.arg("transformation", "raw", doc=DOC["transformation"])
@xw.arg("date_fin", "raw", doc=DOC["date_fin"])
@xw.arg("cout_global", "raw", doc=DOC["cout_global"])
@xw.arg("demande", "raw", doc=DOC["demande"])
@xw.arg("part_collectivites", "raw", doc=DOC["part_collectivites"])
@xw.arg("forfaits", "raw", doc=DOC["forfaits"])
@xw.arg("parametres", "raw", doc=DOC["parametres"])
@xw.arg("dossier", "raw", doc=DOC["dossier"])
@xw.arg("depenses", "raw", doc=DOC["depenses"])
@xw.arg("exclusions", "raw", doc=DOC["exclusions"])
def fitn_montant_propose(mesure, type_candidat, population, financee_collectivites, engagement, transformation,
                         date_fin, cout_global, demande, part_collectivites, forfaits, parametres=None, dossier=None,
                         depenses=None, exclusions=None):
    """Montant proposé (€) : 0 si le dossier est inéligible ; sinon le plus petit du forfait (s'il existe), du
    financement demandé et du coût éligible ; pour la mesure 3d, au plus la part des collectivités.
    Par ligne ([@…]) ou pour toute la colonne."""

    def build():
        return (_table("forfaits", forfaits, ranges.forfait_rules),
                _table("parametres", parametres, ranges.results_deadline),
                _table("depenses", depenses, ranges.expenses_by_dossier),
                _table("exclusions", exclusions, ranges.excluded_categories))

    built, error = _guard(build)
    if error:
        return error
    flat_rules, deadline, (lines, line_errors), excluded = built
    params = ranges.parameters(forfaits=flat_rules, deadline=deadline, excluded=excluded)

    def compute_row(app):
        if app.dossier_id in line_errors:
            raise RangeError(line_errors[app.dossier_id])
        spent = rules.spending(app, lines.get(app.dossier_id, ()) if app.dossier_id else (), params)
        flat = rules.forfait(app, params.forfaits)
        eligible = not rules.ineligibility_reasons(app, params)
        return rules.proposed_amount(app, eligible, flat, spent)

    values = dict(zip(_PROPOSED_ARGS, (mesure, type_candidat, population, financee_collectivites, engagement,
                                       transformation, date_fin, cout_global, demande, part_collectivites),
                      strict=True))
    values["dossier"] = dossier
    return _per_row(values, compute_row)


@xw.func(name="NOTE", category=CATEGORY)
@xw.ret(Cells)
@xw.arg("dossier", "raw", doc=DOC["dossier"])
@xw.arg("mesure", "raw", doc=DOC["mesure"])
@xw.arg("notation", "raw", doc=DOC["notation"])
@xw.arg("grille", "raw", doc=DOC["grille"])
def fitn_note(dossier, mesure, notation, grille):
    """Note /20 du dossier : moyenne des notes pondérées des évaluateurs sans conflit d'intérêts ayant noté tous
    les critères de la grille de sa mesure ; vide sans note complète. Par ligne ([@…]) ou pour toute la colonne."""
    criteria, error = _guard(lambda: _table("grille", grille, ranges.grid))
    if error:
        return error
    params = ranges.parameters(grid=criteria)
    grid_of = {m: params.criteria_of(m) for m in {c.measure for c in criteria}}  # each measure's grid, sorted once
    scale_of = {m: {c.number: c for c in grid} for m, grid in grid_of.items()}
    rows_of, error = _guard(lambda: _table("notation", notation, ranges.score_rows))
    if error:
        return error

    def compute_row(app):  # each row's scores checked against its own measure's grid
        scores, problem = ranges.checked_scores(rows_of.get(app.dossier_id, ()), scale_of.get(app.measure, {}))
        if problem:
            raise RangeError(problem)
        return scoring.dossier_score(scores, grid_of.get(app.measure, ())).average

    return _per_row({"dossier": dossier, "mesure": mesure}, compute_row)


FUNCTIONS = (fitn_forfait, fitn_depenses_exclues, fitn_cout_eligible, fitn_part_hors_ue, fitn_eligible, fitn_motifs,
             fitn_montant_propose, fitn_note)
"""Every cell function, in the order of the documentation (the server re-exports exactly these)."""

__all__ = [f.__name__ for f in FUNCTIONS]


def _document(function) -> None:
    """One-line French description for Excel (the docstrings are wrapped for the source), and each argument's help
    with « facultatif » exactly for the arguments having a default (`__xlfunc__` only exists under xlwings'
    real decorators: Windows, server)."""
    xlfunc = getattr(function, "__xlfunc__", None)
    if xlfunc is None:
        return
    xlfunc["ret"]["doc"] = " ".join((function.__doc__ or "").split())
    for arg in xlfunc["args"]:
        arg["doc"] = argument_doc(arg["name"], "optional" in arg)


for _f in FUNCTIONS:
    _document(_f)
del _f  # the module's members are scanned for functions: leave no alias behind
