"""`build_monthly_list`: from a registry file to the month's .xlsx, .docx and ready-to-send .eml."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from ..authority import authority_for
from ..formatting import service_lines
from ..workbook.read import Issue, load_registry
from . import fmt
from .listing import ListMeta, ListRow, Month, NoLaureateError, monthly_rows, total
from .mail import SmtpSettings, attach, local_time, new_message, send, sender, write_eml
from .word import TemplateFieldError, write_list_docx
from .xlsx import write_list_xlsx


class ListError(Exception):
    """The list cannot be made (French message); no file was written."""


@dataclass
class MonthlyListResult:
    """What `build_monthly_list` wrote. `skipped`: problems of dossiers left out of the list (one per issue)."""

    month: Month
    xlsx: Path
    docx: Path
    eml: Path
    count: int
    total: Decimal
    recipient: str
    subject: str
    rows: list[ListRow] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)

    @property
    def skipped_dossiers(self) -> list[str]:
        return sorted({i.dossier_id for i in self.skipped if i.dossier_id})

    def attachment_hashes(self) -> dict[str, str]:
        """File name -> SHA-256 (hex) of the attached files, as they are on disk."""
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (self.xlsx, self.docx)}


def subject_for(meta: ListMeta) -> str:
    """'[FITN7 axe 3] Liste des lauréats – Puy-de-Dôme – juin 2021'."""
    return f"[FITN7 axe 3] Liste des lauréats – {meta.department_label} – {meta.month.label}"


def body_for(meta: ListMeta, rows: list[ListRow], files: list[Path]) -> str:
    n = len(rows)
    s = "s" if n > 1 else ""
    where = fmt.department_with_article(meta.department, meta.department_name) or f"du {meta.department}"
    lines = [
        "Madame, Monsieur,",
        "",
        "Veuillez trouver ci-joint la liste des projets lauréats du fonds de transformation numérique des "
        "collectivités territoriales (France Relance, axe 3 « guichets territoriaux ») pour le département "
        f"{where} ({meta.department}), arrêtée au {fmt.long_date(meta.month.end)}.",
        "",
        f"Elle compte {n} projet{s} lauréat{s}, pour un montant total financé par le Plan de relance de "
        f"{fmt.eur(total(rows))}.",
        "",
        "Pour chaque projet, la liste précise le montant financé, la collectivité porteuse, la date de fin du "
        "projet, les entreprises bénéficiaires de commandes (avec le département de leur siège social) et l'état "
        "des lieux du projet.",
        "",
        "Pièces jointes :",
        *(f"- {p.name}" for p in files),
        "",
        "Nous restons à votre disposition pour tout complément.",
        "",
        "Cordialement,",
        "",
        *service_lines(meta.service, where),  # the préfecture once, even if the service names it
        "",
    ]
    return "\n".join(lines)


def build_monthly_list(registry_path: str | Path, month: str, out_dir: str | Path, *, today: date | None = None,
                       template: Path | None = None, now: datetime | None = None) -> MonthlyListResult:
    """Write the month's list (.xlsx, .docx) and its e-mail (.eml) into `out_dir`; files named with the
    département and month, e.g. `liste-ditp_63_2021-06.xlsx`.

    `month` is 'AAAA-MM'. Dossiers with errors are left out (see `MonthlyListResult.skipped`). Raises
    `RegistryError` when the file is not a registry, `ListError` when the parameters have errors or no laureate
    was decided by the month's end (then no file is written).
    """
    try:
        the_month = Month.parse(month)
    except ValueError as exc:
        raise ListError(str(exc)) from None
    loaded = load_registry(registry_path)
    if loaded.blocking:
        problems = "\n".join(f"  {i}" for i in loaded.issues if i.blocking)
        raise ListError(f"Le registre a des erreurs qui empêchent de produire la liste :\n{problems}")
    registry = loaded.registry
    params = registry.parameters
    bad = loaded.dossiers_with_errors
    try:
        rows = monthly_rows(registry, the_month, skip=bad)
    except NoLaureateError as exc:
        raise ListError(str(exc)) from None
    meta = ListMeta(params.department, params.department_name, the_month, params.service, params.ditp_address,
                    today or date.today())

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, docx, eml = (out / f"{meta.stem}{ext}" for ext in (".xlsx", ".docx", ".eml"))
    write_list_xlsx(xlsx, rows, meta)
    try:
        write_list_docx(docx, rows, meta, template)
    except TemplateFieldError as exc:
        xlsx.unlink(missing_ok=True)
        raise ListError(str(exc)) from None
    subject = subject_for(meta)
    issuer = authority_for(params, "3a").issuer
    msg = new_message(sender(issuer), params.ditp_address, subject, body_for(meta, rows, [xlsx, docx]), when=now,
                      department=params.department)
    attach(msg, xlsx)
    attach(msg, docx)
    write_eml(eml, msg)
    skipped = [i for i in loaded.issues if i.dossier_id in bad]
    return MonthlyListResult(the_month, xlsx, docx, eml, len(rows), total(rows), params.ditp_address, subject,
                             rows, skipped)


def load_eml(path: Path) -> EmailMessage:
    return message_from_bytes(Path(path).read_bytes(), policy=policy.SMTP)  # type: ignore[return-value]


def send_eml(path: Path, settings: SmtpSettings, from_: str | None = None, *, when: datetime | None = None,
             department: str = "") -> EmailMessage:
    """Send the prepared .eml as it is on disk (the draft marker dropped, Date set to `when`, the job's clock, in
    the préfecture's time zone). Raises `SendError`."""
    msg = load_eml(path)
    del msg["X-Unsent"]
    del msg["Date"]
    msg["Date"] = format_datetime(local_time(when, department))
    if from_:
        del msg["From"]
        msg["From"] = from_
    send(msg, settings)
    return msg
