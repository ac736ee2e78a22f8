"""`fitn-xl scoring REGISTRE.xlsx --evaluateur NOM [--evaluateur NOM…] [--force]`: empty scoring rows for each
evaluator on every eligible dossier awaiting a decision, never twice for the same (dossier, evaluator)."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.scoring(args.registre, args.evaluators, force=args.force))
