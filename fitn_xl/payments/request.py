"""The « demande de mise en paiement » of a laureate's next instalment: what its Word template sees, its file name
and its « Journal » row.

The instalment comes from the rules core (`fitn_xl.core.payments.next_instalment`: the avance once the convention
is signed, then the solde after the final report and its dépenses acquittées). The template is
`word_templates/demande-paiement.docx` (or the préfecture's copy, « Dossier des modèles Word »); its fields are the
convention's (`documents.context.dossier_context`) plus `instalment` and `legal_commitment`
(word_templates/README.md).
"""

from __future__ import annotations

from datetime import date, datetime

from .. import schema
from ..core.compute import Computation
from ..core.payments import Instalment
from ..core.text import eur
from ..documents.batch import safe_filename
from ..documents.context import clean_text, dossier_context

TEMPLATE_FILE = "demande-paiement.docx"
OPERATION = "Demande de mise en paiement"
KIND = "demande-paiement"
TITLE = "Demande de mise en paiement"
LABELS = {schema.ADVANCE: "avance", schema.INSTALMENT: "acompte", schema.BALANCE: "solde"}


def legal_commitment(loaded, dossier_id: str) -> str:
    """The « N° d'engagement juridique (Chorus) » of the dossier's payments (the latest one given), '' if none."""
    numbers = [p.legal_commitment for p in sorted(loaded.registry.payments, key=lambda p: p.date or date.min)
               if p.dossier_id == dossier_id and p.legal_commitment]
    return clean_text(numbers[-1]) if numbers else ""


def instalment_fields(instalment: Instalment) -> dict:
    """The `instalment` field of the template (word_templates/README.md)."""
    return {
        "nature": instalment.nature,
        "label": LABELS.get(instalment.nature, instalment.nature.lower()),
        "amount": instalment.amount,
        "rate": instalment.rate,
        "granted": instalment.granted,
        "paid": instalment.paid,
        "paid_after": instalment.paid_after,
        "remaining_after": instalment.remaining_after,
        "due": instalment.due,
        "reduced": instalment.reduced,
        "released": instalment.granted - instalment.due,
        "planned_cost": instalment.planned_cost,
        "paid_expenses": instalment.paid_expenses,
        "final_report_on": instalment.final_report_on,
    }


def payment_context(loaded, computation: Computation, dossier_id: str, instalment: Instalment,
                    today: date | None = None) -> dict:
    """Every field of the payment request's template for `dossier_id`."""
    ctx = dossier_context(loaded, computation, dossier_id, kind=KIND, today=today)
    ctx.update(document_title=TITLE, instalment=instalment_fields(instalment),
               legal_commitment=legal_commitment(loaded, dossier_id))
    return ctx


def request_filename(dossier_id: str, instalment: Instalment, applicant: str) -> str:
    """'{N° dossier}-demande-paiement-{avance|solde}-{collectivité}.docx', made safe and capped."""
    label = LABELS.get(instalment.nature, instalment.nature.lower())
    return safe_filename(f"{dossier_id}-{KIND}-{label}-{applicant}") + ".docx"


def journal_row(dossier_id: str, applicant: str, instalment: Instalment, file: str, sha256: str,
                when: datetime) -> dict[str, object]:
    """The « Journal » row of a payment request, keyed by `schema.JOURNAL` header; « Détail » starts with the
    nature (what `previous_requests` looks for)."""
    header = {c.attr: c.header for c in schema.JOURNAL.columns}
    return {header[k]: v for k, v in {
        "timestamp": when.replace(microsecond=0),
        "operation": OPERATION,
        "dossier_id": dossier_id,
        "month": "",
        "recipient": applicant,
        "count": 1,
        "amount": instalment.amount,
        "file": file,
        "sha256": sha256,
        "detail": f"{instalment.nature} — après paiement : versé {eur(instalment.paid_after)}, reste à verser "
                  f"{eur(instalment.remaining_after)}",
    }.items()}


def previous_requests(rows: list[tuple[int, dict[str, object]]], dossier_id: str, nature: str
                      ) -> list[tuple[int, dict[str, object]]]:
    """The « Journal » rows (Excel row, values by attr) of earlier requests of the same instalment."""
    return [(r, v) for r, v in rows
            if str(v.get("operation") or "").strip() == OPERATION
            and str(v.get("dossier_id") or "").strip() == dossier_id
            and str(v.get("detail") or "").strip().startswith(nature)]


__all__ = ["KIND", "OPERATION", "TEMPLATE_FILE", "instalment_fields", "journal_row", "legal_commitment",
           "payment_context", "previous_requests", "request_filename"]
