"""Writing files whole or not at all: a temporary file in the same folder, then `os.replace`."""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

# French wording of the system errors a user meets (the system's own strerror is English)
_OS_REASONS = {
    "EEXIST": "un fichier de ce nom existe déjà, alors qu'un dossier est attendu",
    "ENOTDIR": "un fichier porte le nom d'un dossier attendu",
    "EISDIR": "c'est un dossier, un fichier était attendu",
    "ENOENT": "fichier ou dossier introuvable",
    "EACCES": "accès refusé (droits insuffisants ou fichier en lecture seule)",
    "EPERM": "opération non permise (droits insuffisants)",
    "EROFS": "le disque est en lecture seule",
    "ENOSPC": "le disque est plein",
    "EDQUOT": "le quota de disque est dépassé",
    "EBUSY": "le fichier est utilisé par un autre programme",
    "ENAMETOOLONG": "nom de fichier trop long",
    "EILSEQ": "nom de fichier invalide pour ce système",
    "ELOOP": "trop de liens symboliques",
    "EMFILE": "trop de fichiers ouverts",
    "EIO": "erreur de lecture ou d'écriture sur le disque",
    "ESPIPE": "fichier spécial (tube ou périphérique), un fichier ordinaire était attendu",
    "ENXIO": "périphérique absent",
    "ETXTBSY": "le fichier est utilisé par un autre programme",
    "ENETUNREACH": "réseau inaccessible",
    "EHOSTUNREACH": "machine injoignable",
    "ECONNRESET": "connexion interrompue par l'autre machine",
    "ECONNABORTED": "connexion interrompue",
    "ECONNREFUSED": "connexion refusée",
    "ETIMEDOUT": "délai de connexion dépassé",
    "EPIPE": "connexion interrompue par l'autre machine",
    "EADDRNOTAVAIL": "adresse réseau indisponible",
    "EFBIG": "fichier trop volumineux pour ce disque ou ce système",
    "EINVAL": "nom de fichier ou chemin invalide",
    "EXDEV": "déplacement impossible d'un disque à un autre",
    "ENOTEMPTY": "le dossier n'est pas vide",
    "ENODEV": "périphérique absent",
    "EAGAIN": "ressource momentanément indisponible, réessayez",
}
OS_ERRORS: dict[int, str] = {getattr(errno, name): text for name, text in _OS_REASONS.items() if hasattr(errno, name)}


def _latin1_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    return exc.object[exc.start:exc.end].decode("cp1252", "replace"), exc.end


codecs.register_error("fitn-xl-latin1", _latin1_fallback)


def readable(text: str) -> str:
    """`text` with the undecodable bytes of a file name (Python keeps them as lone surrogates, e.g. a Latin-1
    « é » in a name made on an old system) shown as Windows-1252 characters: printable, and valid in XML."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # at C speed: no lone surrogate at all, the common case
        return text
    except UnicodeEncodeError:
        pass
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "fitn-xl-latin1")


def os_reason(exc: OSError) -> str:
    """The French reason of a system error (never the system's English text): « accès refusé (…) »."""
    return OS_ERRORS.get(exc.errno or 0) or (f"erreur système n° {exc.errno}" if exc.errno else "erreur système")


NAME_MAX = 255  # bytes of one file name (Linux, macOS; NTFS counts 255 UTF-16 units)
SIDE_ROOM = 40  # what fitn-xl adds to a file's name for its side files (lock, temporary file, previous version)


def side_stem(path: str | Path) -> str:
    """The stem the side files of `path` are named from (`.NAME.xlsx.fitn-verrou`, `NAME.precedent.xlsx`, a
    temporary `.NAME.xxxxxxxx.fitn-tmp.xlsx`): the file's own stem, or, when its name is so long that a side file's
    name would pass the system's limit, the stem's beginning and a short hash of the whole name."""
    path = Path(path)
    raw = os.fsencode(path.name)
    if len(raw) + SIDE_ROOM <= NAME_MAX:
        return path.stem
    budget = NAME_MAX - SIDE_ROOM - len(os.fsencode(path.suffix)) - 9  # « ~ » and 8 hexadecimal digits
    stem = path.stem
    while len(os.fsencode(stem)) > budget:
        stem = stem[:-1]
    return f"{stem}~{hashlib.blake2b(raw, digest_size=4).hexdigest()}"


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a temporary path next to `path`, then move it over `path` (never half-written)."""
    path = Path(path)
    if path.is_dir():  # said of the path the user gave, not of the temporary file that could not replace it
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{side_stem(path)}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode_for(path))
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
