"""The payments job: the « demande de mise en paiement » (Word) of a laureate's next instalment, recorded in the
« Journal ».

The instalment follows the convention's rule (`fitn_xl.core.payments`): the avance once the convention is signed,
then the solde after the final report (Suivi « Terminé ») and its dépenses acquittées, reduced to due proportion
when they fall short of the eligible cost. Nothing is written for a dossier with input errors, nor when nothing is
to be requested; a request already journaled for the same instalment is not made again without `force`. The
payment itself is recorded by the gestionnaire in « Versements » once Chorus has paid it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .. import schema
from ..core.payments import NoInstalment, next_instalment
from ..core.text import eur, percent
from ..documents.batch import templates_dir
from ..documents.render import RenderJob, render_documents
from ..payments.request import (
    OPERATION,
    TEMPLATE_FILE,
    journal_row,
    payment_context,
    previous_requests,
    request_filename,
)
from ..workbook.lock import registry_lock
from ..workbook.read import journal_rows
from ..workbook.write import check_writable
from .registry import journal_refusal, open_registry, record, report_skipped
from .result import ERROR, SYSTEM_CLOCK, Clock, Refused, Result, job


def _when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value or "").strip() or "date inconnue"


@job
def payments(registry: str | Path, dossier: str, output: str | Path, *, force: bool = False,
             clock: Clock = SYSTEM_CLOCK) -> Result:
    """The payment request of the next instalment of laureate `dossier`, written into `output` and journaled.

    The registry's lock is held from the reading (and the check of earlier requests in « Journal ») to this
    request's row: two requests of the same instalment at once give one document and one row."""
    with registry_lock(Path(registry)):
        return _payments(Path(registry), dossier, output, force, clock)


def _payments(registry: Path, dossier: str, output: str | Path, force: bool, clock: Clock) -> Result:
    dossier = (dossier or "").strip()
    loaded, computation = open_registry(registry, clock, blocking_refuses="de préparer une demande de mise en "
                                                                          "paiement")
    apps = {a.dossier_id: a for a in loaded.registry.applications}
    if dossier not in apps:
        raise Refused(f"Erreur : le dossier « {dossier} » est introuvable dans la feuille "
                      f"« {schema.SHEET_APPLICATIONS} ».")
    if dossier in loaded.dossiers_with_errors:
        result = Result()
        report_skipped(result, f"Erreur : le dossier {dossier} contient des erreurs de saisie ; corrigez-les avant "
                               "de demander un paiement :", dossier, loaded.issues, level=ERROR)
        result.fail()
        return result
    app = apps[dossier]
    reg = loaded.registry
    try:
        instalment = next_instalment(
            app, [p for p in reg.payments if p.dossier_id == dossier],
            [r for r in reg.reports if r.dossier_id == dossier],
            computation.results[dossier].spending.eligible_cost, reg.parameters)
    except NoInstalment as exc:
        raise Refused(f"Erreur : dossier {dossier} : aucune demande de mise en paiement possible, {exc}.") from None
    of_label = "de l'avance" if instalment.nature == schema.ADVANCE else "du solde"
    check_writable(registry, force)  # the journal row is written after the document: refuse now if it could not be
    earlier = previous_requests(journal_rows(registry), dossier, instalment.nature)
    refusal = journal_refusal(  # without its Journal row, the same instalment could be requested twice
        registry, [journal_row(dossier, app.applicant, instalment, "", "", clock.now())],
        "la demande ne pourrait pas être consignée", "Aucune demande n'est préparée",
        "une nouvelle demande du même versement ne serait pas refusée")
    if refusal:
        raise Refused(refusal)
    if earlier and not force:
        row, values = earlier[-1]
        raise Refused(f"Erreur : la demande de mise en paiement {of_label} du dossier {dossier} a déjà été préparée "
                      f"le {_when(values.get('timestamp'))} (feuille « {schema.SHEET_JOURNAL} », ligne {row}) et ce "
                      f"versement n'est pas encore dans la feuille « {schema.SHEET_PAYMENTS} ». Enregistrez-le une "
                      "fois payé, ou ajoutez --force pour préparer la demande de nouveau.")

    template_dir = templates_dir(reg.parameters, registry)
    template = template_dir / TEMPLATE_FILE
    if not template.is_file():
        raise Refused(f"Erreur : le modèle « {TEMPLATE_FILE} » est introuvable dans « {template_dir} ».")
    ctx = payment_context(loaded, computation, dossier, instalment, today=clock.today())
    [rendered] = render_documents([RenderJob(str(template), ctx, request_filename(dossier, instalment,
                                                                                    app.applicant))], output,
                                  workers=1)
    if rendered.path is None:
        raise Refused(f"Erreur : {rendered.error}")
    result = Result(files=[rendered.path])
    basis = (f"{percent(instalment.rate)} de {eur(instalment.granted)}" if instalment.nature == schema.ADVANCE
             else f"subvention {'ramenée à' if instalment.reduced else 'de'} {eur(instalment.due)}, "
                  f"{eur(instalment.paid)} déjà versés")
    result.info(f"Demande de mise en paiement {of_label} du dossier {dossier} ({app.applicant}) : "
                f"{eur(instalment.amount)} ({basis}).")
    result.info(f"  {rendered.path}")
    result.info(f"  Après ce paiement : versé {eur(instalment.paid_after)}, reste à verser "
                f"{eur(instalment.remaining_after)}.")
    if instalment.reduced:
        result.warn(f"Attention : dépenses acquittées ({eur(instalment.paid_expenses)}) inférieures au coût éligible "
                    f"prévu ({eur(instalment.planned_cost)}) : le solde est réduit à due proportion ; "
                    f"{eur(instalment.granted - instalment.due)} seront à désengager.")
    record(result, registry, [journal_row(dossier, app.applicant, instalment, rendered.path.name, rendered.sha256,
                                          clock.now())],
           force=force, now=clock.now(), done=f"Demande consignée dans la feuille « {schema.SHEET_JOURNAL} » du "
                                              f"registre ({OPERATION}).")
    result.info(f"Une fois le paiement fait dans Chorus, ajoutez-le à la feuille « {schema.SHEET_PAYMENTS} » (date, "
                f"{instalment.nature}, {eur(instalment.amount)}, N° d'engagement juridique).")
    return result
