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

from ..files import atomic_write_bytes, os_reason
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
    """The message could not be sent (French message). Nothing was sent, trying again is safe, unless `uncertain`:
    the connection broke while the server was receiving the message, which may have been delivered."""

    def __init__(self, message: str, uncertain: bool = False):
        super().__init__(message)
        self.uncertain = uncertain


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


# OpenSSL's verification messages (English) said in French
_CERT_REASONS = {
    "self-signed certificate": "certificat auto-signé",
    "self-signed certificate in certificate chain": "certificat auto-signé dans la chaîne",
    "certificate has expired": "certificat expiré",
    "certificate is not yet valid": "certificat pas encore valide",
    "unable to get local issuer certificate": "autorité de certification inconnue",
    "unable to verify the first certificate": "autorité de certification inconnue",
}


def _cert_reason(exc: ssl.SSLCertVerificationError) -> str:
    text = (exc.verify_message or "").strip()
    if text.startswith("Hostname mismatch"):
        return "le nom du serveur n'est pas celui du certificat"
    return _CERT_REASONS.get(text, "certificat refusé")


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or "timed out" in str(exc)


def send(msg: EmailMessage, settings: SmtpSettings, context: ssl.SSLContext | None = None) -> None:
    """Send `msg` to its To address. Raises `SendError` (French) when the message was not accepted; then nothing
    was delivered, unless `SendError.uncertain` (the connection broke during the transfer of the message itself).

    The message is sent once the server accepted it (250 after DATA): an error when closing the connection (QUIT)
    changes nothing and is not reported."""
    where = settings.where
    if not msg["From"]:
        raise SendError(NO_SENDER)
    smtp: smtplib.SMTP | None = None
    transferring = False  # the message itself is being transferred (DATA): a broken connection may have delivered it

    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                    context=context or ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        if settings.security == "starttls":
            smtp.starttls(context=context or ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password)
        data = smtp.data

        def tracked_data(message):
            nonlocal transferring
            transferring = True
            return data(message)

        smtp.data = tracked_data  # type: ignore[method-assign]  # smtplib's sendmail calls self.data
        smtp.send_message(msg)
        transferring = False
        try:  # accepted: whatever the server answers to QUIT, the message is sent
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
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
    except (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionResetError, BrokenPipeError) as exc:
        if transferring:
            raise SendError(f"La connexion avec le serveur SMTP {where} s'est interrompue pendant la transmission du "
                            "message, avant sa confirmation : il a peut-être été remis. Vérifiez auprès du "
                            "destinataire avant de l'envoyer de nouveau.", uncertain=True) from None
        if _timed_out(exc):
            raise SendError(f"Le serveur SMTP {where} ne répond pas (délai de {TIMEOUT} s dépassé) : vérifiez "
                            "FITN_SMTP_HOST, FITN_SMTP_PORT et FITN_SMTP_SECURITY, ou réessayez plus tard.") from None
        raise SendError(f"Le serveur SMTP {where} a coupé la connexion avant l'envoi du message : vérifiez "
                        "FITN_SMTP_SECURITY (starttls, ssl ou none) et FITN_SMTP_PORT, ou réessayez plus tard.") \
            from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"Le serveur SMTP {where} a répondu par une erreur "
                        f"({_reply(exc.smtp_code, exc.smtp_error)}).") from None
    except smtplib.SMTPException:
        raise SendError(f"Échec de l'envoi par le serveur SMTP {where} (réponse inattendue du serveur).") from None
    except ssl.SSLCertVerificationError as exc:
        raise SendError(f"Le certificat du serveur SMTP {where} n'est pas reconnu ({_cert_reason(exc)}) : "
                        f"si ce serveur utilise un certificat d'une autorité interne, indiquez le fichier de cette "
                        f"autorité (PEM) dans la variable d'environnement SSL_CERT_FILE ; vérifiez aussi "
                        f"FITN_SMTP_HOST (le nom doit être celui du certificat).") from None
    except ssl.SSLError as exc:
        code = f" (code {exc.reason})" if exc.reason else ""
        raise SendError(f"Échec de la connexion chiffrée (TLS) avec {where}{code}. Vérifiez "
                        f"FITN_SMTP_SECURITY et FITN_SMTP_PORT.") from None
    except ConnectionRefusedError:
        raise SendError(f"Connexion refusée par {where} : aucun serveur SMTP n'écoute à cette adresse "
                        f"(vérifiez FITN_SMTP_HOST et FITN_SMTP_PORT).") from None
    except socket.gaierror:
        raise SendError(f"Serveur SMTP « {settings.host} » introuvable (nom inconnu) : vérifiez FITN_SMTP_HOST.") \
            from None
    except OSError as exc:
        raise SendError(f"Connexion impossible au serveur SMTP {where} : {os_reason(exc)}.") from None
    finally:
        if smtp is not None:
            smtp.close()
