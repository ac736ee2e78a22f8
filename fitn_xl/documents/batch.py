"""Generating a batch of documents from a registry file: selection, file names, progress, journal, report.

Used by `fitn-xl conventions` and `fitn-xl letters`. Dossiers with input errors are skipped and listed at the end
(exit 1); the others still go through. Each document written adds one row to the registry's « Journal » sheet;
input cells are never touched.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import schema
from ..commands._common import EXIT_DATA, EXIT_OK
from ..core import Application, compute
from ..resources import word_templates
from .context import EXTRA_TEMPLATES_DIR, dossier_context, extra_text
from .render import RenderJob, RenderResult, default_workers, render_documents

CONVENTION, NOTIFICATION, REFUSAL = "convention", "notification", "refus"
TEMPLATE_FILES = {
    CONVENTION: "convention.docx",
    NOTIFICATION: "lettre-notification.docx",
    REFUSAL: "lettre-refus.docx",
}
OPERATIONS = {
    CONVENTION: "Convention générée",
    NOTIFICATION: "Courrier d'attribution généré",
    REFUSAL: "Courrier de refus généré",
}
BUILTIN_TEMPLATES = word_templates()

_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME = 120  # characters, extension included: stays well under Windows' 260-character paths


def safe_filename(text: str, max_len: int = MAX_NAME - len(".docx")) -> str:
    """A file name safe on Windows, macOS and Linux: no `/\\:*?"<>|` nor control character, single spaces, no
    trailing dot or space, accents kept (NFC), at most `max_len` characters. '' stays ''."""
    text = unicodedata.normalize("NFC", text)
    text = _FORBIDDEN.sub("-", text)
    text = " ".join(text.split())
    text = re.sub(r"-{2,}", "-", text)
    text = text[:max_len].rstrip(" .-")
    return text.lstrip(" .")


def document_filename(dossier_id: str, kind: str, applicant: str) -> str:
    """'{N° dossier}-{kind}-{collectivité}.docx', made safe and capped."""
    return safe_filename(f"{dossier_id}-{kind}-{applicant}") + ".docx"


def templates_dir(parameters, registry_path: Path | None = None) -> Path:
    """The folder of the Word templates: the « Dossier des modèles Word » parameter when set (relative to the
    registry's folder), else the templates shipped with fitn-xl."""
    custom = extra_text(parameters.extra, EXTRA_TEMPLATES_DIR)
    if custom:
        path = Path(custom).expanduser()
        if not path.is_absolute() and registry_path is not None:
            path = registry_path.parent / path
        return path
    return BUILTIN_TEMPLATES


@dataclass
class Plan:
    """What a batch will do: the jobs, the dossier and kind of each, and what was left out (with why)."""

    jobs: list[RenderJob] = field(default_factory=list)
    job_dossiers: list[tuple[str, str]] = field(default_factory=list)  # (dossier_id, kind) per job
    skipped_errors: list[str] = field(default_factory=list)  # dossiers with input errors
    not_selected: list[str] = field(default_factory=list)  # --dossier given but no document of this kind
    unknown: list[str] = field(default_factory=list)  # --dossier not in the registry


def convention_kind(app: Application) -> str | None:
    """A convention for each laureate whose contract mode is Convention."""
    return CONVENTION if app.status in schema.LAUREATE_STATUSES and app.contract_mode == "Convention" else None


def letter_kind(app: Application) -> str | None:
    """An acceptance letter for a laureate, a refusal letter for an ineligible or refused dossier."""
    if app.status in schema.LAUREATE_STATUSES:
        return NOTIFICATION
    if app.status in schema.REFUSAL_STATUSES:
        return REFUSAL
    return None


def plan_batch(loaded, computation, kind_of: Callable[[Application], str | None], template_dir: Path,
               dossiers: Iterable[str] | None = None, today: date | None = None) -> Plan:
    plan = Plan()
    wanted = [d.strip() for d in dossiers] if dossiers else None
    apps = {a.dossier_id: a for a in loaded.registry.applications}
    if wanted is not None:
        plan.unknown = [d for d in wanted if d not in apps]
        selected = [apps[d] for d in dict.fromkeys(wanted) if d in apps]
    else:
        selected = list(loaded.registry.applications)
    bad = loaded.dossiers_with_errors
    for app in selected:
        kind = kind_of(app)
        if kind is None:
            if wanted is not None:
                plan.not_selected.append(app.dossier_id)
            continue
        if app.dossier_id in bad:
            plan.skipped_errors.append(app.dossier_id)
            continue
        ctx = dossier_context(loaded, computation, app.dossier_id, kind=kind, today=today)
        plan.jobs.append(RenderJob(str(template_dir / TEMPLATE_FILES[kind]), ctx,
                                   document_filename(app.dossier_id, kind, app.applicant)))
        plan.job_dossiers.append((app.dossier_id, kind))
    return plan


def journal_rows(plan: Plan, results: list[RenderResult], when: datetime) -> list[dict]:
    """One « Journal » row per document written, keyed by `schema.JOURNAL` header (as `append_journal` wants)."""
    header = {c.attr: c.header for c in schema.JOURNAL.columns}
    rows = []
    for result in results:
        if result.path is None:
            continue
        job = plan.jobs[result.job_index]
        dossier_id, kind = plan.job_dossiers[result.job_index]
        ctx = job.context
        amount = ctx.get("granted") if kind != REFUSAL else ctx.get("requested")
        rows.append({header[k]: v for k, v in {
            "timestamp": when.replace(microsecond=0),
            "operation": OPERATIONS[kind],
            "dossier_id": dossier_id,
            "month": "",
            "recipient": ctx.get("applicant", ""),
            "count": 1,
            "amount": amount,
            "file": result.path.name,
            "sha256": result.sha256,
            "detail": str(result.path.parent),
        }.items()})
    return rows


def _progress(total: int):
    """A rich progress bar on stderr; returns (advance callback, stop callback)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("Documents"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("documents", total=total)
    progress.start()
    return (lambda n: progress.advance(task, n)), progress.stop


def run_batch(args, kind_of: Callable[[Application], str | None], what: str, feminine: bool = False) -> int:
    """The body of `fitn-xl conventions` / `fitn-xl letters`. `what` names the documents in messages (its gender
    by `feminine`)."""
    from ..commands._common import print_dossier_issues, refuse_if_blocking
    from ..workbook.read import load_registry

    registry_path = Path(args.registre)
    loaded = load_registry(registry_path)
    out = sys.stderr
    if refuse_if_blocking(loaded, "de produire les documents"):
        return EXIT_DATA
    computation = compute(loaded.registry)
    template_dir = templates_dir(loaded.registry.parameters, registry_path)
    plan = plan_batch(loaded, computation, kind_of, template_dir, getattr(args, "dossiers", None))
    for kind in {k for _, k in plan.job_dossiers}:
        if not (template_dir / TEMPLATE_FILES[kind]).is_file():
            print(f"Erreur : le modèle « {TEMPLATE_FILES[kind]} » est introuvable dans « {template_dir} ».",
                  file=out)
            return EXIT_DATA

    results: list[RenderResult] = []
    if plan.jobs:
        advance, stop = _progress(len(plan.jobs))
        try:
            results = render_documents(plan.jobs, args.output, workers=default_workers(), progress=advance)
        finally:
            stop()
    written = [r for r in results if r.path is not None]
    failed = [r for r in results if r.path is None]
    s = "s" if len(written) > 1 else ""
    e = "e" if feminine else ""
    print(f"{len(written)} {what}{s} écrit{e}{s} dans « {args.output} ».")

    status = EXIT_OK
    if written:
        try:
            from ..workbook.write import append_journal

            append_journal(registry_path, journal_rows(plan, results, datetime.now()),
                           force=getattr(args, "force", False))
            print("Documents consignés dans la feuille « Journal » du registre.")
        except ImportError:
            print("Attention : l'écriture du journal n'est pas disponible ; documents non consignés.", file=out)
        except Exception as exc:  # documents exist: say plainly the journal is incomplete
            print(f"Attention : les documents sont écrits, mais la feuille « Journal » du registre n'a pas pu être "
                  f"complétée ({exc}).", file=out)
            status = EXIT_DATA
    for r in failed:
        print(f"Erreur : {r.error}", file=out)
        status = EXIT_DATA
    for dossier_id in plan.unknown:
        print(f"Erreur : le dossier « {dossier_id} » est introuvable dans la feuille « {schema.SHEET_APPLICATIONS} ».",
              file=out)
        status = EXIT_DATA
    for dossier_id in plan.not_selected:
        print(f"Dossier {dossier_id} : pas de {what} pour ce dossier (statut ou mode de contractualisation).",
              file=out)
    if plan.skipped_errors:
        status = EXIT_DATA
        print(f"{len(plan.skipped_errors)} dossier(s) écarté(s) car leur saisie contient des erreurs :", file=out)
        for dossier_id in plan.skipped_errors:
            print_dossier_issues(f"  Dossier {dossier_id} :", dossier_id, loaded.issues, indent="    ", stream=out)
    return status


__all__ = [
    "BUILTIN_TEMPLATES", "CONVENTION", "NOTIFICATION", "REFUSAL", "TEMPLATE_FILES", "Plan", "convention_kind",
    "document_filename", "journal_rows", "letter_kind", "plan_batch", "run_batch", "safe_filename",
    "templates_dir",
]
