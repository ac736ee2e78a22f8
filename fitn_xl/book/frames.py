"""The registry as pandas DataFrames, for analysts: one frame per input sheet, French headers, typed columns.

`frames(path)` reads and computes the registry like `fitn-xl check`: « Candidatures » carries every computed column
as the rules compute it now (not the values cached in the file), « Notation » its computed columns too. Types:
amounts, numbers and percentages (fractions) as floats (NaN when empty), counts as nullable integers, dates as
datetime64 (NaT when empty), Oui/Non as nullable booleans, everything else as text ('' when empty); a country is
its French name, as the sheet shows it. Rows the reader rejects (a child row of an unknown N° dossier) are not in the
frames; a cell in error is empty and its dossier's « Alertes » says « Erreurs de saisie : N ».
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from .. import schema
from ..core.compute import Computation, compute
from ..perf import gc_paused
from ..review.notation import notation_cells
from ..schema import Column, Kind, Table
from ..values import country_name
from ..workbook.read import LoadedRegistry, load_registry
from .computed import dossier_cells

# input table -> the field of `core.model.Registry` holding its records
RECORDS = {schema.APPLICATIONS.name: "applications", schema.EXPENSES.name: "expenses",
           schema.PROVIDERS.name: "providers", schema.SCORES.name: "scores", schema.REPORTS.name: "reports",
           schema.PAYMENTS.name: "payments"}
_FLOAT_KINDS = frozenset({Kind.AMOUNT, Kind.NUMBER, Kind.PERCENT})


def column_series(values: Iterable, column: Column) -> pd.Series:
    """`values` (core values of one column: Decimal, int, date, bool, str or None) as a typed Series named by the
    column's French header."""
    values = list(values)
    name = column.header
    kind = column.kind
    if kind in _FLOAT_KINDS:
        return pd.Series([float(v) if v is not None else float("nan") for v in values], name=name, dtype="float64")
    if kind is Kind.INTEGER:
        return pd.Series(values, name=name, dtype="Int64")
    if kind is Kind.DATE:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), name=name)
    if kind is Kind.YES_NO:
        flags = [{schema.YES: True, schema.NO: False}.get(v, v) if isinstance(v, str) else v for v in values]
        return pd.Series([None if v == "" else v for v in flags], name=name, dtype="boolean")
    if kind is Kind.COUNTRY:
        values = [country_name(v) if v else "" for v in values]
    return pd.Series(["" if v is None else str(v) for v in values], name=name, dtype="string")


def _records(items: Iterable, table: Table) -> list[dict[str, object]]:
    """Core records as {attr: value}; a score's criteria become criterion_1 … criterion_5."""
    out = []
    for item in items:
        record = {f.name: getattr(item, f.name) for f in fields(item)}
        if table is schema.SCORES:
            criteria = record.pop("criteria", ())
            for i in range(1, schema.N_CRITERIA + 1):
                record[f"criterion_{i}"] = criteria[i - 1] if i <= len(criteria) else None
        out.append(record)
    return out


def table_frame(table: Table, records: list[dict[str, object]], columns: Iterable[Column] | None = None
                ) -> pd.DataFrame:
    """A frame of `records` ({attr: value}) with one typed column per `columns` (default: the table's inputs)."""
    columns = tuple(columns or table.columns)
    return pd.concat([column_series((r.get(c.attr) for r in records), c) for c in columns], axis=1) \
        if records else pd.DataFrame({c.header: column_series([], c) for c in columns})


def registry_frames(loaded: LoadedRegistry, computation: Computation) -> dict[str, pd.DataFrame]:
    """Sheet name -> frame, for every input sheet of `schema.INPUT_TABLES` (the registry as read)."""
    registry = loaded.registry
    items = {name: getattr(registry, attr) for name, attr in RECORDS.items()}
    out: dict[str, pd.DataFrame] = {}
    for table in schema.INPUT_TABLES:
        records = _records(items[table.name], table)
        if table is schema.APPLICATIONS:
            cells = dossier_cells(loaded, computation)
            for record in records:
                record.update(cells.get(record["dossier_id"], {}))
        elif table is schema.SCORES:
            computed = notation_cells(loaded, computation)
            by_header = {c.header: c.attr for c in table.computed}
            for record, row in zip(records, loaded.rows.get(table.name, ()), strict=True):
                record.update({by_header[h]: v for h, v in computed.get(row, {}).items()})
        out[table.sheet] = table_frame(table, records, table.all_columns)
    return out


def frames(path: str | Path) -> dict[str, pd.DataFrame]:
    """The registry at `path` as one DataFrame per input sheet, keyed by its French name (« Candidatures »,
    « Dépenses », « Prestataires », « Notation », « Suivi »…), French headers, typed columns; « Candidatures » with
    every computed column as the rules compute it today. Raises `RegistryError` when the file is not a registry."""
    with gc_paused():  # many objects, no reference cycle
        loaded = load_registry(path)
        computation = compute(loaded.registry)
        return registry_frames(loaded, computation)
