"""The monthly list as a Word document, rendered from `word_templates/liste-ditp.docx` with docxtpl.

Rendering uses a Jinja environment with `autoescape=True` (« Sport & Loisirs » survives) and `StrictUndefined`
(a field missing from the template's context is an error, never a silent blank).
"""

from __future__ import annotations

from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from ..documents import properties
from ..files import atomic_write_bytes
from ..formatting import service_lines
from ..typography import french_docx
from . import fmt
from .listing import COMPANY_SEPARATOR, ListMeta, ListRow, total, total_paid, total_remaining
from .template import TEMPLATE_PATH, template_bytes


class TemplateFieldError(Exception):
    """The Word template cannot be rendered (unknown field, broken tag); the message is French."""


def _name(source) -> str:
    return source.name if isinstance(source, Path) else TEMPLATE_PATH.name


def _issuer(meta: ListMeta) -> str:
    """« Préfecture du Puy-de-Dôme — Bureau … » (the préfecture once), « Préfecture du Puy-de-Dôme » alone."""
    where = fmt.department_with_article(meta.department, meta.department_name) or meta.department
    lines = service_lines(meta.service, where) if meta.service else [f"Préfecture {where}".strip()]
    return " — ".join(reversed(lines))


def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def context(rows: list[ListRow], meta: ListMeta) -> dict:
    """The template's fields (see word_templates/README-ditp.md): all text, already formatted in French."""
    return {
        "departement": meta.department,
        "nom_departement": meta.department_label,
        "mois": meta.month.label,
        "arrete_au": fmt.long_date(meta.month.end),
        "genere_le": fmt.long_date(meta.generated_on or date.today()),
        "service": _issuer(meta),
        "nombre": len(rows),
        "total": fmt.eur(total(rows)),
        "total_verse": fmt.eur(total_paid(rows)),
        "total_reste": fmt.eur(total_remaining(rows)),
        "lignes": [
            {
                "dossier": r.dossier_id,
                "mesure": r.measure,
                "collectivite": r.applicant,
                "intitule": r.title,
                "date_decision": fmt.short_date(r.decided_on),
                "montant": fmt.eur(r.amount),
                "date_fin": fmt.short_date(r.end) if r.end else "non précisée",
                "entreprises": "\n".join(r.companies.split(COMPANY_SEPARATOR)) if r.companies else "aucune déclarée",
                "etat": r.progress,
                "verse": fmt.eur(r.paid) if r.paid is not None else "",
                "reste": fmt.eur(r.remaining) if r.remaining is not None else "",
            }
            for r in rows
        ],
    }


def write_list_docx(path: Path, rows: list[ListRow], meta: ListMeta, template: Path | None = None) -> None:
    """Render the list atomically. `template` None = the project's template (built in memory if missing)."""
    if template is not None:
        source: Path | BytesIO = Path(template)
    elif TEMPLATE_PATH.is_file():
        source = TEMPLATE_PATH
    else:
        source = BytesIO(template_bytes())
    doc = DocxTemplate(source)
    try:
        doc.render(context(rows, meta), jinja_env())
        when = datetime.combine(meta.generated_on or date.today(), time(12, 0))
        properties.apply(doc.docx, properties.DocumentProperties(
            author=_issuer(meta), title=f"Liste des projets lauréats — {meta.month.label}", when=when))
    except jinja2.UndefinedError as exc:
        raise TemplateFieldError(f"Le modèle Word « {_name(source)} » utilise un champ inconnu ({exc}). Champs "
                                 f"disponibles : voir word_templates/README-ditp.md.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateFieldError(f"Le modèle Word « {_name(source)} » contient une balise invalide ({exc.message})."
                                 ) from None
    buf = BytesIO()
    doc.save(buf)
    atomic_write_bytes(path, french_docx(buf.getvalue(), [r.dossier_id for r in rows]))
