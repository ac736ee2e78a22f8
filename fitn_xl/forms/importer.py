"""Importing filled forms and Démarches Simplifiées exports into a registry, in one atomic write.

Each form becomes a dossier `{département}-{année}-{NNN}` (status « Reçu ») with its expense and provider rows;
each DS dossier becomes `DS-<numéro>`. The « Journal » keeps one row per imported dossier: the SHA-256 of a form's
field values (a second import of the same form is refused), or, for DS, the fingerprint of each imported cell (a
later export updates only the cells nobody edited since). Computed columns, scores and follow-up are never
written. The whole batch is written once through `fitn_xl.workbook.write` (temp file, validation by
`load_registry`, `os.replace`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import schema
from ..schema import DOSSIER_ID, Table
from ..values import parse_text
from ..workbook.cells import to_excel
from ..workbook.read import LoadedRegistry, journal_rows, load_registry
from ..workbook.write import append_rows, atomic_update
from ..workbook.xlsx import XlsxPackage
from . import ds as dsmod
from .docx_in import FormError
from .parse import ParsedForm

OP_FORM = "Import formulaire"
OP_DS = "Import DS"
OP_DS_UPDATE = "Mise à jour DS"
RECEIVED = "Reçu"
_JOURNAL = {c.attr: c.header for c in schema.JOURNAL.columns}
_APP_HEADER = {c.attr: c.header for c in schema.APPLICATIONS.columns}


class ImportFailed(Exception):
    """The import cannot be done at all; French message."""


# --- the journal ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalEntry:
    row: int
    operation: str
    dossier_id: str
    file: str
    sha256: str
    detail: str


def read_journal(path: str | Path) -> list[JournalEntry]:
    """The « Journal » rows (text values); none when the sheet is absent."""
    return [JournalEntry(row, *(parse_text(cells[attr]) for attr in ("operation", "dossier_id", "file", "sha256",
                                                                     "detail")))
            for row, cells in journal_rows(path) if parse_text(cells["operation"])]


# --- fingerprints --------------------------------------------------------------------------------------------


def _normal(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return schema.YES if value else schema.NO
    return str(value)


def cell_hash(value) -> str:
    """Short fingerprint of one typed value ('' for an empty cell)."""
    text = _normal(value)
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def rows_hash(rows: list[dict[str, object]]) -> str:
    doc = sorted(json.dumps({k: _normal(v) for k, v in sorted(r.items())}, ensure_ascii=False) for r in rows)
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:16]


def values_hash(values: dict[str, object]) -> str:
    doc = {k: _normal(v) for k, v in sorted(values.items())}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# --- the plan ------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one import run will write, and what it reports."""

    applications: list[dict[str, object]] = field(default_factory=list)  # rows keyed by header
    children: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # table name -> rows
    updates: list[tuple[str, str, object]] = field(default_factory=list)  # (dossier_id, header, typed value)
    journal: list[dict[str, object]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # French lines
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.applications or self.updates or self.journal)


class Numbering:
    """Next free `{département}-{année}-{NNN}` numbers."""

    def __init__(self, department: str, existing: set[str]):
        self.department = department
        self.used = set(existing)

    def next(self, year: int) -> str:
        prefix = f"{self.department}-{year}-"
        pattern = re.compile(re.escape(prefix) + r"(\d+)$")
        numbers = [int(m.group(1)) for d in self.used if (m := pattern.match(d))]
        n = max(numbers, default=0) + 1
        dossier_id = f"{prefix}{n:03d}"
        self.used.add(dossier_id)
        return dossier_id


def _app_row(dossier_id: str, received_on: date, values_by_attr: dict[str, object]) -> dict[str, object]:
    row: dict[str, object] = {DOSSIER_ID: dossier_id, "Date de réception": received_on, "Statut": RECEIVED}
    for attr, value in values_by_attr.items():
        header = _APP_HEADER.get(attr)
        if header and header not in row and value not in (None, ""):
            row[header] = value
    return row


def _child_rows(table: Table, dossier_id: str, records: list[dict[str, object]], by_attr: bool):
    headers = {c.attr: c.header for c in table.columns}
    out = []
    for rec in records:
        row: dict[str, object] = {DOSSIER_ID: dossier_id}
        for key, value in rec.items():
            header = headers.get(key) if by_attr else key
            if header and value not in (None, ""):
                row[header] = value
        out.append(row)
    return out


def plan_forms(plan: Plan, forms: list[ParsedForm], loaded: LoadedRegistry, journal: list[JournalEntry],
               numbering: Numbering, received_on: date, now: datetime) -> None:
    known = {e.sha256: e for e in journal if e.operation == OP_FORM and e.sha256}
    for form in forms:
        if not form.ok:
            plan.errors.extend(form.errors)
            plan.skipped.append(f"Formulaire « {form.path.name} » : non importé (erreurs ci-dessus)")
            continue
        previous = known.get(form.fingerprint)
        if previous is not None:
            plan.skipped.append(f"Formulaire « {form.path.name} » : déjà importé, c'est le dossier "
                                f"{previous.dossier_id} (feuille « {schema.SHEET_JOURNAL} », ligne {previous.row}) ; "
                                "rien n'est ajouté")
            continue
        dossier_id = numbering.next(received_on.year)
        plan.applications.append(_app_row(dossier_id, received_on, form.application))
        plan.children.setdefault(schema.EXPENSES.name, []).extend(
            _child_rows(schema.EXPENSES, dossier_id, form.expenses, by_attr=True))
        plan.children.setdefault(schema.PROVIDERS.name, []).extend(
            _child_rows(schema.PROVIDERS, dossier_id, form.providers, by_attr=True))
        signed = form.extra.get("signed_on")
        detail = f"{form.application.get('applicant')} — {form.annex}, signé le " \
                 f"{signed.strftime('%d/%m/%Y') if signed else '?'}"
        if form.extra.get("signature"):
            detail += f" par {form.extra['signature']}"
        plan.journal.append({_JOURNAL["timestamp"]: now, _JOURNAL["operation"]: OP_FORM,
                             _JOURNAL["dossier_id"]: dossier_id, _JOURNAL["file"]: form.path.name,
                             _JOURNAL["sha256"]: form.fingerprint, _JOURNAL["detail"]: detail})
        known[form.fingerprint] = JournalEntry(0, OP_FORM, dossier_id, form.path.name, form.fingerprint, detail)
        plan.created.append(f"Formulaire « {form.path.name} » → dossier {dossier_id} "
                            f"({form.application.get('applicant')}, {len(form.expenses)} dépense(s), "
                            f"{len(form.providers)} prestataire(s))")


def _current_values(loaded: LoadedRegistry, dossier_id: str) -> dict[str, object]:
    app = next(a for a in loaded.registry.applications if a.dossier_id == dossier_id)
    return {c.header: getattr(app, c.attr) for c in schema.APPLICATIONS.columns}


def _current_children(loaded: LoadedRegistry, table: Table, dossier_id: str) -> list[dict[str, object]]:
    items = loaded.registry.expenses if table is schema.EXPENSES else loaded.registry.providers
    return [{c.header: getattr(item, c.attr) for c in table.columns if c.header != DOSSIER_ID}
            for item in items if item.dossier_id == dossier_id]


def plan_ds(plan: Plan, path: Path, mapping: dsmod.Mapping, loaded: LoadedRegistry, journal: list[JournalEntry],
            received_default: date, now: datetime) -> None:
    name = path.name
    try:
        dossiers = dsmod.read_export(path, mapping)
    except FormError as exc:
        plan.errors.append(f"Export DS « {name} » : {exc}")
        plan.skipped.append(f"Export DS « {name} » : non importé")
        return
    last: dict[str, JournalEntry] = {}
    for e in journal:
        if e.operation in (OP_DS, OP_DS_UPDATE) and e.detail.startswith("{"):
            last[e.dossier_id] = e  # the latest row wins
    existing = set(loaded.application_rows)
    bad = loaded.dossiers_with_errors
    for d in dossiers:
        label = f"Export DS « {name} », dossier DS {d.number}"
        if d.errors:
            plan.errors.extend(f"Export DS « {name} », {e}" for e in d.errors)
            plan.skipped.append(f"{label} : non importé (erreurs ci-dessus)")
            continue
        child_hashes = {t: rows_hash(rows) for t, rows in d.children.items()}
        cells = {h: cell_hash(v) for h, v in d.values.items()}
        detail = json.dumps({"ds": d.number, "cellules": cells, "repetitions": child_hashes}, ensure_ascii=False,
                            sort_keys=True)
        entry = {_JOURNAL["timestamp"]: now, _JOURNAL["dossier_id"]: d.dossier_id, _JOURNAL["file"]: name,
                 _JOURNAL["sha256"]: values_hash({**d.values, **child_hashes}), _JOURNAL["detail"]: detail}
        if d.dossier_id not in existing:
            missing = dsmod.required_missing(d)
            if missing:
                plan.errors.append(f"{label} : colonne(s) obligatoire(s) du registre sans valeur : "
                                   f"{', '.join(missing)}")
                plan.skipped.append(f"{label} : non importé (erreurs ci-dessus)")
                continue
            row = {DOSSIER_ID: d.dossier_id, "Date de réception": d.received_on or received_default,
                   "Statut": RECEIVED, **{h: v for h, v in d.values.items() if v not in (None, "")}}
            plan.applications.append(row)
            for child in mapping.children:
                rows = d.children.get(child.table.name, [])
                plan.children.setdefault(child.table.name, []).extend(
                    _child_rows(child.table, d.dossier_id, rows, by_attr=False))
            plan.journal.append({**entry, _JOURNAL["operation"]: OP_DS})
            existing.add(d.dossier_id)
            plan.created.append(f"{label} → dossier {d.dossier_id} ({d.values.get('Collectivité', '')})")
            continue
        if d.dossier_id in bad:
            plan.skipped.append(f"{label} : le dossier {d.dossier_id} a des erreurs de saisie dans le registre "
                                "(voir fitn-xl check) ; corrigez-les avant de le mettre à jour")
            continue
        previous = last.get(d.dossier_id)
        try:
            before = json.loads(previous.detail) if previous else {}
        except json.JSONDecodeError:
            before = {}
        before_cells = before.get("cellules", {})
        current = _current_values(loaded, d.dossier_id)
        changed, kept = [], []
        for header, value in d.values.items():
            now_hash = cell_hash(current.get(header))
            new_hash = cell_hash(value)
            if new_hash == now_hash or before_cells.get(header) == new_hash:
                continue  # already that value, or DS still says what it said last time (an edit stands)
            untouched = (header in before_cells and before_cells[header] == now_hash) or (
                header not in before_cells and now_hash == "")
            if untouched:
                plan.updates.append((d.dossier_id, header, value))
                changed.append(header)
            else:
                kept.append(header)  # reported once: the journal now remembers this DS value
        lines_changed = False
        for child in mapping.children:
            t = child.table.name
            if child_hashes.get(t, rows_hash([])) != before.get("repetitions", {}).get(t, rows_hash([])):
                lines_changed = True
                plan.kept.append(f"{label} : les lignes de la feuille « {child.table.sheet} » ont changé dans DS ; "
                                 f"elles ne sont pas reprises automatiquement (dossier {d.dossier_id})")
        if changed:
            plan.updated.append(f"{label} → dossier {d.dossier_id} : mis à jour ({', '.join(changed)})")
        if kept:
            plan.kept.append(f"{label} → dossier {d.dossier_id} : modifié dans le registre depuis le dernier import, "
                             f"valeur gardée ({', '.join(kept)})")
        if changed or kept or lines_changed:
            plan.journal.append({**entry, _JOURNAL["operation"]: OP_DS_UPDATE})


# --- writing -------------------------------------------------------------------------------------------------


def set_input_cells(pkg: XlsxPackage, loaded: LoadedRegistry, table: Table, updates: list[tuple[str, str, object]]):
    """Set input cells of existing rows of `table` in an open package: (dossier_id, header, typed value)."""
    if not updates:
        return
    if table is not schema.APPLICATIONS:
        raise ValueError("only « Candidatures » rows are keyed by dossier")
    inputs = {c.header for c in table.columns}
    positions = loaded.header_columns[table.name]
    sheet = pkg.sheet(table.sheet)
    for dossier_id, header, value in updates:
        if header not in inputs:
            raise ValueError(f"{header} is not an input column")
        row = loaded.application_rows[dossier_id]
        sheet.set_row(row, {positions[header]: to_excel(table.column(header), value)})


def write_plan(path: Path, plan: Plan, loaded: LoadedRegistry, force: bool = False) -> None:
    """Write the whole plan at once; the written copy is re-read with `load_registry` before it replaces the
    registry, and the import is refused (registry unchanged) if a new dossier has an error."""
    new_ids = {row[DOSSIER_ID] for row in plan.applications} | {u[0] for u in plan.updates}
    with atomic_update(path, force) as tmp:
        with XlsxPackage(path) as pkg:
            if plan.applications:
                append_rows(pkg, schema.APPLICATIONS, plan.applications)
            for table in (schema.EXPENSES, schema.PROVIDERS):
                rows = plan.children.get(table.name)
                if rows:
                    append_rows(pkg, table, rows)
            set_input_cells(pkg, loaded, schema.APPLICATIONS, plan.updates)
            if plan.journal:
                append_rows(pkg, schema.JOURNAL, plan.journal)
            pkg.save(tmp)
        check = load_registry(tmp)
        problems = [str(i) for i in check.issues if i.dossier_id in new_ids]
        known = set(loaded.issues)  # problems tied to no dossier that the import did not bring
        problems += [str(i) for i in check.issues if i.dossier_id is None and i not in known]
        if problems:
            raise ImportFailed("le registre obtenu ne passe pas la validation ; rien n'a été écrit :\n  "
                               + "\n  ".join(problems))
