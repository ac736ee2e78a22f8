"""The add-in's buttons, one implementation each against an `xw.Book`: Recalculer, Générer les conventions,
Générer les courriers, Préparer la liste DITP — each the job of `fitn_xl.app` that the command line runs.

They run from classic xlwings (`RunPython` → the `bouton_*` functions, `xw.Book.caller()`), from the Office.js task
pane and from VBA `RunRemotePython` through the server (`fitn_xl.addin.server`, which wraps them as xlwings
scripts). Recalculer is the `recalc` job with the open workbook as its target. The document buttons recalculate
first, then run their job on a snapshot of the workbook as Excel shows it (unsaved changes included): the files
land next to the workbook (classic) or in a download folder of the server; the « Journal » rows the job added are
copied into the open workbook. The message shown is the job's own French report.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlwings as xw

from .. import app
from ..app.result import SYSTEM_CLOCK, Clock, Result, os_error_message
from ..typography import for_display
from ..workbook.errors import RegistryError
from ..workbook.lock import acting_as, registry_lock
from . import bookio

TITLE = "FITN7 axe 3"
MAX_ALERT = 900  # characters: Excel's MsgBox (VBA clients) shows about 1 024 and drops the rest
MSGBOX_ENCODING = "cp1252"  # Excel's message boxes (VBA MsgBox) show the Windows code page, not all of Unicode
DEBUG_ENV = "FITN_XL_DEBUG"  # set (e.g. to 1): an unexpected error's technical detail is shown to the user too

logger = logging.getLogger("fitn_xl.addin")


@dataclass
class Outcome:
    """What a button did: a French message for the user, the files produced, and success."""

    message: str
    ok: bool = True
    files: list[Path] = field(default_factory=list)


def shorten(message: str, limit: int = MAX_ALERT) -> str:
    """`message` cut to at most `limit` characters at a line end, with a French note when lines were dropped."""
    if len(message) <= limit:
        return message
    note = "\n… (message abrégé : le détail complet est donné par fitn-xl check et la colonne Alertes)"
    kept: list[str] = []
    size = len(note)
    for line in message.splitlines():
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # a single line longer than the limit
        return message[: max(limit - len(note) - 1, 0)] + "…" + note
    return "\n".join(kept) + note


# --- unexpected errors: a French message for the user, the technical detail in a log ---------------------------

SERVER_LOG_HINT = ("Le classeur n'a pas été modifié. Le détail technique est dans le journal du serveur du "
                   "complément (à transmettre à son administrateur).")


def classic_log() -> Path:
    """Where the classic buttons (RunPython, no server) write the technical detail of an unexpected error."""
    return Path.home() / ".fitn-xl" / "complement.log"


def _write_classic_log(label: str, exc: BaseException) -> Path | None:
    path = classic_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {label}\n{''.join(traceback.format_exception(exc))}\n")
    except OSError:
        return None
    return path


def unexpected(label: str, exc: BaseException, classic: bool = False) -> Outcome:
    """The Outcome of a button that failed: what a user can cause (a registry error: the registry busy with another
    fitn-xl command, not a registry…; a file error: a folder without write permission) is said as it is, in French;
    anything else is unexpected: a short French message, the traceback in the server log (remote) or in
    `classic_log()` (classic), and in the message only when FITN_XL_DEBUG is set."""
    if isinstance(exc, RegistryError):
        return Outcome(f"{label} : {exc}", ok=False)
    if isinstance(exc, OSError):
        return Outcome(f"{label} : le travail n'a pas abouti. {os_error_message(exc)}", ok=False)
    logger.error("%s : erreur inattendue (%s)", label, type(exc).__name__, exc_info=exc)
    if classic:
        written = _write_classic_log(label, exc)
        hint = (f"Le détail technique est écrit dans « {written} »." if written else
                f"Relancez avec la variable d'environnement {DEBUG_ENV}=1 pour voir le détail technique.")
    else:
        hint = SERVER_LOG_HINT
    message = f"{label} : erreur inattendue ({type(exc).__name__}), le travail n'a pas abouti.\n{hint}"
    if os.environ.get(DEBUG_ENV):
        # the error itself first (an alert may be cut), then where it happened
        detail = "".join(traceback.format_exception_only(exc)).strip() + "\n" + \
            "".join(traceback.format_tb(exc.__traceback__, limit=-2)).rstrip()
        message += f"\n\nDétail ({DEBUG_ENV}) :\n{detail}"
    return Outcome(message, ok=False)


def guarded(label: str, work: Callable[[], Outcome], classic: bool = False) -> Outcome:
    """`work()`, or the French Outcome of its unexpected exception (never a traceback box for the user)."""
    try:
        return work()
    except Exception as exc:
        return unexpected(label, exc, classic)


RECALC_LABEL = "Recalcul"


def _clock(today: date | None) -> Clock:
    return Clock(datetime.combine(today, datetime.now().time())) if today else SYSTEM_CLOCK


def _outcome(result: Result, lead: str | None = None) -> Outcome:
    text = result.text()
    return Outcome(f"{lead}\n{text}" if lead and text else lead or text, ok=result.ok, files=list(result.files))


@contextlib.contextmanager
def _holding(book, label: str) -> Iterator[None]:
    """While a button works: the registry's lock when the workbook is a file on this computer (classic buttons;
    a command writing the same registry waits, and says which button holds it), the button named as the one
    acting."""
    path = bookio.book_path(book)
    with acting_as(f"complément Excel, bouton « {label} »"), \
            registry_lock(path) if path.is_absolute() else contextlib.nullcontext():
        yield


def recalculate(book, today: date | None = None) -> Outcome:
    """*Recalculer*: the `recalc` job on the registry open in Excel — the computed columns of « Candidatures » and
    « Notation » and the values of « Tableau de bord », as `fitn-xl recalc` writes them into a file. Input cells
    are never written. Problems are listed; blocking ones (parameters, tables) make `ok` False."""
    with _holding(book, RECALC_LABEL):
        return _outcome(app.recalc(bookio.BookTarget(book), clock=_clock(today)))


# --- documents ------------------------------------------------------------------------------------------------

Run = Callable[[Path, Path, Clock], Result]  # (registry file, output folder, clock) -> the job's result


@dataclass(frozen=True)
class Job:
    label: str  # French, for messages
    folder: str  # sub-folder of the output, next to the workbook
    run: Run


CONVENTIONS = Job("Conventions", "Conventions", lambda reg, out, clock: app.conventions(reg, out, clock=clock))
LETTERS = Job("Courriers de notification", "Courriers", lambda reg, out, clock: app.letters(reg, out, clock=clock))


DITP_LABEL = "Liste mensuelle DITP"


def _ditp(month: str) -> Job:
    return Job(DITP_LABEL, "Liste DITP", lambda reg, out, clock: app.ditp(reg, month, out, clock=clock))


def generate(book, job: Job, output: Path, today: date | None = None) -> Outcome:
    """Recalculer, then `job` on a snapshot of `book` (the registry as Excel shows it, unsaved changes included),
    files written into `output`; the « Journal » rows the job added are copied into the open workbook."""
    with _holding(book, job.label):
        recalc = recalculate(book, today)
        if not recalc.ok:
            return recalc
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="fitn-xl-") as tmp:
            result = job.run(bookio.snapshot(book, tmp), output, _clock(today))
        files = [p for p in result.files if p.is_file()]
        lead = (f"{job.label} : {len(files)} fichier(s) produit(s) dans « {output} »." if files
                else f"{job.label} : aucun fichier produit.")
        copied = bookio.append_journal_rows(book, result.journal)
    if copied:
        lead += f"\n{copied} ligne(s) ajoutée(s) au Journal."
    return _outcome(result, lead)


def current_month(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year:04d}-{today.month:02d}"


def generate_conventions(book, output: Path) -> Outcome:
    return generate(book, CONVENTIONS, output)


def generate_letters(book, output: Path) -> Outcome:
    return generate(book, LETTERS, output)


def prepare_ditp(book, output: Path, month: str | None = None) -> Outcome:
    from ..ditp.listing import Month

    month = month or current_month()
    try:
        Month.parse(month)
    except ValueError as exc:  # before the job: a month typed in the task pane
        return Outcome(f"{DITP_LABEL} : {exc} (par exemple {current_month()}).", ok=False)
    return generate(book, _ditp(month), output)


# --- classic xlwings (RunPython from the VBA buttons) --------------------------------------------------------

def next_to(book, job: Job) -> Path:
    """The output folder beside the workbook (the user's home folder for a never-saved workbook)."""
    path = bookio.book_path(book)
    base = path.parent if path.is_absolute() else Path.home()
    return base / job.folder


def _alert(book, outcome: Outcome) -> None:
    try:
        app = book.app if book is not None else xw.apps.active
        app.alert(for_display(shorten(outcome.message), MSGBOX_ENCODING), title=TITLE,
                  mode="info" if outcome.ok else "critical")
    except Exception:  # no Excel to show it (or an Excel without alert support): the VBA side shows nothing more
        print(outcome.message)


def _button(label: str, work: Callable[[object], Outcome]) -> None:
    """Run a classic button: `work(book)` on the calling workbook; whatever happens, the user gets one French
    message and no Python traceback box."""
    book = None

    def run() -> Outcome:
        nonlocal book
        book = calling_book()
        return work(book)

    _alert(book, guarded(label, run, classic=True))


def calling_book():
    """The registry a VBA button acts on: the calling workbook, or the active one when the button lives in an
    add-in (.xlam), whose caller is the add-in itself."""
    book = xw.Book.caller()
    if book.name.lower().endswith((".xlam", ".xla")):
        book = xw.books.active
    return book


def bouton_recalculer() -> None:
    """RunPython("import fitn_xl.addin.scripts as s; s.bouton_recalculer()") — macros/FitnBoutons.bas"""
    _button(RECALC_LABEL, recalculate)


def bouton_conventions() -> None:
    _button(CONVENTIONS.label, lambda book: generate_conventions(book, next_to(book, CONVENTIONS)))


def bouton_courriers() -> None:
    _button(LETTERS.label, lambda book: generate_letters(book, next_to(book, LETTERS)))


def bouton_ditp(mois: str | None = None) -> None:
    _button(DITP_LABEL, lambda book: prepare_ditp(book, next_to(book, _ditp(mois or "")), mois))
