"""`fitn-xl ditp REGISTRE.xlsx --mois AAAA-MM -o DOSSIER [--send] [--force]`: the monthly list for the DITP."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from ..ditp import fmt
from ..ditp.journal import OPERATION_SEND, previous_sends, send_row
from ..ditp.listing import Month
from ..ditp.mail import SendError, SmtpConfigError, SmtpSettings
from ..ditp.monthly import ListError, build_monthly_list, send_eml
from ..workbook.write import append_journal, check_not_open
from ._common import EXIT_DATA, EXIT_OK, EXIT_USAGE, print_dossier_issues


def run(args) -> int:
    registry = Path(args.registre)
    month = Month.parse(args.mois)
    settings = None
    if args.send:
        try:
            settings = SmtpSettings.from_env()
        except SmtpConfigError as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return EXIT_USAGE
        if registry.is_file():
            # the journal row is written after the send: refuse now if it could not be written then
            check_not_open(registry, force=args.force)
            sent = previous_sends(registry, month)
            if sent and not args.force:
                last = sent[-1]
                print(f"Erreur : la liste de {month.label} a déjà été envoyée ({last.timestamp}, à {last.recipient}"
                      f" ; feuille « Journal », ligne {last.row}). Ajoutez --force pour l'envoyer de nouveau.",
                      file=sys.stderr)
                return EXIT_DATA

    try:
        result = build_monthly_list(registry, args.mois, args.output)
    except ListError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_DATA
    for dossier in result.skipped_dossiers:
        print_dossier_issues(f"Dossier {dossier} écarté de la liste (erreurs de saisie) :", dossier, result.skipped)
    s = "s" if result.count > 1 else ""
    print(f"Liste de {month.label} : {result.count} lauréat{s}, {fmt.eur(result.total)}.")
    for path in (result.xlsx, result.docx, result.eml):
        print(f"  {path}")
    incomplete = EXIT_DATA if result.skipped_dossiers else EXIT_OK
    if settings is None:
        return incomplete
    if result.skipped_dossiers and not args.force:
        n = len(result.skipped_dossiers)
        print(f"Erreur : liste incomplète ({n} lauréat{'s' if n > 1 else ''} écarté{'s' if n > 1 else ''} pour "
              f"erreurs de saisie), elle n'est pas envoyée. Corrigez le registre, ou ajoutez --force pour "
              f"l'envoyer telle quelle.", file=sys.stderr)
        return EXIT_DATA

    try:
        send_eml(result.eml, settings)
    except SendError as exc:
        print(f"Erreur : envoi impossible. {exc}\nAucune ligne n'a été ajoutée au journal ; vous pouvez réessayer.",
              file=sys.stderr)
        return EXIT_DATA
    print(f"Courriel envoyé à {result.recipient}.")
    row = send_row(month, result.recipient, result.count, result.total, result.attachment_hashes(), datetime.now())
    try:
        append_journal(registry, [row], force=args.force)
    except Exception as exc:  # the mail is gone: say so plainly, whatever the journal problem is
        print(f"Attention : le courriel est parti, mais le journal du registre n'a pas pu être complété ({exc}). "
              f"Ajoutez à la main une ligne « {OPERATION_SEND} » pour le mois {month} dans la feuille "
              f"« Journal » avant tout nouvel envoi.", file=sys.stderr)
        return EXIT_DATA
    print("Envoi consigné dans la feuille « Journal » du registre.")
    return incomplete
