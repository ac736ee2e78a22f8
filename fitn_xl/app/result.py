"""What every job returns, and how jobs turn the errors a user can cause into French lines instead of exceptions.

A job (`fitn_xl.app`) takes plain values — paths, options, a `Clock` — and returns a `Result`: its exit status
(SPEC §4), the French report as lines (each with a level: the command line prints `INFO` lines on stdout, the others
on stderr; the add-in shows them all in one dialog), the files it wrote, the dossiers it left out with their issues,
and the « Journal » rows it added to the registry.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from ..files import os_reason
from ..workbook.errors import RegistryError
from ..workbook.lock import acting_as, current_command
from ..workbook.read import Issue

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2  # success; data errors blocking the job; bad usage (SPEC §4)

INFO, WARNING, ERROR = "info", "warning", "error"


@dataclass(frozen=True)
class Line:
    """One line of a job's French report."""

    text: str
    level: str = INFO


@dataclass
class Result:
    """What a job did. `status` is the exit code; `ok` when it is 0."""

    status: int = EXIT_OK
    lines: list[Line] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped: dict[str, list[Issue]] = field(default_factory=dict)  # dossier left out -> its issues
    journal: list[dict[str, object]] = field(default_factory=list)  # rows added to « Journal », keyed by header

    @property
    def ok(self) -> bool:
        return self.status == EXIT_OK

    def info(self, text: str) -> None:
        self.lines.append(Line(text, INFO))

    def warn(self, text: str) -> None:
        self.lines.append(Line(text, WARNING))

    def error(self, text: str, status: int = EXIT_DATA) -> None:
        """An error line; the status becomes `status` unless a worse one is already set."""
        self.lines.append(Line(text, ERROR))
        self.fail(status)

    def fail(self, status: int = EXIT_DATA) -> None:
        self.status = max(self.status, status)

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class Refused(Exception):
    """A job refuses to run (French message); nothing was written. Raised inside a job, turned into a `Result` by
    `job`."""

    def __init__(self, message: str, status: int = EXIT_DATA):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Clock:
    """The time a job stamps on what it writes and computes with: the machine's clock, or a fixed moment (the
    demo, the tests)."""

    fixed: datetime | None = None

    def now(self) -> datetime:
        return (self.fixed or datetime.now()).replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()


SYSTEM_CLOCK = Clock()

def os_error_message(exc: OSError) -> str:
    """« Erreur de fichier : « path » : <French reason>. » for an OSError, whatever the system's language."""
    where = f"« {exc.filename} » : " if exc.filename else ""
    return f"Erreur de fichier : {where}{os_reason(exc)}."


P = ParamSpec("P")
R = TypeVar("R", bound=Result)

COMMAND_NAMES = {"import_files": "import", "new_registry": "new"}  # job -> its `fitn-xl` subcommand


def job(run: Callable[P, R]) -> Callable[P, R | Result]:
    """A job whose refusals (`Refused`), registry errors (`RegistryError`: not a registry, locked…) and file
    errors (`OSError`) end as a `Result` with one French error line, never as an exception. The registry locks it
    takes name it « fitn-xl <command> » unless the caller already said who acts (the add-in's buttons)."""

    @functools.wraps(run)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Result:
        named = (acting_as(f"fitn-xl {COMMAND_NAMES.get(run.__name__, run.__name__)}")
                 if current_command() == "fitn-xl" else contextlib.nullcontext())
        try:
            with named:
                return run(*args, **kwargs)
        except Refused as exc:
            return failed(str(exc), exc.status)
        except RegistryError as exc:
            return failed(f"Erreur : {exc}")
        except OSError as exc:
            return failed(os_error_message(exc))

    return wrapper


def failed(text: str, status: int = EXIT_DATA) -> Result:
    result = Result()
    result.error(text, status)
    return result

