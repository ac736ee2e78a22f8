"""xlwings Server's custom-function route, with the request decoded and the answer encoded by orjson.

A 5 000-row FITN.MONTANT_PROPOSE call sends 1.3 MB of JSON: 75 000 one-cell lists. FastAPI decodes it with the
standard library while the garbage collector keeps walking the new objects (about 17 ms), and encodes the answer
after walking it value by value (`jsonable_encoder`, about 15 ms: more than FITN.FORFAIT itself takes). The route
below, put in front of xlwings Server's, decodes with orjson while the collector is paused (about 9 ms), calls
xlwings Server's own handler (authentication, roles, logging, follow-up scripts: all unchanged) and encodes its
answer at once; a value orjson cannot encode goes through `jsonable_encoder`, as before.

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import orjson
from fastapi import HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from xlwings_server import dependencies as dep
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

from ..perf import gc_paused

PATH = f"{settings.app_path}/xlwings/custom-functions-call"


async def custom_functions_call(request: Request, current_user: dep.User, redis_client: dep.RedisClient):
    body = await request.body()
    with gc_paused():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise HTTPException(status_code=400, detail="Appel de fonction FITN illisible : JSON invalide.") from None
        if not isinstance(data, dict) or not isinstance(data.get("func_name"), str) or \
                not isinstance(data.get("args"), list):
            raise HTTPException(status_code=400, detail="Appel de fonction FITN illisible : « func_name » et « args » "
                                                        "attendus.")
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
