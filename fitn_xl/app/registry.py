"""What the jobs share about the registry they work on: reading it and computing it once, refusing when its
problems block every job, reporting a skipped dossier's issues, recording « Journal » rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from .. import schema
from ..core.compute import LAB, Computation, Envelope, compute
from ..core.text import eur
from ..files import os_reason
from ..perf import gc_paused
from ..workbook.errors import RegistryError
from ..workbook.read import Issue, LoadedRegistry, is_ods, load_registry
from ..workbook.write import append_journal, check_journal
from .result import ERROR, EXIT_USAGE, WARNING, Clock, Line, Refused, Result

REGISTRY_SUFFIXES = (".xlsx", ".xlsm")  # what fitn-xl writes into
READ_SUFFIXES = (*REGISTRY_SUFFIXES, ".ods")  # what it reads: LibreOffice's own format too
SAVE_AS_XLSX = ("Dans LibreOffice : Fichier > Enregistrer sous…, type de fichier « Excel 2007-365 (.xlsx) », "
                "« Utiliser le format Excel 2007-365 ! » ; puis relancez la commande sur le fichier .xlsx.")
ODS_JOURNAL_SKIPPED = ("Attention : « {name} » est un classeur LibreOffice (.ods) : sa feuille « Journal » n'est pas "
                       "complétée (fitn-xl n'écrit que dans un classeur Excel). Pour garder la trace de ces "
                       "documents, enregistrez le registre au format .xlsx. " + SAVE_AS_XLSX)


def journal_refusal(path: str | Path, rows: list[Mapping[str, object]], what: str, nothing: str,
                    again: str = "un nouvel envoi ne serait pas empêché") -> str | None:
    """The French refusal when `rows` could not be appended to the registry's « Journal » (no such sheet, a header
    renamed…), else None. Asked before a send: without its Journal row, the send would be made again. `what`: « l'envoi
    ne pourrait pas être consigné »; `nothing`: « Rien n'a été envoyé »; `again`: what the row prevents."""
    try:
        check_journal(path, rows)
    except RegistryError as exc:
        why = str(exc).rstrip(".")
        why = why[:1].lower() + why[1:] if why[1:2].islower() else why  # « La feuille… » inside a sentence
        return (f"Erreur : {what} dans le journal du registre ({why}). {nothing} : sans cette ligne, {again}. "
                f"Rendez au registre sa feuille « {schema.SHEET_JOURNAL} » et ses en-têtes "
                "(copiez-la depuis un registre créé par fitn-xl new), puis relancez.")
    return None


def ods_refusal(path: Path, what: str) -> str:
    """Why a job that writes (`what`: « recalculer », « importer »…) refuses the .ods registry at `path`."""
    kind = ("un classeur LibreOffice (.ods) renommé en " + path.suffix if path.suffix.lower() != ".ods"
            else "un classeur LibreOffice (.ods)")
    return (f"Erreur : « {path.name} » est {kind} : fitn-xl le lit (check, documents), mais ne peut {what} que dans "
            f"un classeur Excel. {SAVE_AS_XLSX}")


def refuse_unless_writable_format(path: str | Path, what: str) -> None:
    """Raise `Refused` (bad usage, status 2) when the registry at `path` is an .ods, or an .ods renamed .xlsx: the
    jobs that write into a registry patch Excel's format only."""
    path = Path(path)
    if path.suffix.lower() == ".ods" or is_ods(path):
        raise Refused(ods_refusal(path, what), EXIT_USAGE)


def open_registry(path: str | Path, clock: Clock, blocking_refuses: str | None = None
                  ) -> tuple[LoadedRegistry, Computation]:
    """The registry at `path`, read and computed (reference date: its parameter, else `clock`'s day). With
    `blocking_refuses` (what the job does, e.g. « de produire les documents »), problems that block every job
    raise `Refused` listing them."""
    path = Path(path)
    if path.suffix.lower() not in READ_SUFFIXES:
        raise Refused(f"Erreur : « {path.name} » n'est pas un registre : un fichier .xlsx (ou .ods) est attendu.",
                      EXIT_USAGE)
    with gc_paused():  # many objects, no reference cycle: the collector's passes would find nothing
        loaded = load_registry(path)
        if blocking_refuses is not None:
            refuse_if_blocking(loaded, blocking_refuses)
        return loaded, compute(loaded.registry, clock.today())


def refuse_if_blocking(loaded: LoadedRegistry, what: str) -> None:
    """Raise `Refused` (listing them in French) when `loaded` has problems that block every job."""
    if loaded.blocking:
        problems = "\n".join(f"  {issue}" for issue in loaded.issues if issue.blocking)
        raise Refused(f"Erreur : le registre contient des erreurs qui empêchent {what} :\n{problems}")


def dossier_issues(issues: list[Issue], dossier_id: str) -> list[Issue]:
    return [i for i in issues if i.dossier_id == dossier_id]


def report_skipped(result: Result, heading: str, dossier_id: str, issues: list[Issue], indent: str = "  ",
                   level: str = WARNING) -> None:
    """`heading`, then the issues of one dossier, one French line each; the dossier is recorded as skipped."""
    mine = dossier_issues(issues, dossier_id)
    result.skipped[dossier_id] = mine
    result.lines.append(Line(heading, level))
    result.lines.extend(Line(f"{indent}{issue}", level) for issue in mine)


def envelope_line(name: str, env: Envelope) -> str:
    """« Enveloppe départementale : 297 000 €, engagé …, proposé …, reste … »."""
    label = "Enveloppe 3d" if name == LAB else "Enveloppe départementale"
    return (f"{label} : {eur(env.amount)}, engagé {eur(env.committed)}, proposé {eur(env.proposed)}, "
            f"reste {eur(env.remaining)}{' — DÉPASSÉE' if env.exceeded else ''}")


JOURNAL_FAILED = ("Attention : les fichiers sont écrits, mais la feuille « Journal » du registre n'a pas pu être "
                  "complétée ({error}).")


def _reason(exc: Exception) -> str:
    """Why the journal could not be written, in French (a registry error says it; the system's text is English)."""
    if isinstance(exc, RegistryError):
        return str(exc).rstrip(".")
    if isinstance(exc, OSError):
        return os_reason(exc)
    return f"erreur inattendue ({type(exc).__name__})"


def record(result: Result, registry: Path, rows: list[Mapping[str, object]], *, force: bool, now: datetime,
           done: str = "", failed: str = JOURNAL_FAILED, failure_level: str = ERROR) -> bool:
    """Append `rows` (keyed by `schema.JOURNAL` header; « Date et heure » defaults to `now`) to the registry's
    « Journal » and to `result.journal`, then say `done`. When the journal cannot be written, say so plainly
    (`failed`, with the reason as `{error}`: the files the rows describe exist) at `failure_level`, an error failing
    the job. True when written."""
    if not rows:
        return True
    if is_ods(registry):  # documents are made from an .ods; its journal cannot be written
        result.warn(ODS_JOURNAL_SKIPPED.format(name=Path(registry).name))
        return False
    stamp = schema.JOURNAL.columns[0].header
    rows = [{stamp: now, **row} if not row.get(stamp) else dict(row) for row in rows]
    try:
        append_journal(registry, rows, force=force)
    except Exception as exc:  # the documents exist: the journal must not hide them
        result.lines.append(Line(failed.format(error=_reason(exc)), failure_level))
        if failure_level == ERROR:
            result.fail()
        return False
    result.journal.extend(rows)
    if done:
        result.info(done)
    return True
