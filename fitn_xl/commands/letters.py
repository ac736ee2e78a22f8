"""`fitn-xl letters REGISTRE.xlsx -o DOSSIER [--dossier N …]`: acceptance letters for laureates, refusal letters
for ineligible or refused dossiers."""

from __future__ import annotations

from .. import app
from ._common import print_result, progress_bar


def run(args) -> int:
    with progress_bar("Courriers") as progress:
        result = app.letters(args.registre, args.output, dossiers=args.dossiers, force=args.force, progress=progress)
    return print_result(result)
