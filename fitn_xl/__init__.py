"""fitn-xl: registre Excel du guichet territorial FITN7 axe 3.

From Python: `fitn_xl.frames("registre.xlsx")` gives the registry as pandas DataFrames (`fitn_xl.book.frames`);
`fitn_xl.app` has every job of the command line (`app.recalc("registre.xlsx")`, …).
"""

from __future__ import annotations

__version__ = "0.1.0"


def frames(path):
    """The registry at `path` as one pandas DataFrame per input sheet, keyed by its French name, French headers,
    typed columns, « Candidatures » with every computed column (see `fitn_xl.book.frames.frames`)."""
    from .book.frames import frames as registry_frames  # pandas is loaded by the analysts' API only

    return registry_frames(path)
