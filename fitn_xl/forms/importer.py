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
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
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
    notes: list[str] = field(default_factory=list)  # values interpreted (DS's 0, amounts rounded…)
    redeposits: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # DS decisions taken into Statut
    # (table, dossier_id, Excel rows of its current lines, new lines by header): a dossier's lines replaced
    lines: list[tuple[Table, str, list[int], list[dict[str, object]]]] = field(default_factory=list)
    # dossiers written whatever the registry reports in them (DS dossiers: every one lands, its cells in error
    # reported by the import and by `check`), instead of refusing the import
    flagged: set[str] = field(default_factory=set)

    @property
    def writes(self) -> bool:
        return bool(self.applications or self.updates or self.journal or self.lines)


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


# --- writing -------------------------------------------------------------------------------------------------


def cell_value(table: Table, header: str, value):
    """What a typed value (or a `Flagged` DS value, written as DS gave it) puts in a registry cell."""
    raw = getattr(value, "raw", _NOT_FLAGGED)
    if raw is not _NOT_FLAGGED:
        return raw if isinstance(raw, int | float | str | date) and not isinstance(raw, bool) else parse_text(raw)
    try:
        column = table.column(header)
    except KeyError:
        column = None
    return to_excel(column, value)


_NOT_FLAGGED = object()


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
        sheet.set_row(row, {positions[header]: cell_value(table, header, value)})


def _replace_lines(pkg: XlsxPackage, loaded: LoadedRegistry, plan: Plan) -> None:
    """A dossier's lines replaced in place: its rows rewritten, extra lines appended, rows left over cleared."""
    appended: dict[str, list[dict[str, object]]] = {}
    for table, dossier_id, rows, new in plan.lines:
        positions = loaded.header_columns[table.name]
        inputs = [c.header for c in table.columns if c.header in positions]
        sheet = pkg.sheet(table.sheet)
        for i, excel_row in enumerate(rows):
            if i < len(new):
                line = {DOSSIER_ID: dossier_id, **new[i]}
                sheet.set_row(excel_row, {positions[h]: cell_value(table, h, line.get(h)) for h in inputs})
            else:
                sheet.set_row(excel_row, {positions[h]: None for h in inputs})
        appended.setdefault(table.name, []).extend(
            {DOSSIER_ID: dossier_id, **{h: cell_value(table, h, v) for h, v in line.items() if v not in (None, "")}}
            for line in new[len(rows):])
    for table in (schema.EXPENSES, schema.PROVIDERS):
        if appended.get(table.name):
            append_rows(pkg, table, appended[table.name])


def _plain(rows: list[dict[str, object]], table: Table) -> list[dict[str, object]]:
    return [{h: cell_value(table, h, v) if hasattr(v, "raw") else v for h, v in row.items()} for row in rows]


def write_plan(path: Path, plan: Plan, loaded: LoadedRegistry, force: bool = False) -> list:
    """Write the whole plan at once; the written copy is re-read with `load_registry` before it replaces the
    registry. The import is refused (registry unchanged) if it brought a problem the plan did not expect: a cell
    in error in a dossier not flagged (`plan.flagged`: DS dossiers imported with the values DS gave), or a problem
    tied to no dossier. Returns the issues of the flagged dossiers, as the registry now reports them."""
    new_ids = {row[DOSSIER_ID] for row in plan.applications} | {u[0] for u in plan.updates} | {
        line[1] for line in plan.lines}
    with atomic_update(path, force, loaded.stamp) as tmp:  # refused if the registry changed since `loaded`
        with XlsxPackage(path) as pkg:
            if plan.applications:
                append_rows(pkg, schema.APPLICATIONS, _plain(plan.applications, schema.APPLICATIONS))
            for table in (schema.EXPENSES, schema.PROVIDERS):
                rows = plan.children.get(table.name)
                if rows:
                    append_rows(pkg, table, _plain(rows, table))
            set_input_cells(pkg, loaded, schema.APPLICATIONS, plan.updates)
            _replace_lines(pkg, loaded, plan)
            if plan.journal:
                append_rows(pkg, schema.JOURNAL, plan.journal)
            pkg.save(tmp)
        check = load_registry(tmp)
        before = set(loaded.issues)
        problems = [str(i) for i in check.issues
                    if i.dossier_id in new_ids and i.dossier_id not in plan.flagged and i not in before]
        problems += [str(i) for i in check.issues if i.dossier_id is None and i not in before]
        if problems:
            raise ImportFailed("le registre obtenu ne passe pas la validation ; rien n'a été écrit :\n  "
                               + "\n  ".join(problems))
    return [i for i in check.issues if i.dossier_id in plan.flagged]
