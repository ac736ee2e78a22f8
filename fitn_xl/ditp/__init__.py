"""The monthly list of laureates for the DITP (.xlsx, .docx, .eml), SMTP sending, reminders, consolidation."""

from .listing import LIST_HEADERS, ListRow, Month, NoLaureateError, monthly_rows
from .monthly import ListError, MonthlyListResult, build_monthly_list

__all__ = ["LIST_HEADERS", "ListError", "ListRow", "Month", "MonthlyListResult", "NoLaureateError",
           "build_monthly_list", "monthly_rows"]
