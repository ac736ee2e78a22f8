"""The add-in's buttons, one implementation each against an `xw.Book`: Recalculer, Générer les conventions,
Générer les courriers, Préparer la liste DITP.

They run from classic xlwings (`RunPython` → the `bouton_*` functions, `xw.Book.caller()`), from the Office.js task
pane and from VBA `RunRemotePython` through the server (`fitn_xl.addin.server`, which wraps them as xlwings
scripts). Recalculer writes the computed columns and the dashboard into the open workbook with the same reader,
core computation and cell rule as `fitn-xl recalc`. The document buttons recalculate first, then run the same
command as the command line on a snapshot of the workbook as Excel shows it (unsaved changes included): the files
land next to the workbook (classic) or in a download folder of the server; new rows of the « Journal » sheet are
copied back into the open workbook.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlwings as xw

from .. import schema
from ..workbook.read import RegistryError
from . import bookio

TITLE = "FITN7 axe 3"
MAX_LISTED_ISSUES = 12
MAX_ALERT = 900  # characters: Excel's MsgBox (VBA clients) shows about 1 024 and drops the rest
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
    """The Outcome of a button that failed in an unexpected way: a short French message; the traceback goes to
    the server log (remote) or to `classic_log()` (classic), and into the message only when FITN_XL_DEBUG is set."""
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


def _issues_text(loaded) -> str:
    lines = [f"• {issue}" for issue in sorted(loaded.issues)[:MAX_LISTED_ISSUES]]
    more = len(loaded.issues) - MAX_LISTED_ISSUES
    if more > 0:
        lines.append(f"… et {more} autre(s) (détail : fitn-xl check)")
    return "\n".join(lines)


def recalculate(book, today: date | None = None) -> Outcome:
    """*Recalculer*: reads the registry open in Excel, computes every dossier, writes the computed columns of
    « Candidatures » and « Notation » and the values of « Tableau de bord » — the values `fitn-xl recalc` writes.
    Input cells are never written. Problems are listed; blocking ones (parameters, tables) make `ok` False."""
    try:
        view = bookio.BookView(book, bookio.REGISTRY_SHEETS)
        loaded = bookio.read_registry(book, view)
    except RegistryError as exc:
        return Outcome(f"Recalcul impossible : {exc}", ok=False)
    if schema.DOSSIER_ID not in loaded.header_columns.get(schema.APPLICATIONS.name, {}):  # as `fitn-xl recalc`
        return Outcome(f"Recalcul impossible : le tableau « {schema.APPLICATIONS.name} » de la feuille "
                       f"« {schema.APPLICATIONS.sheet} » est introuvable ou n'a pas de colonne « {schema.DOSSIER_ID} » "
                       "(en-têtes attendus dans ses 20 premières lignes) : rien n'a été écrit.", ok=False)
    computation = bookio.recompute(loaded, today)
    written = bookio.write_computed(book, loaded, computation, view)
    bookio.write_dashboard(book, loaded, computation, now=_now())
    message = f"Recalcul terminé : {written} dossier(s) calculé(s)."
    if loaded.blocking:
        message += "\nDes erreurs bloquantes (paramètres ou tableaux) empêchent un calcul fiable : corrigez-les."
    if loaded.issues:
        message += (f"\n{len(loaded.dossiers_with_errors)} dossier(s) avec des erreurs de saisie "
                    "(voir la colonne Alertes) :\n" + _issues_text(loaded))
    return Outcome(message, ok=not loaded.blocking)


def _now():
    from datetime import datetime

    return datetime.now().replace(microsecond=0)


# --- documents ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    command: str  # fitn-xl subcommand
    label: str  # French, for messages
    folder: str  # sub-folder of the output, next to the workbook


CONVENTIONS = Job("conventions", "Conventions", "Conventions")
LETTERS = Job("letters", "Courriers de notification", "Courriers")
DITP = Job("ditp", "Liste mensuelle DITP", "Liste DITP")


def _journal_rows(path: Path) -> list[list]:
    """Non-empty rows of the « Journal » sheet of the file at `path` ([] without that sheet)."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    if schema.SHEET_JOURNAL not in book.sheet_names:
        return []
    rows = book.get_sheet_by_name(schema.SHEET_JOURNAL).to_python(skip_empty_area=False)
    return [row for row in rows if any(v not in (None, "") for v in row)]


def _copy_new_journal_rows(book, before: list[list], after: list[list]) -> int:
    """Append to the open workbook's « Journal » the rows the command added to the snapshot."""
    new = after[len(before):]
    if not new or schema.SHEET_JOURNAL not in [s.name for s in book.sheets]:
        return 0
    sheet = book.sheets[schema.SHEET_JOURNAL]
    existing = bookio.sheet_values(sheet)
    last = max((i + 1 for i, row in enumerate(existing) if any(v not in (None, "") for v in row)), default=0)
    width = max(len(r) for r in new)
    block = [[None if v == "" else v for v in row] + [None] * (width - len(row)) for row in new]
    sheet.range((last + 1, 1), (last + len(block), width)).value = block
    return len(block)


def run_command(argv: list[str]) -> tuple[int, str]:
    """`fitn-xl ARGV` in this process: (exit code, what it printed)."""
    from .. import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            rc = cli.main(argv)
        except SystemExit as exc:  # argparse usage errors
            rc = int(exc.code or 0)
    return rc, out.getvalue().strip()


def generate(book, job: Job, output: Path, extra: list[str] | None = None, today: date | None = None) -> Outcome:
    """Recalculer, then `fitn-xl <job.command>` on a snapshot of `book`, files written into `output`."""
    if importlib.util.find_spec(f"fitn_xl.commands.{job.command}") is None:
        return Outcome(f"{job.label} : la commande « fitn-xl {job.command} » n'est pas disponible dans cette "
                       "version.", ok=False)
    recalc = recalculate(book, today)
    if not recalc.ok:
        return recalc
    import tempfile

    output.mkdir(parents=True, exist_ok=True)
    before_files = {p for p in output.rglob("*") if p.is_file()}
    with tempfile.TemporaryDirectory(prefix="fitn-xl-") as tmp:
        registry = bookio.snapshot(book, tmp)
        journal_before = _journal_rows(registry)
        rc, printed = run_command([job.command, str(registry), "-o", str(output), *(extra or [])])
        journal_after = _journal_rows(registry)
    files = sorted(p for p in output.rglob("*") if p.is_file() and p not in before_files)
    copied = _copy_new_journal_rows(book, journal_before, journal_after)
    lines = [f"{job.label} : {len(files)} fichier(s) produit(s) dans « {output} »." if files
             else f"{job.label} : aucun fichier produit."]
    if copied:
        lines.append(f"{copied} ligne(s) ajoutée(s) au Journal.")
    if printed:
        lines.append(printed)
    return Outcome("\n".join(lines), ok=rc == 0, files=files)


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
    except ValueError as exc:  # before the command: its usage text means nothing in Excel
        return Outcome(f"{DITP.label} : {exc} (par exemple {current_month()}).", ok=False)
    return generate(book, DITP, output, ["--mois", month])


# --- classic xlwings (RunPython from the VBA buttons) --------------------------------------------------------

def next_to(book, job: Job) -> Path:
    """The output folder beside the workbook (the user's home folder for a never-saved workbook)."""
    path = bookio.book_path(book)
    base = path.parent if path.is_absolute() else Path.home()
    return base / job.folder


def _alert(book, outcome: Outcome) -> None:
    try:
        app = book.app if book is not None else xw.apps.active
        app.alert(shorten(outcome.message), title=TITLE, mode="info" if outcome.ok else "critical")
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
    _button(DITP.label, lambda book: prepare_ditp(book, next_to(book, DITP), mois))
