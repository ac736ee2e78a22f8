"""E-mails of the DITP list and of follow-up reminders (stdlib `email`), and sending them by SMTP.

SMTP settings come from environment variables only, never from the workbook: FITN_SMTP_HOST, FITN_SMTP_PORT,
FITN_SMTP_SECURITY (starttls | ssl | none), FITN_SMTP_USER, FITN_SMTP_PASSWORD, FITN_SMTP_FROM.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from ..files import atomic_write_bytes
from ..typography import french

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
SUBJECT_PREFIX = "[FITN7 axe 3]"
SECURITIES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 30


class SmtpConfigError(Exception):
    """SMTP settings missing or wrong (French message)."""


class SendError(Exception):
    """The message could not be sent (French message). Nothing was sent: trying again is safe."""


NO_SENDER = ("Expéditeur non configuré : définissez la variable d'environnement FITN_SMTP_FROM (l'adresse du "
             "service, par exemple « modernisation@puy-de-dome.gouv.fr »).")
# The time zone of a préfecture, for the Date header (metropolitan France unless overseas).
TIME_ZONES = {"971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
              "974": "Indian/Reunion", "976": "Indian/Mayotte"}


def sender(display: str, env: Mapping[str, str] | None = None) -> str:
    """The From header: FITN_SMTP_FROM, named `display` (the issuing service) when it has no name of its own;
    '' when not configured (then a prepared .eml has no From: the mail program puts in the user's own address, and
    sending refuses). No address is ever made up."""
    env = os.environ if env is None else env
    configured = (env.get("FITN_SMTP_FROM") or "").strip()
    if not configured:
        return ""
    name, addr = parseaddr(configured)
    if name or not addr or not display:
        return configured
    return str(Address(display_name=display, addr_spec=addr))


def local_time(when: datetime | None, department: str = "") -> datetime:
    """`when` (the job's clock: naive = the machine's local time) in the préfecture's time zone."""
    when = (when or datetime.now()).astimezone()
    try:
        from zoneinfo import ZoneInfo

        return when.astimezone(ZoneInfo(TIME_ZONES.get((department or "").strip(), "Europe/Paris")))
    except Exception:  # no time zone database: the machine's own zone
        return when


def new_message(from_: str, to: str, subject: str, body: str, *, when: datetime | None = None,
                department: str = "") -> EmailMessage:
    """A draft e-mail; subject and body with French spacing (`fitn_xl.typography`), dated `when` (the job's
    clock) in the préfecture's time zone. `from_` '' leaves the From header out."""
    msg = EmailMessage(policy=policy.SMTP)
    if from_:
        msg["From"] = from_
    msg["To"] = to
    msg["Subject"] = french(subject)
    msg["Date"] = format_datetime(local_time(when, department))
    msg["Message-ID"] = make_msgid(domain="fitn-xl.local")
    msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft, ready to send
    msg.set_content(french(body))
    return msg


def attach(msg: EmailMessage, path: Path) -> None:
    kind = XLSX_TYPE if path.suffix.lower() == ".xlsx" else DOCX_TYPE if path.suffix.lower() == ".docx" else (
        "application", "octet-stream")
    msg.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)


def write_eml(path: Path, msg: EmailMessage) -> None:
    atomic_write_bytes(path, msg.as_bytes(policy=policy.SMTP))


# --- SMTP ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str = ""
    password: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        host = (env.get("FITN_SMTP_HOST") or "").strip()
        if not host:
            raise SmtpConfigError("Serveur SMTP non configuré : définissez la variable d'environnement FITN_SMTP_HOST "
                                  "(et FITN_SMTP_PORT, FITN_SMTP_SECURITY, FITN_SMTP_USER, FITN_SMTP_PASSWORD, "
                                  "FITN_SMTP_FROM).")
        security = (env.get("FITN_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITIES:
            raise SmtpConfigError(f"FITN_SMTP_SECURITY vaut « {security} » : valeurs possibles starttls, ssl ou "
                                  f"none.")
        port_text = (env.get("FITN_SMTP_PORT") or "").strip()
        try:
            port = int(port_text) if port_text else DEFAULT_PORTS[security]
        except ValueError:
            raise SmtpConfigError(f"FITN_SMTP_PORT vaut « {port_text} » : un numéro de port est attendu.") from None
        if not 0 < port < 65536:
            raise SmtpConfigError(f"FITN_SMTP_PORT vaut {port} : un port va de 1 à 65535.")
        user = env.get("FITN_SMTP_USER") or ""
        password = env.get("FITN_SMTP_PASSWORD") or ""
        if user and not password:
            raise SmtpConfigError("FITN_SMTP_USER est défini mais FITN_SMTP_PASSWORD est vide.")
        return cls(host, port, security, user, password)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _reply(code: int | None, text: bytes | str | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = (text or "").strip().replace("\n", " ")
    return f"{code} {text}".strip() if code else text


def send(msg: EmailMessage, settings: SmtpSettings, context: ssl.SSLContext | None = None) -> None:
    """Send `msg` to its To address. Raises `SendError` (French) on any failure; then nothing was delivered."""
    where = settings.where
    if not msg["From"]:
        raise SendError(NO_SENDER)
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                                  context=context or ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context or ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password)
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"Authentification refusée par le serveur SMTP {where} "
                        f"({_reply(exc.smtp_code, exc.smtp_error)}) : vérifiez FITN_SMTP_USER et "
                        f"FITN_SMTP_PASSWORD.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        details = "; ".join(f"{addr} ({_reply(*reply)})" for addr, reply in exc.recipients.items())
        raise SendError(f"Destinataire refusé par le serveur SMTP {where} : {details}.") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"Expéditeur « {exc.sender} » refusé par le serveur SMTP {where} "
                        f"({_reply(exc.smtp_code, exc.smtp_error)}) : vérifiez FITN_SMTP_FROM.") from None
    except smtplib.SMTPNotSupportedError as exc:  # smtplib's own English text: said in French here
        if "AUTH" in str(exc):
            raise SendError(f"Le serveur SMTP {where} ne propose pas d'authentification : videz FITN_SMTP_USER et "
                            f"FITN_SMTP_PASSWORD, ou vérifiez FITN_SMTP_SECURITY (starttls, ssl ou none).") from None
        what = "le chiffrement STARTTLS" if "STARTTLS" in str(exc) else "cette opération"
        raise SendError(f"Le serveur SMTP {where} ne propose pas {what} : vérifiez "
                        f"FITN_SMTP_SECURITY (starttls, ssl ou none).") from None
    except smtplib.SMTPDataError as exc:
        raise SendError(f"Message refusé par le serveur SMTP {where} ({_reply(exc.smtp_code, exc.smtp_error)}).") \
            from None
    except smtplib.SMTPServerDisconnected as exc:
        raise SendError(f"Le serveur SMTP {where} a coupé la connexion ({exc or 'sans explication'}).") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"Le serveur SMTP {where} a répondu par une erreur "
                        f"({_reply(exc.smtp_code, exc.smtp_error)}).") from None
    except smtplib.SMTPException as exc:
        raise SendError(f"Échec de l'envoi par le serveur SMTP {where} : {exc}.") from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(f"Le certificat du serveur SMTP {where} n'est pas reconnu ({exc.verify_message or exc}) : "
                        f"si ce serveur utilise un certificat d'une autorité interne, indiquez le fichier de cette "
                        f"autorité (PEM) dans la variable d'environnement SSL_CERT_FILE ; vérifiez aussi "
                        f"FITN_SMTP_HOST (le nom doit être celui du certificat).") from None
    except ssl.SSLError as exc:
        raise SendError(f"Échec de la connexion chiffrée (TLS) avec {where} : {exc.reason or exc}. Vérifiez "
                        f"FITN_SMTP_SECURITY et FITN_SMTP_PORT.") from None
    except ConnectionRefusedError:
        raise SendError(f"Connexion refusée par {where} : aucun serveur SMTP n'écoute à cette adresse "
                        f"(vérifiez FITN_SMTP_HOST et FITN_SMTP_PORT).") from None
    except socket.gaierror:
        raise SendError(f"Serveur SMTP « {settings.host} » introuvable (nom inconnu) : vérifiez FITN_SMTP_HOST.") \
            from None
    except TimeoutError:
        raise SendError(f"Le serveur SMTP {where} ne répond pas (délai de {TIMEOUT} s dépassé).") from None
    except OSError as exc:
        raise SendError(f"Connexion impossible au serveur SMTP {where} : {exc.strerror or exc}.") from None
