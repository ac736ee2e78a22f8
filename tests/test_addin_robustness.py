"""Add-in robustness without a server: the classic button on a machine without Excel (a real unexpected error),
the remote alert's length and link, the purge of the download folder, the serve help text."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fitn_xl import cli
from fitn_xl.addin import remote, scripts
from fitn_xl.addin.downloads import KEEP_DAYS, purge


def test_classic_button_without_excel_gives_a_french_message_and_logs_the_detail(tmp_path, monkeypatch, capsys):
    # On Linux there is no calling Excel: xw.Book.caller() fails in an unexpected way, as any bug would.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(scripts.DEBUG_ENV, raising=False)
    scripts.bouton_recalculer()  # no exception escapes (RunPython would show a Python traceback box)
    shown = capsys.readouterr().out
    assert shown.startswith("Recalcul : erreur inattendue (")
    log = tmp_path / ".fitn-xl" / "complement.log"
    assert f"Le détail technique est écrit dans « {log} »." in shown
    assert "Traceback" not in shown
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")



def test_a_file_error_a_user_can_cause_is_said_in_french_not_as_unexpected(tmp_path, monkeypatch):
    """The folder beside the workbook cannot be made (a file stands where it should be): the system's reason in
    French, naming the path, not « erreur inattendue »; nothing logged as a bug."""
    monkeypatch.setenv("HOME", str(tmp_path))
    blocker = tmp_path / "Courriers"
    blocker.write_text("pas un dossier", encoding="utf-8")

    def work() -> scripts.Outcome:
        (blocker / "sous-dossier").mkdir(parents=True)
        return scripts.Outcome("fait")

    outcome = scripts.guarded(scripts.LETTERS.label, work, classic=True)
    assert not outcome.ok and "inattendue" not in outcome.message
    assert outcome.message.startswith("Courriers de notification : le travail n'a pas abouti. Erreur de fichier : ")
    assert str(blocker / "sous-dossier") in outcome.message and "Not a directory" not in outcome.message
    assert not (tmp_path / ".fitn-xl").exists()

def test_remote_alert_is_short_with_one_link_whatever_the_number_of_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FITN_XL_URL", "https://serveur.prefecture.example:8000")
    token = "T" * 22
    folder = tmp_path / token
    files = [folder / "Courriers" / f"courrier 63-2021-{i:04d} Commune de Saint-Quelque-Chose.docx" for i in range(40)]
    printed = "\n".join(f"Dossier 63-2021-{i:04d} : courrier écrit dans « {folder} »" for i in range(40))
    issues = "\n".join(f"• Feuille « Candidatures », ligne {i}, colonne « Population » : « x » n'est pas un nombre"
                       for i in range(30))
    outcome = scripts.Outcome(f"Courriers de notification : 40 fichier(s) produit(s) dans « {folder} ».\n{issues}\n"
                              f"{printed}", files=files)
    text = remote.alert_text(outcome, token, folder)
    assert len(text) <= scripts.MAX_ALERT
    assert text.startswith("Courriers de notification : 40 fichier(s) produit(s).\n")
    assert text.endswith(f"Téléchargement des 40 fichiers : https://serveur.prefecture.example:8000/fitn/fichiers/"
                         f"{token}/")
    assert text.count("https://") == 1 and str(folder) not in text
    assert "message abrégé" in text
    one = remote.alert_text(scripts.Outcome(f"Liste : 1 fichier(s) produit(s) dans « {folder} ».", files=files[:1]),
                            token, folder)
    assert one.splitlines()[-1] == ("Téléchargement : https://serveur.prefecture.example:8000/fitn/fichiers/"
                                    f"{token}/Courriers/courrier%2063-2021-0000%20Commune%20de%20Saint-Quelque-Chose.docx")
    # Recalculer (no files): its long list of problems is cut too
    assert len(remote.alert_text(scripts.Outcome("Recalcul terminé.\n" + issues))) <= scripts.MAX_ALERT


def _folder(root: Path, name: str, age_days: float) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "convention.docx").write_bytes(b"PK")
    when = time.time() - age_days * 86400
    os.utime(folder, (when, when))
    return folder


def test_purge_deletes_only_produced_file_folders_older_than_a_week(tmp_path):
    old = _folder(tmp_path, "a" * 22, KEEP_DAYS + 0.5)
    recent = _folder(tmp_path, "b" * 22, KEEP_DAYS - 0.5)
    foreign = _folder(tmp_path, "Archives", KEEP_DAYS + 30)  # not named like a token: not ours
    loose = tmp_path / ("c" * 22)
    loose.write_bytes(b"x")
    os.utime(loose, (0, 0))
    assert purge(tmp_path) == [old]
    assert not old.exists() and recent.exists() and foreign.exists() and loose.exists()
    assert purge(tmp_path / "absent") == []


def test_serve_help_states_the_purge_delay(capsys):
    try:
        cli.main(["serve", "--help"])
    except SystemExit:
        pass
    assert f"supprimés après {KEEP_DAYS} jours" in capsys.readouterr().out
