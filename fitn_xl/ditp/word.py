"""The monthly list as a Word document, rendered from `word_templates/liste-ditp.docx` with docxtpl.

Rendering uses a Jinja environment with `autoescape=True` (« Sport & Loisirs » survives) and `StrictUndefined`
(a field missing from the template's context is an error, never a silent blank).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from ..files import atomic_write
from . import fmt
from .listing import COMPANY_SEPARATOR, ListMeta, ListRow, total
from .template import TEMPLATE_PATH, template_bytes


class TemplateFieldError(Exception):
    """The Word template cannot be rendered (unknown field, broken tag); the message is French."""


def _name(source) -> str:
    return source.name if isinstance(source, Path) else TEMPLATE_PATH.name


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
        "service": meta.service or f"Préfecture – {meta.department_label}",
        "nombre": len(rows),
        "total": fmt.eur(total(rows)),
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
    except jinja2.UndefinedError as exc:
        raise TemplateFieldError(f"Le modèle Word « {_name(source)} » utilise un champ inconnu ({exc}). Champs "
                                 f"disponibles : voir word_templates/README-ditp.md.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateFieldError(f"Le modèle Word « {_name(source)} » contient une balise invalide ({exc.message})."
                                 ) from None
    atomic_write(path, doc.save)
