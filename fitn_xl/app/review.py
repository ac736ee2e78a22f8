"""The managers' jobs: the committee file, and the empty scoring rows of the evaluators."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from ..formatting import format_eur
from ..review.classement import review_of
from ..review.committee import committee_context, render_committee
from ..review.prepare import scoring_rows_to_add
from ..schema import PENDING_STATUSES, SCORES
from ..workbook.lock import registry_lock
from ..workbook.write import append_input_rows
from .registry import open_registry, record, refuse_unless_writable_format, report_skipped
from .result import EXIT_DATA, SYSTEM_CLOCK, WARNING, Clock, Result, job


@job
def committee(registry: str | Path, output: str | Path, *, clock: Clock = SYSTEM_CLOCK) -> Result:
    """The committee file (Word): one ranking per envelope, the envelope balance, one fiche per pending dossier."""
    registry = Path(registry)
    loaded, computation = open_registry(registry, clock, blocking_refuses="d'établir le classement")
    rv = review_of(loaded, computation)
    context = committee_context(loaded, computation, rv)
    out = render_committee(context, Path(output) / f"comite-de-selection-{computation.reference_date.isoformat()}"
                                                   ".docx", when=clock.now())
    result = Result(files=[out])
    for dossier in sorted(loaded.dossiers_with_errors):
        report_skipped(result, f"Dossier {dossier} : erreurs de saisie, classé mais sans fiche d'instruction :",
                       dossier, loaded.issues)
    for env in context["enveloppes"]:
        n = sum(len(m["dossiers"]) for m in env["mesures"])
        result.info(f"{env['libelle']} : {n} dossier(s) en attente, engagé {env['engage']}, "
                    f"proposé dans l'enveloppe {env['retenu']}, reste {env['reste']}.")
    total = sum((s.retained for s in rv.envelopes.values()), Decimal(0))
    result.info(f"{len(context['fiches'])} fiche(s) d'instruction ; montants proposés retenus : {format_eur(total)}.")
    result.info(f"  {out}")
    row = {"Opération": "Dossier de comité", "Nombre": len(context["fiches"]), "Montant (€)": total,
           "Fichier": str(out), "SHA-256": hashlib.sha256(out.read_bytes()).hexdigest(),
           "Détail": "Classement par enveloppe et fiches d'instruction"}
    # the document exists; the journal is a courtesy here
    record(result, registry, [row], force=False, now=clock.now(), failure_level=WARNING,
           failed="Attention : le journal du registre n'a pas été complété ({error}).")
    if loaded.dossiers_with_errors:
        result.fail(EXIT_DATA)
    return result


@job
def scoring(registry: str | Path, evaluators: Iterable[str], *, force: bool = False,
            clock: Clock = SYSTEM_CLOCK) -> Result:
    """Empty « Notation » rows for each evaluator on every eligible dossier awaiting a decision, never twice for
    the same (dossier, evaluator). The registry's lock is held from the reading to the writing."""
    refuse_unless_writable_format(registry, "ajouter des lignes de notation")
    with registry_lock(registry):
        return _scoring(Path(registry), evaluators, force, clock)


def _scoring(registry: Path, evaluators: Iterable[str], force: bool, clock: Clock) -> Result:
    loaded, computation = open_registry(registry, clock, blocking_refuses="de préparer la notation")
    errors = loaded.dossiers_with_errors
    records = scoring_rows_to_add(loaded.registry, computation, evaluators, skip=errors)
    result = Result()
    for dossier in sorted(errors):
        result.warn(f"Dossier {dossier} : erreurs de saisie, pas de ligne de notation préparée (voir fitn-xl check).")
    if not records:
        waiting = [a for a in loaded.registry.applications if a.dossier_id not in errors
                   and a.status in PENDING_STATUSES and (r := computation.results.get(a.dossier_id)) and r.eligible]
        if waiting:
            result.info("Rien à ajouter : chaque évaluateur a déjà une ligne pour chaque dossier éligible en attente.")
        else:
            result.info("Rien à ajouter : aucun dossier éligible n'attend de décision (statut Reçu, En instruction ou "
                        "Éligible).")
        return result
    header = {c.attr: c.header for c in SCORES.columns}
    rows = [{header[k]: v for k, v in rec.items()} for rec in records]
    written = append_input_rows(registry, SCORES, rows, force=force, expected=loaded.stamp)
    dossiers = len({r["dossier_id"] for r in records})
    result.info(f"{len(written)} ligne(s) de notation ajoutée(s) à la feuille « {SCORES.sheet} » (lignes "
                f"{written[0]} à {written[-1]}) pour {dossiers} dossier(s). Lancez « fitn-xl recalc » pour afficher "
                "les critères.")
    return result
