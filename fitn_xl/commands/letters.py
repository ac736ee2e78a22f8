"""`fitn-xl letters REGISTRE.xlsx -o DOSSIER [--dossier N …]`: acceptance letters for laureates, refusal letters
for ineligible or refused dossiers."""

from __future__ import annotations

from ..documents.batch import letter_kind, run_batch


def run(args) -> int:
    return run_batch(args, letter_kind, "courrier")
