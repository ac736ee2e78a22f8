"""The conventions and letters jobs: one Word document per selected dossier, recorded in the « Journal ».

Dossiers with input errors are left out and listed (status 1); the others still go through. Input cells are never
touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .. import schema
from ..core import Application
from ..documents.batch import (
    DOCUMENT_NAMES,
    TEMPLATE_FILES,
    convention_kind,
    journal_rows,
    letter_kind,
    plan_batch,
    templates_dir,
)
from ..documents.render import RenderResult, default_workers, render_documents
from .registry import open_registry, record, report_skipped
from .result import EXIT_DATA, SYSTEM_CLOCK, Clock, Refused, Result, job

Progress = Callable[[int, int], None]  # (documents done so far, total)


def _batch(registry: str | Path, output: str | Path, kind_of: Callable[[Application], str | None], what: str,
           feminine: bool, dossiers: Iterable[str] | None, force: bool, clock: Clock, progress: Progress | None,
           workers: int | None) -> Result:
    registry = Path(registry)
    loaded, computation = open_registry(registry, clock, blocking_refuses="de produire les documents")
    template_dir = templates_dir(loaded.registry.parameters, registry)
    plan = plan_batch(loaded, computation, kind_of, template_dir, dossiers, today=clock.today(), now=clock.now())
    for kind in {k for _, k in plan.job_dossiers}:
        if not (template_dir / TEMPLATE_FILES[kind]).is_file():
            raise Refused(f"Erreur : le modèle « {TEMPLATE_FILES[kind]} » est introuvable dans « {template_dir} ».")

    results: list[RenderResult] = []
    if plan.jobs:
        total = len(plan.jobs)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        results = render_documents(plan.jobs, output, workers=workers or default_workers(), progress=advance)
    result = Result(files=[r.path for r in results if r.path is not None])
    s = "s" if len(result.files) > 1 else ""
    e = "e" if feminine else ""
    result.info(f"{len(result.files)} {what}{s} écrit{e}{s} dans « {output} ».")
    record(result, registry, journal_rows(plan, results, clock.now()), force=force, now=clock.now(),
           done="Documents consignés dans la feuille « Journal » du registre.")
    for r in results:
        if r.path is None:
            result.error(f"Erreur : {r.error}")
    for dossier_id in plan.unknown:
        result.error(f"Erreur : le dossier « {dossier_id} » est introuvable dans la feuille "
                     f"« {schema.SHEET_APPLICATIONS} ».")
    for dossier_id, kind, missing in plan.refused:
        row = loaded.application_rows.get(dossier_id)
        where = f" (feuille « {schema.SHEET_APPLICATIONS} », ligne {row})" if row else ""
        result.error(f"Erreur : dossier {dossier_id}{where} : {DOCUMENT_NAMES[kind]} non produit, il manque "
                     + " ; ".join(missing) + ".")
    for line in plan.warnings:
        result.warn(line)
    for dossier_id in plan.not_selected:
        result.warn(f"Dossier {dossier_id} : pas de {what} pour ce dossier (statut ou mode de contractualisation).")
    if plan.skipped_errors:
        result.fail(EXIT_DATA)
        result.warn(f"{len(plan.skipped_errors)} dossier(s) écarté(s) car leur saisie contient des erreurs :")
        for dossier_id in plan.skipped_errors:
            report_skipped(result, f"  Dossier {dossier_id} :", dossier_id, loaded.issues, indent="    ")
    return result


@job
def conventions(registry: str | Path, output: str | Path, *, dossiers: Iterable[str] | None = None,
                force: bool = False, clock: Clock = SYSTEM_CLOCK, progress: Progress | None = None,
                workers: int | None = None) -> Result:
    """One convention per laureate whose contract mode is Convention (or only the `dossiers` given)."""
    return _batch(registry, output, convention_kind, "convention", True, dossiers, force, clock, progress, workers)


@job
def letters(registry: str | Path, output: str | Path, *, dossiers: Iterable[str] | None = None,
            force: bool = False, clock: Clock = SYSTEM_CLOCK, progress: Progress | None = None,
            workers: int | None = None) -> Result:
    """An acceptance letter per laureate, a refusal letter per ineligible or refused dossier."""
    return _batch(registry, output, letter_kind, "courrier", False, dossiers, force, clock, progress, workers)
