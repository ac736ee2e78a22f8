"""Démarches Simplifiées exports (.xlsx) -> typed registry records, through a TOML mapping (`ds_default.toml`)."""

from __future__ import annotations

import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

from .. import schema
from ..core import rules
from ..schema import DOSSIER_ID, Kind, Table
from ..values import CellError, fold, is_empty, parse_cell, parse_date, parse_text
from ..workbook.read import open_workbook
from .docx_in import FormError, check_zip

DS_PREFIX = "DS-"
# Columns an import never writes, whatever the mapping says: the key, the instructeur's decisions.
RESERVED = {DOSSIER_ID, "Date de réception", "Statut", "Date de décision", "Montant accordé (€)"}
COUNTRY = "Pays de l'éditeur"
_CHILD_TABLES = {schema.EXPENSES.sheet: schema.EXPENSES, schema.PROVIDERS.sheet: schema.PROVIDERS}


class MappingError(Exception):
    """A mapping file that cannot be used; French message."""


@dataclass(frozen=True)
class ChildMapping:
    table: Table
    sheet: str
    key: str
    columns: dict[str, str]  # registry header -> DS column


@dataclass(frozen=True)
class Mapping:
    sheet: str  # '' = first sheet
    key: str
    received: str  # '' = none
    columns: dict[str, str]  # registry header -> DS column
    fixed: dict[str, str]
    children: tuple[ChildMapping, ...]
    source: str


def _table_columns(table: Table, mapping: dict, where: str) -> dict[str, str]:
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
        if not isinstance(ds, str) or not ds.strip():
            raise MappingError(f"{where} : le libellé DS associé à « {header} » doit être un texte non vide")
        out[header] = ds.strip()
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
    if not isinstance(dossiers, dict) or not isinstance(dossiers.get("numero"), str):
        raise MappingError(f"{where} : section [dossiers] avec « numero » (colonne du numéro DS) obligatoire")
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
        if not rep.get("feuille") or not rep.get("numero"):
            raise MappingError(f"{where} : [[repetitions]] « {table.sheet} » : « feuille » et « numero » obligatoires")
        children.append(ChildMapping(table, rep["feuille"], rep["numero"],
                                     _table_columns(table, rep.get("colonnes", {}), where)))
    return Mapping(dossiers.get("feuille", "") or "", dossiers["numero"], dossiers.get("date_reception", "") or "",
                   columns, fixed, tuple(children), source)


@dataclass
class DsDossier:
    """One DS dossier as read: typed values by registry header, its child rows, problems."""

    number: str
    row: int  # Excel row in the export
    received_on: date | None = None
    values: dict[str, object] = field(default_factory=dict)  # registry header -> typed value
    children: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # table name -> rows by header
    errors: list[str] = field(default_factory=list)

    @property
    def dossier_id(self) -> str:
        return f"{DS_PREFIX}{self.number}"


def match_choice(text: str, choices: tuple[str, ...]) -> str:
    """'3a - Accompagnement…' -> '3a' when the text starts with a choice; the text unchanged otherwise."""
    key = fold(text)
    for choice in choices:
        c = fold(choice)
        if key == c or key.startswith(c + " ") or key.startswith(c + "-"):
            return choice
    return text


_DS_CHECKED = {"on": "Oui", "coche": "Oui", "cochee": "Oui", "off": "Non", "": ""}


def parse_value(raw, column: schema.Column):
    """One DS cell as the registry column's typed value (same parsers and messages as the workbook reader)."""
    if column.kind is Kind.CHOICE and not is_empty(raw):
        raw = match_choice(parse_text(raw), column.choices)
    elif column.kind is Kind.YES_NO and isinstance(raw, str) and fold(raw) in _DS_CHECKED:
        raw = _DS_CHECKED[fold(raw)]
    return parse_cell(raw, column)


def _sheet(book, name: str, where: str) -> list[list]:
    if not name:
        name = book.sheet_names[0]
    if name not in book.sheet_names:
        raise FormError(f"onglet « {name} » absent de l'export (onglets : {', '.join(book.sheet_names)})")
    return book.sheet_values(name)  # as the registry is read: Excel errors are errors, not empty cells


def _header(values: list[list], sheet: str, needed: dict[str, str]) -> dict[str, int]:
    """DS column label -> index; a missing mapped column refuses the whole export."""
    if not values:
        raise FormError(f"l'onglet « {sheet} » est vide")
    header = {parse_text(v): i for i, v in enumerate(values[0]) if not is_empty(v)}
    missing = [(ds, reg) for reg, ds in needed.items() if ds not in header]
    if missing:
        shown = " ; ".join(f"colonne « {ds} » (pour « {reg} »)" for ds, reg in missing)
        raise FormError(f"onglet « {sheet} » : {shown} absente(s) de l'export. Vérifiez la correspondance ou "
                        "passez-en une autre avec --correspondance")
    return header


def _number(raw) -> str:
    text = parse_text(raw)
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _at(line: list, index: int):
    return line[index] if index < len(line) else None


def read_export(path: str | Path, mapping: Mapping) -> list[DsDossier]:
    """Every dossier of a DS export. Raises `FormError` (French, without the file name) when the export cannot be
    used at all (not an .xlsx, missing sheet or column)."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise FormError("ce n'est pas un classeur Excel (.xlsx) exporté de Démarches Simplifiées")
    with zipfile.ZipFile(path) as zf:
        check_zip(zf)
    try:
        book = open_workbook(path)
    except Exception as exc:  # calamine raises several private error types
        raise FormError(f"classeur illisible ({exc})") from None
    main_sheet = mapping.sheet or book.sheet_names[0]
    values = _sheet(book, main_sheet, "")
    needed = {**mapping.columns, "N° dossier DS": mapping.key}
    if mapping.received:
        needed["Date de réception"] = mapping.received
    header = _header(values, main_sheet, needed)
    out: dict[str, DsDossier] = {}
    for r, line in enumerate(values[1:], start=2):
        def cell(label, line=line):
            return _at(line, header[label])

        number = _number(cell(mapping.key))
        if not number:
            continue
        d = DsDossier(number, r)
        label = f"dossier DS {number} (ligne {r})"
        if number in out:
            d.errors.append(f"{label} : numéro en double (déjà ligne {out[number].row})")
            out[number].errors.extend(d.errors)
            continue
        if mapping.received:
            try:
                d.received_on = parse_date(cell(mapping.received))
            except CellError as exc:
                d.errors.append(f"{label}, colonne « {mapping.received} » : {exc}")
        for reg, ds in mapping.columns.items():
            try:
                d.values[reg] = parse_value(cell(ds), schema.APPLICATIONS.column(reg))
            except CellError as exc:
                d.errors.append(f"{label}, colonne « {ds} » : {exc}")
        for reg, value in mapping.fixed.items():
            try:
                d.values[reg] = parse_value(value, schema.APPLICATIONS.column(reg))
            except CellError as exc:
                d.errors.append(f"{label}, valeur fixe de « {reg} » : {exc}")
        out[number] = d
    for child in mapping.children:
        rows = _sheet(book, child.sheet, "")
        h = _header(rows, child.sheet, {**child.columns, DOSSIER_ID: child.key})
        for r, line in enumerate(rows[1:], start=2):
            def cell(label, line=line, h=h):
                return _at(line, h[label])

            number = _number(cell(child.key))
            if not number or all(is_empty(cell(ds)) for ds in child.columns.values()):
                continue
            d = out.get(number)
            if d is None:
                continue  # a repetition of a dossier absent from the main sheet (filtered export)
            rec: dict[str, object] = {}
            for reg, ds in child.columns.items():
                column = child.table.column(reg)
                try:
                    rec[reg] = parse_value(cell(ds), column)
                except CellError as exc:
                    d.errors.append(f"dossier DS {number}, onglet « {child.sheet} », ligne {r}, colonne « {ds} » : "
                                    f"{exc}")
            country = child.columns.get(COUNTRY)
            if country and rules.missing_country(rec.get("Catégorie"), rec.get(COUNTRY)):
                d.errors.append(f"dossier DS {number}, onglet « {child.sheet} », ligne {r}, colonne « {country} » : "
                                f"{rules.MISSING_COUNTRY}")
            d.children.setdefault(child.table.name, []).append(rec)
    return list(out.values())


def required_missing(d: DsDossier) -> list[str]:
    """Required registry columns a new dossier would lack (not mapped, or mapped but empty)."""
    auto = {DOSSIER_ID, "Date de réception", "Statut"}
    return [c.header for c in schema.APPLICATIONS.columns
            if c.required and c.header not in auto and is_empty(d.values.get(c.header))]


__all__ = ["DS_PREFIX", "DsDossier", "Mapping", "MappingError", "load_mapping", "match_choice", "parse_value",
           "read_export", "required_missing"]
