"""One writer at a time per registry, across every fitn-xl process, and a check that nobody else rewrote the file.

- `registry_lock(path)`: an exclusive lock file beside the registry (`.REGISTRE.xlsx.fitn-verrou`, the `filelock`
  library: `flock` on Linux and macOS, `LockFileEx` on Windows, released by the system when the process ends, even
  killed; the file is removed on release). Every job that writes the registry holds it from the moment it reads
  what it will change until the file is replaced; a second writer waits for it (`FITN_XL_ATTENTE_VERROU` seconds,
  default `DEFAULT_WAIT`) and then refuses, naming who holds it: the holder writes who it is (user, host, process,
  command, since when) in `.REGISTRE.xlsx.fitn-verrou.txt` while it holds the lock. The lock is re-entrant within a
  thread.
- `FileStamp`: what the file was when a job read it (size, modification time, inode, and a hash of the zip's
  central directory, which holds the CRC of every part). `atomic_update` compares it with the file just before
  replacing it: a file changed meanwhile by another program (Excel saving over it, a synchronisation client) is
  never overwritten.

The command named in the holder's description is `acting_as(...)`'s, which the jobs set (`fitn_xl.app.result.job`).
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import hashlib
import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..files import os_reason, side_stem
from .errors import RegistryError

WAIT_ENV = "FITN_XL_ATTENTE_VERROU"  # seconds a writer waits for another one to finish
DEFAULT_WAIT = 20.0
LOCK_SUFFIX = ".fitn-verrou"
HOLDER_SUFFIX = ".txt"
_TAIL_BYTES = 64 * 1024  # the end of a zip: its central directory (member names, sizes, CRC-32)

_command: contextvars.ContextVar[str] = contextvars.ContextVar("fitn_xl_command", default="fitn-xl")


class RegistryBusy(RegistryError):
    """Another fitn-xl command holds the registry's lock (French message naming it)."""


class RegistryChanged(RegistryError):
    """The registry changed on disk since the job read it: nothing was written (French message)."""


@contextlib.contextmanager
def acting_as(command: str) -> Iterator[None]:
    """Name the command that takes locks meanwhile (« fitn-xl recalc », « complément Excel, bouton Recalculer »)."""
    token = _command.set(command)
    try:
        yield
    finally:
        _command.reset(token)


def current_command() -> str:
    return _command.get()


def lock_path(path: str | Path) -> Path:
    """`.REGISTRE.xlsx.fitn-verrou` beside `REGISTRE.xlsx`."""
    path = Path(path)
    return path.with_name(f".{side_stem(path)}{path.suffix}{LOCK_SUFFIX}")  # a long name: shortened (side_stem)


def holder_path(path: str | Path) -> Path:
    lock = lock_path(path)
    return lock.with_name(lock.name + HOLDER_SUFFIX)


def wait_seconds() -> float:
    raw = os.environ.get(WAIT_ENV, "").strip().replace(",", ".")
    try:
        return max(float(raw), 0.0) if raw else DEFAULT_WAIT
    except ValueError:
        return DEFAULT_WAIT


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account without one): the environment, else unknown
        return os.environ.get("USERNAME") or os.environ.get("USER") or "inconnu"


@dataclass(frozen=True)
class Holder:
    """Who holds a registry's lock."""

    user: str
    host: str
    pid: int
    command: str
    since: datetime

    @classmethod
    def me(cls) -> Holder:
        return cls(_user(), socket.gethostname(), os.getpid(), current_command(), datetime.now().replace(microsecond=0))

    def to_text(self) -> str:
        return json.dumps({"utilisateur": self.user, "poste": self.host, "processus": self.pid,
                           "commande": self.command, "depuis": self.since.isoformat()}, ensure_ascii=False)

    @classmethod
    def from_text(cls, text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return cls(str(data["utilisateur"]), str(data["poste"]), int(data["processus"]), str(data["commande"]),
                       datetime.fromisoformat(data["depuis"]))
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        """« fitn-xl recalc, lancée par alice sur le poste PC-12 le 01/12/2026 à 09:17:03 (processus 4242) »."""
        return (f"« {self.command} », lancée par {self.user} sur le poste {self.host} le "
                f"{self.since:%d/%m/%Y} à {self.since:%H:%M:%S} (processus {self.pid})")


def holder(path: str | Path) -> Holder | None:
    """Who holds the lock of `path` now, as the holder wrote it (None when unknown)."""
    try:
        return Holder.from_text(holder_path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


_held = threading.local()  # this thread's locks: key -> depth


def _key(path: Path) -> str:
    try:
        return os.path.normcase(str(path.resolve()))
    except (OSError, ValueError):
        return os.path.normcase(os.path.abspath(path))


def _busy_message(path: Path, waited: float) -> str:
    who = holder(path)
    by = (f"par une autre commande fitn-xl : {who.describe()}" if who else
          "par une autre commande fitn-xl (son auteur n'a pas pu être lu)")
    after = f" depuis {waited:.0f} s" if waited >= 1 else ""
    return (f"le registre « {path.name} » est en cours de modification {by}. Rien n'a été écrit{after} : attendez "
            "qu'elle se termine, puis relancez.")


@contextlib.contextmanager
def registry_lock(path: str | Path, wait: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of the registry at `path` (re-entrant in a thread). Waits up to `wait` seconds
    (default `wait_seconds()`) for another holder, then raises `RegistryBusy` naming it. A path that is not an
    existing file has nothing to protect: no lock (the job then says the file is missing, or creates it)."""
    from filelock import FileLock, Timeout

    path = Path(path)
    key = _key(path)
    held: dict[str, int] = _held.__dict__.setdefault("depth", {})
    if key not in held and not path.is_file():
        yield
        return
    if key in held:
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    wait = wait_seconds() if wait is None else wait
    lock = FileLock(str(lock_path(path)), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise RegistryBusy(_busy_message(path, wait)) from None
    except OSError as exc:
        reason = os_reason(exc) if exc.errno else "dossier en lecture seule ou droits insuffisants"
        raise RegistryError(f"impossible de poser le verrou « {lock_path(path).name} » à côté du registre "
                            f"« {path.name} » ({reason}) : rien n'a été écrit.") from None
    held[key] = 1
    info = holder_path(path)
    try:
        with contextlib.suppress(OSError):
            info.write_text(Holder.me().to_text(), encoding="utf-8")
        yield
    finally:
        del held[key]
        with contextlib.suppress(OSError):
            info.unlink()
        # No lock file is left beside the registry: removed while still held (a process waiting on it then finds
        # its inode unlinked and takes a new one: filelock checks it), and on Windows by filelock itself.
        with contextlib.suppress(OSError):
            lock_path(path).unlink()
        lock.release()


def holds(path: str | Path) -> bool:
    """Whether this thread holds the lock of `path`."""
    return _key(Path(path)) in _held.__dict__.get("depth", {})


@dataclass(frozen=True)
class FileStamp:
    """What identifies a file's content cheaply: size, modification time, inode and device, and a hash of its last
    64 KiB (for a zip: the central directory, with each member's CRC-32)."""

    size: int
    mtime_ns: int
    inode: int
    device: int
    tail: str

    @classmethod
    def of(cls, path: str | Path) -> FileStamp | None:
        """The stamp of `path` now; None when it does not exist."""
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):  # a folder, a pipe (opening it would wait for a writer)…
                return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, "")
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                f.seek(max(st.st_size - _TAIL_BYTES, 0))
                tail = hashlib.blake2b(f.read(_TAIL_BYTES), digest_size=16).hexdigest()
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # unreadable: the reader says why, in French
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, tail)


def changed_message(path: Path) -> str:
    return (f"« {path.name} » a été modifié par un autre programme pendant le travail (enregistré depuis Excel ou "
            "LibreOffice, ou synchronisé ?). Rien n'a été écrit, pour ne pas effacer ces modifications : relancez la "
            "commande.")


def check_unchanged(path: Path, expected: FileStamp | None) -> None:
    """Raise `RegistryChanged` when `path` is no longer the file stamped `expected`."""
    if FileStamp.of(path) != expected:
        raise RegistryChanged(changed_message(path))


__all__ = ["DEFAULT_WAIT", "FileStamp", "Holder", "RegistryBusy", "RegistryChanged", "WAIT_ENV", "acting_as",
           "check_unchanged", "current_command", "holder", "holder_path", "holds", "lock_path", "registry_lock"]
