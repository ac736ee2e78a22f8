"""`fitn-xl recalc REGISTRE.xlsx [--force]`: rewrite the computed columns and the dashboard, safely."""

from __future__ import annotations

import sys

from ..core.compute import LAB
from ..workbook.write import recalc
from ._common import EXIT_DATA, EXIT_OK, eur, print_issues

MAX_SHOWN = 50


def run(args) -> int:
    summary = recalc(args.registre, force=args.force)
    if summary.issues:
        print_issues(summary.issues, sys.stderr, limit=MAX_SHOWN)
    print(f"Registre recalculé : {summary.path.name}")
    print(f"  {summary.dossiers} dossier(s), {summary.eligible} éligible(s), {summary.late} lauréat(s) en retard "
          f"d'état des lieux.")
    for name, env in summary.envelopes.items():
        label = "Enveloppe 3d" if name == LAB else "Enveloppe départementale"
        print(f"  {label} : {eur(env.amount)}, engagé {eur(env.committed)}, proposé {eur(env.proposed)}, "
              f"reste {eur(env.remaining)}{' — DÉPASSÉE' if env.exceeded else ''}")
    if summary.extended_tables:
        print(f"  Tableaux agrandis aux lignes saisies dessous : {', '.join(summary.extended_tables)}")
    if summary.missing_columns:
        print(f"  Colonnes calculées absentes (non écrites) : {', '.join(summary.missing_columns)}")
    if summary.with_errors:
        print(f"  {summary.with_errors} dossier(s) avec des erreurs de saisie : voir la colonne Alertes et "
              f"« fitn-xl check ».")
    orphans = [i for i in summary.issues if i.dossier_id is None and not i.blocking]
    if orphans:
        print(f"  {len(orphans)} erreur(s) sur des lignes rattachées à aucun dossier (N° dossier manquant, inconnu "
              f"ou en double) : ces lignes sont ignorées, voir « fitn-xl check ».")
    if summary.previous is not None and summary.previous.exists():
        print(f"  Version précédente gardée : {summary.previous.name}")
    if summary.blocking:
        print("Des erreurs bloquantes (paramètres ou tableaux) empêchent un calcul fiable : corrigez-les.",
              file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK
