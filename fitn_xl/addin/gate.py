"""What every request to `fitn-xl serve` must show before the application sees it: a web page the agent visits must
not be able to drive the server, and an unauthenticated client must not make it read a byte of a body.

An ASGI middleware around xlwings Server's app (outside its CORS layer):
- **Host** names this server: a loopback name (localhost, 127.0.0.1, ::1) or the host of its configured address
  (`FITN_XL_URL`, `fitn-xl serve --url`). A page of evil.example whose name a DNS rebinding points at 127.0.0.1
  sends « Host: evil.example »: refused (421).
- **Origin**, when a browser sends one, is this server's own origin (its address, or a loopback name on its port) or
  one listed in XLWINGS_CORS_ALLOW_ORIGINS: another site's page is refused (403).
- A **POST** carries a JSON content type or a header a browser cannot send to another site without asking it first
  (Auth-Provider, X-Requested-With): a cross-site `text/plain` form post is refused (415). xlwings' Office.js
  client (custom functions, scripts, ribbon) sends `Content-Type: application/json` and `Auth-Provider`; its VBA
  client (`RunRemotePython`, VBA-Web's WebFormat.Json) sends `Content-Type: application/json`.
- With authentication on, the **Authorization** header of a POST is checked first, by the providers xlwings Server
  uses (the project's « fitn » tokens, Entra ID), before the body is received: 401 at once, whatever its size. A
  body must declare its length (411) and stay under `MAX_BODY_ENV` megabytes (413).
Every refusal is a JSON `{"detail": "…"}` in French (what xlwings' clients show), and one line in the server log.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MAX_BODY_ENV = "FITN_XL_CORPS_MAX_MO"
DEFAULT_MAX_BODY_MB = 128  # a 5 000-row FITN call is 1.3 MB, a whole national registry sent by a script ~30 MB
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
NOT_SIMPLE_HEADERS = ("auth-provider", "x-requested-with")  # a browser preflights them: no cross-site form sends them

Auth = Callable[[str, str | None], Awaitable[tuple[int, str] | None]]  # (token, provider) -> refusal or None


def hostname(host_header: str) -> str:
    """« 127.0.0.1:8000 » -> « 127.0.0.1 », « [::1]:8000 » -> « ::1 », lower case, no trailing dot."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}".lower()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Gate:
    """The checks of the module docstring around `app`. `url`: the server's address as clients reach it; `port`: the
    port it listens on; `cors`: extra allowed origins; `auth`: None without authentication."""

    def __init__(self, app, *, url: str, port: int, cors: Iterable[str] = (), auth: Auth | None = None,
                 max_body: int | None = None):
        self.app = app
        self.auth = auth
        public = urlsplit(url)
        self.hosts = {*LOOPBACK_NAMES, (public.hostname or "").lower()} - {""}
        scheme = public.scheme or "http"
        ports = {port, public.port or {"http": 80, "https": 443}.get(scheme)}
        self.origins = {_origin(url)} | {_origin(o) for o in cors if o and o != "*"}
        for name in LOOPBACK_NAMES:
            for p in ports:
                if p:
                    self.origins.add(_origin(f"{scheme}://{f'[{name}]' if ':' in name else name}:{p}"))
        self.origins.discard("")
        self.any_origin = "*" in cors
        self.max_body = max_body if max_body is not None else _max_body()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {}
        for key, value in scope.get("headers") or ():
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        refusal = await self._refusal(scope, headers)
        if refusal is not None:
            status, detail = refusal
            logger.warning("Requête refusée (%s %s %s) : %s", status, scope.get("method", ""),
                           scope.get("path", "")[:200].encode("unicode_escape").decode(), detail)
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _answer(send, status, detail)
        return await self.app(scope, receive, send)

    async def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        name = hostname(host)
        if not name or (name not in self.hosts and not _is_loopback(name)):
            return 421, (f"Adresse inattendue (« {host[:80]} ») : ce serveur ne répond qu'à son adresse configurée "
                         f"({', '.join(sorted(self.hosts))}). Appelez-le par cette adresse, ou faites-la configurer "
                         "(fitn-xl serve --url).")
        origin = headers.get("origin")
        if origin is not None and not self.any_origin and origin.strip().lower().rstrip("/") not in self.origins:
            return 403, (f"Requête refusée : elle vient d'une autre page que le complément (origine "
                         f"« {origin[:80]} »). Une page web ne peut pas piloter le serveur du complément.")
        method = scope.get("method", "GET")
        if scope["type"] != "http" or method in SAFE_METHODS:
            return None
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json" and not any(h in headers for h in NOT_SIMPLE_HEADERS):
            return 415, ("Requête refusée : le complément envoie du JSON (Content-Type: application/json) ; une "
                         "requête d'un autre type peut venir d'une page web, elle n'est pas acceptée.")
        if self.auth is not None:
            problem = await self.auth(headers.get("authorization", ""), headers.get("auth-provider"))
            if problem is not None:
                return problem
        length = headers.get("content-length")
        if length is None:
            if headers.get("transfer-encoding"):
                return 411, "Requête refusée : sa taille doit être annoncée (en-tête Content-Length)."
        elif not length.strip().isdigit():
            return 400, "Requête refusée : en-tête Content-Length invalide."
        elif int(length) > self.max_body:
            return 413, (f"Requête refusée : {int(length) // (1024 * 1024)} Mo, plus que les "
                         f"{self.max_body // (1024 * 1024)} Mo acceptés (réglage {MAX_BODY_ENV}).")
        return None


def _max_body() -> int:
    raw = os.environ.get(MAX_BODY_ENV, "").strip()
    try:
        megabytes = float(raw.replace(",", ".")) if raw else DEFAULT_MAX_BODY_MB
    except ValueError:
        megabytes = DEFAULT_MAX_BODY_MB
    return int(max(megabytes, 0.001) * 1024 * 1024)


async def _answer(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


async def xlwings_auth(token: str, provider: str | None) -> tuple[int, str] | None:
    """The authentication xlwings Server's routes do (`dependencies.authenticate`, with the configured providers),
    done before the body is read; its refusals said in French."""
    from fastapi import HTTPException
    from xlwings_server import dependencies
    from xlwings_server.config import settings

    try:
        await dependencies.authenticate(token_string=token, auth_provider=provider)
    except HTTPException as exc:
        providers = settings.auth_providers or []
        used = provider or (providers[0] if len(providers) == 1 else None)
        if exc.status_code == 401:
            if used == "fitn":  # the project's provider speaks French (fitn_xl.addin.auth)
                return 401, str(exc.detail)
            return 401, ("Jeton d'accès absent ou invalide : reconnectez-vous au complément (Entra ID), ou "
                         "saisissez votre jeton dans le champ « Jeton d'accès » du volet.")
        return exc.status_code if 400 <= exc.status_code < 500 else 400, (
            "En-tête Auth-Provider absent ou inconnu : le serveur a plusieurs fournisseurs d'identité (fitn, "
            "entraid) ; le volet du complément l'envoie lui-même.")
    except Exception as exc:  # Entra ID unreachable (its keys are fetched from Microsoft), a provider's own bug
        logger.warning("Vérification d'un jeton impossible : %s", exc)
        return 503, "Vérification du jeton impossible pour le moment (fournisseur d'identité injoignable) : réessayez."
    return None
