"""The jobs: one function per thing a user asks of fitn-xl, the same from the command line, the add-in and Python.

Each job takes plain values (paths, options, a `Clock`) and returns a `Result` (status, French report, files
written, dossiers skipped with their issues, « Journal » rows). The command line (`fitn_xl.cli`) parses arguments,
calls a job and prints its report; the add-in's buttons (`fitn_xl.addin`) call the same job and show the same report
in a dialog. From Python: `from fitn_xl import app; app.recalc("registre.xlsx")`.

A job's module is imported when the job is first used (`fitn_xl.app.recalc`, …), so that `fitn-xl check` does not
load Word or the Excel add-in, and `fitn-xl serve` sets xlwings up before anything imports it.
"""

from __future__ import annotations

import importlib

from .result import EXIT_DATA, EXIT_OK, EXIT_USAGE, SYSTEM_CLOCK, Clock, Line, Result

# job (or result type) -> the module of this package that defines it
_JOBS = {
    "check": "inspection", "CheckResult": "inspection",
    "recalc": "recalculation", "RecalcResult": "recalculation", "RecalcTarget": "recalculation",
    "conventions": "documents", "letters": "documents",
    "ditp": "reporting", "DitpResult": "reporting", "relances": "reporting", "consolidate": "consolidation",
    "committee": "review", "scoring": "review",
    "forms": "applications", "import_files": "applications",
    "ds_sync": "demarches",
    "new_registry": "new",
    "demo": "demonstration",
    "upgrade": "migration",
    "payments": "payment_requests",
    "opendata": "open_data",
}

__all__ = ["EXIT_DATA", "EXIT_OK", "EXIT_USAGE", "SYSTEM_CLOCK", "Clock", "Line", "Result", *_JOBS]


def __getattr__(name: str):
    module = _JOBS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
