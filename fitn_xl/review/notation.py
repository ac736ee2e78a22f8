"""Computed columns of « Notation »: the measure, its grid in words, and the evaluator's score /20."""

from __future__ import annotations

from ..core.compute import Computation
from ..core.review import criteria_text
from ..core.scoring import evaluator_score
from ..schema import SCORES

MEASURE, GRID, SCORE = (c.header for c in SCORES.computed)


def score_rows(loaded, book=None) -> list[tuple[int, object]]:  # noqa: ARG001 - `book`: former signature
    """(Excel row, `Score`) of every « Notation » record the reader kept, in sheet order: the reader records the
    row of each (`LoadedRegistry.rows`), for a file as for a workbook open in Excel (`read.read_book`)."""
    return list(zip(loaded.rows[SCORES.name], loaded.registry.scores, strict=True))


def notation_cells(loaded, computation: Computation | None = None, book=None) -> dict[int, dict[str, object]]:
    """{Excel row of « Notation »: {« Mesure », « Critères de la grille », « Note /20 »: value}} for every row
    with a known N° dossier. « Note /20 » is None when the evaluator declared a conflict of interest or left a
    criterion of the grid empty. `computation` is accepted for symmetry with the other computed columns."""
    params = loaded.registry.parameters
    measure_of = {a.dossier_id: a.measure for a in loaded.registry.applications}
    out: dict[int, dict[str, object]] = {}
    for excel_row, score in score_rows(loaded, book):
        measure = measure_of.get(score.dossier_id, "")
        criteria = params.criteria_of(measure)
        out[excel_row] = {
            MEASURE: measure,
            GRID: criteria_text(criteria),
            SCORE: evaluator_score(score, criteria),
        }
    return out


__all__ = ["notation_cells", "score_rows"]
