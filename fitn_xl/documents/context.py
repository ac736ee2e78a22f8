"""The data a Word template sees for one dossier: `dossier_context(loaded, computation, dossier_id)`.

Field names are the core/schema attribute names (one name for one thing); word_templates/README.md lists them.
Values stay raw (Decimal euros, dates, lists) and templates format them with the French filters (`|eur`,
`|en_lettres`, `|date_longue`…). Text is cleaned of characters XML cannot hold; empty text is ''. The context holds
only plain values, so it can be sent to worker processes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from importlib.resources import files

from .. import schema
from ..authority import authority_for
from ..core.compute import LAB, Computation, envelope_of
from ..core.text import percent
from ..wording import collectivity, person
from .grounds import INELIGIBLE, refusal_ground
from .properties import DocumentProperties

# Rows of « Parametres » read by label (Parameters.extra), with the text used when a row is absent or empty.
EXTRA_PAYMENT_TERMS = "Modalités de versement"
EXTRA_SIGNATURE_PLACE = "Lieu de signature"
EXTRA_BUDGET_LINE = "Imputation budgétaire"
EXTRA_TEMPLATES_DIR = "Dossier des modèles Word"
_STATEMENT = ("sur présentation d'un état récapitulatif des dépenses acquittées certifié par le représentant du "
              "bénéficiaire et d'un bilan du projet")
_IN_TWO = ("La subvention est versée en deux fois : une avance de {share} à la notification de la présente "
           f"convention, puis le solde à l'achèvement du projet, {_STATEMENT}. Si les dépenses réalisées sont "
           "inférieures au coût prévu, le solde est réduit à due proportion.")
DEFAULT_PAYMENT_TERMS = _IN_TWO.format(share="50 %")  # the « Taux de l'avance » by default


def default_payment_terms(advance_rate: Decimal) -> str:
    """Article 4 when no « Modalités de versement » row is given, by the « Taux de l'avance » that `fitn-xl
    payments` applies: an avance of that share then the solde; none (0): one payment at the end; all (100 %): one
    payment at the notification."""
    if advance_rate <= 0:
        return (f"La subvention est versée en une fois, à l'achèvement du projet, {_STATEMENT}. Si les dépenses "
                "réalisées sont inférieures au coût prévu, la subvention est réduite à due proportion.")
    if advance_rate >= 1:
        return ("La subvention est versée en une fois, à la notification de la présente convention. Le bénéficiaire "
                "remet à l'achèvement du projet un état récapitulatif des dépenses acquittées certifié par son "
                "représentant et un bilan du projet ; si les dépenses réalisées sont inférieures au coût prévu, "
                "l'État demande le reversement de la part non justifiée.")
    return _IN_TWO.format(share=percent(advance_rate).replace("\u00a0", " "))


DEFAULT_SIGNATURE_PLACE = ""  # the town is known from the département (fitn_xl.authority): never a blank

KIND_TITLES = {
    "convention": "Convention attributive de subvention",
    "notification": "Notification de subvention",
    "refus": "Réponse à une demande de subvention",
    "demande-paiement": "Demande de mise en paiement",
}

# Control characters XML 1.0 cannot hold (tab and line feed are kept; \r becomes a line feed).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_text(value) -> str:
    """Text safe for a Word document: str, '' for None, line ends as \\n, no XML-forbidden character."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _XML_BAD.sub("", text)


@cache
def _department_names() -> dict[str, str]:
    try:
        text = files("fitn_xl.workbook").joinpath("departements.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            code, name = line.split("\t", 1)
            out[code.strip()] = name.strip()
    return out


def department_label(code: str) -> str:
    """'Puy-de-Dôme (63)', 'Hors France', '' for ''."""
    if not code or code == schema.ABROAD:
        return code
    name = _department_names().get(code)
    return f"{name} ({code})" if name else code


def extra_text(extra: dict, label: str, default: str = "") -> str:
    """A free row of « Parametres » (by its French label) as text; `default` when absent or empty."""
    value = extra.get(label)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value).strip()


def _value(v):
    if isinstance(v, str):
        return clean_text(v)
    return v


class _Index:
    """Per-registry lookups, built once per registry and computation (batches call dossier_context many times)."""

    _last: tuple | None = None

    def __init__(self, registry, computation: Computation):
        self.apps = {a.dossier_id: a for a in registry.applications}
        self.children: dict[str, dict[str, list]] = {"expenses": {}, "providers": {}, "reports": {}, "payments": {}}
        for name in self.children:
            for row in getattr(registry, name):
                self.children[name].setdefault(row.dossier_id, []).append(row)
        self.ranked: dict[str, int] = {}
        for a in registry.applications:
            if computation.results[a.dossier_id].rank is not None:
                self.ranked[a.measure] = self.ranked.get(a.measure, 0) + 1

    @classmethod
    def of(cls, registry, computation: Computation) -> _Index:
        last = cls._last
        if last is None or last[0] is not registry or last[1] is not computation:
            cls._last = last = (registry, computation, cls(registry, computation))
        return last[2]


def dossier_context(loaded, computation: Computation, dossier_id: str, *, kind: str = "convention",
                    today: date | None = None, now: datetime | None = None) -> dict:
    """Every field a template can use for `dossier_id` (see word_templates/README.md).

    `loaded` is a `LoadedRegistry` (or anything with `.registry`); `computation` is `core.compute(registry)`;
    `kind` is 'convention', 'notification' or 'refus' (sets `document_title`); `today` is the document date
    (default: today). Raises KeyError when the dossier is unknown.
    """
    registry = loaded.registry
    params = registry.parameters
    index = _Index.of(registry, computation)
    app = index.apps[dossier_id]
    result = computation.results[dossier_id]
    spending = result.spending

    ctx: dict = {c.attr: _value(getattr(app, c.attr)) for c in schema.APPLICATIONS.columns}
    ctx.update(
        measure_label=schema.MEASURE_LABELS.get(app.measure, ""),
        # computed columns (schema.APPLICATIONS.computed attrs)
        excluded=spending.excluded,
        eligible_cost=spending.eligible_cost,
        extra_eu_share=spending.extra_eu_share,
        forfait=result.forfait,
        eligible=result.eligible,
        reasons=[clean_text(r) for r in result.reasons],
        warnings=[clean_text(w) for w in result.warnings],
        proposed=result.proposed,
        score=result.scoring.average,
        rank=result.rank,
        late=result.late,
        max_disagreement=result.scoring.max_disagreement,
        suggested_location_score=result.suggested_location_score,
        paid=result.payments.paid,
        remaining=result.payments.remaining,
        # more from the rules
        spending_cost=spending.cost,
        excluded_categories=list(spending.excluded_categories),
        ranked_count=index.ranked.get(app.measure, 0),
        refused_as_ineligible=(not result.eligible) or app.status == "Inéligible",
    )
    envelope = computation.envelopes[envelope_of(app.measure)]
    ctx.update(
        envelope_label=("l'enveloppe régionale des projets avec un laboratoire d'innovation territoriale"
                        if envelope.name == LAB else "l'enveloppe départementale"),
        envelope_amount=envelope.amount,
        envelope_committed=envelope.committed,
        envelope_remaining=envelope.remaining,
    )
    # parameters (schema.PARAMETER_ROWS attrs) and free rows
    ctx.update({row.attr: _value(getattr(params, row.attr)) for row in schema.PARAMETER_ROWS})
    authority = authority_for(params, app.measure)
    brand_title, brand_of = authority.brand
    ctx.update(
        regional=authority.regional,
        prefect_title=brand_title,  # « PRÉFET » / « PRÉFÈTE », first line of the State's block
        prefect_of=authority.of,  # « du Puy-de-Dôme », « de la région Auvergne-Rhône-Alpes »
        represented_by=authority.prefect,  # « le préfet du Puy-de-Dôme », inside a sentence
        issuer=authority.issuer,  # « Préfecture du Puy-de-Dôme — Bureau … » (never empty)
        prefecture=authority.prefecture,
        service=authority.service_only,  # the instructing service of the measure ('' when not given)
        signatory=authority.signatory,  # the signature line, capitalised
        signature_place=authority.town,  # « Clermont-Ferrand », « Lyon » ('' when unknown: the text omits it)
        payment_terms=extra_text(params.extra, EXTRA_PAYMENT_TERMS, default_payment_terms(params.advance_rate)),
        budget_line=extra_text(params.extra, EXTRA_BUDGET_LINE),
    )
    who = person(clean_text(app.representative), clean_text(app.representative_role), app.civility)
    body = collectivity(clean_text(app.applicant), app.applicant_type)
    ctx.update(
        civility=who.civility,
        salutation=who.salutation,  # « Madame la Maire, »
        addressee_title=who.title,  # « Madame la Maire » (closing formula)
        addressee_lines=who.address_lines(body.name),
        representative_name=who.full_name,  # « Mme Hélène Bouchard » ('' when not given)
        representative_function=who.function,  # « Maire », « Directrice » (agreed with the civility)
        beneficiary_signature=who.signature,  # « Mme Hélène Bouchard, maire », « Le Maire », ''
        applicant_in_sentence=body.in_sentence,  # « la commune de Volvic »
        applicant_subject=body.subject,  # « La commune de Volvic »
        applicant_of=body.of,  # « de la commune de Volvic », « du département du Puy-de-Dôme »
        applicant_to=body.to,  # « à la commune de Volvic », « au département du Puy-de-Dôme »
        applicant_details=_details(app, body.name),  # « structure pilote …, SIREN 812345678 » ('' when nothing)
        represented=body.agree("représenté"),
        designated=body.agree("désigné"),
        laureate_word=body.agree("lauréat"),
    )
    ctx.update(ground_kind="", ground_text="", ground_points=[], ground_missing="")
    if kind == "refus":
        ground = refusal_ground(app, result, params, body, ranked_count=ctx["ranked_count"],
                                envelope_label=ctx["envelope_label"], envelope_amount=envelope.amount)
        ctx.update(ground_kind=ground.kind, ground_text=ground.text, ground_points=list(ground.points),
                   ground_missing=ground.missing, refused_as_ineligible=ground.kind == INELIGIBLE)
    ctx["missing"] = missing_fields(kind, app, authority, ctx)
    excluded_categories = params.excluded_categories
    ctx["expenses"] = [
        {**{c.attr: _value(getattr(e, c.attr)) for c in schema.EXPENSES.columns},
         "excluded": e.category in excluded_categories}
        for e in index.children["expenses"].get(dossier_id, ())
    ]
    ctx["providers"] = [
        {**{c.attr: _value(getattr(p, c.attr)) for c in schema.PROVIDERS.columns},
         "department_label": department_label(p.department)}
        for p in index.children["providers"].get(dossier_id, ())
    ]
    ctx["reports"] = [
        {c.attr: _value(getattr(r, c.attr)) for c in schema.REPORTS.columns}
        for r in index.children["reports"].get(dossier_id, ())
    ]
    ctx["payments"] = [
        {c.attr: _value(getattr(p, c.attr)) for c in schema.PAYMENTS.columns}
        for p in sorted(index.children["payments"].get(dossier_id, ()), key=lambda p: p.date or date.max)
    ]
    title = KIND_TITLES.get(kind, "")
    ctx.update(kind=kind, document_title=title, document_date=today or date.today())
    ctx["document_properties"] = DocumentProperties(
        author=authority.issuer, title=f"{title} — dossier n° {app.dossier_id}" if title else app.dossier_id,
        when=datetime.combine(ctx["document_date"], time(12, 0)) if now is None else now,
    ).as_dict()
    return ctx


_TYPE_IN_NAME = {"Commune": "commune", "Département": "département", "Région": "région", "Métropole": "métropole",
                 "Communauté de communes": "communauté de communes",
                 "Communauté d'agglomération": "communauté d'agglomération",
                 "Communauté urbaine": "communauté urbaine"}


def _details(app, name: str) -> str:
    """What the convention says of the applicant between parentheses, in prose: its type when its name does not
    already say it, and its identifier (« code INSEE 63318 », « SIREN 200069177 »)."""
    parts = []
    kind = app.applicant_type
    implied = _TYPE_IN_NAME.get(kind)
    if kind and not (implied and implied in name.lower()):
        parts.append(kind[:1].lower() + kind[1:])
    code = "".join(clean_text(app.insee_or_siren).split())
    if code:
        if len(code) == 9 and code.isdigit():
            parts.append(f"SIREN {code}")
        elif len(code) == 5 and (code[:2].isdigit() or code[:2] in ("2A", "2B")):
            parts.append(f"code INSEE {code}")
        else:
            parts.append(f"identifiant {code}")
    return ", ".join(parts)


# What each kind of document cannot do without: (attr, French header) of « Candidatures ».
REQUIRED_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "convention": (("granted", "Montant accordé (€)"), ("decided_on", "Date de décision")),
    "notification": (("granted", "Montant accordé (€)"), ("decided_on", "Date de décision")),
    "refus": (),
}


def missing_fields(kind: str, app, authority, ctx: dict) -> list[str]:
    """What must be filled in before this document can be written, in French, each naming its column or
    parameter; [] when nothing is missing. Optional fields left empty are worded around in the templates."""
    out = [f"la colonne « {header} »" for attr, header in REQUIRED_FIELDS.get(kind, ())
           if getattr(app, attr) in (None, "")]
    out += [f"le paramètre « {label} » (feuille « {schema.SHEET_PARAMETERS} »)" for label in authority.missing]
    if kind == "refus" and ctx.get("ground_missing"):
        out.append(f"la colonne {ctx['ground_missing']}")
    return out


def amount_of(ctx: dict) -> Decimal | None:
    """The amount a document is about: granted for a laureate, requested otherwise."""
    return ctx.get("granted") if ctx.get("granted") is not None else ctx.get("requested")


__all__ = [
    "DEFAULT_PAYMENT_TERMS", "DEFAULT_SIGNATURE_PLACE", "EXTRA_BUDGET_LINE", "EXTRA_PAYMENT_TERMS",
    "EXTRA_SIGNATURE_PLACE", "EXTRA_TEMPLATES_DIR", "KIND_TITLES", "REQUIRED_FIELDS", "amount_of", "clean_text",
    "default_payment_terms", "department_label", "dossier_context", "extra_text", "missing_fields",
]
