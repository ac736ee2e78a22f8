"""`fitn-xl demo [DOSSIER]`: a fictional registry of the Puy-de-Dôme and every output made from it."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.demo(args.dossier))
