"""`fitn-xl import REGISTRE.xlsx FICHIER… [--correspondance F.toml] [--date-reception JJ/MM/AAAA] [--force]`."""

from __future__ import annotations

import sys

from ..forms.importer import run_import
from ..values import CellError, parse_date
from . import EXIT_USAGE


def run(args) -> int:
    received = None
    if args.date_reception:
        try:
            received = parse_date(args.date_reception)
        except CellError as exc:
            print(f"Erreur : --date-reception : {exc}", file=sys.stderr)
            return EXIT_USAGE
    return run_import(args.registre, args.fichiers, args.correspondance, received, args.force,
                      say=print, warn=lambda line: print(line, file=sys.stderr))
