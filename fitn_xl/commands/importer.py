"""`fitn-xl import REGISTRE.xlsx FICHIER… [--correspondance F.toml] [--date-reception JJ/MM/AAAA] [--force]`."""

from __future__ import annotations

import sys

from .. import app
from ..values import CellError, parse_date
from ._common import print_result


def run(args) -> int:
    received = None
    if args.date_reception:
        try:
            received = parse_date(args.date_reception)
        except CellError as exc:
            print(f"Erreur : --date-reception : {exc}", file=sys.stderr)
            return app.EXIT_USAGE
    return print_result(app.import_files(args.registre, args.fichiers, mapping=args.correspondance,
                                         received_on=received, take_decisions=args.take_decisions,
                                         force=args.force))
