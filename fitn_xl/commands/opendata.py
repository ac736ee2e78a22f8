"""`fitn-xl opendata REGISTRE.xlsx -o FICHIER.csv [--seuil 23000] [--force]`: the SCDL subventions file."""

from __future__ import annotations

from decimal import Decimal

from .. import app
from ._common import print_result


def run(args) -> int:
    threshold = None if args.seuil is None else Decimal(args.seuil)
    return print_result(app.opendata(args.registre, args.output, threshold=threshold, force=args.force))
