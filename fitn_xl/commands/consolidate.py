"""`fitn-xl consolidate LISTE.xlsx… -o CONSOLIDATION.xlsx`: monthly lists of several départements in one workbook."""

from __future__ import annotations

import sys
from pathlib import Path

from ..ditp import fmt
from ..ditp.consolidation import ConsolidationError, consolidate
from ._common import EXIT_DATA, EXIT_OK


def run(args) -> int:
    out = Path(args.output)
    inputs = [Path(p) for p in args.listes]
    if any(p.resolve() == out.resolve() for p in inputs):
        print(f"Erreur : « {out.name} » est à la fois une liste à consolider et le fichier de sortie.",
              file=sys.stderr)
        return 2
    try:
        c = consolidate(inputs, out)
    except ConsolidationError as exc:
        print(f"Erreur : {exc} Aucune consolidation n'a été écrite.", file=sys.stderr)
        return EXIT_DATA
    for warning in c.warnings:
        print(f"Attention : {warning}", file=sys.stderr)
    print(f"Consolidation écrite : {out}")
    print(f"{len(c.files)} département(s), {c.count} lauréat(s), {fmt.eur(c.total)}.")
    for dep, (n, amount) in c.by_department.items():
        print(f"  {dep} : {n} lauréat(s), {fmt.eur(amount)}")
    return EXIT_OK
