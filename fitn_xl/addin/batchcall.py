"""Batches of FITN function calls: every invocation Excel makes in one recalculation, in one request.

A formula written once per row of a table (a calculated column, `=FITN.DEPENSES_EXCLUES([@[N° dossier]];Depenses;
Exclusions)`) makes Excel invoke the function once per row, each time with the whole « Depenses » range. The add-in's
client code (`batchcall.js`, appended to xlwings Server's custom-functions JavaScript) queues those invocations for
a few milliseconds and sends them together through xlwings' own transport to the custom-function route
(`fastcall`: same authentication, same checks), which hands the batch here.

Request (JSON): the fields xlwings sends with any call (« client », « version », « runtime », « culture_info_name »,
« date_format », « session_id »), plus
    "tables": [range, ...]      each distinct range of the batch, once (the client recognises equal copies)
    "groups": [{"func_name": ..., "rows": n, "args": [arg, ...]}, ...]
A group holds the n invocations of one function whose arguments have the same layout: each argument is either
{"table": k} (the k-th range of "tables", the same for the n invocations) or {"cells": [v1, ..., vn]} (a one-cell
argument: invocation i passed [[vi]]; null for an argument left out). Answer: {"result": [one per group]}, each
    {"column": [[v1], ..., [vn]]}   invocation i's result is [[vi]]
    {"each": answer}                every invocation's answer
    {"rows": [answer, ...]}         invocation by invocation
where an answer is what xlwings Server's route answers one call ({"result": matrix}, with "script" when a function
asks for a follow-up script) or {"error": French message} (the cell shows it as an error).

Each invocation gets exactly what xlwings Server's own handler gives for it alone. The invocations of a group whose
table arguments are the same and whose other arguments are one cell each — the rows of a calculated column — are
evaluated as one call on columns (the column form), and its result split by row: every FITN function computes a
row from that row's cells and the tables only (tests/test_addin_batch.py compares per row and column, errors
included), so a row's answer is that of its own call, for the cost of one call. Anything else is evaluated call by
call, through the same handler. Either way each distinct table is parsed once (`formulas.cache`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import orjson
from fastapi import HTTPException, Response
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes

from ..formulas import cache
from ..formulas.functions import TABLE_ARGS
from . import calls

UNREADABLE = "Lot d'appels de fonctions FITN illisible"
SERVER_ERROR = "Erreur du serveur du complément FITN (le détail est dans son journal)"
CLIENT_JS = Path(__file__).with_name("batchcall.js")
CODE_PATH = f"{settings.app_path}/xlwings/custom-functions-code"
COMMON = ("client", "version", "runtime", "culture_info_name", "date_format", "session_id")

logger = logging.getLogger(__name__)


def is_batch(data) -> bool:
    """Whether a decoded request body is a batch (a single call names its function at the top)."""
    return isinstance(data, dict) and "groups" in data and "func_name" not in data


class _Unreadable(ValueError):
    """A batch that cannot be read (French reason)."""


def _check(data: dict) -> None:
    """Raise `_Unreadable` unless `data` has the layout of a batch (see the module's docstring)."""
    tables, groups = data.get("tables", []), data.get("groups")
    if not isinstance(groups, list) or not groups or not isinstance(tables, list):
        raise _Unreadable("« groups » (liste non vide) et « tables » (liste) attendus")
    if not isinstance(data.get("client"), str) or not isinstance(data.get("version"), str):
        raise _Unreadable("« client » et « version » attendus")
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("func_name"), str) or \
                not isinstance(group.get("args"), list) or type(group.get("rows")) is not int or group["rows"] < 1:
            raise _Unreadable("chaque groupe a « func_name », « rows » (au moins 1) et « args »")
        for arg in group["args"]:
            if not isinstance(arg, dict) or len(arg) != 1:
                raise _Unreadable("chaque argument est {« table »: n} ou {« cells »: [...]}")
            if "table" in arg:
                if type(arg["table"]) is not int or not 0 <= arg["table"] < len(tables):
                    raise _Unreadable("référence de plage invalide")
            elif not isinstance(arg.get("cells"), list) or len(arg["cells"]) != group["rows"]:
                raise _Unreadable("un argument « cells » a une valeur par ligne du groupe")


class _Group:
    """One group of the batch: its function, rows and arguments resolved (a table: the batch's range object)."""

    def __init__(self, entry: dict, tables: list, common: dict):
        self.name = entry["func_name"]
        self.rows = entry["rows"]
        self.common = common
        self.args = [("table", tables[a["table"]]) if "table" in a else ("cells", a["cells"]) for a in entry["args"]]

    def call(self, i: int) -> dict:
        """Invocation i as xlwings Server receives a single call."""
        args = [value if kind == "table" else (None if value[i] is None else [[value[i]]])
                for kind, value in self.args]
        return {**self.common, "func_name": self.name, "args": args, "caller_address": None}


def _merged(group: _Group, rows: list[int], info: dict) -> dict:
    """Invocations `rows` of `group` as one call whose one-cell arguments are columns: row r of a column holds what
    invocation r's function receives for that argument alone (xlwings hands over a one-cell argument as its value,
    and the argument's default for a left-out or empty one). Table arguments are the same for these rows."""
    args = []
    first = rows[0]
    for (kind, value), arg_info in zip(group.args, info["args"], strict=False):
        if kind == "table":
            args.append(value)
        elif arg_info["name"] in TABLE_ARGS:
            args.append(None if value[first] is None else [[value[first]]])
        else:
            default = arg_info.get("optional", None)
            args.append([[default if value[r] is None else value[r]] for r in rows])
    return {**group.common, "func_name": group.name, "args": args, "caller_address": None}


def _subgroups(group: _Group, info: dict) -> list[list[int]] | None:
    """The rows of `group` that can be evaluated together (the same value in each table argument given as one
    cell), or None when the group must be evaluated call by call (a varargs function, an argument other than a
    table given as a range)."""
    declared = info["args"]
    if any(a.get("vararg") for a in declared) or len(group.args) > len(declared):
        return None
    keyed = []
    for (kind, value), arg_info in zip(group.args, declared, strict=False):
        if arg_info["name"] in TABLE_ARGS:
            if kind == "cells":
                keyed.append(value)
        elif kind == "table":
            return None
    if not keyed:
        return [list(range(group.rows))]
    by_value: dict[tuple, list[int]] = {}
    for r in range(group.rows):
        by_value.setdefault(tuple(orjson.dumps(cells[r]) for cells in keyed), []).append(r)
    return list(by_value.values())


async def _call(data: dict, current_user, redis_client) -> dict:
    """xlwings Server's own handler for one call: {"result": ...} (and "script"), or {"error": French message}."""
    try:
        return await xlwings_routes.custom_functions_call(current_user=current_user, redis_client=redis_client,
                                                          data=data)
    except HTTPException as exc:
        return {"error": str(exc.detail)}
    except Exception:
        logger.exception("FITN : échec de l'appel %s dans un lot", data.get("func_name"))
        return {"error": SERVER_ERROR}


async def _together(group: _Group, rows: list[int], info: dict, current_user, redis_client):
    """("column", result) or ("each", answer) for rows evaluated as one call on columns; None when that call's
    answer cannot be split by row (then each row is evaluated alone)."""
    try:
        answer = await xlwings_routes.custom_functions_call(current_user=current_user, redis_client=redis_client,
                                                            data=_merged(group, rows, info))
    except HTTPException as exc:  # refused for this user (roles): so would each call be
        return "each", {"error": str(exc.detail)}
    except Exception:
        logger.exception("FITN : échec de l'appel groupé %s ; appels un par un", group.name)
        return None
    if not isinstance(answer, dict) or "script" in answer:
        return None
    result = answer.get("result")
    if type(result) is list and len(result) == len(rows) and all(type(r) is list and len(r) == 1 for r in result):
        return "column", result
    if type(result) is list and len(result) == 1 and type(result[0]) is list and len(result[0]) == 1:
        return "each", answer  # one cell for all the rows: the tables' error, which each call gives alone
    return None


async def _answer(group: _Group, current_user, redis_client) -> dict:
    """The answer to one group (see the module's docstring)."""
    probe = {**group.common, "func_name": group.name, "args": [None] * len(group.args)}
    reason = calls.problem(probe)
    if reason:
        detail = f"{calls.UNREADABLE} : {reason}."
        logger.warning("%s (%d appel(s) d'un lot)", detail.replace("\n", " "), group.rows)
        return {"each": {"error": detail}}
    info = getattr(xlwings_routes.custom_functions, group.name).__xlfunc__
    parts = _subgroups(group, info) if group.rows > 1 else None
    answers: list[dict | None] = [None] * group.rows
    for rows in parts or []:
        together = await _together(group, rows, info, current_user, redis_client) if len(rows) > 1 else None
        if together is None:
            continue
        kind, value = together
        if len(parts) == 1:
            return {kind: value}
        for j, r in enumerate(rows):
            answers[r] = {"result": [value[j]]} if kind == "column" else value
    for r in range(group.rows):
        if answers[r] is None:
            answers[r] = await _call(group.call(r), current_user, redis_client)
    return {"rows": answers}


async def answer(data: dict, current_user, redis_client) -> dict:
    """The answer to a batch (see the module's docstring). Raises `HTTPException` 400 when it cannot be read."""
    try:
        _check(data)
    except _Unreadable as exc:
        raise calls.refuse(str(exc), UNREADABLE) from None
    common = {k: data[k] for k in COMMON if k in data}
    tables = data.get("tables", [])
    with cache.scope():
        return {"result": [await _answer(_Group(entry, tables, common), current_user, redis_client)
                           for entry in data["groups"]]}


def batched_functions() -> list[str]:
    """The names (as the client sends them) of the functions whose calls the client batches: every function of
    the add-in."""
    module = xlwings_routes.custom_functions
    return sorted(info["name"] for info in (getattr(getattr(module, n), "__xlfunc__", None) for n in dir(module))
                  if info is not None)


async def custom_functions_code():
    """xlwings Server's custom-functions JavaScript (unchanged) followed by `batchcall.js`, which replaces only
    its transport of one call (`makeServerCall`) for the add-in's functions."""
    response = await xlwings_routes.custom_functions_code()
    client = CLIENT_JS.read_text(encoding="utf-8").replace("placeholder_fitn_batched_functions",
                                                          json.dumps(batched_functions()))
    return Response(content=response.body.decode("utf-8") + "\n" + client, media_type="text/javascript")


def install(app) -> None:
    """Serve `custom_functions_code` in front of xlwings Server's own route (at both of its addresses); once."""
    if any(getattr(route, "endpoint", None) is custom_functions_code for route in app.router.routes):
        return
    for path in (CODE_PATH, CODE_PATH + ".js"):
        app.add_api_route(path, custom_functions_code, methods=["GET"])
        routes = app.router.routes
        routes.insert(0, routes.pop())
