"""`fitn-xl conventions REGISTRE.xlsx -o DOSSIER [--dossier N …]`: one convention per laureate in Convention mode."""

from __future__ import annotations

from .. import app
from ._common import print_result, progress_bar


def run(args) -> int:
    with progress_bar("Conventions") as progress:
        result = app.conventions(args.registre, args.output, dossiers=args.dossiers, force=args.force,
                                 progress=progress)
    return print_result(result)
