"""xlwings Server's custom-function route, with the request decoded and the answer encoded by orjson.

A 5 000-row FITN.MONTANT_PROPOSE call sends 1.3 MB of JSON: 75 000 one-cell lists. FastAPI decodes it with the
standard library while the garbage collector keeps walking the new objects (about 17 ms), and encodes the answer
after walking it value by value (`jsonable_encoder`, about 15 ms: more than FITN.FORFAIT itself takes). The route
below, put in front of xlwings Server's, decodes with orjson while the collector is paused (about 9 ms), calls
xlwings Server's own handler (authentication, roles, logging, follow-up scripts: all unchanged) and encodes its
answer at once; a value orjson cannot encode goes through `jsonable_encoder`, as before.

A call that cannot be a FITN function call (not JSON, unknown function, too many or too few arguments) is answered
400 with a French message « Appel de fonction FITN illisible : … » and one line in the server log, before xlwings
Server would fail on it with a 500 and a traceback.

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from xlwings_server import dependencies as dep
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

from ..perf import gc_paused

PATH = f"{settings.app_path}/xlwings/custom-functions-call"
UNREADABLE = "Appel de fonction FITN illisible"

logger = logging.getLogger(__name__)


def _refuse(reason: str) -> HTTPException:
    """A 400 answer « Appel de fonction FITN illisible : reason. », logged on one line."""
    detail = f"{UNREADABLE} : {reason}."
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


async def custom_functions_call(request: Request, current_user: dep.User, redis_client: dep.RedisClient):
    body = await request.body()
    with gc_paused():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _refuse("JSON invalide") from None
        reason = problem(data)
        if reason:
            raise _refuse(reason)
        answer = await xlwings_routes.custom_functions_call(current_user=current_user, redis_client=redis_client,
                                                            data=data)
        return Response(orjson.dumps(answer, default=jsonable_encoder), media_type="application/json")


def installed(app) -> bool:
    return any(getattr(route, "endpoint", None) is custom_functions_call for route in app.router.routes)


def install(app) -> None:
    """Put this route in front of xlwings Server's (the first route matching a path answers); once."""
    if installed(app):
        return
    app.add_api_route(PATH, custom_functions_call, methods=["POST"])
    routes = app.router.routes
    routes.insert(0, routes.pop())
