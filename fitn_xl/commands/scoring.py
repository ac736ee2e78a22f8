"""`fitn-xl scoring REGISTRE.xlsx --evaluateur NOM [--evaluateur NOM…] [--force]`: empty scoring rows for each
evaluator on every eligible dossier awaiting a decision, never twice for the same (dossier, evaluator)."""

from __future__ import annotations

import sys

from ..core import compute
from ..review.prepare import scoring_rows_to_add
from ..schema import PENDING_STATUSES, SCORES
from ..workbook.read import load_registry
from ._common import EXIT_DATA, EXIT_OK, refuse_if_blocking


def run(args) -> int:
    loaded = load_registry(args.registre)
    if refuse_if_blocking(loaded, "de préparer la notation"):
        return EXIT_DATA
    computation = compute(loaded.registry)
    errors = loaded.dossiers_with_errors
    records = scoring_rows_to_add(loaded.registry, computation, args.evaluators, skip=errors)
    for dossier in sorted(errors):
        print(f"Dossier {dossier} : erreurs de saisie, pas de ligne de notation préparée (voir fitn-xl check).",
              file=sys.stderr)
    if not records:
        waiting = [a for a in loaded.registry.applications if a.dossier_id not in errors
                   and a.status in PENDING_STATUSES and (r := computation.results.get(a.dossier_id)) and r.eligible]
        if waiting:
            print("Rien à ajouter : chaque évaluateur a déjà une ligne pour chaque dossier éligible en attente.")
        else:
            print("Rien à ajouter : aucun dossier éligible n'attend de décision (statut Reçu, En instruction ou "
                  "Éligible).")
        return EXIT_OK
    from ..workbook.write import append_input_rows

    header = {c.attr: c.header for c in SCORES.columns}
    rows = [{header[k]: v for k, v in rec.items()} for rec in records]
    written = append_input_rows(args.registre, SCORES, rows, force=args.force)
    dossiers = len({r["dossier_id"] for r in records})
    print(f"{len(written)} ligne(s) de notation ajoutée(s) à la feuille « {SCORES.sheet} » (lignes {written[0]} à "
          f"{written[-1]}) pour {dossiers} dossier(s). Lancez « fitn-xl recalc » pour afficher les critères.")
    return EXIT_OK
