"""`fitn-xl committee REGISTRE.xlsx -o DOSSIER`: the committee file (rankings, envelope balance, fiches)."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from ..core import compute
from ..formatting import format_eur
from ..review.classement import review_of
from ..review.committee import committee_context, render_committee
from ..workbook.read import load_registry
from ..workbook.write import append_journal
from ._common import EXIT_DATA, EXIT_OK, print_dossier_issues, refuse_if_blocking


def run(args) -> int:
    loaded = load_registry(args.registre)
    if refuse_if_blocking(loaded, "d'établir le classement"):
        return EXIT_DATA
    computation = compute(loaded.registry)
    rv = review_of(loaded, computation)
    context = committee_context(loaded, computation, rv)
    out = Path(args.output) / f"comite-de-selection-{computation.reference_date.isoformat()}.docx"
    render_committee(context, out)

    for dossier in sorted(loaded.dossiers_with_errors):
        print_dossier_issues(f"Dossier {dossier} : erreurs de saisie, classé mais sans fiche d'instruction :",
                             dossier, loaded.issues)
    for env in context["enveloppes"]:
        n = sum(len(m["dossiers"]) for m in env["mesures"])
        print(f"{env['libelle']} : {n} dossier(s) en attente, engagé {env['engage']}, "
              f"proposé dans l'enveloppe {env['retenu']}, reste {env['reste']}.")
    total = sum((s.retained for s in rv.envelopes.values()), Decimal(0))
    print(f"{len(context['fiches'])} fiche(s) d'instruction ; montants proposés retenus : {format_eur(total)}.")
    print(f"  {out}")
    _journal(Path(args.registre), out, len(context["fiches"]), total)
    return EXIT_DATA if loaded.dossiers_with_errors else EXIT_OK


def _journal(registry: Path, out: Path, count: int, total) -> None:
    """Record the document in the « Journal » sheet; never fails the job."""
    import hashlib

    row = {
        "Opération": "Dossier de comité", "Nombre": count, "Montant (€)": total, "Fichier": str(out),
        "SHA-256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "Détail": "Classement par enveloppe et fiches d'instruction",
    }
    try:
        append_journal(registry, [row], force=False)
    except Exception as exc:  # the document exists; the journal is a courtesy here
        print(f"Attention : le journal du registre n'a pas été complété ({exc}).", file=sys.stderr)
