"""xlwings Server's button route (`/xlwings/custom-scripts-call/<script>`) with its request checked first.

xlwings Server decodes the body and builds the remote workbook before anything checks them: a body that is not JSON,
JSON that is not a workbook, or an unknown button ends in a 500 « An error occurred. ». The route below, put in front
of it, answers those with a 4xx and a French message « Appel de bouton illisible : … », then calls xlwings Server's
own handler (authentication, roles, logging unchanged) with the workbook it built.

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import json
import logging

import xlwings as xw
from fastapi import HTTPException, Request
from xlwings_server import dependencies as dep
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

PATH = f"{settings.app_path}/xlwings/custom-scripts-call/{{script_name}}"
UNREADABLE = "Appel de bouton illisible"

logger = logging.getLogger(__name__)


def _refuse(reason: str, status: int = 400) -> HTTPException:
    detail = f"{UNREADABLE} : {reason}."
    logger.warning(detail.replace("\n", " "))
    return HTTPException(status_code=status, detail=detail)


def problem(data) -> str | None:
    """Why `data` (a decoded body) cannot be a button's workbook, in French; None when it can."""
    if not isinstance(data, dict):
        return "un objet JSON décrivant le classeur est attendu"
    if not isinstance(data.get("client"), str) or not isinstance(data.get("version"), str):
        return "« client » et « version » attendus"
    if not isinstance(data.get("book"), dict) or not isinstance(data.get("sheets"), list):
        return "« book » et « sheets » attendus"
    if not all(isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("values", []), list)
               for s in data["sheets"]):
        return "chaque feuille doit avoir un nom et ses valeurs"
    if "args" in data and not isinstance(data["args"], list):
        return "« args » doit être une liste"
    return None


async def custom_scripts_call(script_name: str, request: Request, current_user: dep.User):
    script = getattr(xlwings_routes.custom_scripts, script_name, None) if script_name.isidentifier() else None
    if getattr(script, "__xlscript__", None) is None:
        raise _refuse(f"le bouton « {script_name[:60]} » n'existe pas dans le complément", 404)
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise _refuse("JSON invalide") from None
    reason = problem(data)
    if reason:
        raise _refuse(reason)
    args = data.pop("args", None) or []
    try:
        book = xw.Book(json=data)
    except Exception as exc:  # xlwings' own checks (English) on a payload of the wrong shape
        logger.warning("%s : %s", UNREADABLE, exc)
        raise _refuse("le classeur envoyé ne peut pas être lu (version du complément différente de celle du "
                      "serveur ?)") from None
    try:
        return await xlwings_routes.custom_scripts_call(script_name=script_name, args=args, book=book,
                                                        current_user=current_user)
    finally:
        book.close()


def install(app) -> None:
    """Put this route in front of xlwings Server's (the first route matching a path answers); once."""
    if any(getattr(route, "endpoint", None) is custom_scripts_call for route in app.router.routes):
        return
    app.add_api_route(PATH, custom_scripts_call, methods=["POST"])
    routes = app.router.routes
    routes.insert(0, routes.pop())
