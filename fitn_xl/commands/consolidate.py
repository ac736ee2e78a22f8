"""`fitn-xl consolidate LISTE.xlsx… -o CONSOLIDATION.xlsx`: monthly lists of several départements in one workbook."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.consolidate(args.listes, args.output))
