"""`fitn-xl committee REGISTRE.xlsx -o DOSSIER`: the committee file (rankings, envelope balance, fiches)."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.committee(args.registre, args.output))
