"""Routes of the add-in server for the files the buttons produce: `/fitn/fichiers/<token>/<file>` and the list
`/fitn/fichiers/<token>/`. Only paths inside the download folder are served."""

from __future__ import annotations

import html
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from .settings import downloads_dir

router = APIRouter(prefix="/fitn")


def _inside(token: str, path: str = ""):
    root = downloads_dir().resolve()
    target = (root / token / path).resolve()
    if root not in target.parents or not target.exists():
        raise HTTPException(status_code=404, detail="Fichier introuvable.")
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
           f"<h1>Fichiers produits</h1><ul>{items or '<li>aucun</li>'}</ul></html>"


@router.get("/fichiers/{token}/{path:path}")
async def file_download(token: str, path: str):
    target = _inside(token, path)
    if not target.is_file():
        raise HTTPException(status_code=404, detail="Fichier introuvable.")
    return FileResponse(target, filename=target.name)
