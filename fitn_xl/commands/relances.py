"""`fitn-xl relances REGISTRE.xlsx -o DOSSIER`: one reminder .eml per late laureate."""

from __future__ import annotations

import sys

from ..ditp import fmt
from ..ditp.monthly import ListError
from ..ditp.reminders import build_reminders
from ._common import EXIT_DATA, EXIT_OK, print_dossier_issues


def run(args) -> int:
    try:
        result = build_reminders(args.registre, args.output)
    except ListError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_DATA
    for dossier in result.skipped_dossiers:
        print_dossier_issues(f"Dossier {dossier} en retard mais écarté (erreurs de saisie) :", dossier,
                             result.skipped)
    for issue in result.no_address:
        print(f"Dossier {issue.dossier_id} en retard : {issue}", file=sys.stderr)
    day = fmt.long_date(result.reference_date)
    n = len(result.written)
    if not n and not result.no_address and not result.skipped:
        print(f"Aucun lauréat en retard au {day} : aucune relance à préparer.")
        return EXIT_OK
    s = "s" if n > 1 else ""
    print(f"{n} relance{s} préparée{s} (lauréats sans état des lieux depuis plus d'un trimestre au {day}) :")
    for path in result.written.values():
        print(f"  {path}")
    return EXIT_OK
