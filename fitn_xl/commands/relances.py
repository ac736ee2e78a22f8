"""`fitn-xl relances REGISTRE.xlsx -o DOSSIER`: one reminder .eml per late laureate."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.relances(args.registre, args.output))
