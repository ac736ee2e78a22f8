"""Batches of calls (`fitn_xl.addin.batchcall`) against the single calls they stand for, under xlwings Server's real
conversions: run by `test_addin_server.py` in a subprocess with XLWINGS_ON_SERVER=true (skipped otherwise)."""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(os.environ.get("XLWINGS_ON_SERVER") != "true",
                                reason="run by test_addin_server.py in a subprocess with XLWINGS_ON_SERVER=true")

if os.environ.get("XLWINGS_ON_SERVER") == "true":
    import tempfile

    from fitn_xl.addin import server

    server.configure(server.Config(downloads=tempfile.mkdtemp(prefix="fitn-lots-")))
    import xlwings as xw
    from xlwings_server.models import User
    from xlwings_server.routers import xlwings as xlwings_routes

    from fitn_xl.addin import batchcall
    from fitn_xl.formulas import functions
    from fitn_xl.formulas.functions import TABLE_ARGS

    USER = User(id="test", name="test")
    COMMON = {"client": "Office.js", "version": xw.__version__, "runtime": "1.4", "culture_info_name": "fr-FR",
              "date_format": "dd/MM/yyyy"}

FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
            ["3a", "Commune", 0, 4999, 5000], ["3a", "Commune", 5000, None, 10000], ["3b", "Région", None, None, 9]]
BAD_FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
                ["3a", "Commune", 10, 1, 5000]]
DEPENSES = [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur", "Montant (€)"],
            ["D1", "a", "Formation", "F", "", 1000], ["D1", "b", "Licence ou abonnement logiciel", "E", "US", 500],
            ["D2", "c", "Équipement informatique pour les agents", "F", "", 300], ["D3", "d", "Formation", "F", "",
                                                                                 "abc"]]
NOTATION = [["N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3", "Critère 4",
             "Critère 5"],
            ["D1", "Alice", "Non", 5, 4, 3, None, None], ["D2", "Alice", "Non", 5, 5, 5, 5, 5],
            ["D2", "Bruno", "Oui", 1, 1, 1, 1, 1], ["D3", "Alice", "Non", 9, 1, 1, None, None]]
GRILLE = [["Mesure", "N°", "Critère", "Pondération", "Note maximale"],
          ["3a", 1, "Impact", 2, 5], ["3a", 2, "Besoin", 1, 5], ["3a", 3, "Localisation", 1, 5],
          ["3c", 1, "Impact", 1, 5], ["3c", 2, "Portage", 1, 5], ["3c", 3, "Équipe", 1, 5],
          ["3c", 4, "Diffusion", 1, 5], ["3c", 5, "Extension", 1, 5]]
PARAMETRES = [["Paramètre", "Valeur"], ["Échéance des résultats", 44926]]
EXCLUSIONS = [["Catégorie exclue"], ["Formation"]]
TABLES = {"forfaits": [FORFAITS, BAD_FORFAITS], "depenses": [DEPENSES], "notation": [NOTATION],
          "grille": [GRILLE], "parametres": [PARAMETRES, [["x", "y"], ["z", "w"]]], "exclusions": [EXCLUSIONS]}
# one-cell values a table argument may get instead (e.g. the « Échéance des résultats » cell)
TABLE_CELLS = {"parametres": [44926, 45291, "abc", None], "exclusions": ["Formation", None],
               "forfaits": [None], "depenses": [None], "notation": [None], "grille": [None]}
CELLS = ["3a", "3c", "3d", "3z", "", None, "Commune", "Région", "Département", 0, 800, 4999, 6000, -1, "abc", "Oui",
         "Non", True, 44742, 45291, "D1", "D2", "D3", 1000, 2500.5,
         {"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"},
         {"type": "Double", "basicType": "Double", "basicValue": 6000}]


def run(coro):
    return asyncio.run(coro)


def single(name: str, args: list) -> dict:
    """What xlwings Server's route answers for this call alone."""
    data = {**COMMON, "func_name": name, "args": args, "caller_address": None}
    try:
        return run(xlwings_routes.custom_functions_call(current_user=USER, redis_client=None, data=data))
    except Exception as exc:  # pragma: no cover - shown in the assertion
        return {"exception": repr(exc)}


def expand(answer: dict, rows: int) -> list:
    """A group's answer as one answer per invocation."""
    if "column" in answer:
        return [{"result": [row]} for row in answer["column"]]
    if "each" in answer:
        return [answer["each"]] * rows
    return answer["rows"]


@st.composite
def groups(draw):
    """A recalculation's invocations of one function sharing a layout, as batchcall.js groups them: each
    invocation's own arguments, and the group as sent."""
    name = draw(st.sampled_from([f.__name__ for f in functions.FUNCTIONS]))
    info = getattr(functions, name).__xlfunc__
    rows = draw(st.integers(1, 5))
    layout = []
    for arg in info["args"]:
        name_ = arg["name"]
        if name_ in TABLE_ARGS:
            if draw(st.booleans()):
                layout.append(("table", draw(st.sampled_from(TABLES[name_]))))
            else:
                layout.append(("cells", [draw(st.sampled_from(TABLE_CELLS[name_])) for _ in range(rows)]))
        elif draw(st.integers(0, 9)) == 0:  # a whole column passed to each row: evaluated call by call
            layout.append(("table", [[draw(st.sampled_from(CELLS))] for _ in range(3)]))
        else:
            layout.append(("cells", [draw(st.sampled_from(CELLS)) for _ in range(rows)]))
    calls = [[value if kind == "table" else (None if value[i] is None and draw(st.booleans()) else [[value[i]]])
              for kind, value in layout] for i in range(rows)]
    return name, rows, layout, calls


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(groups(), min_size=1, max_size=4))
def test_each_invocation_of_a_batch_gets_what_its_call_alone_gets(drawn):
    tables: list = []

    def ref(value):
        for k, t in enumerate(tables):
            if t is value:
                return k
        tables.append(value)
        return len(tables) - 1

    batch = {**COMMON, "tables": tables, "groups": [
        {"func_name": name, "rows": rows,
         "args": [{"table": ref(value)} if kind == "table" else {"cells": value} for kind, value in layout]}
        for name, rows, layout, _ in drawn]}
    answer = run(batchcall.answer(batch, USER, None))["result"]
    assert len(answer) == len(drawn)
    for (name, rows, _, calls), got in zip(drawn, answer, strict=True):
        assert expand(got, rows) == [single(name, call) for call in calls], name


def test_a_calculated_column_is_evaluated_as_one_column_call(monkeypatch):
    """5 000 rows of FITN.DEPENSES_EXCLUES: the function runs once, on columns, and its answer is split by row."""
    from test_addin_fixtures import function_arguments, sample_registry

    args = function_arguments(sample_registry(5000, seed=3), serial_dates=True)["fitn_depenses_exclues"]
    runs = []
    original = xlwings_routes.custom_functions_call

    async def counted(**kwargs):
        runs.append(kwargs["data"]["func_name"])
        return await original(**kwargs)

    monkeypatch.setattr(xlwings_routes, "custom_functions_call", counted)
    batch = {**COMMON, "tables": [args["depenses"], args["exclusions"]], "groups": [
        {"func_name": "fitn_depenses_exclues", "rows": 5000,
         "args": [{"cells": [row[0] for row in args["dossier"]]}, {"table": 0}, {"table": 1}]}]}
    (got,) = run(batchcall.answer(batch, USER, None))["result"]
    assert runs == ["fitn_depenses_exclues"]
    column = run(original(current_user=USER, redis_client=None, data={
        **COMMON, "func_name": "fitn_depenses_exclues", "caller_address": None,
        "args": [args["dossier"], args["depenses"], args["exclusions"]]}))
    assert got == {"column": column["result"]}


def test_the_client_code_is_xlwings_code_followed_by_the_batching():
    response = run(batchcall.custom_functions_code())
    js = response.body.decode()
    original = run(xlwings_routes.custom_functions_code()).body.decode()
    assert js.startswith(original)  # xlwings Server's own code, unchanged
    client = js[len(original):]
    assert "makeServerCall = function" in client and "placeholder" not in client
    for f in functions.FUNCTIONS:
        assert f'"{f.__name__}"' in client
