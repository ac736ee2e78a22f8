"""What a Démarches Simplifiées export (or a sync through DS's API) changes in a registry: the import's plan.

- A new DS dossier becomes `DS-<numéro>` (status « Reçu »), with its lines, DS's state and decision in « État DS »,
  « Décision DS le », « Motivation DS », « Instructeurs DS ». A cell DS wrote that the registry cannot take is
  written as DS gave it, so that `fitn-xl check` reports it in place: no dossier of the export is left out.
- A dossier already imported is updated cell by cell: a value is rewritten only where the registry still holds what
  the last import wrote (an instructeur's edit stands, reported once); its lines are replaced when nobody edited
  them since. DS's own columns always follow DS.
- No rollback: each import's Journal row remembers the dossier's « Dernière mise à jour le »; an export where the
  dossier is older changes nothing of it (said per dossier).
- No double: a new dossier with the applicant and title of an existing one is reported as a probable re-deposit,
  naming it (and the rule `core.ds.redeposits` keeps the alert in « Alertes »).
- With `take_decisions`, DS's decision (Accepté, Refusé, Classé sans suite) becomes the Statut and « Traité le »
  the Date de décision, for dossiers whose Statut is still pending; a registry decision is never overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from .. import schema
from ..core import ds as ds_rules
from ..core.model import Application
from ..core.text import day
from ..schema import DOSSIER_ID, PENDING_STATUSES
from ..workbook.read import LoadedRegistry
from . import ds as dsmod
from .importer import _JOURNAL, OP_DS, OP_DS_UPDATE, RECEIVED, JournalEntry, Plan, cell_hash, rows_hash, values_hash


@dataclass(frozen=True)
class Source:
    """Where the dossiers come from, as the report and the Journal name it."""

    label: str  # « Export DS « dossiers_….xlsx » », « Démarches Simplifiées, démarche 1234 »
    file: str  # « Fichier » column of the Journal


def _moment(value) -> str:
    return value.strftime("%d/%m/%Y à %H:%M") if isinstance(value, datetime) else ""


def last_imports(journal: list[JournalEntry]) -> dict[str, dict]:
    """Dossier -> what its latest DS import recorded (Journal « Détail »)."""
    out: dict[str, dict] = {}
    for e in journal:
        if e.operation in (OP_DS, OP_DS_UPDATE) and e.detail.startswith("{"):
            try:
                out[e.dossier_id] = json.loads(e.detail)
            except json.JSONDecodeError:
                continue
    return out


def _hash(value) -> str:
    return cell_hash(str(value) if isinstance(value, dsmod.Flagged) else value)


def _decision(d: dsmod.DsDossier) -> tuple[str, date | None] | None:
    status = ds_rules.STATUS_OF_DS_DECISION.get(d.state)
    if status is None:
        return None
    decided = d.ds.get(dsmod.DS_DECIDED_ON)
    return status, decided if isinstance(decided, date) else None


class _Planner:
    def __init__(self, plan: Plan, source: Source, mapping: dsmod.Mapping, loaded: LoadedRegistry,
                 journal: list[JournalEntry], received_default: date, now: datetime, take_decisions: bool):
        self.plan, self.source, self.mapping, self.loaded = plan, source, mapping, loaded
        self.received_default, self.now, self.take_decisions = received_default, now, take_decisions
        self.last = last_imports(journal)
        self.apps = {a.dossier_id: a for a in loaded.registry.applications}
        self.existing = set(loaded.application_rows)
        self.issues: dict[str, set[str]] = {}  # dossier -> headers of its cells in error in « Candidatures »
        for i in loaded.issues:
            if i.dossier_id and i.sheet == schema.SHEET_APPLICATIONS and i.column:
                self.issues.setdefault(i.dossier_id, set()).add(i.column)
        self.created: list[Application] = []

    # --- one dossier ---------------------------------------------------------------------------------------
    def dossier(self, d: dsmod.DsDossier) -> None:
        label = f"{self.source.label}, dossier DS {d.number}"
        before = self.last.get(d.dossier_id, {})
        known_at = before.get("maj")
        if known_at and d.updated_at:
            try:
                known = datetime.fromisoformat(known_at)
            except ValueError:
                known = None
            if known and d.updated_at < known:
                self.plan.skipped.append(
                    f"{label} : cet export est plus ancien que le dernier import (dossier mis à jour dans DS le "
                    f"{_moment(d.updated_at)} ici, le {_moment(known)} dans le registre) ; rien n'est repris")
                return
        if d.dossier_id in self.existing:
            self.update(d, label, before)
        else:
            self.create(d, label)

    def _detail(self, d: dsmod.DsDossier, cells: dict[str, object], lines: dict[str, str]) -> str:
        flagged = sorted(h for h, v in cells.items() if isinstance(v, dsmod.Flagged))
        doc = {"ds": d.number, "maj": d.updated_at.isoformat(sep=" ") if d.updated_at else "",
               "cellules": {h: _hash(v) for h, v in cells.items()}, "repetitions": lines}
        if flagged:
            doc["signalees"] = flagged
        return json.dumps(doc, ensure_ascii=False, sort_keys=True)

    def _journal(self, d: dsmod.DsDossier, operation: str, cells: dict[str, object], lines: dict[str, list]):
        hashes = {t: rows_hash(rows) for t, rows in lines.items()}
        self.plan.journal.append({
            _JOURNAL["timestamp"]: self.now, _JOURNAL["operation"]: operation, _JOURNAL["dossier_id"]: d.dossier_id,
            _JOURNAL["file"]: self.source.file,
            _JOURNAL["sha256"]: values_hash({**{h: str(v) if isinstance(v, dsmod.Flagged) else v
                                                for h, v in cells.items()},
                                             **hashes}),
            _JOURNAL["detail"]: self._detail(d, cells, hashes)})

    def _lines(self, d: dsmod.DsDossier) -> dict[str, list[dict[str, object]]]:
        return {child.table.name: d.children.get(child.table.name, []) for child in self.mapping.children}

    def _written(self, d: dsmod.DsDossier) -> None:
        """The dossier is written: its notes are reported; whatever the registry finds wrong in it (a cell DS wrote
        that the column cannot take, a required value DS left empty or wrote 0 for, in the dossier or in one of its
        lines) is reported in place, never a reason to leave the dossier out."""
        self.plan.notes.extend(f"{self.source.label}, {n}" for n in d.notes)
        self.plan.flagged.add(d.dossier_id)

    def create(self, d: dsmod.DsDossier, label: str) -> None:
        cells = {**d.values, **d.ds}
        row: dict[str, object] = {DOSSIER_ID: d.dossier_id, "Date de réception": d.received_on or self.received_default,
                                  "Statut": RECEIVED}
        row.update({h: v for h, v in cells.items() if v not in (None, "")})
        decided = _decision(d) if self.take_decisions else None
        if decided:
            status, on = decided
            row["Statut"] = status
            if on:
                row["Date de décision"] = on
            if status == "Lauréat" and d.granted not in (None, ""):
                row["Montant accordé (€)"] = d.granted
            self._decision_note(label, d, status, on, row.get("Montant accordé (€)"))
        self.plan.applications.append(row)
        lines = self._lines(d)
        for table in (schema.EXPENSES, schema.PROVIDERS):
            if table.name in lines:
                self.plan.children.setdefault(table.name, []).extend(
                    {DOSSIER_ID: d.dossier_id, **{h: v for h, v in rec.items() if v not in (None, "")}}
                    for rec in lines[table.name])
        self._journal(d, OP_DS, cells, lines)
        self.existing.add(d.dossier_id)
        self.created.append(Application(
            d.dossier_id, received_on=row["Date de réception"],
            insee_or_siren=str(cells.get("Code INSEE ou SIREN") or ""),
            title=str(cells.get("Intitulé du projet") or ""),
            beneficiary_siret=str(cells.get(dsmod.BENEFICIARY_SIRET) or "")))
        self._written(d)
        n_lines = ", ".join(f"{len(rows)} ligne(s) de « {name} »" for name, rows in
                            ((schema.EXPENSES.sheet, lines.get(schema.EXPENSES.name, [])),
                             (schema.PROVIDERS.sheet, lines.get(schema.PROVIDERS.name, []))))
        state = f", « {d.state} » dans DS" if d.state else ""
        self.plan.created.append(f"{label} → dossier {d.dossier_id} ({cells.get('Collectivité') or '?'}{state} ; "
                                 f"{n_lines})")

    def _decision_note(self, label: str, d: dsmod.DsDossier, status: str, on: date | None, granted) -> None:
        text = f"{label} → dossier {d.dossier_id} : Statut « {status} » d'après DS (« {d.state} »"
        text += f" le {day(on)})" if on else ")"
        if status == "Lauréat" and granted in (None, ""):
            text += " ; saisissez le Montant accordé (€)"
        self.plan.decisions.append(text)

    def update(self, d: dsmod.DsDossier, label: str, before: dict) -> None:
        app = self.apps.get(d.dossier_id)
        current = {c.header: getattr(app, c.attr) for c in schema.APPLICATIONS.columns} if app else {}
        before_cells: dict[str, str] = before.get("cellules", {})
        flagged_before = set(before.get("signalees", []))
        in_error = self.issues.get(d.dossier_id, set())
        changed, kept, ds_changed = [], [], []
        for header, value in d.values.items():
            now_hash, new_hash = _hash(current.get(header)), _hash(value)
            if new_hash == now_hash and header not in in_error:
                continue
            if before_cells.get(header) == new_hash:
                continue  # DS still says what it said last time: the registry's value stands
            untouched = (header in before_cells and before_cells[header] == now_hash and header not in in_error) \
                or (header not in before_cells and now_hash == "" and header not in in_error) \
                or (header in flagged_before and header in in_error)
            if untouched:
                self.plan.updates.append((d.dossier_id, header, value))
                changed.append(header)
            else:
                kept.append(header)  # reported once: the journal now remembers this DS value
        for header, value in d.ds.items():
            if _hash(value) != _hash(current.get(header)) or header in in_error:
                self.plan.updates.append((d.dossier_id, header, value))
                ds_changed.append(header)
        decided = _decision(d) if self.take_decisions and app else None
        if decided:
            status, on = decided
            if app.status in PENDING_STATUSES:
                self.plan.updates.append((d.dossier_id, "Statut", status))
                if on and app.decided_on is None:
                    self.plan.updates.append((d.dossier_id, "Date de décision", on))
                granted = app.granted
                if status == "Lauréat" and granted is None and d.granted not in (None, ""):
                    granted = d.granted
                    self.plan.updates.append((d.dossier_id, "Montant accordé (€)", granted))
                self._decision_note(label, d, status, on, granted)
            elif app.status != status and app.status not in ds_rules.AGREEING.get(d.state, ()):
                self.plan.kept.append(f"{label} → dossier {d.dossier_id} : décision du registre gardée "
                                      f"(« {app.status} ») ; DS dit « {d.state} »")
        lines = self._lines(d)
        lines_changed = self._update_lines(d, label, before, lines)
        if changed or ds_changed or lines_changed:
            what = changed + ds_changed + [f"lignes de « {t} »" for t in lines_changed]
            self.plan.updated.append(f"{label} → dossier {d.dossier_id} : mis à jour ({', '.join(what)})")
        if kept:
            self.plan.kept.append(f"{label} → dossier {d.dossier_id} : modifié dans le registre depuis le dernier "
                                  f"import, valeur gardée ({', '.join(kept)})")
        if changed or kept or ds_changed or lines_changed or self._lines_kept:
            self._journal(d, OP_DS_UPDATE, {**d.values, **d.ds}, lines)
            self._written(d)

    def _update_lines(self, d: dsmod.DsDossier, label: str, before: dict, lines: dict[str, list]) -> list[str]:
        """Sheets whose lines are replaced; a line edited in the registry since keeps them all (reported)."""
        self._lines_kept = False
        replaced = []
        before_lines = before.get("repetitions", {})
        for child in self.mapping.children:
            table = child.table
            new = lines.get(table.name, [])
            new_hash = rows_hash(new)
            if new_hash == before_lines.get(table.name, rows_hash([])):
                continue  # unchanged in DS
            headers = list(child.columns)
            rows, records = self._current_lines(table, d.dossier_id, headers)
            if rows_hash(records) == new_hash:
                continue
            if rows_hash(records) == before_lines.get(table.name, rows_hash([])):
                self.plan.lines.append((table, d.dossier_id, rows, new))
                replaced.append(table.sheet)
            else:
                self._lines_kept = True
                self.plan.kept.append(f"{label} : les lignes de la feuille « {table.sheet} » ont changé dans DS et "
                                      f"dans le registre ; celles du registre sont gardées (dossier {d.dossier_id})")
        return replaced

    def _current_lines(self, table, dossier_id: str, headers: list[str]) -> tuple[list[int], list[dict]]:
        items = self.loaded.registry.expenses if table is schema.EXPENSES else self.loaded.registry.providers
        excel_rows = self.loaded.rows.get(table.name, [])
        attrs = {c.header: c.attr for c in table.columns}
        rows, records = [], []
        for item, excel_row in zip(items, excel_rows, strict=False):
            if item.dossier_id == dossier_id:
                rows.append(excel_row)
                records.append({h: getattr(item, attrs[h]) for h in headers})
        return rows, records

    # --- the whole export ----------------------------------------------------------------------------------
    def redeposits(self) -> None:
        if not self.created:
            return
        new = {a.dossier_id for a in self.created}
        earlier_of = ds_rules.redeposits([*self.loaded.registry.applications, *self.created])
        for dossier_id, earlier in earlier_of.items():
            if dossier_id in new:
                self.plan.redeposits.append(f"{self.source.label} : dossier {dossier_id} : redépôt probable du "
                                            f"dossier {earlier} (même demandeur, même intitulé)")


def missing_columns(loaded: LoadedRegistry, mapping: dsmod.Mapping) -> str:
    """The registry columns a DS import writes that this registry lacks (one made by an earlier version of
    fitn-xl), as a French list naming their sheets; '' when it has them all."""
    wanted = {schema.APPLICATIONS: [DOSSIER_ID, "Date de réception", "Statut", "Date de décision",
                                    "Montant accordé (€)", *mapping.columns, *mapping.fixed, *dsmod.DS_COLUMNS]}
    if dsmod.BENEFICIARY_SIRET in schema.APPLICATIONS.headers:
        wanted[schema.APPLICATIONS].append(dsmod.BENEFICIARY_SIRET)
    for child in mapping.children:
        wanted.setdefault(child.table, [DOSSIER_ID]).extend(child.columns)
    out = []
    for table, headers in wanted.items():
        found = loaded.header_columns.get(table.name, {})
        lacking = [h for h in dict.fromkeys(headers) if h not in found]
        if lacking:
            out.append(f"{', '.join(f'« {h} »' for h in lacking)} (feuille « {table.sheet} »)")
    return " ; ".join(out)


def plan_export(plan: Plan, export: dsmod.Export, source: Source, mapping: dsmod.Mapping, loaded: LoadedRegistry,
                journal: list[JournalEntry], received_default: date, now: datetime,
                take_decisions: bool = False) -> None:
    """Add to `plan` what the dossiers of `export` change in the registry."""
    planner = _Planner(plan, source, mapping, loaded, journal, received_default, now, take_decisions)
    plan.notes.extend(f"{source.label} : {n}" for n in export.notes)
    for d in export.dossiers:
        planner.dossier(d)
    planner.redeposits()


__all__ = ["Source", "last_imports", "missing_columns", "plan_export"]
