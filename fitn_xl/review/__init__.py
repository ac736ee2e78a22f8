"""Managers' review: scoring sheet columns, the « Classement » sheet, the committee file.

Pure parts (`notation`, `classement`) import no I/O library beyond reading values; `sheet` uses openpyxl and
`committee` docxtpl.
"""

from .classement import SHEET_CLASSEMENT, classement_rows, review_of
from .notation import notation_cells

__all__ = ["SHEET_CLASSEMENT", "classement_rows", "notation_cells", "review_of"]
