"""The buttons as xlwings Server scripts (task pane, VBA `RunRemotePython`): files go to a download folder.

Each call writes its files under `<download folder>/<random token>/`, served by the add-in server at
`/fitn/fichiers/<token>/<file>`; the alert lists those links. The token is unguessable (it is the only key to the
files: links open in a browser that sends no Authorization header).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import xlwings as xw

from . import scripts
from .settings import downloads_dir, public_url


def _new_folder() -> tuple[str, Path]:
    token = secrets.token_urlsafe(16)
    return token, downloads_dir() / token


def links(token: str, folder: Path, files: list[Path]) -> list[str]:
    from urllib.parse import quote

    base = public_url()
    return [f"{base}/fitn/fichiers/{token}/{quote(p.relative_to(folder).as_posix())}" for p in files]


def _finish(book, outcome: scripts.Outcome, token: str | None = None, folder: Path | None = None) -> None:
    message = outcome.message
    if token and folder and outcome.files:
        # The server's folder means nothing to the user: give the download links instead.
        message = message.replace(f" dans « {folder} »", "")
        message = "\n".join(line for line in message.splitlines() if str(folder) not in line)
        message += "\nTéléchargement :\n" + "\n".join(links(token, folder, outcome.files))
    book.app.alert(message, title=scripts.TITLE, buttons="ok", mode="info" if outcome.ok else "critical")


@xw.script
def recalculer(book: xw.Book):
    """Recalculer : colonnes calculées de Candidatures et tableau de bord."""
    _finish(book, scripts.recalculate(book))


@xw.script
def generer_conventions(book: xw.Book):
    """Générer les conventions des lauréats (mode Convention)."""
    token, folder = _new_folder()
    _finish(book, scripts.generate_conventions(book, folder), token, folder)


@xw.script
def generer_courriers(book: xw.Book):
    """Générer les courriers de notification."""
    token, folder = _new_folder()
    _finish(book, scripts.generate_letters(book, folder), token, folder)


@xw.script
def preparer_liste_ditp(book: xw.Book, mois: str = ""):
    """Préparer la liste mensuelle DITP (mois AAAA-MM, par défaut le mois en cours)."""
    token, folder = _new_folder()
    _finish(book, scripts.prepare_ditp(book, folder, mois or None), token, folder)


SCRIPTS = (recalculer, generer_conventions, generer_courriers, preparer_liste_ditp)
