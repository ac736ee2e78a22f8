"""Helpers shared by the commands: load a registry, print its issues in French, JSON-friendly values."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from ..workbook.read import Issue, LoadedRegistry, RegistryError, load_registry
from . import EXIT_DATA, EXIT_OK, EXIT_USAGE  # noqa: F401 (re-exported to the commands)


def refuse_if_blocking(loaded: LoadedRegistry, job: str, stream: TextIO | None = None) -> bool:
    """True (after listing them in French) when `loaded` has problems that block every job, e.g. `job` =
    « de produire les documents »."""
    if not loaded.blocking:
        return False
    stream = stream or sys.stderr
    print(f"Erreur : le registre contient des erreurs qui empêchent {job} :", file=stream)
    for issue in loaded.issues:
        if issue.blocking:
            print(f"  {issue}", file=stream)
    return True


def print_dossier_issues(heading: str, dossier_id: str, issues: list[Issue], indent: str = "  ",
                         stream: TextIO | None = None) -> None:
    """`heading`, then the issues of one dossier, one French line each (to stderr by default)."""
    stream = stream or sys.stderr
    print(heading, file=stream)
    for issue in issues:
        if issue.dossier_id == dossier_id:
            print(f"{indent}{issue}", file=stream)


def load(path: str | Path) -> LoadedRegistry:
    """Read a registry; a missing or unreadable file raises `RegistryError` (French message, exit 1 in the CLI)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise RegistryError(f"« {path.name} » n'est pas un fichier .xlsx.")
    return load_registry(path)


def print_issues(issues: list[Issue], stream: TextIO | None = None, limit: int | None = None) -> None:
    """One French line per issue (`Feuille « … », ligne …, colonne « … » : message`), sorted by place."""
    stream = stream or sys.stdout
    ordered = sorted(issues, key=lambda i: (i.sheet, i.row or 0, i.column or ""))
    shown = ordered if limit is None else ordered[:limit]
    for issue in shown:
        print(str(issue), file=stream)
    if len(shown) < len(ordered):
        print(f"… et {len(ordered) - len(shown)} autre(s) erreur(s) : fitn-xl check REGISTRE.xlsx les liste toutes.",
              file=stream)


def errors_summary(loaded: LoadedRegistry) -> str:
    """« 3 erreurs de saisie (2 dossiers concernés) », « … (sur des lignes … rattachés à aucun dossier) » or
    « Aucune erreur de saisie »."""
    n = len(loaded.issues)
    if not n:
        return "Aucune erreur de saisie."
    d = len(loaded.dossiers_with_errors)
    s = "s" if n > 1 else ""
    if not d:  # duplicated, unknown or missing N° dossier, parameters, missing columns
        return f"{n} erreur{s} de saisie (sur des lignes ou des paramètres rattachés à aucun dossier)."
    return f"{n} erreur{s} de saisie ({d} dossier{'s' if d > 1 else ''} concerné{'s' if d > 1 else ''})."


def json_value(value):
    """Decimal -> int or float, date -> ISO text; others unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def eur(value) -> str:
    from ..core.text import eur as _eur

    return _eur(value) if value is not None else ""
