"""All the rules over a whole registry: per-dossier results, ranks, envelopes, follow-up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..schema import LAUREATE_STATUSES, NO, PENDING_STATUSES, YES
from .ds import decision_alert, redeposit_alert, redeposits
from .followup import is_late
from .model import Application, Registry
from .payments import NO_PAYMENT, PaymentState, payment_state
from .rules import ZERO, Spending, forfait, ineligibility_reasons, proposed_amount, spending, warnings
from .scoring import DossierScore, disagreement_warnings, dossier_score, ranks, suggested_location_score
from .text import eur

DEPARTMENTAL, LAB = "départementale", "3d"  # the two envelopes: 3a–3c, and 3d (SGAR)


def envelope_of(measure: str) -> str:
    return LAB if measure == "3d" else DEPARTMENTAL


@dataclass(frozen=True, slots=True)
class Envelope:
    name: str  # DEPARTMENTAL or LAB
    amount: Decimal
    committed: Decimal  # granted to laureates
    proposed: Decimal  # proposed for eligible dossiers still pending a decision
    remaining: Decimal  # amount − committed
    paid: Decimal = ZERO  # paid to laureates (« Versements »)
    to_pay: Decimal = ZERO  # committed − paid: what remains to pay to laureates

    @property
    def exceeded(self) -> bool:
        return self.committed > self.amount


@dataclass(frozen=True, slots=True)
class Result:
    """Computed values of one dossier (the computed columns of « Candidatures »)."""

    dossier_id: str
    spending: Spending
    forfait: Decimal | None
    eligible: bool
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    proposed: Decimal
    scoring: DossierScore
    rank: int | None
    late: bool | None  # None for a dossier that is not a laureate
    suggested_location_score: Decimal | None
    payments: PaymentState = NO_PAYMENT

    def cells(self) -> dict[str, object]:
        """Computed column attr (see `schema.APPLICATIONS.computed`) -> cell value (str, Decimal, int or None)."""
        return {
            "excluded": self.spending.excluded,
            "eligible_cost": self.spending.eligible_cost,
            "extra_eu_share": self.spending.extra_eu_share,
            "forfait": self.forfait,
            "eligible": YES if self.eligible else NO,
            "reasons": "\n".join(self.reasons),
            "warnings": "\n".join(self.warnings),
            "proposed": self.proposed,
            "score": self.scoring.average,
            "rank": self.rank,
            "late": None if self.late is None else (YES if self.late else NO),
            "max_disagreement": self.scoring.max_disagreement,
            "suggested_location_score": self.suggested_location_score,
            "paid": self.payments.paid,
            "remaining": self.payments.remaining,
        }


@dataclass(frozen=True)
class Computation:
    reference_date: date
    results: dict[str, Result]  # by dossier_id, in the registry's order
    envelopes: dict[str, Envelope]  # by DEPARTMENTAL / LAB


def _group(rows, key="dossier_id") -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for r in rows:
        out[getattr(r, key)].append(r)
    return out


def granted_or_proposed(app: Application, proposed: Decimal) -> Decimal:
    return app.granted if app.granted is not None else proposed


def compute(registry: Registry, today: date | None = None) -> Computation:
    """Every rule for every dossier. `today` is used when the parameters leave « Date de référence » empty."""
    params = registry.parameters
    reference = params.reference_date or today or date.today()
    expenses, providers = _group(registry.expenses), _group(registry.providers)
    scores, reports = _group(registry.scores), _group(registry.reports)
    payments = _group(registry.payments)

    criteria_of = {m: params.criteria_of(m) for m in {a.measure for a in registry.applications}}
    # 3a — « Localisation des entreprises prestataires »: the criterion a suggested score is given for
    location_of = {m: next((c for c in cs if "localisation" in c.name.lower()), None) for m, cs in criteria_of.items()}

    redeposited = redeposits(registry.applications)
    partial: dict[str, dict] = {}
    for app in registry.applications:
        spent = spending(app, expenses.get(app.dossier_id, ()), params)
        flat = forfait(app, params.forfaits)
        reasons = ineligibility_reasons(app, params)
        eligible = not reasons
        proposed = proposed_amount(app, eligible, flat, spent)
        criteria = criteria_of[app.measure]
        scoring = dossier_score(scores.get(app.dossier_id, ()), criteria)
        suggestion = None
        if app.measure == "3a":
            location = location_of[app.measure]
            if location is not None:
                suggestion = suggested_location_score(
                    providers.get(app.dossier_id, ()), params.department, location.max_score
                )
        late = (
            is_late(app, reports.get(app.dossier_id, ()), reference, params.report_every_days)
            if app.status in LAUREATE_STATUSES
            else None
        )
        paying = payment_state(app, payments.get(app.dossier_id, ()), reports.get(app.dossier_id, ()),
                               spent.eligible_cost, params, reference)
        partial[app.dossier_id] = dict(
            app=app,
            spending=spent,
            forfait=flat,
            eligible=eligible,
            reasons=tuple(reasons),
            warnings=warnings(app, spent, providers.get(app.dossier_id, ()), params, eligible, proposed)
            + disagreement_warnings(scoring, criteria, params.disagreement_threshold) + list(paying.warnings),
            proposed=proposed,
            scoring=scoring,
            suggested=suggestion,
            late=late,
            payments=paying,
        )

    rank_of = ranks(
        (d, p["app"].measure, p["scoring"].average, p["app"].received_on)
        for d, p in partial.items()
        if p["eligible"] and p["scoring"].average is not None
    )

    envelopes = _envelopes(partial, params.envelope, params.envelope_3d)
    labels = {DEPARTMENTAL: "l'enveloppe départementale", LAB: "l'enveloppe 3d"}
    exceeded = {  # the same alert for every laureate of an exceeded envelope
        name: f"Enveloppe : engagements ({eur(env.committed)}) au-delà de {labels[name]} ({eur(env.amount)})"
        for name, env in envelopes.items()
        if env.exceeded
    }
    results: dict[str, Result] = {}
    for dossier_id, p in partial.items():
        app, extra = p["app"], []
        if dossier_id in redeposited:
            extra.append(redeposit_alert(redeposited[dossier_id]))
        ds_alert = decision_alert(app)
        if ds_alert:
            extra.append(ds_alert)
        name = envelope_of(app.measure)
        env = envelopes[name]
        if app.status in LAUREATE_STATUSES and env.exceeded:
            extra.append(exceeded[name])
        elif app.status in PENDING_STATUSES and p["eligible"] and p["proposed"] > env.remaining:
            extra.append(
                f"Enveloppe : montant proposé ({eur(p['proposed'])}) au-delà du reste de {labels[name]} "
                f"({eur(env.remaining)})"
            )
        results[dossier_id] = Result(
            dossier_id=dossier_id,
            spending=p["spending"],
            forfait=p["forfait"],
            eligible=p["eligible"],
            reasons=p["reasons"],
            warnings=tuple(p["warnings"]) + tuple(extra),
            proposed=p["proposed"],
            scoring=p["scoring"],
            rank=rank_of.get(dossier_id),
            late=p["late"],
            suggested_location_score=p["suggested"],
            payments=p["payments"],
        )
    return Computation(reference, results, envelopes)


def _envelopes(partial: dict[str, dict], departmental: Decimal, lab: Decimal) -> dict[str, Envelope]:
    committed = {DEPARTMENTAL: ZERO, LAB: ZERO}
    pending = {DEPARTMENTAL: ZERO, LAB: ZERO}
    paid = {DEPARTMENTAL: ZERO, LAB: ZERO}
    for p in partial.values():
        app, name = p["app"], envelope_of(p["app"].measure)
        if app.status in LAUREATE_STATUSES:
            committed[name] += granted_or_proposed(app, p["proposed"])
            paid[name] += p["payments"].paid or ZERO
        elif app.status in PENDING_STATUSES and p["eligible"]:
            pending[name] += p["proposed"]
    amounts = {DEPARTMENTAL: departmental, LAB: lab}
    return {
        name: Envelope(name, amounts[name], committed[name], pending[name], amounts[name] - committed[name],
                       paid[name], committed[name] - paid[name])
        for name in (DEPARTMENTAL, LAB)
    }
