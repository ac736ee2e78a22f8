"""`fitn-xl forms -o DOSSIER [--departement CODE] [--registre REGISTRE.xlsx]`: the blank application forms."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.forms(args.output, departement=args.departement, registry=args.registre))
