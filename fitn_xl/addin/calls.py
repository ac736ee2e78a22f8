"""What a FITN custom-function call sent to the add-in server must look like, and the French 400 answer to one that
cannot be (shared by the single-call route, `fastcall`, and the batches, `batchcall`).

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

UNREADABLE = "Appel de fonction FITN illisible"

logger = logging.getLogger(__name__)


def refuse(reason: str, what: str = UNREADABLE) -> HTTPException:
    """A 400 answer « Appel de fonction FITN illisible : reason. » (or `what` : reason), logged on one line."""
    detail = f"{what} : {reason}."
    logger.warning(detail.replace("\n", " "))
    return HTTPException(status_code=400, detail=detail)


def problem(data) -> str | None:
    """Why `data` (a decoded request body) cannot be a call of one of the add-in's functions, in French; None when
    it can: an object with « func_name » naming a function of the add-in, its « args » as many as the function
    takes (trailing optional ones may be left out), « client » and « version » texts."""
    if not isinstance(data, dict) or not isinstance(data.get("func_name"), str) or \
            not isinstance(data.get("args"), list):
        return "« func_name » et « args » attendus"
    if not isinstance(data.get("client"), str) or not isinstance(data.get("version"), str):
        return "« client » et « version » attendus"
    name = data["func_name"]
    info = getattr(getattr(xlwings_routes.custom_functions, name, None), "__xlfunc__", None)
    if not name.isidentifier() or info is None:
        return f"la fonction « {name[:60]} » n'existe pas dans le complément"
    declared = info["args"]
    excel_name = info.get("excel_name") or info["name"]
    label = f"{settings.functions_namespace}.{excel_name}" if settings.functions_namespace else excel_name
    n = len(data["args"])
    if not any(a.get("vararg") for a in declared) and n > len(declared):
        return f"{label} prend au plus {len(declared)} argument(s), {n} reçu(s)"
    required = sum(1 for a in declared if "optional" not in a and not a.get("vararg"))
    if n < required:
        return f"{label} demande au moins {required} argument(s), {n} reçu(s)"
    return None
