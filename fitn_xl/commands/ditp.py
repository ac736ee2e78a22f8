"""`fitn-xl ditp REGISTRE.xlsx --mois AAAA-MM -o DOSSIER [--send] [--force]`: the monthly list for the DITP."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.ditp(args.registre, args.mois, args.output, send=args.send, force=args.force))
