"""`fitn-xl ds-sync REGISTRE.xlsx --demarche NUMERO [--instance URL] [--publier-decisions [--envoyer]]`."""

from __future__ import annotations

from .. import app
from ._common import print_result, progress_bar


def run(args) -> int:
    with progress_bar("Dossiers reçus de Démarches Simplifiées") as progress:
        result = app.ds_sync(args.registre, args.demarche, instance=args.instance, mapping=args.correspondance,
                             publish=args.publish, send=args.send, instructeur=args.instructeur,
                             take_decisions=args.take_decisions, force=args.force, progress=progress)
    return print_result(result)
