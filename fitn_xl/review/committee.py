"""The committee file: one Word document (docxtpl) with each envelope's ranking per measure, the envelope balance,
the evaluators' tendencies, and one *fiche d'instruction* per dossier awaiting a decision.

Dossiers with input errors stay in the rankings (flagged) so the envelope balance is complete, but get no fiche.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from ..authority import authority_for
from ..core.compute import LAB, Computation, envelope_of
from ..core.review import COMMITTED, ENVELOPE_LABELS, RANKED, Review, criteria_text
from ..core.scoring import evaluator_score
from ..core.text import eur as format_eur  # working document: whole euros, cents only when there are some
from ..documents import properties
from ..files import atomic_write_bytes
from ..formatting import long_date, short_date
from ..schema import MEASURE_LABELS, MEASURES, NO, PENDING_STATUSES, YES
from ..typography import french_docx, plural
from .classement import EXPLANATION, review_of
from .template import DEFAULT_PATH, build_committee_template

DASH = "—"


def fr_number(value: Decimal | int | None, places: int = 2) -> str:
    """'18,50', '−1,25' (French decimal comma); '—' for None."""
    if value is None:
        return DASH
    text = f"{Decimal(value):.{places}f}".replace(".", ",").replace("-", "\u2212")
    return text


def _score(value: Decimal | None) -> str:
    return DASH if value is None else format(value.normalize(), "f").replace(".", ",")


def _percent(share: Decimal | None) -> str:
    return DASH if share is None else f"{fr_number(share * 100, 1)}\u00a0%"


def committee_context(loaded, computation: Computation, rv: Review | None = None) -> dict:
    """Everything the template shows, as plain strings and lists (field names in README-comite.md)."""
    registry = loaded.registry
    params = registry.parameters
    rv = rv or review_of(loaded, computation)
    results = computation.results
    apps = {a.dossier_id: a for a in registry.applications}
    errors = loaded.dossiers_with_errors

    envelopes = []
    for name, summary in rv.envelopes.items():
        rows = [r for r in rv.rows if r.envelope == name]
        by_measure: dict[str, list] = defaultdict(list)
        for r in rows:
            if r.kind == COMMITTED:
                continue
            by_measure[r.measure].append(r)
        measures = []
        for m in MEASURES:
            if not by_measure.get(m):
                continue
            ordered = sorted(by_measure[m], key=lambda r: (r.rank is None, r.rank or 0))
            measures.append({
                "code": m,
                "libelle": MEASURE_LABELS[m],
                "dossiers": [{
                    "rang": DASH if r.rank is None else str(r.rank),
                    "numero": r.dossier_id,
                    "collectivite": r.applicant,
                    "intitule": r.title,
                    "note": fr_number(r.average),
                    "nb_notes": r.valid_count,
                    "nb_notes_texte": plural(r.valid_count, "note"),
                    "montant": format_eur(r.amount),
                    "position": DASH if r.position is None else str(r.position),
                    "cumul": DASH if r.cumulative is None else format_eur(r.cumulative),
                    "dans_enveloppe": (YES if r.fits else NO) if r.kind == RANKED else "Non noté",
                    "alertes": "\n".join(r.alerts),
                } for r in ordered],
            })
        envelopes.append({
            "libelle": "Enveloppe " + ENVELOPE_LABELS[name][0].lower() + ENVELOPE_LABELS[name][1:],
            "montant": format_eur(summary.amount),
            "engage": format_eur(summary.committed),
            "nb_laureats": sum(1 for r in rows if r.kind == COMMITTED),
            "nb_laureats_texte": plural(sum(1 for r in rows if r.kind == COMMITTED), "lauréat"),
            "autorite": authority_for(params, "3d" if name == LAB else "3a").issuer,
            "retenu": format_eur(summary.retained),
            "reste": format_eur(summary.remaining),
            "hors_enveloppe": format_eur(summary.not_retained),
            "mesures": measures,
        })

    pending = [a for a in registry.applications if a.status in PENDING_STATUSES]
    ineligibles = [{
        "numero": a.dossier_id, "mesure": a.measure, "collectivite": a.applicant,
        "motifs": "\n".join(results[a.dossier_id].reasons),
    } for a in pending if not results[a.dossier_id].eligible]

    scores = defaultdict(list)
    for s in registry.scores:
        scores[s.dossier_id].append(s)
    # Fiches: ranked dossiers in ranking order, then the unscored, then the ineligible pending ones.
    order = [r.dossier_id for r in rv.rows if r.kind != COMMITTED]
    order += [a.dossier_id for a in pending if a.dossier_id not in set(order)]
    alerts_of = {r.dossier_id: r.alerts for r in rv.rows}
    fiches = []
    for dossier_id in order:
        if dossier_id in errors:
            continue
        a, res = apps[dossier_id], results[dossier_id]
        criteria = params.criteria_of(a.measure)
        notes = []
        for s in scores.get(dossier_id, ()):
            values = " · ".join(
                f"{c.number} : {_score(s.criteria[c.number - 1]) if c.number - 1 < len(s.criteria) else DASH}"
                for c in criteria)
            notes.append({
                "evaluateur": s.evaluator,
                "criteres": "Conflit d'intérêts déclaré — note écartée" if s.conflict else values,
                "note": DASH if s.conflict else fr_number(evaluator_score(s, criteria)),
                "commentaire": s.comment,
            })
        sp = res.spending
        excluded = format_eur(sp.excluded)
        if sp.excluded_categories:
            excluded += f" ({', '.join(sp.excluded_categories)})"
        fiches.append({
            "numero": dossier_id,
            "mesure": a.measure,
            "mesure_libelle": MEASURE_LABELS.get(a.measure, ""),
            "statut": a.status,
            "collectivite": a.applicant,
            "type": a.applicant_type,
            "population": DASH if a.population is None else f"{a.population:,}".replace(",", "\u202f") + " habitants",
            "representant": ", ".join(x for x in (a.representative, a.representative_role) if x) or DASH,
            "intitule": a.title,
            "presentation": a.description or DASH,
            "recu": short_date(a.received_on) or DASH,
            "fin_prevue": short_date(a.planned_end) or DASH,
            "cout": format_eur(sp.cost),
            "exclues": excluded,
            "cout_eligible": format_eur(sp.eligible_cost),
            "part_hors_ue": _percent(sp.extra_eu_share),
            "demande": format_eur(a.requested) or DASH,
            "forfait": format_eur(res.forfait) or "Pas de forfait",
            "propose": format_eur(res.proposed),
            "eligible": YES if res.eligible else NO,
            "motifs": "\n".join(res.reasons) or DASH,
            "alertes": "\n".join(res.warnings) or DASH,
            "grille": criteria_text(criteria) or DASH,
            "note": fr_number(res.scoring.average),
            "nb_notes": res.scoring.valid_count,
            "notes_valides": plural(res.scoring.valid_count, "note valide", "notes valides"),
            "rang": DASH if res.rank is None else str(res.rank),
            "ecart": _score(res.scoring.max_disagreement),
            "notes": notes,
            "alertes_notation": "\n".join(x for x in alerts_of.get(dossier_id, ()) if not x.startswith("Hors ")),
            "enveloppe": ENVELOPE_LABELS[envelope_of(a.measure)],
            "autorite": authority_for(params, a.measure).issuer,
        })

    authority = authority_for(params, "3a")
    return {
        "departement": _department(params),
        "emetteur": authority.issuer,  # « Préfecture du Puy-de-Dôme — Bureau … », never a dangling dash
        "service": authority.service_only,
        "date": long_date(computation.reference_date),
        "explication": EXPLANATION.rsplit(" Feuille", 1)[0],
        "enveloppes": envelopes,
        "ineligibles": ineligibles,
        "evaluateurs": [{
            "nom": e.evaluator, "notes": e.scored, "comparees": e.compared, "conflits": e.conflicts,
            "ecart": fr_number(e.mean_deviation), "tendance": e.tendency or DASH,
        } for e in rv.evaluators],
        "fiches": fiches,
    }


def _department(params) -> str:
    from ..formatting import department_with_article

    return department_with_article(params.department, params.department_name) or params.department


def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def template_path() -> Path:
    """`word_templates/comite.docx` of the project (edited copies are used as they are); built on the fly when
    the file is missing (installed package)."""
    if DEFAULT_PATH.exists():
        return DEFAULT_PATH
    cache = Path(tempfile.gettempdir()) / "fitn-xl-comite.docx"
    return build_committee_template(cache)


def render_committee(context: dict, out: str | Path, template: str | Path | None = None,
                     when: datetime | None = None) -> Path:
    """Render the committee file to `out` atomically (temp file in the same folder, then `os.replace`), with French
    spacing, unbreakable dossier numbers and properties naming the issuing service."""
    out = Path(out)
    doc = DocxTemplate(str(template or template_path()))
    doc.render(context, jinja_env())
    properties.apply(doc.docx, properties.DocumentProperties(
        author=context.get("emetteur", ""), title=f"Comité de sélection — situation au {context.get('date', '')}",
        when=when))
    buf = BytesIO()
    doc.save(buf)
    ids = [d["numero"] for env in context["enveloppes"] for m in env["mesures"] for d in m["dossiers"]]
    ids += [d["numero"] for d in context["ineligibles"]] + [f["numero"] for f in context["fiches"]]
    atomic_write_bytes(out, french_docx(buf.getvalue(), sorted(set(ids), key=len, reverse=True)))
    return out
