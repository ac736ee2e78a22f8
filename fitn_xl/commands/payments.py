"""`fitn-xl payments REGISTRE.xlsx --dossier N -o DOSSIER [--force]`: the payment request of a laureate's next
instalment."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.payments(args.registre, args.dossier, args.output, force=args.force))
