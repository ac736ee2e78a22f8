"""Parsed tables kept for the calls of one recalculation, so that a FITN formula written once per row of a table
(a calculated column: `=FITN.DEPENSES_EXCLUES([@[N° dossier]];Depenses;Exclusions)`) parses « Depenses » once,
not once per row.

Excel hands each call its own copy of the range: classic xlwings (COM) a fresh tuple of tuples each time, Office.js
a fresh list unless the add-in's batch endpoint has already merged identical ranges. Entries are therefore keyed by
the range's **content** (its pickle: exact, types included — 1, 1.0 and True, or a date and its text, never share
an entry), and, inside a `scope()` (one batch of calls), also by the identity of the range object so that the same
object is serialised once. A parse is a pure function of the content, so an entry can never be stale; the cache is
bounded (`MAX_ENTRIES`, least recently used first out) and forgotten as a whole when no call came for
`RECALC_GAP` seconds: one recalculation's tables do not outlive it.

A parse that raises `RangeError` is remembered too: the same French message is raised again for the next rows.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from .ranges import RangeError

T = TypeVar("T")

MAX_ENTRIES = 24  # parsed tables kept (a registry has 6 kinds of table; a few versions of each)
RECALC_GAP = 2.0  # seconds without any lookup: the recalculation is over, everything is forgotten

_lock = threading.RLock()
_entries: OrderedDict[tuple[str, bytes], tuple[bool, object]] = OrderedDict()
_last_use = 0.0
_stats = {"parsed": 0, "reused": 0}
# Inside a scope: id(range) -> (the range, kept alive so the id is not reused; its content key)
_identities: ContextVar[dict[int, tuple[object, bytes]] | None] = ContextVar("fitn_table_identities", default=None)


def _content_key(value) -> bytes | None:
    identities = _identities.get()
    if identities is not None:
        known = identities.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
    try:
        key = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None  # something that cannot be a cell value: parse it every time
    if identities is not None:
        identities[id(value)] = (value, key)
    return key


def parsed(kind: str, value, build: Callable[[object], T]) -> T:
    """`build(value)` — the parse of the table `value` by the parser named `kind` — computed once per distinct
    content within a recalculation. None (an optional table left out) is not cached: `build(None)` is immediate."""
    global _last_use
    if value is None:
        return build(value)
    key = _content_key(value)
    if key is None:
        return build(value)
    entry_key = (kind, key)
    with _lock:
        now = time.monotonic()
        if now - _last_use > RECALC_GAP:
            _entries.clear()
        _last_use = now
        found = _entries.get(entry_key)
        if found is not None:
            _entries.move_to_end(entry_key)
            _stats["reused"] += 1
    if found is None:
        try:
            found = (True, build(value))
        except RangeError as exc:
            found = (False, str(exc))
        with _lock:
            _stats["parsed"] += 1
            _entries[entry_key] = found
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    ok, result = found
    if not ok:
        raise RangeError(result)
    return result  # type: ignore[return-value]


@contextmanager
def scope() -> Iterator[None]:
    """One batch of calls: a range object met again in it is known by its identity (not serialised again)."""
    token = _identities.set({})
    try:
        yield
    finally:
        _identities.reset(token)


def clear() -> None:
    """Forget every parsed table (tests; a new recalculation does it by itself after `RECALC_GAP`)."""
    with _lock:
        _entries.clear()


def stats() -> dict[str, int]:
    """How many tables were parsed and how many parses were reused since the process started (tests, bench)."""
    with _lock:
        return dict(_stats, entries=len(_entries))
