"""`fitn-xl conventions REGISTRE.xlsx -o DOSSIER [--dossier N …]`: one convention per laureate in Convention mode."""

from __future__ import annotations

from ..documents.batch import convention_kind, run_batch


def run(args) -> int:
    return run_batch(args, convention_kind, "convention", feminine=True)
