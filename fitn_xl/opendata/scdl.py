"""The rows of the SCDL « subventions » file (schema 2.1.1, `scdl-subventions-2.1.1-schema.json` beside this file),
one per laureate above the threshold, every field taken from the registry.

- nomAttribuant, idAttribuant: parameters « Nom de l'attribuant » (empty: « Préfecture du … ») and « SIRET de
  l'attribuant » (3d: their « … 3d » rows when given);
- dateConvention: « Date de signature de la convention »; referenceDecision: « N° dossier » (the internal reference
  of the decision's file);
- nomBeneficiaire, idBeneficiaire: « Collectivité », « SIRET du bénéficiaire » (rnaBeneficiaire stays empty: a
  collectivité has a SIRET);
- objet: « Intitulé du projet » (cut to 256 characters, with a warning); montant: « Montant accordé (€) »;
  nature: « aide en numéraire »;
- conditionsVersement: « unique » when paid (or planned) in one payment, else « échelonné » (avance, then solde);
- datesPeriodeVersement: the date of a single payment, else first payment / last payment (settled) or the
  expected end of the project;
- notificationUE: « non » (a grant to a collectivité is no State aid notified to the European Commission);
  pourcentageSubvention: 1.00 (a single beneficiary); idRAE, dispositifAide: empty.

Values are text as the CSV holds them (ISO dates, amounts with a point). A field left empty for a reason the user
can fix carries that reason in French (`SubsidyRow.reasons`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files

from .. import schema
from ..core.compute import Computation
from ..core.model import Application, Payment, Registry
from ..ditp.listing import project_end
from ..formatting import department_with_article

SCHEMA_FILE = "scdl-subventions-2.1.1-schema.json"
DEFAULT_THRESHOLD = Decimal(23_000)  # décret n° 2017-779: subsidies above 23 000 €
OBJECT_MAX = 256
NATURE = "aide en numéraire"
SINGLE, STAGGERED = "unique", "échelonné"
NOT_NOTIFIED = "non"
SINGLE_BENEFICIARY = "1.00"


@cache
def schema_descriptor() -> dict:
    """The official SCDL subventions schema (Table Schema JSON), as shipped in the package."""
    return json.loads(files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def field_names() -> list[str]:
    return [f["name"] for f in schema_descriptor()["fields"]]


P = schema.SHEET_PARAMETERS
A = schema.SHEET_APPLICATIONS
# field -> (sheet, column or parameter label) it comes from, for the messages
SOURCES: dict[str, tuple[str, str]] = {
    "nomAttribuant": (P, "Nom de l'attribuant"),
    "idAttribuant": (P, "SIRET de l'attribuant"),
    "dateConvention": (A, "Date de signature de la convention"),
    "referenceDecision": (A, schema.DOSSIER_ID),
    "nomBeneficiaire": (A, "Collectivité"),
    "idBeneficiaire": (A, "SIRET du bénéficiaire"),
    "rnaBeneficiaire": (A, "SIRET du bénéficiaire"),
    "objet": (A, "Intitulé du projet"),
    "montant": (A, "Montant accordé (€)"),
    "conditionsVersement": (schema.SHEET_PAYMENTS, "Nature (Avance, Acompte, Solde)"),
    "datesPeriodeVersement": (schema.SHEET_PAYMENTS, "Date"),
}


@dataclass
class SubsidyRow:
    """One line of the file: `values` by SCDL field name; `reasons` why a field is empty (French); `row` the
    dossier's Excel row in « Candidatures »."""

    dossier_id: str
    row: int | None
    values: dict[str, str]
    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def amount_text(value: Decimal) -> str:
    """'47800.20': a point, two decimals (the schema's number)."""
    return f"{value.quantize(Decimal('0.01')):f}"


def grantor(registry: Registry, measure: str) -> tuple[str, str, str, str]:
    """(name, SIRET, label of the name's parameter, label of the SIRET's parameter) of the attributing authority:
    for 3d the « … 3d » parameters when given, else the département's; an empty name is « Préfecture du … »."""
    p = registry.parameters
    name, siret, name_label, siret_label = p.grantor_name, p.grantor_siret, "Nom de l'attribuant", \
        "SIRET de l'attribuant"
    if measure == "3d":
        if p.grantor_name_3d:
            name, name_label = p.grantor_name_3d, "Nom de l'attribuant 3d"
        if p.grantor_siret_3d:
            siret, siret_label = p.grantor_siret_3d, "SIRET de l'attribuant 3d"
    name = (name or "").strip()
    if not name:
        of = department_with_article(p.department, p.department_name)
        name = f"Préfecture {of}" if of else ""
    return name, (siret or "").strip(), name_label, siret_label


def payment_terms(app: Application, payments: list[Payment], advance_rate: Decimal) -> str:
    """« unique » or « échelonné »: from the payments made, else from the convention's plan (an avance between 0
    and 100 % of the grant, then the solde)."""
    if len(payments) > 1:
        return STAGGERED
    if len(payments) == 1:
        p = payments[0]
        if p.nature == schema.BALANCE or (app.granted is not None and p.amount >= app.granted):
            return SINGLE
    return STAGGERED if 0 < advance_rate < 1 else SINGLE


def payment_period(app: Application, payments: list[Payment], reports: list, terms: str, remaining: Decimal | None
                   ) -> str:
    """« AAAA-MM-JJ » for a single payment that settled the grant; else « first/last »: the first payment, and the
    last one when the grant is settled (a solde paid, or nothing left to pay), otherwise the expected end of the
    project (the revised end of the latest report giving one, else the planned end) if it is later. '' without a
    dated payment."""
    dated = sorted(p.date for p in payments if p.date is not None)
    if not dated:
        return ""
    settled = any(p.nature == schema.BALANCE for p in payments) or (remaining is not None and remaining <= 0)
    if terms == SINGLE and len(dated) == 1 and settled:
        return dated[0].isoformat()
    end = dated[-1]
    if not settled:
        expected = project_end(app.planned_end, reports)
        if expected is not None and expected > end:
            end = expected
    return f"{dated[0].isoformat()}/{end.isoformat()}"


def in_scope(app: Application, threshold: Decimal) -> bool:
    """A laureate whose granted amount is above the threshold (a laureate without one is kept: it is reported)."""
    return app.status in schema.LAUREATE_STATUSES and (app.granted is None or app.granted > threshold)


def subsidy_rows(loaded, computation: Computation, threshold: Decimal = DEFAULT_THRESHOLD) -> list[SubsidyRow]:
    """The file's rows, in the registry's order: the laureates granted more than `threshold` euros."""
    registry: Registry = loaded.registry
    payments_of: dict[str, list[Payment]] = {}
    for p in registry.payments:
        payments_of.setdefault(p.dossier_id, []).append(p)
    reports_of: dict[str, list] = {}
    for r in registry.reports:
        reports_of.setdefault(r.dossier_id, []).append(r)
    rows = []
    for app in registry.applications:
        if not in_scope(app, threshold):
            continue
        payments = sorted(payments_of.get(app.dossier_id, []), key=lambda p: p.date or date.max)
        reports = reports_of.get(app.dossier_id, [])
        name, siret, name_label, siret_label = grantor(registry, app.measure)
        terms = payment_terms(app, payments, registry.parameters.advance_rate)
        result = computation.results.get(app.dossier_id)
        remaining = result.payments.remaining if result is not None else None
        title = " ".join((app.title or "").split())
        row = SubsidyRow(app.dossier_id, loaded.application_rows.get(app.dossier_id), {
            "nomAttribuant": name,
            "idAttribuant": siret,
            "dateConvention": app.convention_signed_on.isoformat() if app.convention_signed_on else "",
            "referenceDecision": app.dossier_id,
            "nomBeneficiaire": " ".join((app.applicant or "").split()),
            "idBeneficiaire": app.beneficiary_siret or "",
            "rnaBeneficiaire": "",
            "objet": title if len(title) <= OBJECT_MAX else title[: OBJECT_MAX - 1].rstrip() + "…",
            "montant": amount_text(app.granted) if app.granted is not None else "",
            "nature": NATURE,
            "conditionsVersement": terms,
            "datesPeriodeVersement": payment_period(app, payments, reports, terms, remaining),
            "idRAE": "",
            "notificationUE": NOT_NOTIFIED,
            "pourcentageSubvention": SINGLE_BENEFICIARY,
            "dispositifAide": "",
        })
        if len(title) > OBJECT_MAX:
            row.warnings.append(f"Dossier {app.dossier_id}, champ « objet » : l'intitulé du projet ({len(title)} "
                                f"caractères) est coupé à {OBJECT_MAX} caractères.")
        if not name:
            row.reasons["nomAttribuant"] = (f"le paramètre « {name_label} » n'est pas renseigné (feuille "
                                            f"« {P} »)")
        if not siret:
            row.reasons["idAttribuant"] = (f"le paramètre « {siret_label} » n'est pas renseigné (feuille « {P} ») : "
                                           "indiquez le SIRET de la préfecture")
        if not app.convention_signed_on:
            row.reasons["dateConvention"] = "la « Date de signature de la convention » n'est pas renseignée"
        if not app.beneficiary_siret:
            row.reasons["idBeneficiaire"] = "le « SIRET du bénéficiaire » n'est pas renseigné"
        if not payments:
            row.reasons["datesPeriodeVersement"] = ("aucun versement enregistré pour ce lauréat : saisissez au moins "
                                                    "l'avance versée")
        elif not row.values["datesPeriodeVersement"]:
            row.reasons["datesPeriodeVersement"] = "aucun versement daté pour ce lauréat"
        if app.granted is None:
            row.reasons["montant"] = "le « Montant accordé (€) » n'est pas renseigné"
        rows.append(row)
    return rows


def csv_text(rows: list[SubsidyRow]) -> str:
    """The CSV file as SCDL wants it: UTF-8, comma-separated, the schema's field names as header, in its order."""
    names = field_names()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.values.get(n, "") for n in names])
    return out.getvalue()


__all__ = ["DEFAULT_THRESHOLD", "SCHEMA_FILE", "SOURCES", "SubsidyRow", "csv_text", "field_names", "grantor",
           "in_scope", "payment_period", "payment_terms", "schema_descriptor", "subsidy_rows"]
