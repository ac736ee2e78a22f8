"""The registry's records as plain immutable values: one class per input sheet, plus the parameters.

Amounts are `Decimal` euros (None = cell left empty), dates are `datetime.date`, Oui/Non cells are `bool`
(None = empty), percentages are fractions (0.25 = 25 %). Names follow `fitn_xl.schema` (header -> attr).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Application:
    """One row of « Candidatures » (inputs only)."""

    dossier_id: str
    received_on: date | None = None
    measure: str = ""
    applicant: str = ""
    applicant_type: str = ""
    insee_or_siren: str = ""
    population: int | None = None
    funded_by_authorities_only: bool | None = None
    representative: str = ""
    representative_role: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    description: str = ""
    decision_commitment: bool | None = None
    digital_transformation: bool | None = None
    planned_end: date | None = None
    total_cost: Decimal | None = None
    requested: Decimal | None = None
    authorities_share: Decimal | None = None
    contract_mode: str = ""
    status: str = ""
    decided_on: date | None = None
    granted: Decimal | None = None
    civility: str = ""  # « M. » or « Mme » ('' = read from the representative's name)
    refusal_reason: str = ""  # a ground of `schema.REFUSAL_GROUNDS`, or the instructeur's own sentence
    ds_state: str = ""  # « État DS »: the dossier's state in Démarches Simplifiées ('' = not a DS dossier)
    ds_decided_on: date | None = None
    ds_motivation: str = ""
    ds_instructors: str = ""
    beneficiary_siret: str = ""
    convention_signed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Expense:
    """One row of « Dépenses ». `publisher_country` is an ISO 3166 alpha-2 code ('' = not given)."""

    dossier_id: str
    label: str = ""
    category: str = ""
    supplier: str = ""
    publisher_country: str = ""
    amount: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Provider:
    """One row of « Prestataires ». `department` is a code such as '63' or 'Hors France'."""

    dossier_id: str
    name: str = ""
    siret: str = ""
    department: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Score:
    """One evaluator's row of « Notation ». `criteria[i]` is the score of criterion i+1 (None = empty)."""

    dossier_id: str
    evaluator: str = ""
    conflict: bool | None = None
    criteria: tuple[Decimal | None, ...] = ()
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """One quarterly « état des lieux » of « Suivi ». `progress` is a fraction (0.5 = 50 %)."""

    dossier_id: str
    date: date | None = None
    state: str = ""
    progress: Decimal | None = None
    revised_end: date | None = None
    comment: str = ""
    paid_expenses: Decimal | None = None  # with the final report: the « état récapitulatif des dépenses acquittées »


@dataclass(frozen=True, slots=True)
class Payment:
    """One row of « Versements ». `nature` is Avance, Acompte or Solde (`schema.PAYMENT_NATURES`)."""

    dossier_id: str
    date: date | None = None
    nature: str = ""
    amount: Decimal = Decimal(0)
    legal_commitment: str = ""  # « N° d'engagement juridique (Chorus) »
    comment: str = ""


@dataclass(frozen=True, slots=True)
class ForfaitRule:
    """A row of « Forfaits »: bounds inclusive, None = no bound."""

    measure: str
    applicant_type: str
    amount: Decimal
    population_min: int | None = None
    population_max: int | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    """A row of « Grille »."""

    measure: str
    number: int
    name: str
    weight: Decimal = Decimal(1)
    max_score: Decimal = Decimal(5)


@dataclass(frozen=True)
class Parameters:
    """The « Paramètres » sheet. Defaults come from `defaults.toml` (see `fitn_xl.core.params`)."""

    department: str = ""
    department_name: str = ""
    service: str = ""
    signatory: str = ""
    envelope: Decimal = Decimal(0)
    envelope_3d: Decimal = Decimal(0)
    results_deadline: date = date(2022, 12, 31)
    extra_eu_threshold: Decimal = Decimal("0.10")
    population_threshold: int = 100_000
    ditp_address: str = ""
    reference_date: date | None = None  # None = today
    prefecture_town: str = ""  # '' = the chef-lieu of the département
    region: str = ""  # 3d: '' = the région of the département
    regional_prefect: str = ""
    sgar_service: str = ""
    sgar_signatory: str = ""
    sgar_town: str = ""
    grantor_name: str = ""  # the attributing authority, for the open data (SCDL)
    grantor_siret: str = ""
    grantor_name_3d: str = ""  # 3d: the préfecture de région ('' = the same as above)
    grantor_siret_3d: str = ""
    advance_rate: Decimal = Decimal("0.5")  # share of the grant paid as the avance
    effect_within_years: int = 2
    report_every_days: int = 92
    disagreement_threshold: Decimal = Decimal(2)
    forfaits: tuple[ForfaitRule, ...] = ()
    grid: tuple[Criterion, ...] = ()
    excluded_categories: frozenset[str] = frozenset()
    extra: dict[str, object] = field(default_factory=dict)  # rows of « Parametres » beyond the contract

    def criteria_of(self, measure: str) -> tuple[Criterion, ...]:
        return tuple(sorted((c for c in self.grid if c.measure == measure), key=lambda c: c.number))


@dataclass(frozen=True)
class Registry:
    """Everything the rules need: parameters and the input tables."""

    parameters: Parameters
    applications: tuple[Application, ...] = ()
    expenses: tuple[Expense, ...] = ()
    providers: tuple[Provider, ...] = ()
    scores: tuple[Score, ...] = ()
    reports: tuple[Report, ...] = ()
    payments: tuple[Payment, ...] = ()
