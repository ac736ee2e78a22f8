"""xlwings Server's custom-function route, with the request decoded and the answer encoded by orjson.

A 5 000-row FITN.MONTANT_PROPOSE call sends 1.3 MB of JSON: 75 000 one-cell lists. FastAPI decodes it with the
standard library while the garbage collector keeps walking the new objects (about 17 ms), and encodes the answer
after walking it value by value (`jsonable_encoder`, about 15 ms: more than FITN.FORFAIT itself takes). The route
below, put in front of xlwings Server's, decodes with orjson while the collector is paused (about 9 ms), calls
xlwings Server's own handler (authentication, roles, logging, follow-up scripts: all unchanged) and encodes its
answer at once; a value orjson cannot encode goes through `jsonable_encoder`, as before.

A body holding « groups » instead of « func_name » is a batch of calls (`batchcall`: the invocations of one
recalculation, sent together by the add-in's client code); it goes through this same route.

A call that cannot be a FITN function call (not JSON, unknown function, too many or too few arguments) is answered
400 with a French message « Appel de fonction FITN illisible : … » and one line in the server log, before xlwings
Server would fail on it with a 500 and a traceback.

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import orjson
from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from xlwings_server import dependencies as dep
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

from ..perf import gc_paused
from . import batchcall
from .calls import UNREADABLE, problem, refuse  # noqa: F401 (UNREADABLE: part of this module's interface)

PATH = f"{settings.app_path}/xlwings/custom-functions-call"


async def custom_functions_call(request: Request, current_user: dep.User, redis_client: dep.RedisClient):
    body = await request.body()
    with gc_paused():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise refuse("JSON invalide") from None
        if batchcall.is_batch(data):  # the invocations of one recalculation (batchcall.js)
            answer = await batchcall.answer(data, current_user, redis_client)
            return Response(orjson.dumps(answer, default=jsonable_encoder), media_type="application/json")
        reason = problem(data)
        if reason:
            raise refuse(reason)
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
