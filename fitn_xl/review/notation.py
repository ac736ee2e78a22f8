"""Computed columns of « Notation »: the measure, its grid in words, and the evaluator's score /20."""

from __future__ import annotations

from ..core.compute import Computation
from ..core.review import criteria_text
from ..core.scoring import evaluator_score
from ..schema import SCORES
from ..values import parse_text

MEASURE, GRID, SCORE = (c.header for c in SCORES.computed)


def score_rows(loaded, book=None) -> list[tuple[int, object]]:
    """(Excel row, `Score`) of every « Notation » record the reader kept, in sheet order.

    The reader keeps one `Score` per row whose N° dossier is known, in sheet order; the rows are re-read (values
    only) to find where each one sits — from `book` when given (a workbook open in Excel, see `read.read_book`),
    else from the file."""
    from ..workbook import read

    book = book if book is not None else read._open(loaded.path)
    issues: list = []
    rows = read._read_table(book, SCORES, {}, issues, stop_at_blank=False)
    known = set(loaded.application_rows)
    scores = iter(loaded.registry.scores)
    out = []
    for excel_row, raw in rows.rows:
        dossier_id = parse_text(raw.get("dossier_id"))
        if dossier_id and dossier_id in known:
            score = next(scores, None)
            if score is None or score.dossier_id != dossier_id:  # the file changed since it was read
                raise read.RegistryError(f"La feuille « {SCORES.sheet} » a changé pendant la lecture : relancez.")
            out.append((excel_row, score))
    return out


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
