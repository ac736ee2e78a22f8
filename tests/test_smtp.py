"""`fitn-xl ditp --send` against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, failures, journal."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from python_calamine import CalamineWorkbook
from test_ditp_support import DITP, standard_registry
from tls_support import self_signed

from fitn_xl import schema
from fitn_xl.cli import main
from fitn_xl.ditp.journal import OPERATION_SEND
from fitn_xl.ditp.mail import SendError, SmtpConfigError, SmtpSettings, send
from fitn_xl.ditp.monthly import load_eml

MONTH = "2021-06"


class Recorder:
    def __init__(self, refuse_rcpt: bool = False):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt = refuse_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 Boîte inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    started = []

    def start(handler=None, **kwargs):
        handler = handler or Recorder()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return handler, controller.port

    yield start
    for c in started:
        c.stop()


@pytest.fixture
def env(monkeypatch):
    for name in ("FITN_SMTP_USER", "FITN_SMTP_PASSWORD", "FITN_SMTP_PORT", "FITN_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FITN_SMTP_SECURITY", "none")
    monkeypatch.setenv("FITN_SMTP_FROM", "Préfecture du Puy-de-Dôme <pref@puy-de-dome.gouv.fr>")

    def configure(port: int, **extra):
        monkeypatch.setenv("FITN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FITN_SMTP_PORT", str(port))
        for k, v in extra.items():
            monkeypatch.setenv(k, v)

    return configure


def journal_sends(path) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(schema.SHEET_JOURNAL).to_python()
    header = [str(h) for h in rows[0]]
    records = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    return [r for r in records if r.get("Opération") == OPERATION_SEND]


def ditp(registry, out, *extra) -> int:
    return main(["ditp", str(registry), "--mois", MONTH, "-o", str(out), "--send", *extra])


def test_send_delivers_both_attachments_and_records_the_journal(tmp_path, smtp_server, env, capsys):
    registry = standard_registry(tmp_path / "registre.xlsx")
    handler, port = smtp_server()
    env(port)
    out = tmp_path / "out"
    assert ditp(registry, out) == 0, capsys.readouterr().err
    assert len(handler.messages) == 1
    mail_from, rcpts, raw = handler.messages[0]
    assert mail_from == "pref@puy-de-dome.gouv.fr" and rcpts == [DITP]
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "[FITN7 axe 3] Liste des lauréats – Puy-de-Dôme – juin 2021"
    assert msg["From"].addresses[0].display_name == "Préfecture du Puy-de-Dôme"
    assert "X-Unsent" not in msg
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".xlsx", ".docx")}
    received = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert received == files and len(files) == 2
    assert "47\u202f000,50\u00a0€" in msg.get_body(("plain",)).get_content()

    sends = journal_sends(registry)
    assert len(sends) == 1
    row = sends[0]
    assert row["Mois"] == MONTH and row["Destinataire"] == DITP and int(row["Nombre"]) == 3
    assert float(row["Montant (€)"]) == pytest.approx(47000.5)
    expected = [hashlib.sha256(files[name]).hexdigest() for name in row["Fichier"].split(" ; ")]
    assert row["SHA-256"].split(" ; ") == expected and len(expected) == 2


def test_second_send_refused_without_force(tmp_path, smtp_server, env, capsys):
    registry = standard_registry(tmp_path / "registre.xlsx")
    handler, port = smtp_server()
    env(port)
    assert ditp(registry, tmp_path / "out") == 0
    capsys.readouterr()
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "déjà été envoyée" in err and "--force" in err
    assert len(handler.messages) == 1 and len(journal_sends(registry)) == 1
    assert ditp(registry, tmp_path / "out", "--force") == 0
    assert len(handler.messages) == 2 and len(journal_sends(registry)) == 2
    # another month is not blocked
    assert main(["ditp", str(registry), "--mois", "2021-07", "-o", str(tmp_path / "o7"), "--send"]) == 0
    assert len(handler.messages) == 3


def test_refused_recipient_writes_no_journal_and_retry_works(tmp_path, smtp_server, env, capsys):
    registry = standard_registry(tmp_path / "registre.xlsx")
    refusing, port = smtp_server(Recorder(refuse_rcpt=True))
    env(port)
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "Destinataire refusé" in err and DITP in err and "550" in err and "réessayer" in err
    assert refusing.messages == [] and journal_sends(registry) == []
    accepting, port = smtp_server()
    env(port)
    assert ditp(registry, tmp_path / "out") == 0
    assert len(accepting.messages) == 1 and len(journal_sends(registry)) == 1


def test_closed_port_says_connection_refused(tmp_path, env, capsys):
    registry = standard_registry(tmp_path / "registre.xlsx")
    env(free_port())
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "Connexion refusée" in err and "Traceback" not in err
    assert journal_sends(registry) == []


def test_authentication_failure(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv("FITN_SMTP_FROM", "modernisation@puy-de-dome.gouv.fr")
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    handler, port = smtp_server(authenticator=authenticator, auth_require_tls=False)
    registry = standard_registry(tmp_path / "registre.xlsx")
    from fitn_xl.ditp import build_monthly_list

    result = build_monthly_list(registry, MONTH, tmp_path / "out")
    settings = SmtpSettings("127.0.0.1", port, "none", "agent", "mauvais")
    with pytest.raises(SendError, match="Authentification refusée.*FITN_SMTP_PASSWORD"):
        send(load_eml(result.eml), settings)
    assert handler.messages == []


def test_settings_come_from_the_environment_only():
    with pytest.raises(SmtpConfigError, match="FITN_SMTP_HOST"):
        SmtpSettings.from_env({})
    with pytest.raises(SmtpConfigError, match="starttls, ssl ou none"):
        SmtpSettings.from_env({"FITN_SMTP_HOST": "smtp.example.org", "FITN_SMTP_SECURITY": "tls"})
    s = SmtpSettings.from_env({"FITN_SMTP_HOST": "smtp.example.org", "FITN_SMTP_SECURITY": "ssl"})
    assert (s.port, s.security) == (465, "ssl")
    assert SmtpSettings.from_env({"FITN_SMTP_HOST": "h"}).port == 587


def test_missing_settings_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FITN_SMTP_HOST", raising=False)
    registry = standard_registry(tmp_path / "registre.xlsx")
    assert ditp(registry, tmp_path / "out") == 2
    assert "FITN_SMTP_HOST" in capsys.readouterr().err


def _server_context(tmp_path):
    import ssl

    certfile, keyfile = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return certfile, context


def _accept(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)

    return authenticator


def test_starttls_and_login_through_the_command(tmp_path, smtp_server, env, capsys):
    """A relay that requires STARTTLS before AUTH, with a certificate of an internal authority: trusted through
    SSL_CERT_FILE, as the error message tells the administrator."""
    certfile, context = _server_context(tmp_path)
    handler, port = smtp_server(tls_context=context, require_starttls=True, auth_required=True,
                                authenticator=_accept("agent", "secret"))
    env(port, FITN_SMTP_SECURITY="starttls", FITN_SMTP_USER="agent", FITN_SMTP_PASSWORD="secret",
        SSL_CERT_FILE=str(certfile))
    registry = standard_registry(tmp_path / "registre.xlsx")
    assert ditp(registry, tmp_path / "out") == 0, capsys.readouterr().err
    assert len(handler.messages) == 1 and handler.messages[0][1] == [DITP]
    assert len(journal_sends(registry)) == 1


def test_implicit_tls(tmp_path, smtp_server, monkeypatch):
    import ssl

    monkeypatch.setenv("FITN_SMTP_FROM", "modernisation@puy-de-dome.gouv.fr")
    certfile, context = _server_context(tmp_path)
    handler, port = smtp_server(ssl_context=context)
    from fitn_xl.ditp import build_monthly_list

    result = build_monthly_list(standard_registry(tmp_path / "registre.xlsx"), MONTH, tmp_path / "out")
    send(load_eml(result.eml), SmtpSettings("127.0.0.1", port, "ssl"), ssl.create_default_context(cafile=certfile))
    assert len(handler.messages) == 1


def test_an_unknown_certificate_is_explained_in_french(tmp_path, smtp_server, env, monkeypatch, capsys):
    _, context = _server_context(tmp_path)
    handler, port = smtp_server(tls_context=context, require_starttls=True)
    env(port, FITN_SMTP_SECURITY="starttls")
    (tmp_path / "autre").mkdir()
    other, _ = self_signed(tmp_path / "autre")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))  # trusts another authority, not the server's
    registry = standard_registry(tmp_path / "registre.xlsx")
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert f"Le certificat du serveur SMTP 127.0.0.1:{port} n'est pas reconnu" in err and "SSL_CERT_FILE" in err
    assert "Traceback" not in err
    assert handler.messages == [] and journal_sends(registry) == []


# --- the end of a conversation: QUIT, a silent server, a reply that never comes ---------------------------------


class ClosingBadly(Recorder):
    """Accepts the message (250 after DATA), then answers QUIT with an error, or drops the connection."""

    def __init__(self, drop: bool = False):
        super().__init__()
        self.drop = drop

    async def handle_QUIT(self, server, session, envelope):
        if self.drop:
            server.transport.abort()
            return None
        return "554 5.3.0 Erreur interne à la fermeture"


@pytest.mark.parametrize("drop", [False, True], ids=["quit-554", "quit-dropped"])
def test_a_message_accepted_after_data_is_sent_whatever_quit_answers(tmp_path, smtp_server, env, capsys, drop):
    registry = standard_registry(tmp_path / "registre.xlsx")
    handler, port = smtp_server(ClosingBadly(drop))
    env(port)
    assert ditp(registry, tmp_path / "out") == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Courriel envoyé" in out and "Envoi consigné" in out
    assert len(handler.messages) == 1 and len(journal_sends(registry)) == 1
    assert ditp(registry, tmp_path / "out") == 1  # the retry a failure report would have invited
    assert "déjà été envoyée" in capsys.readouterr().err
    assert len(handler.messages) == 1


def test_a_silent_server_is_a_timeout_not_a_cut_connection(tmp_path, env, capsys, monkeypatch):
    import fitn_xl.ditp.mail as mail

    monkeypatch.setattr(mail, "TIMEOUT", 1)
    registry = standard_registry(tmp_path / "registre.xlsx")
    with socket.socket() as listener:  # accepts the connection, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        env(listener.getsockname()[1])
        assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "ne répond pas (délai de 1 s dépassé)" in err and "coupé" not in err
    assert "timed out" not in err and "Connection" not in err
    assert journal_sends(registry) == []


class NoAnswerToData(Recorder):
    """Receives the whole message, then never answers: the client cannot know whether it was delivered."""

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        await asyncio.sleep(30)
        return "250 trop tard"


def test_a_connection_lost_during_the_transfer_is_journaled_as_uncertain(tmp_path, smtp_server, env, capsys,
                                                                         monkeypatch):
    import fitn_xl.ditp.mail as mail

    monkeypatch.setattr(mail, "TIMEOUT", 1)
    registry = standard_registry(tmp_path / "registre.xlsx")
    handler, port = smtp_server(NoAnswerToData())
    env(port)
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "envoi incertain" in err and "il a peut-être été remis" in err
    (row,) = journal_sends(registry)
    assert row["Détail"].startswith("Envoi incertain")
    # a retry would be a second copy if the first one arrived: not without --force
    assert ditp(registry, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "a peut-être déjà été envoyée" in err and "--force" in err
    assert len(handler.messages) == 1
    handler2, port2 = smtp_server()
    env(port2)
    assert ditp(registry, tmp_path / "out", "--force") == 0
    assert len(handler2.messages) == 1 and len(journal_sends(registry)) == 2


# --- a send that could not be journaled is not made ------------------------------------------------------------


def _without_journal_sheet(path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.remove(wb[schema.SHEET_JOURNAL])
    wb.save(path)


def _journal_header_renamed(path):
    from fitn_xl.workbook.xlsx import XlsxPackage

    with XlsxPackage(path) as pkg:
        grid = pkg.raw_values(schema.SHEET_JOURNAL)
        r, c = next((r, c) for r, row in enumerate(grid, 1) for c, v in enumerate(row, 1) if v == "Mois")
        from fitn_xl.workbook.xlsx import column_letters

        pkg.sheet(schema.SHEET_JOURNAL).set_values({f"{column_letters(c)}{r}": "Mois concerné"})
        for table in pkg.tables().values():
            for column in table.root.iter("{*}tableColumn"):
                if column.get("name") == "Mois":
                    column.set("name", "Mois concerné")
                    pkg.touch(table.part)
        out = path.with_name("renomme.xlsx")
        pkg.save(out)
    out.replace(path)


@pytest.mark.parametrize("damage,said", [
    (_without_journal_sheet, "la feuille « Journal » est absente du classeur"),
    (_journal_header_renamed, "le tableau n'a plus de colonne « Mois » (renommée ou supprimée ?)"),
], ids=["no-journal-sheet", "header-renamed"])
def test_a_send_that_could_not_be_journaled_is_not_made(tmp_path, smtp_server, env, capsys, damage, said):
    """Without its « Journal » row, the next send would not be refused: the month would go twice (it did, each
    time, on a registry without « Journal »). The row is tried first, in memory; nothing is sent if it cannot be
    written, even with --force."""
    registry = standard_registry(tmp_path / "registre.xlsx")
    damage(registry)
    before = registry.read_bytes()
    handler, port = smtp_server()
    env(port)
    for extra in ([], [], ["--force"]):
        assert ditp(registry, tmp_path / "out", *extra) == 1
        err = capsys.readouterr().err
        assert "Erreur : l'envoi ne pourrait pas être consigné dans le journal du registre (" in err, err
        assert said in err and "Rien n'a été envoyé" in err and "inattendue" not in err
    assert handler.messages == [] and registry.read_bytes() == before
