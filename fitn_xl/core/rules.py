"""Rules of one dossier: spending, forfait, eligibility with named reasons, warnings, proposed amount.

Each rule paraphrases the clause of the fiche it implements. Inputs are core model values; nothing here reads
or writes a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..schema import APPLICANT_TYPES, LAUREATE_STATUSES, LICENCE, PERSONNE_MORALE, STRUCTURE_PILOTE
from . import countries
from .model import Application, Expense, ForfaitRule, Parameters, Provider
from .text import day, eur, number, percent

ZERO = Decimal(0)
CENT = Decimal("0.01")

# The 27 member states of the European Union (ISO 3166 alpha-2), and every code whose territory is in the EU: the
# member states, their outermost regions (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte, Saint-Martin, the
# Canaries; the Azores and Madeira read as PT) and the other EU territories (Åland, Ceuta and Melilla). From
# `countries.toml`, as the « Pays de l'éditeur » drop-down.
EU_MEMBER_STATES = countries.member_states()
EU_CODES = countries.eu_codes()


@dataclass(frozen=True, slots=True)
class Spending:
    """What the expense lines of one dossier add up to."""

    cost: Decimal  # sum of the lines when there are lines, else the declared total cost (0 when empty)
    lines_total: Decimal | None  # None when the dossier has no expense line
    excluded: Decimal
    excluded_categories: tuple[str, ...]
    eligible_cost: Decimal
    extra_eu_licences: Decimal
    extra_eu_share: Decimal | None  # None when the eligible cost is 0


MISSING_COUNTRY = "obligatoire pour une licence"  # message: a licence line without its publisher's country


def missing_country(category: str | None, country: str | None) -> bool:
    """Whether an expense line lacks its publisher's country while it needs one: a licence's country tells whether
    it counts among the « licences logicielles d'éditeurs extra-communautaires » (see `spending`)."""
    return category == LICENCE and not country


def spending(app: Application, expenses: Iterable[Expense], params: Parameters) -> Spending:
    """« Les achats d'équipements informatiques pour les agents sont exclus » and « les achats de licences
    logicielles d'éditeurs extra-communautaires ne sauraient représenter qu'une partie marginale »."""
    lines = list(expenses)
    if not lines:  # the declared cost, nothing excluded: the general case below, without its empty loops
        cost = app.total_cost or ZERO
        eligible_cost = cost - ZERO
        return Spending(cost, None, ZERO, (), eligible_cost, ZERO, ZERO / eligible_cost if eligible_cost > 0 else None)
    lines_total = sum((e.amount for e in lines), ZERO)
    cost = lines_total
    excluded_lines = [e for e in lines if e.category in params.excluded_categories]
    excluded = sum((e.amount for e in excluded_lines), ZERO)
    eligible_cost = cost - excluded
    extra_eu = sum(
        (
            e.amount
            for e in lines
            if e.category == LICENCE
            and e.category not in params.excluded_categories
            and e.publisher_country.upper() not in EU_CODES
        ),
        ZERO,
    )
    share = (extra_eu / eligible_cost) if eligible_cost > 0 else None
    return Spending(
        cost=cost,
        lines_total=lines_total,
        excluded=excluded,
        excluded_categories=tuple(sorted({e.category for e in excluded_lines})),
        eligible_cost=eligible_cost,
        extra_eu_licences=extra_eu,
        extra_eu_share=share,
    )


def forfait(app: Application, rules: Iterable[ForfaitRule]) -> Decimal | None:
    """3a — « il est fortement recommandé aux préfets de définir des forfaits de financement »: the first row of
    « Forfaits » matching the measure, the applicant type and the population (bounds inclusive). None = no
    forfait (no row matches, or the row has population bounds and the population is unknown)."""
    for rule in rules:
        if rule.measure != app.measure or rule.applicant_type != app.applicant_type:
            continue
        if rule.population_min is not None or rule.population_max is not None:
            if app.population is None:
                continue
            if rule.population_min is not None and app.population < rule.population_min:
                continue
            if rule.population_max is not None and app.population > rule.population_max:
                continue
        return rule.amount
    return None


def forfait_conflict(rule: ForfaitRule, earlier: Iterable[ForfaitRule]) -> int | None:
    """The index of the first of `earlier` rows that shadows `rule` with another amount: same measure and applicant
    type, population ranges sharing a population (bounds inclusive, an absent bound open). `forfait` takes the first
    matching row, so such a row would silently never apply to those populations; None when there is none."""
    lo, hi = rule.population_min, rule.population_max
    for i, other in enumerate(earlier):
        if (other.measure, other.applicant_type) != (rule.measure, rule.applicant_type) or other.amount == rule.amount:
            continue
        if (hi is None or other.population_min is None or other.population_min <= hi) and (
                lo is None or other.population_max is None or lo <= other.population_max):
            return i
    return None


def ineligibility(app: Application, params: Parameters) -> list[tuple[str, str]]:
    """« Quels critères d'éligibilité ? » — (code, named reason) per failed criterion (empty list = eligible). The
    codes (`REASON_CODES`) let documents word each reason their own way."""
    reasons: list[tuple[str, str]] = []
    # « le candidat est une collectivité, un groupement de collectivités, ou une personne morale dont les
    # financements ne proviennent que de collectivités locales »
    if not app.applicant_type:
        reasons.append(("type_missing", "Type de candidat : non renseigné"))
    elif app.applicant_type not in APPLICANT_TYPES:
        reasons.append(("type_unknown", f"Type de candidat : « {app.applicant_type} » n'est pas un type admis"))
    elif app.applicant_type == PERSONNE_MORALE and app.funded_by_authorities_only is not True:
        if app.funded_by_authorities_only is None:
            reasons.append(("funding_missing",
                            "Financement : financement exclusif par des collectivités non renseigné"))
        else:
            reasons.append(("funding_not_exclusive",
                            "Financement : la personne morale n'est pas financée exclusivement par des collectivités"))
    # « pour la partie de l'enveloppe destinée aux projets portés par les laboratoires d'innovation territoriale,
    # le candidat peut être l'entité qui pilote et/ou finance ces laboratoires »
    if app.applicant_type == STRUCTURE_PILOTE and app.measure != "3d":
        reasons.append(("pilot_not_3d",
                        "Type de candidat : une structure pilote de laboratoire d'innovation territoriale "
                        "ne peut candidater qu'à la mesure 3d"))
    # « Le projet est porté avec un engagement à un niveau décisionnel chez le candidat »
    if app.decision_commitment is not True:
        reasons.append(
            ("commitment_missing", "Engagement : engagement au niveau décisionnel non renseigné")
            if app.decision_commitment is None
            else ("commitment_no", "Engagement : pas d'engagement au niveau décisionnel")
        )
    # « Le projet est un projet de transformation, d'innovation ou de modernisation numérique »
    if app.digital_transformation is not True:
        reasons.append(
            ("nature_missing", "Nature du projet : projet de transformation numérique non renseigné")
            if app.digital_transformation is None
            else ("nature_no", "Nature du projet : pas un projet de transformation, d'innovation ou de modernisation "
                               "numérique")
        )
    # « Le projet donne des résultats tangibles avant fin 2022 »
    if app.planned_end is None:
        reasons.append(("end_missing", "Échéance : date de fin prévue non renseignée"))
    elif app.planned_end > params.results_deadline:
        reasons.append(("end_late",
                        f"Échéance : fin prévue le {day(app.planned_end)}, après le {day(params.results_deadline)}"))
    # « Le financement accordé peut atteindre 100% du coût du projet » — not more, and something is asked.
    if app.requested is None or app.requested <= 0:
        reasons.append(("requested_missing", "Montant : financement demandé nul ou non renseigné"))
    if app.total_cost is None or app.total_cost <= 0:
        reasons.append(("cost_missing", "Montant : coût global nul ou non renseigné"))
    if app.requested is not None and app.total_cost is not None and 0 < app.total_cost < app.requested:
        reasons.append(("requested_above_cost",
            f"Montant : financement demandé ({eur(app.requested)}) supérieur au coût global ({eur(app.total_cost)})"
        ))
    return reasons


REASON_CODES = ("type_missing", "type_unknown", "funding_missing", "funding_not_exclusive", "pilot_not_3d",
                "commitment_missing", "commitment_no", "nature_missing", "nature_no", "end_missing", "end_late",
                "requested_missing", "cost_missing", "requested_above_cost")


def ineligibility_reasons(app: Application, params: Parameters) -> list[str]:
    """« Quels critères d'éligibilité ? » — one named reason per failed criterion (empty list = eligible)."""
    return [label for _, label in ineligibility(app, params)]


def proposed_amount(
    app: Application, eligible: bool, flat_rate: Decimal | None, spent: Spending
) -> Decimal:
    """0 when ineligible; else min(forfait if any else requested, requested, eligible cost); for 3d also at most
    the collectivités' share (« Le financement des laboratoires ne devra porter que sur la part collectivités »)."""
    if not eligible or app.requested is None:
        return ZERO
    candidates = [app.requested, spent.eligible_cost]
    if flat_rate is not None:
        candidates.append(flat_rate)
    if app.measure == "3d" and app.authorities_share is not None:
        candidates.append(app.authorities_share)
    return max(ZERO, min(candidates)).quantize(CENT)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def warnings(
    app: Application,
    spent: Spending,
    providers: Iterable[Provider],
    params: Parameters,
    eligible: bool,
    proposed: Decimal,
) -> list[str]:
    """Non-blocking alerts of one dossier (the envelope alert is added by `compute`)."""
    out: list[str] = []
    # « L'enveloppe doit financer des projets numériques qui auront un effet concret sous 2 ans »
    if app.received_on and app.planned_end and app.planned_end > add_years(app.received_on, params.effect_within_years):
        out.append(
            f"Délai : fin prévue le {day(app.planned_end)}, plus de {params.effect_within_years} ans après "
            f"la réception (effet concret sous {params.effect_within_years} ans)"
        )
    # « licences logicielles d'éditeurs extra-communautaires […] partie marginale des financements »
    if spent.extra_eu_share is not None and spent.extra_eu_share > params.extra_eu_threshold:
        out.append(
            f"Licences hors UE : {percent(spent.extra_eu_share, 2)} du coût éligible, "
            f"au-dessus du seuil de {percent(params.extra_eu_threshold)}"
        )
    elif spent.extra_eu_share is None and spent.extra_eu_licences > 0:
        out.append(f"Licences hors UE : {eur(spent.extra_eu_licences)} pour un coût éligible nul")
    # « Les achats d'équipements informatiques pour les agents sont exclus »
    if spent.excluded > 0:
        out.append(f"Dépenses exclues : {eur(spent.excluded)} ({', '.join(spent.excluded_categories)})")
    # « destinée en priorité aux petites et moyennes collectivités territoriales »
    if app.population is not None and app.population > params.population_threshold:
        out.append(
            f"Population : {number(app.population)} habitants, au-dessus du seuil de "
            f"{number(params.population_threshold)}"
        )
    if spent.lines_total is not None and app.total_cost is not None and spent.lines_total != app.total_cost:
        out.append(
            f"Dépenses : le détail ({eur(spent.lines_total)}) ne correspond pas au coût global "
            f"déclaré ({eur(app.total_cost)})"
        )
    # 3a — « Localisation des entreprises prestataires (préférentiellement dans les territoires) »
    provs = list(providers)
    if app.measure == "3a" and provs and not any(p.department == params.department for p in provs):
        out.append(f"Prestataires : aucun prestataire dont le siège est dans le département ({params.department})")
    if app.granted is not None and app.granted > proposed:
        out.append(f"Montant accordé : {eur(app.granted)}, supérieur au montant proposé ({eur(proposed)})")
    if app.status in LAUREATE_STATUSES and not eligible:
        out.append(f"Statut : « {app.status} » alors que le dossier est inéligible")
    if app.measure == "3d" and app.authorities_share is None:
        out.append("Part collectivités : non renseignée, le plafond de la mesure 3d n'est pas appliqué")
    return out
