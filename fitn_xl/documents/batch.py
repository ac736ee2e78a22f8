"""A batch of documents from a registry: which dossier gets which document, file names, « Journal » rows.

The conventions and letters jobs (`fitn_xl.app.documents`) plan a batch here, render it with
`fitn_xl.documents.render` and record it. Dossiers with input errors are left out of the plan (and named).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import schema
from ..core import Application
from ..core.text import eur
from ..resources import word_templates
from .context import EXTRA_TEMPLATES_DIR, dossier_context, extra_text
from .render import RenderJob, RenderResult

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
    refused: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(dossier_id, kind, what is missing) of each document not written because a field it needs is empty."""
    warnings: list[str] = field(default_factory=list)  # French lines about documents that were written


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


DOCUMENT_NAMES = {CONVENTION: "convention", NOTIFICATION: "courrier d'attribution", REFUSAL: "courrier de refus"}


def plan_batch(loaded, computation, kind_of: Callable[[Application], str | None], template_dir: Path,
               dossiers: Iterable[str] | None = None, today: date | None = None,
               now: datetime | None = None) -> Plan:
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
        ctx = dossier_context(loaded, computation, app.dossier_id, kind=kind, today=today, now=now)
        if ctx["missing"]:
            plan.refused.append((app.dossier_id, kind, ctx["missing"]))
            continue
        if ctx.get("ground_kind") == "Enveloppe épuisée" and app.requested is not None \
                and ctx["envelope_remaining"] >= app.requested:
            plan.warnings.append(
                f"Attention : dossier {app.dossier_id} refusé pour « Enveloppe épuisée » alors qu'il reste "
                f"{eur(ctx['envelope_remaining'])} pour une demande de {eur(app.requested)} ; vérifiez le motif.")
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


__all__ = [
    "BUILTIN_TEMPLATES", "CONVENTION", "DOCUMENT_NAMES", "NOTIFICATION", "REFUSAL", "TEMPLATE_FILES", "Plan",
    "convention_kind", "document_filename", "journal_rows", "letter_kind", "plan_batch", "safe_filename",
    "templates_dir",
]
