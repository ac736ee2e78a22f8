"""Payments of a laureate's grant (« Versements »), by the convention's own rule: « une avance de 50 % à la
notification de la présente convention, puis le solde à l'achèvement du projet, sur présentation d'un état
récapitulatif des dépenses acquittées […] et d'un bilan du projet. Si les dépenses réalisées sont inférieures au coût
prévu, le solde est réduit à due proportion. »

What was paid and what remains, the alerts of a dossier's payments, and the next instalment to request. The
avance rate is the « Taux de l'avance » parameter; the planned cost is the dossier's eligible cost (the cost the grant
was computed on); the dépenses acquittées are typed with the final report (Suivi « Terminé »).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..schema import ADVANCE, BALANCE, FINISHED, LAUREATE_STATUSES
from .model import Application, Parameters, Payment, Report
from .text import day, eur, percent

ZERO = Decimal(0)
CENT = Decimal("0.01")
ADVANCE_WITHIN_DAYS = 30  # an avance still missing this many days after the convention's signature is flagged
SETTLED = "Soldé"


@dataclass(frozen=True, slots=True)
class PaymentState:
    """The payments of one dossier. `paid` is None for a dossier that is neither a laureate nor paid anything;
    `remaining` (Montant accordé − Versé) is None without a granted amount; `due` is the grant as the convention's
    rule makes it (the granted amount, reduced when the dépenses acquittées are below the planned cost)."""

    paid: Decimal | None
    remaining: Decimal | None
    due: Decimal | None
    warnings: tuple[str, ...] = ()


NO_PAYMENT = PaymentState(None, None, None)


def finished_reports(reports: Iterable[Report]) -> list[Report]:
    """The dated end-of-project reports (État « Terminé »), oldest first."""
    return sorted((r for r in reports if r.state == FINISHED and r.date is not None), key=lambda r: r.date)


def paid_expenses_of(reports: Iterable[Report]) -> Report | None:
    """The latest end-of-project report that gives the dépenses acquittées, None when there is none."""
    given = [r for r in finished_reports(reports) if r.paid_expenses is not None]
    return given[-1] if given else None


def due_amount(granted: Decimal | None, planned_cost: Decimal | None, paid_expenses: Decimal | None
               ) -> Decimal | None:
    """« Si les dépenses réalisées sont inférieures au coût prévu, le solde est réduit à due proportion »: the grant
    times dépenses acquittées / planned cost (to the cent) when they are below it, else the granted amount. None
    without a granted amount."""
    if granted is None:
        return None
    if paid_expenses is None or planned_cost is None or planned_cost <= 0 or paid_expenses >= planned_cost:
        return granted
    return (granted * paid_expenses / planned_cost).quantize(CENT, ROUND_HALF_UP)


def payment_state(app: Application, payments: Iterable[Payment], reports: Iterable[Report],
                  planned_cost: Decimal | None, params: Parameters, reference: date) -> PaymentState:
    """Versé, Reste à verser and the alerts of one dossier's payments at the `reference` date."""
    rows = list(payments)
    laureate = app.status in LAUREATE_STATUSES
    if not rows and not laureate:
        return NO_PAYMENT
    reports = list(reports)
    paid = sum((p.amount for p in rows), ZERO)
    granted = app.granted
    remaining = granted - paid if laureate and granted is not None else None
    final = paid_expenses_of(reports)
    due = due_amount(granted, planned_cost, final.paid_expenses if final else None)
    balances = sorted((p for p in rows if p.nature == BALANCE), key=lambda p: p.date or date.max)
    out: list[str] = []
    if not laureate:
        out.append(f"Versements : {eur(paid)} versés alors que le dossier n'est pas lauréat (statut « {app.status} »)")
        return PaymentState(paid, None, None, tuple(out))
    if granted is not None and paid > granted:
        out.append(f"Versements : {eur(paid)} versés, au-delà du montant accordé ({eur(granted)})")
    # « le solde à l'achèvement du projet, sur présentation […] d'un bilan du projet »
    finished = finished_reports(reports)
    for p in balances:
        if p.date is None:
            continue
        if not finished:
            out.append(f"Versements : solde versé le {day(p.date)} sans état des lieux final (Suivi « {FINISHED} »)")
        elif p.date < finished[0].date:
            out.append(f"Versements : solde versé le {day(p.date)}, avant l'état des lieux final (Suivi "
                       f"« {FINISHED} ») du {day(finished[0].date)}")
    if len(balances) > 1:
        out.append(f"Versements : {len(balances)} soldes enregistrés, un seul est attendu")
    # « une avance […] à la notification de la présente convention »
    signed = app.convention_signed_on
    if (signed is not None and params.advance_rate > 0 and not balances
            and not any(p.nature == ADVANCE for p in rows) and (reference - signed).days > ADVANCE_WITHIN_DAYS):
        out.append(f"Versements : pas d'avance versée {(reference - signed).days} jours après la signature de la "
                   f"convention ({day(signed)})")
    # « Si les dépenses réalisées sont inférieures au coût prévu, le solde est réduit à due proportion »
    if final is not None and due is not None and granted is not None and due < granted:
        basis = f"dépenses acquittées de {eur(final.paid_expenses)} pour un coût éligible prévu de {eur(planned_cost)}"
        if not balances:
            out.append(f"Solde : réduit à due proportion ({basis}) : subvention ramenée à {eur(due)}, solde de "
                       f"{eur(max(ZERO, due - paid))}")
        elif paid > due:
            out.append(f"Solde : {eur(paid)} versés pour {eur(due)} dus ({basis}) : trop-perçu de {eur(paid - due)}")
    if balances and remaining is not None and remaining > 0 and (due is None or paid <= due):
        out.append(f"Versements : solde versé, {eur(remaining)} non versés restent engagés (à désengager dans "
                   "Chorus)")
    if balances and app.status != SETTLED:
        out.append(f"Statut : solde versé, le dossier peut passer au statut « {SETTLED} »")
    if not balances and app.status == SETTLED:
        out.append(f"Statut : « {SETTLED} » sans solde dans la feuille « Versements »")
    return PaymentState(paid, remaining, due, tuple(out))


@dataclass(frozen=True, slots=True)
class Instalment:
    """The next payment to request for a laureate: an avance (`rate` of the grant) or the solde (what the
    convention's rule makes due, minus what was paid)."""

    nature: str  # ADVANCE or BALANCE
    amount: Decimal
    granted: Decimal
    paid: Decimal  # paid before this instalment
    due: Decimal  # the grant by the convention's rule (reduced or not)
    rate: Decimal | None = None  # the avance's share of the grant (Avance)
    planned_cost: Decimal | None = None  # Solde: the eligible cost planned
    paid_expenses: Decimal | None = None  # Solde: the dépenses acquittées of the final report
    final_report_on: date | None = None  # Solde: the date of that report
    signed_on: date | None = None

    @property
    def reduced(self) -> bool:
        return self.due < self.granted

    @property
    def paid_after(self) -> Decimal:
        return self.paid + self.amount

    @property
    def remaining_after(self) -> Decimal:
        """Montant accordé − Versé once this instalment is paid."""
        return self.granted - self.paid_after


class NoInstalment(ValueError):
    """No instalment can be requested now; the message is French and says why (and what to do)."""


def next_instalment(app: Application, payments: Iterable[Payment], reports: Iterable[Report],
                    planned_cost: Decimal | None, params: Parameters) -> Instalment:
    """The next instalment of a laureate by the convention's rule: the avance first (once the convention is
    signed), then the solde after the end-of-project report giving the dépenses acquittées. Raises `NoInstalment`
    when nothing can be requested."""
    if app.status not in LAUREATE_STATUSES:
        raise NoInstalment(f"le dossier n'est pas lauréat (statut « {app.status or 'non renseigné'} »)")
    if app.granted is None or app.granted <= 0:
        raise NoInstalment("le montant accordé n'est pas renseigné")
    rows = list(payments)
    reports = list(reports)
    granted = app.granted
    paid = sum((p.amount for p in rows), ZERO)
    balances = [p for p in rows if p.nature == BALANCE]
    if balances:
        when = max((p.date for p in balances if p.date), default=None)
        raise NoInstalment("le solde a déjà été versé" + (f" le {day(when)}" if when else "")
                           + " : plus rien n'est à verser")
    if paid >= granted:
        raise NoInstalment(f"le montant accordé ({eur(granted)}) est entièrement versé")
    if params.advance_rate > 0 and not any(p.nature == ADVANCE for p in rows):
        if app.convention_signed_on is None:
            raise NoInstalment("la « Date de signature de la convention » n'est pas renseignée (feuille "
                               "« Candidatures ») : l'avance est versée à la notification de la convention signée")
        amount = min((granted * params.advance_rate).quantize(CENT, ROUND_HALF_UP), granted - paid)
        return Instalment(ADVANCE, amount, granted, paid, granted, rate=params.advance_rate,
                          signed_on=app.convention_signed_on)
    finished = finished_reports(reports)
    if not finished:
        raise NoInstalment(f"le solde est versé à l'achèvement du projet, sur présentation du bilan : aucun état des "
                           f"lieux « {FINISHED} » dans la feuille « Suivi »")
    final = paid_expenses_of(reports)
    if final is None:
        raise NoInstalment(f"l'état des lieux final (Suivi « {FINISHED} » du {day(finished[-1].date)}) n'indique pas "
                           "les dépenses acquittées (colonne « Dépenses acquittées (€) ») : elles fixent le solde")
    due = due_amount(granted, planned_cost, final.paid_expenses)
    amount = due - paid
    if amount <= 0:
        raise NoInstalment(f"rien à verser pour le solde : {eur(paid)} déjà versés pour {eur(due)} dus au vu des "
                           f"dépenses acquittées ({eur(final.paid_expenses)})")
    return Instalment(BALANCE, amount, granted, paid, due, planned_cost=planned_cost,
                      paid_expenses=final.paid_expenses, final_report_on=final.date,
                      signed_on=app.convention_signed_on)


def advance_share(rate: Decimal) -> str:
    """'50 %'."""
    return percent(rate)


__all__ = [
    "ADVANCE_WITHIN_DAYS", "NO_PAYMENT", "Instalment", "NoInstalment", "PaymentState", "advance_share", "due_amount",
    "finished_reports", "next_instalment", "paid_expenses_of", "payment_state",
]
