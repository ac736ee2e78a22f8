"""The DITP jobs: the monthly list of laureates (and its sending), and the follow-up reminders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..ditp import fmt
from ..ditp.journal import OPERATION_SEND, previous_sends, send_row
from ..ditp.listing import Month
from ..ditp.mail import NO_SENDER, SendError, SmtpConfigError, SmtpSettings, sender
from ..ditp.monthly import ListError, MonthlyListResult, build_monthly_list, send_eml
from ..ditp.reminders import build_reminders
from ..workbook.lock import registry_lock
from ..workbook.write import check_writable
from .registry import journal_refusal, record, refuse_unless_writable_format, report_skipped
from .result import EXIT_DATA, EXIT_USAGE, SYSTEM_CLOCK, Clock, Refused, Result, job


@dataclass
class DitpResult(Result):
    """`listing`: what was written (None when nothing was); `sent`: the e-mail left."""

    listing: MonthlyListResult | None = None
    sent: bool = False


@job
def ditp(registry: str | Path, month: str, output: str | Path, *, send: bool = False, force: bool = False,
         clock: Clock = SYSTEM_CLOCK, smtp: SmtpSettings | None = None) -> DitpResult:
    """The list of `month` ('AAAA-MM') as .xlsx, .docx and a ready-to-send .eml in `output`; with `send`, the
    e-mail sent by SMTP (`smtp`, else the FITN_SMTP_* environment) and recorded in « Journal ». A month already
    sent, or a list with dossiers left out, is not sent without `force`."""
    registry = Path(registry)
    try:
        the_month = Month.parse(month)
    except ValueError as exc:
        raise Refused(f"Erreur : {exc}", EXIT_USAGE) from None
    if not send:
        return _ditp(registry, the_month, output, False, force, clock, smtp)
    # a send is recorded in « Journal » (never twice the same month): the registry must be one fitn-xl can write
    refuse_unless_writable_format(registry, "garder la trace de l'envoi (feuille « Journal »)")
    if smtp is None:
        try:
            smtp = SmtpSettings.from_env()
        except SmtpConfigError as exc:
            raise Refused(f"Erreur : {exc}", EXIT_USAGE) from None
    if not sender(""):
        raise Refused(f"Erreur : {NO_SENDER}", EXIT_USAGE)
    # The registry's lock is held from the check of previous sends to the « Journal » row of this one: another
    # `ditp --send` waits and then finds this send; a `recalc` cannot replace the file from a copy read before it.
    with registry_lock(registry):
        return _ditp(registry, the_month, output, True, force, clock, smtp)


def _ditp(registry: Path, the_month: Month, output: str | Path, send: bool, force: bool, clock: Clock,
          smtp: SmtpSettings | None) -> DitpResult:
    if send and registry.is_file():
        # the journal row is written after the send: refuse now if it could not be written then
        check_writable(registry, force=force)
        sent = previous_sends(registry, the_month)
        if sent and not force:
            last = sent[-1]
            if last.uncertain:
                raise Refused(f"Erreur : la liste {the_month.of_label} a peut-être déjà été envoyée : l'envoi du "
                              f"{last.timestamp} à {last.recipient} a été interrompu pendant la transmission (feuille "
                              f"« Journal », ligne {last.row}). Vérifiez auprès du destinataire qu'elle n'est pas "
                              "arrivée, puis ajoutez --force pour l'envoyer de nouveau.")
            raise Refused(f"Erreur : la liste {the_month.of_label} a déjà été envoyée ({last.timestamp}, à "
                          f"{last.recipient} ; feuille « Journal », ligne {last.row}). Ajoutez --force pour "
                          "l'envoyer de nouveau.")
    try:
        listing = build_monthly_list(registry, str(the_month), output, today=clock.today(), now=clock.now())
    except ListError as exc:
        raise Refused(f"Erreur : {exc}") from None
    result = DitpResult(files=[listing.xlsx, listing.docx, listing.eml])
    result.listing = listing
    for dossier in listing.skipped_dossiers:
        report_skipped(result, f"Dossier {dossier} écarté de la liste (erreurs de saisie) :", dossier, listing.skipped)
    s = "s" if listing.count > 1 else ""
    result.info(f"Liste {the_month.of_label} : {listing.count} lauréat{s}, {fmt.eur(listing.total)}.")
    for path in result.files:
        result.info(f"  {path}")
    if listing.skipped_dossiers:
        result.fail(EXIT_DATA)
    if not send:
        return result
    if listing.skipped_dossiers and not force:
        n = len(listing.skipped_dossiers)
        result.error(f"Erreur : liste incomplète ({n} lauréat{'s' if n > 1 else ''} écarté{'s' if n > 1 else ''} "
                     "pour erreurs de saisie), elle n'est pas envoyée. Corrigez le registre, ou ajoutez --force pour "
                     "l'envoyer telle quelle.")
        return result
    probe = send_row(the_month, listing.recipient, listing.count, listing.total, listing.attachment_hashes(),
                     clock.now())
    refusal = journal_refusal(registry, [probe], "l'envoi ne pourrait pas être consigné", "Rien n'a été envoyé")
    if refusal:
        result.error(refusal)
        return result
    try:
        send_eml(listing.eml, smtp, when=clock.now(), department=listing.rows[0].department if listing.rows else "")
    except SendError as exc:
        if not exc.uncertain:
            result.error(f"Erreur : envoi impossible. {exc}\nAucune ligne n'a été ajoutée au journal ; vous pouvez "
                         "réessayer.")
            return result
        # it may have arrived: journal it as uncertain, so that a new send is not made without --force
        result.error(f"Erreur : envoi incertain. {exc}")
        row = send_row(the_month, listing.recipient, listing.count, listing.total, listing.attachment_hashes(),
                       clock.now(), uncertain=True)
        record(result, registry, [row], force=force, now=clock.now(),
               done="Envoi incertain consigné dans la feuille « Journal » : un nouvel envoi demandera --force.",
               failed="Attention : l'envoi incertain n'a pas pu être consigné dans le journal du registre ({error}).")
        return result
    result.sent = True
    result.info(f"Courriel envoyé à {listing.recipient}.")
    row = send_row(the_month, listing.recipient, listing.count, listing.total, listing.attachment_hashes(),
                   clock.now())
    record(result, registry, [row], force=force, now=clock.now(),
           done="Envoi consigné dans la feuille « Journal » du registre.",
           failed="Attention : le courriel est parti, mais le journal du registre n'a pas pu être complété ({error}). "
                  f"Ajoutez à la main une ligne « {OPERATION_SEND} » pour le mois {the_month} dans la feuille "
                  "« Journal » avant tout nouvel envoi.")
    return result


@job
def relances(registry: str | Path, output: str | Path, *, clock: Clock = SYSTEM_CLOCK) -> Result:
    """One reminder e-mail (.eml) per laureate without an état des lieux for more than a quarter."""
    try:
        reminders = build_reminders(registry, output, today=clock.today(), now=clock.now())
    except ListError as exc:
        raise Refused(f"Erreur : {exc}") from None
    result = Result(files=list(reminders.written.values()))
    for dossier in reminders.skipped_dossiers:
        report_skipped(result, f"Dossier {dossier} en retard mais écarté (erreurs de saisie) :", dossier,
                       reminders.skipped)
    for issue in reminders.no_address:
        result.warn(f"Dossier {issue.dossier_id} en retard : {issue}")
    day = fmt.long_date(reminders.reference_date)
    n = len(reminders.written)
    if not n and not reminders.no_address and not reminders.skipped:
        result.info(f"Aucun lauréat en retard au {day} : aucune relance à préparer.")
        return result
    s = "s" if n > 1 else ""
    result.info(f"{n} relance{s} préparée{s} (lauréats sans état des lieux depuis plus d'un trimestre au {day}) :")
    for path in result.files:
        result.info(f"  {path}")
    return result
