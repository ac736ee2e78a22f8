"""Writing the review into an existing registry through the patching layer of `fitn_xl.workbook.write`
(`XlsxPackage`): the computed columns of « Notation » and the data of the « Classement » sheet.

`write_review(pkg, loaded, computation)` is meant to be called by `recalc` before `pkg.save(tmp)`; it never
writes an input cell.
"""

from __future__ import annotations

from ..core.compute import Computation
from ..schema import SCORES
from ..workbook.cells import row_height, wrapped_lines
from .classement import (
    ENVELOPES_HEADERS,
    EVALUATORS_HEADERS,
    EVALUATORS_TABLE,
    MEASURES_HEADERS,
    RANKING_HEADERS,
    RANKING_TABLE,
    SHEET_CLASSEMENT,
    WRAPPED_HEADERS,
    envelope_cells,
    evaluator_cells,
    measure_cells,
    ranking_cells,
    review_of,
)
from .notation import notation_cells
from .sheet import ENVELOPES_AT, EVALUATORS_AT, MEASURES_AT, RANKING_AT, header_format


def write_notation(pkg, loaded, computation: Computation) -> int:
    """Fill « Mesure », « Critères de la grille », « Note /20 » of « Notation » (when the table has them); rows
    without a known dossier are cleared. Returns the number of rows written."""
    positions = loaded.header_columns.get(SCORES.name, {})
    computed = [(c.header, positions[c.header]) for c in SCORES.computed if c.header in positions]
    if not computed or SCORES.sheet not in pkg.sheet_parts:
        return 0
    cells = notation_cells(loaded, computation)
    table = pkg.tables().get(SCORES.name)
    first = (table.ref[0] if table is not None else 1) + 1
    last = max([loaded.last_rows.get(SCORES.name, first - 1), *(cells or [0]),
                table.ref[2] if table is not None else 0])
    sheet = pkg.sheet(SCORES.sheet)
    for r in range(first, last + 1):
        values = cells.get(r, {})
        row = {col: values.get(header) for header, col in computed}
        if sheet.row(r, create=False) is None and all(v is None for v in row.values()):
            continue
        sheet.set_row(r, row)
    return len(cells)


def _set_table_last_row(table, last_row: int) -> None:
    """Set a table's last row (grow or shrink), ref and autoFilter."""
    from ..workbook.xlsx import range_ref

    r0, c0, _, c1 = table.ref
    ref = range_ref(r0, c0, max(last_row, r0 + 1), c1)
    table.root.set("ref", ref)
    for child in table.root:
        if child.tag.endswith("}autoFilter"):
            child.set("ref", ref)


def write_classement(pkg, loaded, computation: Computation) -> int:
    """Rewrite the data of « Classement » (summaries, ranking, evaluators). A registry made before the sheet
    existed gets it added (values only, no Excel tables). Returns the number of ranking rows."""
    rv = review_of(loaded, computation)
    created = SHEET_CLASSEMENT not in pkg.sheet_parts
    sheet = pkg.add_sheet(SHEET_CLASSEMENT) if created else pkg.sheet(SHEET_CLASSEMENT)

    def styler(header: str):
        fmt, wrap = header_format(header) or "General", True if header in WRAPPED_HEADERS else None
        return lambda base: pkg.restyled(base, fmt, wrap)

    def put(at, headers, rows, header_row: bool):
        r0, c0 = at
        if header_row:
            sheet.set_row(r0, {c0 + j: h for j, h in enumerate(headers)})
        restyle = {c0 + j: styler(h) for j, h in enumerate(headers)}
        for i, rec in enumerate(rows, start=1):
            sheet.set_row(r0 + i, {c0 + j: rec.get(h) for j, h in enumerate(headers)}, restyle=restyle)

    put(MEASURES_AT, MEASURES_HEADERS, measure_cells(rv), created)
    put(ENVELOPES_AT, ENVELOPES_HEADERS, envelope_cells(rv), created)

    ranking, evaluators = ranking_cells(rv), evaluator_cells(rv)
    r0 = RANKING_AT[0]
    cols = {RANKING_AT[1] + j: h for j, h in enumerate(RANKING_HEADERS)}
    cols.update({EVALUATORS_AT[1] + j: h for j, h in enumerate(EVALUATORS_HEADERS)})
    styles = {c: sheet.style_of(r0 + 1, c) for c in cols}  # the first data row is the style model
    width = max(cols)
    rows = []
    for i in range(max(len(ranking), len(evaluators), 1)):
        line: list[object] = [None] * width
        for c, h in cols.items():
            source = ranking if c < EVALUATORS_AT[1] else evaluators
            line[c - 1] = source[i].get(h) if i < len(source) else None
        rows.append(line)
    if created:
        sheet.set_row(r0, dict(cols.items()))
    sheet.replace_data(rows, start_row=r0 + 1, styles=styles, restyle={c: styler(h) for c, h in cols.items()})
    wrapped = [(c, h, sheet.col_widths.get(c, 13)) for c, h in cols.items() if h in WRAPPED_HEADERS]
    for i, line in enumerate(rows):
        lines = max((wrapped_lines(line[c - 1], width) for c, _, width in wrapped), default=1)
        if lines > 1:
            sheet.set_row_height(r0 + 1 + i, row_height(lines))
    tables = pkg.tables()
    for name, n in ((RANKING_TABLE, len(ranking)), (EVALUATORS_TABLE, len(evaluators))):
        if name in tables and tables[name].sheet == SHEET_CLASSEMENT:
            _set_table_last_row(pkg.table(name), r0 + max(n, 1))
    return len(ranking)


def write_review(pkg, loaded, computation: Computation) -> None:
    """Both of the above: the hook for `fitn_xl.workbook.write.recalc`."""
    write_notation(pkg, loaded, computation)
    write_classement(pkg, loaded, computation)
