"""Routes of the add-in server for the files the buttons produce: `/fitn/fichiers/<token>/<file>` and the list
`/fitn/fichiers/<token>/`. Only paths inside the download folder are served.

The produced files hold personal data (names, amounts in conventions and letters): `purge` deletes the folders of
produced files older than `KEEP_DAYS` days. `fitn-xl serve` runs it at start, and each button that produces files
runs it before writing them. Only folders named like a token are deleted (the download folder may be one the
administrator also uses for something else).
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from ..files import readable
from .settings import downloads_dir

KEEP_DAYS = 7  # produced files are deleted after this many days
TOKEN_NAME = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16), as remote._new_folder names them

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/fitn")


def purge(root: Path | None = None, keep_days: float = KEEP_DAYS, now: float | None = None) -> list[Path]:
    """Delete the folders of produced files under `root` (the download folder by default) last modified more than
    `keep_days` days ago. Returns the folders deleted; a folder that cannot be deleted is logged and skipped."""
    root = root or downloads_dir()
    limit = (time.time() if now is None else now) - keep_days * 86400
    deleted = []
    try:
        entries = list(root.iterdir())
    except OSError:  # no download folder yet
        return deleted
    for folder in entries:
        try:
            if not TOKEN_NAME.fullmatch(folder.name) or folder.is_symlink() or not folder.is_dir() or \
                    folder.stat().st_mtime >= limit:
                continue
            shutil.rmtree(folder)
        except OSError as exc:
            logger.warning("Purge des téléchargements : « %s » non supprimé (%s)", folder, exc)
            continue
        deleted.append(folder)
    return deleted


def _inside(token: str, path: str = ""):
    """The file (or folder) `path` of the downloads of `token`; 404 for anything else: a name that is no token, a
    path leaving the folder, a name the system refuses (a NUL byte, too long, undecodable)."""
    missing = HTTPException(status_code=404, detail="Fichier introuvable.")
    if not TOKEN_NAME.fullmatch(token) or "\x00" in path or len(path) > 1024:
        raise missing
    try:
        root = downloads_dir().resolve()
        target = (root / token / path).resolve()
        if root not in target.parents or not target.exists():
            raise missing
    except (OSError, ValueError, UnicodeError):
        raise missing from None
    return target


@router.get("/fichiers/{token}/", response_class=HTMLResponse)
async def file_list(token: str):
    folder = _inside(token)
    items = "".join(
        f'<li><a href="{quote(p.relative_to(folder).as_posix())}">{html.escape(p.relative_to(folder).as_posix())}'
        "</a></li>"
        for p in sorted(folder.rglob("*")) if p.is_file()
    )
    return f"<!doctype html><html lang='fr'><meta charset='utf-8'><title>Fichiers produits</title>" \
           f"<h1>Fichiers produits</h1><ul>{items or '<li>aucun</li>'}</ul>" \
           f"<p>Ces fichiers sont supprimés du serveur {KEEP_DAYS} jours après leur production.</p></html>"


@router.get("/fichiers/{token}/{path:path}")
async def file_download(token: str, path: str):
    target = _inside(token, path)
    if not target.is_file():
        raise HTTPException(status_code=404, detail="Fichier introuvable.")
    return FileResponse(target, filename=readable(target.name))
