"""The buttons as xlwings Server scripts (task pane, VBA `RunRemotePython`): files go to a download folder.

Each call writes its files under `<download folder>/<random token>/`, served by the add-in server at
`/fitn/fichiers/<token>/<file>`, with the list of them at `/fitn/fichiers/<token>/`. The token is unguessable (it is
the only key to the files: links open in a browser that sends no Authorization header). The alert stays short
(the VBA client shows it in a MsgBox, cut at about 1 024 characters): one link, to the file when there is one, to
the list page when there are several. Folders older than `downloads.KEEP_DAYS` days are purged before new files are
written. An unexpected error ends as a French alert (technical detail in the server log) and none of the button's
changes is applied to the workbook.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import xlwings as xw

from ..typography import for_display
from . import scripts
from .downloads import purge
from .settings import downloads_dir, public_url


def _new_folder() -> tuple[str, Path]:
    purge()  # produced files hold personal data: kept downloads.KEEP_DAYS days
    token = secrets.token_urlsafe(16)
    return token, downloads_dir() / token


def links(token: str, folder: Path, files: list[Path]) -> list[str]:
    """The download link of each file of `files` (inside `folder`)."""
    base = public_url()
    return [f"{base}/fitn/fichiers/{token}/{quote(p.relative_to(folder).as_posix())}" for p in files]


def list_link(token: str) -> str:
    """The page listing every file produced by one call."""
    return f"{public_url()}/fitn/fichiers/{token}/"


def alert_text(outcome: scripts.Outcome, token: str | None = None, folder: Path | None = None) -> str:
    """The alert of a remote button: the outcome's message without the server's paths (they mean nothing to the
    user), then one download link; at most `scripts.MAX_ALERT` characters, the link always kept."""
    message = outcome.message
    tail = ""
    if token and folder and outcome.files:
        message = message.replace(f" dans « {folder} »", "")
        message = "\n".join(line for line in message.splitlines() if str(folder) not in line)
        if len(outcome.files) == 1:
            tail = "Téléchargement : " + links(token, folder, outcome.files)[0]
        else:
            tail = f"Téléchargement des {len(outcome.files)} fichiers : {list_link(token)}"
    if not tail:
        return scripts.shorten(message)
    return scripts.shorten(message, scripts.MAX_ALERT - len(tail) - 1) + "\n" + tail


def _finish(book, outcome: scripts.Outcome, token: str | None = None, folder: Path | None = None) -> None:
    """The alert, with French spacing: narrow no-break spaces in Office.js, ordinary no-break spaces for VBA's
    message box (it shows only its Windows code page)."""
    client = book.api.get("client") if isinstance(book.api, dict) else None
    text = for_display(alert_text(outcome, token, folder), None if client == "Office.js" else scripts.MSGBOX_ENCODING)
    book.app.alert(text, title=scripts.TITLE, buttons="ok", mode="info" if outcome.ok else "critical")


def _run(book, label: str, work: Callable[[], scripts.Outcome], token: str | None = None,
         folder: Path | None = None) -> None:
    """`work()` then its alert; an unexpected exception drops the actions the button queued (the workbook is left
    as it was) and gives a French alert instead of xlwings Server's « An error occurred. »."""
    actions = book.json()["actions"]
    queued = len(actions)
    try:
        outcome = work()
    except Exception as exc:
        del actions[queued:]
        if folder is not None:  # files of a failed call: nobody gets their link
            shutil.rmtree(folder, ignore_errors=True)
        outcome = scripts.unexpected(label, exc)
    _finish(book, outcome, token, folder)


@xw.script
def recalculer(book: xw.Book):
    """Recalculer : colonnes calculées de Candidatures et tableau de bord."""
    _run(book, scripts.RECALC_LABEL, lambda: scripts.recalculate(book))


@xw.script
def generer_conventions(book: xw.Book):
    """Générer les conventions des lauréats (mode Convention)."""
    token, folder = _new_folder()
    _run(book, scripts.CONVENTIONS.label, lambda: scripts.generate_conventions(book, folder), token, folder)


@xw.script
def generer_courriers(book: xw.Book):
    """Générer les courriers de notification."""
    token, folder = _new_folder()
    _run(book, scripts.LETTERS.label, lambda: scripts.generate_letters(book, folder), token, folder)


@xw.script
def preparer_liste_ditp(book: xw.Book, mois: str = ""):
    """Préparer la liste mensuelle DITP (mois AAAA-MM, par défaut le mois en cours)."""
    token, folder = _new_folder()
    _run(book, scripts.DITP_LABEL, lambda: scripts.prepare_ditp(book, folder, mois or None), token, folder)


SCRIPTS = (recalculer, generer_conventions, generer_courriers, preparer_liste_ditp)
