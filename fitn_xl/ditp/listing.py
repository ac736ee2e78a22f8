"""The monthly list of laureates for the DITP, as plain values (fiche, « Quel suivi ? »).

One row per laureate decided on or before the month's end: amount financed (Montant accordé), beneficiary
collectivité, project end date, companies with the département of their head office, progress status (what the DITP
asks for); plus département, N° dossier, measure, title and decision date; and, as extras after those columns, what
was paid by the month's end (« Versements ») and what remains to pay. Pure: no file I/O.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.followup import latest_report
from ..core.model import Registry, Report
from ..schema import LAUREATE_STATUSES
from ..wording import of
from . import fmt

# Headers of the list (xlsx, docx and consolidation): a contract, in column order.
H_DEPARTMENT = "Département"
H_DOSSIER = "N° dossier"
H_MEASURE = "Mesure"
H_APPLICANT = "Collectivité porteuse"
H_TITLE = "Intitulé du projet"
H_DECIDED = "Date de décision"
H_AMOUNT = "Montant financé (€)"
H_END = "Date de fin du projet"
H_COMPANIES = "Entreprises (département du siège)"
H_PROGRESS = "État des lieux"
LIST_HEADERS: tuple[str, ...] = (
    H_DEPARTMENT, H_DOSSIER, H_MEASURE, H_APPLICANT, H_TITLE, H_DECIDED, H_AMOUNT, H_END, H_COMPANIES, H_PROGRESS,
)
# Extras after the DITP's columns (readers of the list, `fitn-xl consolidate` included, look at LIST_HEADERS only)
H_PAID = "Versé (€)"
H_REMAINING = "Reste à verser (€)"
EXTRA_HEADERS: tuple[str, ...] = (H_PAID, H_REMAINING)
AMOUNT_HEADERS = frozenset({H_AMOUNT, H_PAID, H_REMAINING})
DATE_HEADERS = frozenset({H_DECIDED, H_END})
NO_REPORT = "Pas encore d'état des lieux"
COMPANY_SEPARATOR = " ; "


class NoLaureateError(Exception):
    """No laureate was decided on or before the month's end; the message is French."""


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2021-06' -> Month(2021, 6); ValueError with a French message otherwise."""
        m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"« {text} » n'est pas un mois au format AAAA-MM")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        """'juin 2021'."""
        return fmt.month_label(self.year, self.month)

    @property
    def of_label(self) -> str:
        """'de juin 2021', 'd'avril 2021': « la liste d'avril 2021 »."""
        return of(self.label)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One laureate of the monthly list. `end` None = no end date known; `companies` '' = none declared."""

    department: str
    dossier_id: str
    measure: str
    applicant: str
    title: str
    decided_on: date
    amount: Decimal
    end: date | None
    companies: str
    progress: str
    paid: Decimal | None = None  # paid by the month's end (« Versements »); None when not known (a list read back)
    remaining: Decimal | None = None  # amount − paid

    def values(self) -> tuple:
        """Cell values in `LIST_HEADERS` order."""
        return (self.department, self.dossier_id, self.measure, self.applicant, self.title, self.decided_on,
                self.amount, self.end, self.companies, self.progress)

    def extra_values(self) -> tuple:
        """Cell values in `EXTRA_HEADERS` order."""
        return (self.paid, self.remaining)


def progress_text(report: Report | None) -> str:
    """'En cours – 40 % (état des lieux du 15/05/2021)', or « Pas encore d'état des lieux »."""
    if report is None:
        return NO_REPORT
    text = report.state or "État non précisé"
    if report.progress is not None:
        text += f" – {fmt.percent(report.progress)}"
    if report.date is not None:
        text += f" (état des lieux du {fmt.short_date(report.date)})"
    return text


def project_end(planned: date | None, reports: Iterable[Report]) -> date | None:
    """The revised end date of the most recent report giving one, else the planned end."""
    revised = [r for r in reports if r.revised_end is not None and r.date is not None]
    if revised:
        return max(revised, key=lambda r: r.date).revised_end
    return planned


def monthly_rows(registry: Registry, month: Month, skip: Iterable[str] = ()) -> list[ListRow]:
    """Laureates decided on or before the month's end, in registry order; reports dated after it are ignored.

    `skip`: dossier ids left out (dossiers with errors). Raises `NoLaureateError` when the list would be empty.
    """
    end = month.end
    skipped = set(skip)
    reports: dict[str, list[Report]] = defaultdict(list)
    for r in registry.reports:
        if r.date is not None and r.date <= end:
            reports[r.dossier_id].append(r)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for v in registry.payments:
        if v.date is not None and v.date <= end:
            paid[v.dossier_id] += v.amount
    companies: dict[str, list[str]] = defaultdict(list)
    for p in registry.providers:
        companies[p.dossier_id].append(f"{p.name} ({p.department})" if p.department else p.name)

    laureates = [a for a in registry.applications
                 if a.status in LAUREATE_STATUSES and a.dossier_id not in skipped and a.decided_on is not None]
    rows = [
        ListRow(
            department=registry.parameters.department,
            dossier_id=a.dossier_id,
            measure=a.measure,
            applicant=a.applicant,
            title=a.title,
            decided_on=a.decided_on,
            amount=a.granted if a.granted is not None else Decimal(0),
            end=project_end(a.planned_end, reports[a.dossier_id]),
            companies=COMPANY_SEPARATOR.join(companies[a.dossier_id]),
            progress=progress_text(latest_report(reports[a.dossier_id])),
            paid=paid.get(a.dossier_id, Decimal(0)),
            remaining=(a.granted if a.granted is not None else Decimal(0)) - paid.get(a.dossier_id, Decimal(0)),
        )
        for a in laureates
        if a.decided_on <= end
    ]
    if not rows:
        if laureates:
            first = min(a.decided_on for a in laureates)
            raise NoLaureateError(
                f"Aucun lauréat n'était décidé au {fmt.long_date(end)} : la première décision date du "
                f"{fmt.long_date(first)}. Aucune liste n'est produite pour {month.label}."
            )
        raise NoLaureateError(
            f"Le registre ne compte aucun lauréat (statut Lauréat, Conventionné ou Soldé avec une date de décision) "
            f"sans erreur : aucune liste n'est produite pour {month.label}."
        )
    return rows


def total(rows: Iterable[ListRow]) -> Decimal:
    return sum((r.amount for r in rows), Decimal(0))


def total_paid(rows: Iterable[ListRow]) -> Decimal:
    return sum((r.paid or Decimal(0) for r in rows), Decimal(0))


def total_remaining(rows: Iterable[ListRow]) -> Decimal:
    return sum((r.remaining or Decimal(0) for r in rows), Decimal(0))


@dataclass(frozen=True, slots=True)
class ListMeta:
    """What the list is about: département, month, who sends it."""

    department: str
    department_name: str
    month: Month
    service: str = ""
    recipient: str = ""
    generated_on: date | None = None

    @property
    def department_label(self) -> str:
        """'Puy-de-Dôme' ('63' when the name is not given)."""
        return self.department_name or self.department

    @property
    def stem(self) -> str:
        """File name stem, ASCII: 'liste-ditp_63_2021-06'."""
        code = re.sub(r"[^0-9A-Za-z]+", "-", self.department).strip("-") or "dep"
        return f"liste-ditp_{code}_{self.month}"
