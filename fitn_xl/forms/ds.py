"""Démarches Simplifiées (DS) exports -> typed registry records, through a TOML mapping (`ds_default.toml`).

The mapping names, for each registry column, the DS column(s) it comes from (a list: the first present wins, so
one mapping reads both DS's classic export and an « export template » whose columns are named differently). A
repeatable block is found by its label whatever DS did to its sheet name (`(stable_id)` prefix, accents and some
signs removed, cut to 30 characters); its child columns by their label or as `<bloc> – <champ>` (templates).

DS's own conventions are read here, not in `fitn_xl.values` (which reads what agents type): `on`/`off` and
`true`/`false` text, ISO date text and date-time cells, `(Code)` columns, départements by name or « 99 –
Etranger », an empty number champ written 0 (read as missing, and said so, where 0 is impossible), amounts with 3
decimals (rounded to the cent, and said so).

A cell that cannot be read does not refuse its dossier: the value is kept as DS wrote it (`Flagged`) so that the
registry shows it and `fitn-xl check` reports it where it is; only an export that cannot be used at all (not an
export, missing sheet or mapped column) raises `FormError`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path

from .. import schema
from ..core import rules
from ..core.text import eur, number
from ..schema import ABROAD, DOSSIER_ID, Kind, Table
from ..values import (
    EXCEL_EPOCH,
    MAX_TEXT,
    CellError,
    check_value,
    fold,
    is_empty,
    parse_cell,
    parse_number,
    parse_text,
    quote,
)
from ..workbook.cells import departments
from .docx_in import FormError
from .ds_files import API, CSV, ESTABLISHMENTS_SHEET, MAIN_SHEET, Tables

DS_PREFIX = "DS-"
COUNTRY = "Pays de l'éditeur"
BENEFICIARY_SIRET = "SIRET du bénéficiaire"  # a Candidatures column once the payments issue adds it

# Registry columns an import fills from DS's own dossier columns (never through [dossiers.colonnes]).
DS_STATE, DS_DECIDED_ON, DS_MOTIVATION, DS_INSTRUCTORS = "État DS", "Décision DS le", "Motivation DS", \
    "Instructeurs DS"
# [dossiers] key -> what it is
ROLES = {
    "date_reception": "Date de réception",
    "mise_a_jour": "Dernière mise à jour le",
    "etat": DS_STATE,
    "traite_le": DS_DECIDED_ON,
    "motivation": DS_MOTIVATION,
    "instructeurs": DS_INSTRUCTORS,
    "montant_accorde": "Montant accordé (€)",
}
DS_COLUMNS = (DS_STATE, DS_DECIDED_ON, DS_MOTIVATION, DS_INSTRUCTORS)
# Columns an import never writes through the mapping: the key, DS's own columns, the instructeur's decisions
# (taken from DS only with the import's option to take DS decisions).
RESERVED = {DOSSIER_ID, "Date de réception", "Statut", "Date de décision", "Montant accordé (€)", BENEFICIARY_SIRET,
            *DS_COLUMNS}
_CHILD_TABLES = {schema.EXPENSES.sheet: schema.EXPENSES, schema.PROVIDERS.sheet: schema.PROVIDERS}

# « État du dossier »: the export's text, the API's enum
DS_STATES = {fold(s): s for s in schema.DS_STATES} | {
    "en_construction": "En construction", "en_instruction": "En instruction", "accepte": "Accepté",
    "refuse": "Refusé", "sans_suite": "Classé sans suite",
}


class MappingError(Exception):
    """A mapping file that cannot be used; French message."""


Labels = tuple[str, ...]  # DS column labels, the first present in the export is used


@dataclass(frozen=True)
class ChildMapping:
    table: Table
    block: str  # DS label of the repeatable block ('' when `sheet` names the sheet itself)
    sheet: str  # exact sheet name, for a hand-made export ('' = found from `block`)
    key: Labels
    columns: dict[str, Labels]  # registry header -> DS labels

    @property
    def name(self) -> str:
        return self.block or self.sheet


@dataclass(frozen=True)
class Mapping:
    sheet: str  # '' = the export's « Dossiers » sheet, else its first sheet
    key: Labels
    roles: dict[str, Labels]  # ROLES key -> DS labels
    columns: dict[str, Labels]  # registry header -> DS labels
    fixed: dict[str, str]
    children: tuple[ChildMapping, ...]
    source: str

    @property
    def received(self) -> Labels:
        return self.roles.get("date_reception", ())


def _labels(value, where: str, what: str) -> Labels:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise MappingError(f"{where} : {what} doit être un libellé DS (texte non vide) ou une liste de libellés")
    return tuple(v.strip() for v in values)


def _table_columns(table: Table, mapping: dict, where: str) -> dict[str, Labels]:
    if not isinstance(mapping, dict):
        raise MappingError(f"{where} : la section « colonnes » doit associer des en-têtes à des libellés")
    out = {}
    inputs = {c.header for c in table.columns}
    for header, ds in mapping.items():
        if header in {c.header for c in table.computed}:
            raise MappingError(f"{where} : « {header} » est une colonne calculée, un import ne peut pas l'écrire")
        if header not in inputs:
            raise MappingError(f"{where} : « {header} » n'est pas une colonne de la feuille « {table.sheet} »")
        if header in RESERVED and table is schema.APPLICATIONS:
            raise MappingError(f"{where} : la colonne « {header} » est gérée par fitn-xl ou par l'instructeur, "
                               "elle ne peut pas venir de l'export")
        out[header] = _labels(ds, where, f"le libellé DS associé à « {header} »")
    return out


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The mapping in `path`, or the packaged default; raises `MappingError` (French)."""
    if path is None:
        text, source = files(__package__).joinpath("ds_default.toml").read_text(encoding="utf-8"), "ds_default.toml"
    else:
        path = Path(path)
        source = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(f"Correspondance « {source} » illisible : {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise MappingError(f"Correspondance « {source} » : le fichier doit être en UTF-8") from None
    where = f"Correspondance « {source} »"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{where} : TOML invalide ({exc})") from None
    dossiers = doc.get("dossiers")
    if not isinstance(dossiers, dict) or "numero" not in dossiers:
        raise MappingError(f"{where} : section [dossiers] avec « numero » (colonne du numéro DS) obligatoire")
    key = _labels(dossiers["numero"], where, "« numero »")
    roles = {role: _labels(dossiers[role], where, f"« {role} »") for role in ROLES if dossiers.get(role)}
    columns = _table_columns(schema.APPLICATIONS, dossiers.get("colonnes", {}), where)
    fixed = {}
    for header, value in dossiers.get("valeurs", {}).items():
        _table_columns(schema.APPLICATIONS, {header: "x"}, where)
        fixed[header] = str(value)
    children = []
    for rep in doc.get("repetitions", []):
        table = _CHILD_TABLES.get(rep.get("table", ""))
        if table is None:
            raise MappingError(f"{where} : [[repetitions]] table = « {rep.get('table')} » ; attendu "
                               f"{' ou '.join(_CHILD_TABLES)}")
        block, sheet = rep.get("bloc", ""), rep.get("feuille", "")
        if not (isinstance(block, str) and block.strip()) and not (isinstance(sheet, str) and sheet.strip()):
            raise MappingError(f"{where} : [[repetitions]] « {table.sheet} » : « bloc » (libellé du bloc répétable "
                               "dans DS) obligatoire")
        children.append(ChildMapping(table, block.strip() if isinstance(block, str) else "",
                                     sheet.strip() if isinstance(sheet, str) else "",
                                     _labels(rep.get("numero", "Dossier ID"), where, "« numero »"),
                                     _table_columns(table, rep.get("colonnes", {}), where)))
    return Mapping(dossiers.get("feuille", "") or "", key, roles, columns, fixed, tuple(children), source)


# --- DS's sheet names ---------------------------------------------------------------------------------------

# i18n's approximations for the letters NFKD does not decompose (Rails' I18n.transliterate, locale :en)
_APPROX = {"Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d",
           "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "Ł": "L", "ł": "l", "Ħ": "H", "ħ": "h", "ı": "i"}
_SANITIZED = str.maketrans({c: "-" for c in "\u202e%$|:;/<>?*\"\t\r\n\\"})


def _transliterate(text: str) -> str:
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in _APPROX:
            out.append(_APPROX[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii())
            out.append(base or "?")  # i18n's replacement for what it cannot approximate
    return "".join(out)


def ds_sheet_name(label: str, stable_id: str | int) -> str:
    """The sheet DS gives a repeatable block: `(stable_id) label` through ActiveStorage's filename sanitizing,
    transliterated to ASCII, without `/\\*?[]`, cut to 30 characters (DS's `libelle_for_export` and
    `ProcedureExportService#options_for`)."""
    text = f"({stable_id}) {label}"
    text = "".join(c for c in text if c not in "[]*?").strip().translate(_SANITIZED)
    text = "".join(c for c in _transliterate(text) if c not in "/\\*?[]")
    return text[:30]


_BLOCK_SHEET = re.compile(r"^\((\d+)\) ?(.*)$")


def _ascii_key(text: str) -> str:
    return "".join(c for c in fold(_transliterate(text)) if c.isalnum())


def find_block_sheets(names: list[str], block: str) -> list[tuple[str, str | None]]:
    """The sheets of `names` holding the rows of the repeatable block labelled `block`, with the stable id read in
    each name (None for a sheet named after the block itself). Several when the block was re-created in a later
    revision of the démarche (a new stable id)."""
    out = []
    want = _ascii_key(block)
    for name in names:
        m = _BLOCK_SHEET.match(name)
        if m:
            stable_id, rest = m.groups()
            if ds_sheet_name(block, stable_id) == name:
                out.append((name, stable_id))
                continue
            got = _ascii_key(rest)  # DS's rules drifted: accents, signs and the cut aside
            if got and (got == want or (len(name) >= 29 and want.startswith(got))):
                out.append((name, stable_id))
        elif fold(name) == fold(block):
            out.append((name, None))
    return out


# --- DS's cell conventions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flagged:
    """A cell DS wrote that the registry column cannot take: imported as DS wrote it (`raw`), so that the
    registry's checks report it in place."""

    raw: object
    message: str

    def __str__(self) -> str:
        return parse_text(self.raw)


@cache
def _folded(choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((fold(choice), choice) for choice in choices)


@cache
def _match_choice(text: str, choices: tuple[str, ...]) -> str:
    key = fold(text)
    for c, choice in _folded(choices):
        if key == c or key.startswith(c + " ") or key.startswith(c + "-"):
            return choice
    return text


def match_choice(text: str, choices: tuple[str, ...]) -> str:
    """'3a - Accompagnement…' -> '3a' when the text starts with a choice; the text unchanged otherwise."""
    return _match_choice(text, choices) if len(text) <= 500 else text  # an export repeats the same few options


_DS_CHECKED = {"on": "Oui", "off": "Non", "coche": "Oui", "cochee": "Oui", "": ""}
_DS_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
                          r"\s*(Z|[+-]\d{2}:?\d{2})?$")
CENT = Decimal("0.01")
# DS writes 0 for a number champ left empty: in these columns 0 cannot be a real answer.
_ZERO_MEANS_EMPTY = {Kind.AMOUNT, Kind.INTEGER}


def parse_ds_datetime(raw) -> datetime | None:
    """A date DS wrote: a date-time cell (.xlsx), « 2021-03-01 10:30:00 +0100 » (.ods, .csv), ISO 8601 with
    its offset (API), a serial number; local time kept as written. Raises `CellError`."""
    if is_empty(raw):
        return None
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day)
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 20_000 <= raw <= 73_415:
        return datetime(EXCEL_EPOCH.year, EXCEL_EPOCH.month, EXCEL_EPOCH.day) + timedelta(days=float(raw))
    m = _DS_DATETIME.match(parse_text(raw))
    if not m:
        raise CellError(f"{quote(raw)} n'est pas une date")
    y, mo, d, h, mi, s, _ = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        raise CellError(f"{quote(raw)} n'est pas une date valide") from None


@cache
def _departments_by_name() -> dict[str, str]:
    return {fold(name): code for code, name in departments().items()}


def _department(raw) -> str:
    text = parse_text(raw)
    key = fold(text)
    if key in {"99", "etranger", "99 - etranger", "99 – etranger"}:
        return ABROAD
    by_name = _departments_by_name()
    if key in by_name:
        return by_name[key]
    m = re.match(r"^(\w{1,3})\s*[-–]\s*(.+)$", text)  # « 63 – Puy-de-Dôme » (API), « 99 – Etranger »
    if m and fold(m.group(2)) in by_name | {"etranger": ABROAD}:
        return ABROAD if fold(m.group(2)) == "etranger" else m.group(1)
    return text


def parse_value(raw, column: schema.Column, source: str = "") -> tuple[object, str]:
    """One DS cell as the registry column's typed value, and a French note when the value was interpreted ('' if
    not). Raises `CellError` (the registry reader's message) for a value the column cannot take."""
    note = ""
    kind = column.kind
    check_value(raw)  # an Excel error value, a control character: never data
    if kind is Kind.CHOICE and not is_empty(raw):
        raw = match_choice(parse_text(raw), column.choices)
        if column.choices == schema.DS_STATES:
            raw = DS_STATES.get(fold(raw), raw)
    elif kind is Kind.YES_NO and isinstance(raw, str) and fold(raw) in _DS_CHECKED:
        raw = _DS_CHECKED[fold(raw)]
    elif kind is Kind.DATE and not is_empty(raw) and not isinstance(raw, date):
        text = parse_text(raw)
        if _DS_DATETIME.match(text) or (isinstance(raw, int | float) and not isinstance(raw, bool)):
            raw = parse_ds_datetime(raw).date()
    elif kind is Kind.DEPARTMENT and not is_empty(raw):
        raw = _department(raw)
    elif kind in (Kind.AMOUNT, Kind.INTEGER, Kind.NUMBER) and not is_empty(raw) and not isinstance(raw, bool):
        try:
            is_zero = parse_number(raw) == 0
        except CellError:
            is_zero = False  # parse_cell below says why
        if is_zero and kind in _ZERO_MEANS_EMPTY:
            if column.required:
                raise CellError("0 dans l'export (DS écrit 0 pour un nombre laissé vide) : valeur obligatoire "
                                "manquante")
            return None, f"« {source or column.header} » vaut 0 dans l'export : DS écrit 0 pour un nombre laissé " \
                         "vide, lu comme non renseigné"
        if kind is Kind.AMOUNT:
            value = parse_number(raw, "un montant")
            if value is not None and value >= 0 and value != value.quantize(CENT):
                rounded = value.quantize(CENT, ROUND_HALF_UP)
                note = f"« {source or column.header} » : {number(value)} arrondi au centime ({eur(rounded)})"
                raw = rounded
    return parse_cell(raw, column), note


# --- reading an export --------------------------------------------------------------------------------------


@dataclass
class DsDossier:
    """One DS dossier as read: typed values by registry header (a `Flagged` value for a cell the registry column
    cannot take), its child rows, what DS says of it, notes on values interpreted, problems with its cells."""

    number: str
    row: int  # row in the export's sheet (1 = header)
    received_on: date | None = None
    updated_at: datetime | None = None  # « Dernière mise à jour le »: when DS last changed the dossier
    values: dict[str, object] = field(default_factory=dict)  # registry header -> typed value or Flagged
    ds: dict[str, object] = field(default_factory=dict)  # État DS, Décision DS le… -> typed value or Flagged
    granted: object = None  # DS annotation mapped to « Montant accordé (€) »
    children: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # table name -> rows by header
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # bad cells, kept as DS wrote them

    @property
    def dossier_id(self) -> str:
        return f"{DS_PREFIX}{self.number}"

    @property
    def state(self) -> str:
        value = self.ds.get(DS_STATE)
        return value if isinstance(value, str) else ""


@dataclass
class Export:
    """A DS export read through a mapping."""

    kind: str
    dossiers: list[DsDossier]
    notes: list[str] = field(default_factory=list)  # about the whole export (a block without sheet…)
    stable_ids: dict[str, str] = field(default_factory=dict)  # block label -> its stable id, read in sheet names


def _find(header: dict[str, int], labels: Labels, prefix: str = "") -> int | None:
    for label in labels:
        if label in header:
            return header[label]
    if prefix:  # export template: « Dépenses prévues – Montant (€) »
        for label in labels:
            for sep in (" – ", " - ", " — "):
                if f"{prefix}{sep}{label}" in header:
                    return header[f"{prefix}{sep}{label}"]
    folded = {fold(h): i for h, i in header.items()}
    for label in labels:
        if fold(label) in folded:
            return folded[fold(label)]
    return None


def _positions(rows: list[list], sheet: str, needed: dict[str, Labels], prefix: str = "") -> dict[str, int]:
    """Registry header (or role) -> column index; a missing mapped column refuses the export."""
    if not rows:
        raise FormError(f"l'onglet « {sheet} » est vide")
    header = {parse_text(v): i for i, v in enumerate(rows[0]) if not is_empty(v)}
    out, missing = {}, []
    for what, labels in needed.items():
        index = _find(header, labels, prefix)
        if index is None:
            missing.append((what, labels))
        else:
            out[what] = index
    if missing:
        shown = []
        for what, labels in missing:
            close = difflib.get_close_matches(labels[0], list(header), n=1, cutoff=0.6)
            hint = f", colonne proche : « {close[0]} »" if close else ""
            shown.append(f"colonne « {labels[0]} » (pour « {what} »{hint})")
        raise FormError(f"onglet « {sheet} » : {' ; '.join(shown)} absente(s) de l'export. Vérifiez la "
                        "correspondance ou passez-en une autre avec --correspondance")
    return out


def _number(raw) -> str:
    text = parse_text(raw)
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _at(line: list, index: int | None):
    return line[index] if index is not None and index < len(line) else None


def _main_sheet(tables: Tables, mapping: Mapping) -> str:
    if mapping.sheet:
        if mapping.sheet not in tables.sheets:
            raise FormError(f"onglet « {mapping.sheet} » absent de l'export (onglets : {', '.join(tables.names)})")
        return mapping.sheet
    if MAIN_SHEET in tables.sheets:
        return MAIN_SHEET
    if not tables.names:
        raise FormError("l'export n'a aucun onglet")
    return tables.names[0]


def _read_cell(raw, column: schema.Column, label: str, where: str, d: DsDossier):
    """The typed value of one cell, or `Flagged` (problem recorded); notes recorded. A text longer than a cell of
    Excel holds (a DS textarea has no limit) is cut there, and said: the dossier still lands, the whole text stays
    in DS."""
    if isinstance(raw, str) and len(raw) > MAX_TEXT:
        size = f"{len(raw):,}".replace(",", "\u202f")
        d.notes.append(f"{where} : « {label} » : texte de {size} caractères coupé aux 32\u202f767 qu'une cellule "
                       "d'Excel peut contenir (le texte entier reste dans DS)")
        raw = raw[:MAX_TEXT]
    try:
        value, note = parse_value(raw, column, label)
    except CellError as exc:
        d.problems.append(f"{where}, colonne « {label} » : {exc}")
        return Flagged(raw, str(exc)) if not is_empty(raw) else None
    if note:
        d.notes.append(f"{where} : {note}")
    return value


def _establishments(tables: Tables) -> dict[str, str]:
    """Dossier number -> the SIRET of its applicant (« Etablissements », row « Champ » = « Dossier »)."""
    rows = tables.sheets.get(ESTABLISHMENTS_SHEET) or []
    if not rows:
        return {}
    header = {parse_text(v): i for i, v in enumerate(rows[0]) if not is_empty(v)}
    i_id, i_field, i_siret = (header.get(h) for h in ("Dossier ID", "Champ", "Établissement SIRET"))
    if i_id is None or i_siret is None:
        return {}
    out = {}
    for line in rows[1:]:
        if i_field is None or parse_text(_at(line, i_field)) == "Dossier":
            out.setdefault(_number(_at(line, i_id)), parse_text(_at(line, i_siret)))
    return out


def read_export(tables: Tables, mapping: Mapping) -> Export:
    """Every dossier of a DS export (as tables, see `ds_files.read_tables`). Raises `FormError` (French, without
    the file name) when the export cannot be used at all (missing sheet, or a mapped column missing)."""
    sheet = _main_sheet(tables, mapping)
    values = tables.sheets[sheet]
    needed = {**mapping.columns, "N° dossier DS": mapping.key}
    pos = _positions(values, sheet, needed)
    header = {parse_text(v): i for i, v in enumerate(values[0]) if not is_empty(v)} if values else {}
    roles = {role: index for role, labels in mapping.roles.items() if (index := _find(header, labels)) is not None}
    if mapping.received and roles.get("date_reception") is None:
        _positions(values, sheet, {"Date de réception": mapping.received})  # refuses, naming the column
    beneficiary = BENEFICIARY_SIRET in schema.APPLICATIONS.headers
    sirets = _establishments(tables) if beneficiary else {}
    i_siret = header.get("Établissement SIRET") if beneficiary else None  # .csv: the applicant's columns inline
    export = Export(tables.kind, [])
    out: dict[str, DsDossier] = {}
    cells = [(reg, index, schema.APPLICATIONS.column(reg), parse_text(values[0][index]))
             for reg, index in pos.items() if reg != "N° dossier DS"]
    for r, line in enumerate(values[1:], start=2):
        number_ = _number(_at(line, pos["N° dossier DS"]))
        if not number_:
            continue
        d = DsDossier(number_, r)
        where = f"dossier DS {number_} (ligne {r})"
        if number_ in out:
            out[number_].problems.append(f"{where} : numéro en double (déjà ligne {out[number_].row}) ; seule la "
                                         "première ligne est lue")
            continue
        for role, index in roles.items():
            raw = _at(line, index)
            if role == "date_reception" or role == "mise_a_jour":
                try:
                    moment = parse_ds_datetime(raw)
                except CellError as exc:
                    d.problems.append(f"{where}, colonne « {values[0][index]} » : {exc}")
                    continue
                if role == "date_reception":
                    d.received_on = moment.date() if moment else None
                else:
                    d.updated_at = moment
            elif role == "montant_accorde":  # used only when DS's decisions are taken: no note, no problem here
                try:
                    d.granted = parse_value(raw, schema.APPLICATIONS.column(ROLES[role]))[0]
                except CellError:
                    d.granted = Flagged(raw, "")
            else:
                d.ds[ROLES[role]] = _read_cell(raw, schema.APPLICATIONS.column(ROLES[role]),
                                               parse_text(values[0][index]), where, d)
        for reg, index, column, label in cells:
            d.values[reg] = _read_cell(_at(line, index), column, label, where, d)
        for reg, value in mapping.fixed.items():
            d.values[reg] = _read_cell(value, schema.APPLICATIONS.column(reg), f"valeur fixe de « {reg} »", where, d)
        if beneficiary:
            siret = sirets.get(number_) or (parse_text(_at(line, i_siret)) if i_siret is not None else "")
            if siret:
                d.values[BENEFICIARY_SIRET] = _read_cell(siret, schema.APPLICATIONS.column(BENEFICIARY_SIRET),
                                                         "Établissement SIRET", where, d)
        out[number_] = d
    for child in mapping.children:
        _read_block(tables, child, out, export)
    export.dossiers = list(out.values())
    return export


def _read_block(tables: Tables, child: ChildMapping, out: dict[str, DsDossier], export: Export) -> None:
    if child.sheet and child.sheet in tables.sheets:
        found = [(child.sheet, None)]
    else:
        found = find_block_sheets(tables.names, child.block or child.sheet)
    if not found:
        if tables.kind == API:
            return  # the API gives each dossier's blocks: no row is no row
        if tables.kind == CSV:
            export.notes.append(f"l'export CSV de DS ne contient pas les blocs répétables : aucune ligne pour "
                                f"« {child.name} » (feuille « {child.table.sheet} ») ; téléchargez l'export .xlsx "
                                "ou .ods pour les avoir")
        else:
            export.notes.append(f"pas d'onglet pour le bloc « {child.name} » (DS n'en écrit pas quand aucun dossier "
                                f"n'a de ligne) : aucune ligne dans la feuille « {child.table.sheet} »")
        return
    for sheet, stable_id in found:
        if stable_id:
            export.stable_ids[child.block or child.sheet] = stable_id
        rows = tables.sheets[sheet]
        if not rows or not any(not is_empty(v) for v in rows[0]):
            continue  # DS writes no header for a table without rows
        pos = _positions(rows, sheet, {**child.columns, DOSSIER_ID: child.key}, prefix=child.block)
        labels = {reg: parse_text(rows[0][i]) for reg, i in pos.items()}
        # the registry reports what is missing in a line: read every column as optional
        columns = {reg: replace(child.table.column(reg), required=False) for reg in pos if reg != DOSSIER_ID}
        for r, line in enumerate(rows[1:], start=2):
            number_ = _number(_at(line, pos[DOSSIER_ID]))
            cells = {reg: _at(line, i) for reg, i in pos.items() if reg != DOSSIER_ID}
            if not number_ or all(is_empty(v) for v in cells.values()):
                continue
            d = out.get(number_)
            if d is None:
                continue  # a row of a dossier absent from the main sheet (filtered export)
            where = f"dossier DS {number_}, onglet « {sheet} », ligne {r}"
            rec: dict[str, object] = {}
            for reg, raw in cells.items():
                rec[reg] = _read_cell(raw, columns[reg], labels[reg], where, d)
            if COUNTRY in child.columns and rules.missing_country(rec.get("Catégorie"), rec.get(COUNTRY)):
                d.problems.append(f"{where}, colonne « {labels[COUNTRY]} » : {rules.MISSING_COUNTRY}")
            d.children.setdefault(child.table.name, []).append(rec)


def required_missing(d: DsDossier) -> list[str]:
    """Required registry columns a new dossier lacks (not mapped, or mapped but empty)."""
    auto = {DOSSIER_ID, "Date de réception", "Statut"}
    return [c.header for c in schema.APPLICATIONS.columns
            if c.required and c.header not in auto and is_empty(d.values.get(c.header))
            and not isinstance(d.values.get(c.header), Flagged)]


__all__ = ["DS_PREFIX", "DsDossier", "Export", "Flagged", "Mapping", "MappingError", "ds_sheet_name",
           "find_block_sheets", "load_mapping", "match_choice", "parse_ds_datetime", "parse_value", "read_export",
           "required_missing"]
