"""The `consolidate` job: the laureates of several départements (their monthly lists or their registries) in one
workbook, with totals per département, per measure and per département and measure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..ditp import fmt
from ..ditp.consolidation import ConsolidationError
from ..ditp.consolidation import consolidate as consolidate_sources
from .result import EXIT_USAGE, SYSTEM_CLOCK, Clock, Refused, Result, job


@job
def consolidate(inputs: Sequence[str | Path], output: str | Path, *, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Write the consolidation of `inputs` (DITP lists or registries) to `output`; nothing is written when one
    input is rejected."""
    out = Path(output)
    paths = [Path(p) for p in inputs]
    if any(p.resolve() == out.resolve() for p in paths):
        raise Refused(f"Erreur : « {out.name} » est à la fois une liste à consolider et le fichier de sortie.",
                      EXIT_USAGE)
    try:
        c = consolidate_sources(paths, out, clock.today())
    except ConsolidationError as exc:
        raise Refused(f"Erreur : {exc} Aucune consolidation n'a été écrite.") from None
    result = Result(files=[out])
    for warning in c.warnings:
        result.warn(f"Attention : {warning}")
    result.info(f"Consolidation écrite : {out}")
    result.info(f"{len(c.sources)} département(s), {c.count} lauréat(s), {fmt.eur(c.total)}.")
    for department, row in c.by_department.iterrows():
        result.info(f"  {department} : {int(row.iloc[0])} lauréat(s), {fmt.eur(row.iloc[1])}")
    return result
