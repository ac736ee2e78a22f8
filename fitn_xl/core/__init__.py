"""The rules core: pure Python over `fitn_xl.core.model` values. Imports no openpyxl, xlwings nor docxtpl."""

from .compute import Computation, Envelope, Result, compute
from .model import (
    Application,
    Criterion,
    Expense,
    ForfaitRule,
    Parameters,
    Payment,
    Provider,
    Registry,
    Report,
    Score,
)
from .params import default_parameters, parameters_for

__all__ = [
    "Application", "Computation", "Criterion", "Envelope", "Expense", "ForfaitRule", "Parameters", "Payment",
    "Provider", "Registry", "Report", "Result", "Score", "compute", "default_parameters", "parameters_for",
]
