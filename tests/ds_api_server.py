"""A local Démarches Simplifiées API for the tests: DS's published GraphQL schema (tests/data/
ds-api-v2-schema.graphql, app/graphql/schema.graphql of DS at commit e1338d7) executed by graphql-core, over the
fixture dossiers of `ds_export`, on 127.0.0.1.

As DS does (app/controllers/api/v2/base_controller.rb, app/graphql/types/champ_type.rb): a request without a valid
Bearer token is refused with 403 and DS's English message; `dossiers(first, after, updatedSince)` pages with an
opaque cursor and keeps the dossiers changed since a date; a champ resolves to its own type only when the query
names that type in a fragment (a yes/no champ reads as a checkbox otherwise, a drop-down or a pays as text);
decision mutations need an instructeur of the démarche and a dossier en instruction, change the dossier and are
recorded. Every answer is produced by graphql-core's execution against the schema: it validates the query and
checks every value returned against its declared type (non-null, enums, lists).
"""

from __future__ import annotations

import base64
import json
import threading
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ds_export import STATE_LABELS, Dossier, Tdc, api_dossier, paris, typed_id
from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    build_schema,
    graphql_sync,
    parse,
    visit,
)
from graphql.language import Visitor

SCHEMA_SDL = (Path(__file__).parent / "data" / "ds-api-v2-schema.graphql").read_text(encoding="utf-8")
FALLBACK = {"YesNoChamp": "CheckboxChamp", "DropDownListChamp": "TextChamp", "PaysChamp": "TextChamp",
            "DepartementChamp": "TextChamp", "CommuneChamp": "TextChamp"}
NO_TOKEN = "Without a token, only persisted queries are allowed"


class _Fragments(Visitor):
    def __init__(self):
        super().__init__()
        self.types: set[str] = set()

    def enter_inline_fragment(self, node: InlineFragmentNode, *_):
        if node.type_condition:
            self.types.add(node.type_condition.name.value)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_):
        self.types.add(node.type_condition.name.value)


def _fragment_types(query: str) -> set[str]:
    visitor = _Fragments()
    visit(parse(query), visitor)
    return visitor.types


class FakeDs:
    """One démarche of the fixture. `now` is DS's clock (dossiers changed by a mutation take it)."""

    def __init__(self, number: int, title: str, demarche: list[Tdc], dossiers: list[Dossier], token: str,
                 instructeurs: tuple[str, ...]):
        self.number, self.title, self.token = number, title, token
        self.tdcs = demarche  # the types de champ (what the administrator built)
        self.dossiers = {d.id: d for d in dossiers}
        self.instructeurs = {email: typed_id("Instructeur", i) for i, email in enumerate(instructeurs, start=1)}
        self.requests: list[dict] = []  # what the client asked: operation name and variables
        self.mutations: list[tuple[str, dict]] = []
        self.now = datetime(2021, 6, 1, 12, 0)
        self.schema = build_schema(SCHEMA_SDL)
        self.schema.get_type("Champ").resolve_type = self._champ_type
        self.schema.get_type("Demandeur").resolve_type = lambda obj, info, _t: obj["__typename"]

    # --- resolvers -----------------------------------------------------------------------------------------
    @staticmethod
    def _champ_type(obj, info, _type):
        name = obj["__typename"]
        if name in FALLBACK and name not in info.context["fragments"]:
            return FALLBACK[name]
        return name

    def _node(self, d: Dossier) -> dict:
        return api_dossier(self.tdcs, d, self.instructeurs)

    def demarche(self, info, number: int):
        if number != self.number:
            raise GraphQLError("Demarche not found", extensions={"code": "not_found"})
        return {
            "id": typed_id("Procedure", number), "number": number, "title": self.title,
            "groupeInstructeurs": lambda info, closed=None: [{
                "id": typed_id("GroupeInstructeur", 1), "number": 1, "label": "défaut", "closed": False,
                "instructeurs": [{"id": i, "email": e} for e, i in self.instructeurs.items()]}],
            "dossiers": self._dossiers,
        }

    def _dossiers(self, info, first: int | None = None, after: str | None = None, updatedSince: str | None = None,
                  **_ignored):
        ordered = sorted(self.dossiers.values(), key=lambda d: (d.depose_at, d.id))
        if updatedSince:
            since = datetime.fromisoformat(updatedSince)
            ordered = sorted((d for d in ordered if paris(d.updated_at) >= since), key=lambda d: (d.updated_at, d.id))
        start = int(base64.b64decode(after).decode()) if after else 0
        page = ordered[start:start + (first or 100)]
        end = start + len(page)
        return {"nodes": [self._node(d) for d in page], "edges": [],
                "pageInfo": {"hasNextPage": end < len(ordered), "hasPreviousPage": start > 0,
                             "startCursor": base64.b64encode(str(start).encode()).decode(),
                             "endCursor": base64.b64encode(str(end).encode()).decode() if page else None}}

    def _decide(self, name: str, input: dict, state: str | None, needs: str = "en_instruction"):
        self.mutations.append((name, dict(input)))
        number = int(base64.b64decode(input["dossierId"]).decode().split("-", 1)[1])
        d = self.dossiers.get(number)
        if input.get("instructeurId") not in self.instructeurs.values():
            return {"dossier": None, "errors": [{"message": "L’instructeur n’a pas les droits d’accès à ce dossier"}]}
        if d is None:
            raise GraphQLError("Dossier not found", extensions={"code": "not_found"})
        if d.state != needs:
            return {"dossier": self._node(d), "errors": [{
                "message": f"Le dossier est déjà {STATE_LABELS[d.state].lower()}"}]}
        d.state, d.updated_at = state, self.now
        if state == "en_instruction":
            d.en_instruction_at = self.now
        else:
            d.processed_at, d.motivation = self.now, input.get("motivation")
        return {"dossier": self._node(d), "errors": None}

    def dossierPasserEnInstruction(self, info, input):  # noqa: N802 (GraphQL names)
        return self._decide("dossierPasserEnInstruction", input, "en_instruction", needs="en_construction")

    def dossierAccepter(self, info, input):  # noqa: N802
        return self._decide("dossierAccepter", input, "accepte")

    def dossierRefuser(self, info, input):  # noqa: N802
        return self._decide("dossierRefuser", input, "refuse")

    def dossierClasserSansSuite(self, info, input):  # noqa: N802
        return self._decide("dossierClasserSansSuite", input, "sans_suite")

    # --- HTTP ----------------------------------------------------------------------------------------------
    def answer(self, authorization: str, body: bytes) -> tuple[int, dict]:
        if authorization != f"Bearer {self.token}":
            return 403, {"errors": [{"message": NO_TOKEN, "extensions": {"code": "forbidden"}}], "data": None}
        request = json.loads(body)
        query, variables = request.get("query", ""), request.get("variables") or {}
        self.requests.append({"operation": request.get("operationName"), "variables": variables, "query": query})
        result = graphql_sync(self.schema, query, root_value=self, variable_values=variables,
                              operation_name=request.get("operationName"),
                              context_value={"fragments": _fragment_types(query)})
        out: dict = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        return 200, out

    @contextmanager
    def serve(self):
        """The API on http://127.0.0.1:<port>; yields the instance URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                if self.path != "/api/v2/graphql":
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                status, doc = fake.answer(self.headers.get("Authorization", ""), self.rfile.read(length))
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
