"""`fitn-xl recalc REGISTRE.xlsx [--force]`: rewrite the computed columns and the dashboard, safely."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.recalc(args.registre, force=args.force))
