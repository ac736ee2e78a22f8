"""Quarterly follow-up of laureates: « un état des lieux au minimum trimestriel de l'avancement des projets »."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .model import Application, Report


def latest_report(reports: Iterable[Report]) -> Report | None:
    dated = [r for r in reports if r.date is not None]
    return max(dated, key=lambda r: r.date) if dated else None


def is_late(app: Application, reports: Iterable[Report], reference: date, every_days: int) -> bool | None:
    """A laureate is late when its latest report (or its decision, if none) is more than `every_days` days before
    `reference`. None when it cannot be told (no report and no decision date)."""
    last = latest_report(reports)
    since = last.date if last else app.decided_on
    if since is None:
        return None
    return (reference - since).days > every_days
