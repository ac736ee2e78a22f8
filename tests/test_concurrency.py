"""Several fitn-xl processes on one registry, for real: one writer at a time (the registry's lock), a file changed
by another program is never overwritten, read-only registries are left alone, and a month is never sent twice —
even when `ditp --send` races `recalc`. Each writer is a real `fitn-xl` process; FITN_XL_TEST_WRITE_DELAY makes a
`recalc` pause in the middle of writing, so that the other process starts while it holds the registry."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from python_calamine import CalamineWorkbook
from test_ditp_support import app, make_registry

from fitn_xl import schema
from fitn_xl.ditp.journal import OPERATION_SEND
from fitn_xl.workbook.lock import holder_path, lock_path
from fitn_xl.workbook.read import load_registry
from fitn_xl.workbook.xlsx import XlsxPackage

MONTH = "2021-06"
ROOT = Path(__file__).resolve().parent.parent


def pending(i: int):
    """An eligible dossier awaiting a decision (scoring prepares rows for it)."""
    return app(i, status="En instruction", decided_on=None, granted=None, population=1200,
               decision_commitment=True, digital_transformation=True, total_cost=D(10000), requested=D(5000),
               planned_end=date(2022, 6, 30), contract_mode="Convention")


@pytest.fixture
def registry(tmp_path) -> Path:
    apps = [app(1), app(2, granted=D("12000.50")), pending(3), pending(4), pending(5)]
    return make_registry(tmp_path / "registre.xlsx", apps)


def fitn(*args: str, delay: float = 0, wait: float = 30, **env) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FITN_XL_", "FITN_SMTP_"))}
    environment.update(FITN_XL_ATTENTE_VERROU=str(wait), **env)
    if delay:
        environment["FITN_XL_TEST_WRITE_DELAY"] = str(delay)
    return subprocess.Popen([sys.executable, "-m", "fitn_xl.cli", *args], env=environment, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_writing(registry: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until `proc` is writing its new version of the registry (after it read it): its temp file has content."""
    deadline = time.monotonic() + timeout
    while not [p for p in registry.parent.glob(f".{registry.stem}.*.fitn-tmp.xlsx") if p.stat().st_size]:
        assert proc.poll() is None, finish(proc)
        assert time.monotonic() < deadline, "the process never started writing"
        time.sleep(0.02)


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def scores(path: Path) -> list[tuple[str, str]]:
    rows = sheet_rows(path, schema.SHEET_SCORES)
    return [(str(r[0]), str(r[1])) for r in rows[1:] if r[0]]


def computed_ok(path: Path) -> bool:
    """Whether recalc's columns are there (« Éligible » filled for every dossier)."""
    rows = sheet_rows(path, schema.SHEET_APPLICATIONS)
    col = [str(h) for h in rows[0]].index("Éligible")
    return all(r[col] in ("Oui", "Non") for r in rows[1:] if r[0])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_scoring_started_during_a_recalc_waits_and_both_writes_are_kept(registry):
    recalc = fitn("recalc", str(registry), delay=2)
    wait_for_writing(registry, recalc)
    scoring = fitn("scoring", str(registry), "--evaluateur", "Mme Durand")
    code, out, err = finish(recalc)
    assert code == 0, err
    code, out, err = finish(scoring)
    assert code == 0, err
    assert "3 ligne(s) de notation ajoutée(s)" in out
    # the scoring rows were written into the recalculated file, not into the copy recalc had read
    assert sorted(scores(registry)) == [(f"2021-00{i}", "Mme Durand") for i in (3, 4, 5)]
    assert computed_ok(registry)
    assert not holder_path(registry).exists()


def test_an_import_started_during_a_recalc_waits_and_both_writes_are_kept(registry, tmp_path):
    from ds_export import fitn_demarche, week1, write_export

    export = write_export(tmp_path / "export-ds.xlsx", fitn_demarche(), week1())
    before = len(load_registry(registry).registry.applications)
    recalc = fitn("recalc", str(registry), delay=2)
    wait_for_writing(registry, recalc)
    importing = fitn("import", str(registry), str(export))
    assert finish(recalc)[0] == 0
    code, out, err = finish(importing)
    assert code == 0, err
    # the imported dossiers were written into the recalculated file, not into the copy recalc had read
    assert len(load_registry(registry).registry.applications) == before + len(week1())
    rows = sheet_rows(registry, schema.SHEET_APPLICATIONS)
    col = [str(h) for h in rows[0]].index("Éligible")
    assert all(r[col] in ("Oui", "Non") for r in rows[1:before + 1])


def test_a_writer_that_cannot_wait_names_who_holds_the_registry(registry):
    recalc = fitn("recalc", str(registry), delay=3)
    wait_for_writing(registry, recalc)
    during = sha(registry)
    code, out, err = finish(fitn("scoring", str(registry), "--evaluateur", "Mme Durand", wait=0.3))
    assert code == 1
    assert f"le registre « {registry.name} » est en cours de modification par une autre commande fitn-xl" in err
    assert "« fitn-xl recalc »" in err and f"sur le poste {socket.gethostname()}" in err
    assert f"(processus {recalc.pid})" in err and "attendez qu'elle se termine, puis relancez" in err
    assert "Erreur inattendue" not in err and "Traceback" not in err
    assert sha(registry) == during  # the refused scoring wrote nothing
    assert finish(recalc)[0] == 0
    assert scores(registry) == []


def test_a_file_saved_over_by_another_program_during_recalc_is_read_again(registry, tmp_path):
    """Excel (or a synchronisation client) replaces the file while recalc writes: recalc notices before replacing
    it, reads the new file and recalculates it, so that the other program's change is kept."""
    other = tmp_path / "autre.xlsx"
    with XlsxPackage(registry) as pkg:
        pkg.sheet(schema.SHEET_APPLICATIONS).set_values({"D2": "Commune modifiée ailleurs"})
        pkg.save(other)
    recalc = fitn("recalc", str(registry), delay=1.5)
    wait_for_writing(registry, recalc)
    os.replace(other, registry)  # not a fitn-xl process: it does not take the lock
    code, out, err = finish(recalc)
    assert code == 0, err
    assert computed_ok(registry)
    assert sheet_rows(registry, schema.SHEET_APPLICATIONS)[1][3] == "Commune modifiée ailleurs"


def test_scoring_refuses_to_overwrite_a_file_changed_since_it_was_read(registry, tmp_path):
    other = tmp_path / "autre.xlsx"
    with XlsxPackage(registry) as pkg:
        pkg.sheet(schema.SHEET_APPLICATIONS).set_values({"D2": "Commune modifiée ailleurs"})
        pkg.save(other)
    scoring = fitn("scoring", str(registry), "--evaluateur", "Mme Durand", delay=1.5)
    wait_for_writing(registry, scoring)
    os.replace(other, registry)
    changed = sha(registry)
    code, out, err = finish(scoring)
    assert code == 1
    assert f"« {registry.name} » a été modifié par un autre programme pendant le travail" in err
    assert "Rien n'a été écrit" in err
    assert sha(registry) == changed and scores(registry) == []


@pytest.mark.parametrize("command", [
    ["recalc"], ["scoring", "--evaluateur", "Mme Durand"], ["recalc", "--force"],
])
def test_a_read_only_registry_is_not_replaced(registry, command):
    registry.chmod(0o444)
    before = sha(registry)
    try:
        code, out, err = finish(fitn(command[0], str(registry), *command[1:]))
        assert code == 1
        assert f"« {registry.name} » est en lecture seule : fitn-xl ne le modifie pas" in err
        assert sha(registry) == before and stat.S_IMODE(registry.stat().st_mode) == 0o444
        assert not list(registry.parent.glob("*.precedent.xlsx"))
    finally:
        registry.chmod(0o644)


def test_new_force_does_not_replace_a_read_only_registry(registry):
    registry.chmod(0o444)
    before = sha(registry)
    try:
        code, out, err = finish(fitn("new", str(registry), "--departement", "63", "--force"))
        assert code == 1 and "est en lecture seule" in err and sha(registry) == before
    finally:
        registry.chmod(0o644)


# --- DITP: never sent twice ----------------------------------------------------------------------------------


class Recorder:
    def __init__(self, data_delay: float = 0):
        self.messages: list[bytes] = []
        self.data_delay = data_delay

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    controllers = []

    def start(handler) -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for c in controllers:
        c.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {"FITN_SMTP_HOST": "127.0.0.1", "FITN_SMTP_PORT": str(port), "FITN_SMTP_SECURITY": "none",
            "FITN_SMTP_FROM": "Préfecture <pref@puy-de-dome.gouv.fr>"}


def journal_sends(path: Path) -> list[list]:
    rows = sheet_rows(path, schema.SHEET_JOURNAL)
    col = [str(h) for h in rows[0]].index("Opération")
    return [r for r in rows[1:] if r[col] == OPERATION_SEND]


def send(registry: Path, out: Path, port: int, **kw) -> subprocess.Popen:
    return fitn("ditp", str(registry), "--mois", MONTH, "-o", str(out), "--send", **smtp_env(port), **kw)


def test_ditp_send_during_a_recalc_is_journaled_and_never_sent_twice(registry, tmp_path, smtp):
    handler = Recorder()
    port = smtp(handler)
    recalc = fitn("recalc", str(registry), delay=2)
    wait_for_writing(registry, recalc)
    first = send(registry, tmp_path / "out", port)
    assert finish(recalc)[0] == 0
    code, out, err = finish(first)
    assert code == 0, err
    assert "Courriel envoyé" in out and "Envoi consigné" in out
    assert len(journal_sends(registry)) == 1 and computed_ok(registry)
    code, out, err = finish(send(registry, tmp_path / "out2", port))
    assert code == 1 and "a déjà été envoyée" in err
    assert len(handler.messages) == 1


def test_recalc_started_during_a_slow_send_keeps_its_journal_row(registry, tmp_path, smtp):
    """The lost-update of the report: the send takes its time (the server answers DATA after 2 s); a recalc started
    meanwhile waits for the journal row and recalculates the file that has it."""
    handler = Recorder(data_delay=2)
    port = smtp(handler)
    sending = send(registry, tmp_path / "out", port)
    deadline = time.monotonic() + 60
    while not handler.messages:  # the server has the message and takes its time to answer
        assert sending.poll() is None and time.monotonic() < deadline, finish(sending)
        time.sleep(0.02)
    recalc = fitn("recalc", str(registry))
    code, out, err = finish(sending)
    assert code == 0, err
    assert finish(recalc)[0] == 0
    assert len(journal_sends(registry)) == 1 and computed_ok(registry)
    again = [send(registry, tmp_path / f"out{i}", port) for i in range(2)]
    results = [finish(p) for p in again]
    assert [r[0] for r in results] == [1, 1] and all("a déjà été envoyée" in r[2] for r in results)
    assert len(handler.messages) == 1 and len(journal_sends(registry)) == 1


def test_two_sends_at_once_send_the_month_once(registry, tmp_path, smtp):
    handler = Recorder(data_delay=1)
    port = smtp(handler)
    both = [send(registry, tmp_path / f"out{i}", port) for i in range(2)]
    results = sorted(finish(p)[0] for p in both)
    assert results == [0, 1]
    assert len(handler.messages) == 1 and len(journal_sends(registry)) == 1


def test_the_lock_file_sits_beside_the_registry_and_names_nobody_once_released(registry):
    assert finish(fitn("recalc", str(registry)))[0] == 0
    assert lock_path(registry).parent == registry.parent and not holder_path(registry).exists()
    assert load_registry(registry).issues == []
    shutil.copy(registry, registry.with_name("copie.xlsx"))  # the lock is per registry: another file is free
    assert finish(fitn("recalc", str(registry.with_name("copie.xlsx"))))[0] == 0


# --- a button of the add-in and a command on the same registry ---------------------------------------------------


def _classic_book(registry: Path):
    """What a classic button knows of the workbook it acts on, before reading it: its file (`book.fullname`)."""
    from types import SimpleNamespace

    return SimpleNamespace(fullname=str(registry), name=registry.name)


def test_a_button_pressed_during_a_command_says_which_command_holds_the_registry(registry, monkeypatch):
    from fitn_xl.addin import scripts

    recalc = fitn("recalc", str(registry), delay=3)
    wait_for_writing(registry, recalc)
    monkeypatch.setenv("FITN_XL_ATTENTE_VERROU", "0.3")
    outcome = scripts.guarded(scripts.RECALC_LABEL, lambda: scripts.recalculate(_classic_book(registry)),
                              classic=True)
    assert not outcome.ok
    assert outcome.message.startswith(f"Recalcul : le registre « {registry.name} » est en cours de modification par "
                                      "une autre commande fitn-xl : « fitn-xl recalc »")
    assert f"(processus {recalc.pid})" in outcome.message and "inattendue" not in outcome.message
    assert finish(recalc)[0] == 0


def test_a_command_started_while_a_button_works_waits_for_it_then_writes(registry):
    from fitn_xl.addin import scripts

    with scripts._holding(_classic_book(registry), scripts.RECALC_LABEL):
        code, out, err = finish(fitn("scoring", str(registry), "--evaluateur", "Mme Durand", wait=0.3))
        assert code == 1 and "« complément Excel, bouton « Recalcul » »" in err
        assert f"(processus {os.getpid()})" in err and scores(registry) == []
        waiting = fitn("scoring", str(registry), "--evaluateur", "Mme Durand")
        time.sleep(1.5)
        assert waiting.poll() is None  # still waiting for the button
    code, out, err = finish(waiting)
    assert code == 0, err
    assert sorted(scores(registry)) == [(f"2021-00{i}", "Mme Durand") for i in (3, 4, 5)]


def test_a_ds_sync_started_during_a_recalc_waits_and_both_writes_are_kept(registry, tmp_path):
    """`ds-sync` (Démarches Simplifiées' API, here its schema served by graphql-core on 127.0.0.1) holds the registry
    from its reading to its writing, as `import` does: started while recalc writes, it waits for it, then writes the
    dossiers into the recalculated file (without the lock, it refused: « modifié par un autre programme »)."""
    from ds_api_server import FakeDs
    from ds_export import INSTRUCTEUR, fitn_demarche, week1

    server = FakeDs(12345, "FITN7 axe 3 — Puy-de-Dôme", fitn_demarche(), week1(), "jeton-ds", (INSTRUCTEUR,))
    before = len(load_registry(registry).registry.applications)
    with server.serve() as url:
        recalc = fitn("recalc", str(registry), delay=2)
        wait_for_writing(registry, recalc)
        syncing = fitn("ds-sync", str(registry), "--demarche", "12345", "--instance", url, FITN_DS_TOKEN="jeton-ds")
        assert finish(recalc)[0] == 0
        code, out, err = finish(syncing)
    assert code == 0, err
    assert len(load_registry(registry).registry.applications) == before + len(week1())
    rows = sheet_rows(registry, schema.SHEET_APPLICATIONS)
    col = [str(h) for h in rows[0]].index("Éligible")
    assert all(r[col] in ("Oui", "Non") for r in rows[1:before + 1])
