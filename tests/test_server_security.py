"""`fitn-xl serve` against a hostile network, for real (uvicorn on 127.0.0.1 in a subprocess, raw sockets, headless
Chromium): only the project's tokens and Entra ID authenticate, authentication comes before the body, Host and
Origin are this server's, a cross-site POST cannot reach a button, odd paths are 4xx, the manifest and the download
links use the one configured address."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
from urllib.parse import quote

import chromium_cdp
import pytest
from chromium_cdp import Chromium, executable
from test_addin_fixtures import write_sample
from test_server_http import TOKEN, Server, _call, _env, _free_port, _run_serve

from fitn_xl.addin.payload import payload_from_xlsx

FORFAIT = _call("fitn_forfait", [[["3a"]], [["Commune"]], [[4000]], [["Mesure", "Type de candidat", "Population min",
                                                                       "Population max", "Montant (€)"],
                                                                      ["3a", "Commune", 0, 4999, 5000]]])


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("securise")
    tokens = tmp / "jetons.txt"
    tokens.write_text(f"alice:{TOKEN}\n", encoding="utf-8")
    s = Server(tmp, "--jetons", str(tokens))
    yield s
    s.stop()


PUBLIC = "https://fitn.prefecture.test:8443"  # the address the agents' Excel calls (a proxy in front, say)


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("nomme"), "--url", PUBLIC)
    yield s
    s.stop()


def raw(server: Server, head: str, body: bytes = b"", send_all: bool = True, timeout: float = 10) -> tuple[int, str]:
    """Send `head` (request line and headers, CRLF-separated, without the blank line) and `body`; the status and
    the text answered. With `send_all` False, only the first KB of the body is sent before reading the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n\r\n" + (body if send_all else body[:1024]))
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.find(b"\r\n\r\n") + 4 + _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


def _length(answer: bytes) -> int:
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", answer)
    return int(m.group(1)) if m else 0


def post(server: Server, path: str, body: bytes, content_type: str = "application/json", token: str | None = None,
         extra: str = "", send_all: bool = True) -> tuple[int, str]:
    """A POST of `body` as a client sends it (raw, so that headers and sizes are exactly these)."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close")
    if token:
        head += f"\r\nAuthorization: {token}"
    return raw(server, head + extra, body, send_all)


# --- authentication ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("providers,message", [
    ('["custom"]', "fournisseur d'identité « custom » refusé"),
    ('["fitn", "custom"]', "fournisseur d'identité « custom » refusé"),
    ('["maison"]', "fournisseur d'identité « maison » refusé"),
    ('["fitn"]', "aucun n'est configuré"),
    ('["entraid"]', "XLWINGS_AUTH_ENTRAID_CLIENT_ID et XLWINGS_AUTH_ENTRAID_TENANT_ID"),
])
def test_only_the_projects_tokens_and_a_configured_entra_id_authenticate(providers, message):
    proc = _run_serve("--port", str(_free_port()), env=_env(XLWINGS_AUTH_PROVIDERS=providers))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_xlwings_placeholder_token_never_opens_the_server(secured):
    """« test-token » is what xlwings Server's example « custom » provider accepts: here, nothing."""
    status, _ = post(secured, "/xlwings/custom-functions-call", json.dumps(FORFAIT).encode(), token="test-token",
                     extra="\r\nAuth-Provider: custom")
    assert status in (400, 401)


def test_a_10_mb_body_without_token_is_refused_before_it_is_read(secured):
    body = b"[" + b"0," * 5_000_000 + b"0]"
    start = time.monotonic()
    status, text = post(secured, "/xlwings/custom-scripts-call/recalculer", body, send_all=False)
    assert status == 401 and "Jeton d'accès absent ou invalide" in json.loads(text)["detail"]
    assert time.monotonic() - start < 5  # answered while 10 MB were still unsent
    for path in ("/xlwings/custom-scripts-call/recalculer", "/xlwings/custom-functions-call"):
        status, text = post(secured, path, b"{pas du json")
        assert status == 401, text  # a malformed body without token: 401, never 500
        status, text = post(secured, path, b"{pas du json", token=TOKEN)
        assert status == 400 and "illisible" in json.loads(text)["detail"], text


def test_a_valid_token_still_runs_functions_and_buttons(secured, tmp_path):
    assert secured.request("/xlwings/custom-functions-call", FORFAIT, token=TOKEN)[0] == 200
    path = tmp_path / "registre.xlsx"
    write_sample(path, 3)
    status, body = secured.request("/xlwings/custom-scripts-call/recalculer", payload_from_xlsx(path), token=TOKEN)
    assert status == 200 and any(a["func"] == "setValues" for a in json.loads(body)["actions"])
    big = {**payload_from_xlsx(path), "sheets": "pas une liste"}
    status, body = secured.request("/xlwings/custom-scripts-call/recalculer", big, token=TOKEN)
    assert status == 400 and "« book » et « sheets » attendus" in json.loads(body)["detail"]
    status, body = secured.request("/xlwings/custom-scripts-call/inconnu", payload_from_xlsx(path), token=TOKEN)
    assert status == 404 and "n'existe pas" in json.loads(body)["detail"]


# --- Host, Origin, cross-site posts ------------------------------------------------------------------------------


def test_host_must_be_this_server(secured):
    for host, expected in (("evil.example", 421), (f"evil.example:{secured.port}", 421), ("", 421),
                           (f"127.0.0.1:{secured.port}", 200), (f"localhost:{secured.port}", 200),
                           (f"[::1]:{secured.port}", 200)):
        status, text = raw(secured, f"GET /taskpane HTTP/1.1\r\nHost: {host}\r\nConnection: close")
        assert status == expected, (host, text[:200])
        if expected == 421:
            assert "Adresse inattendue" in json.loads(text)["detail"]


def test_the_configured_address_is_accepted_and_used_everywhere(named, tmp_path):
    public = PUBLIC
    status, text = raw(named, f"GET /manifest HTTP/1.1\r\nHost: fitn.prefecture.test:{named.port}\r\n"
                              "Connection: close")
    assert status == 200
    # fetched through 127.0.0.1, the manifest still names the configured address, and only it
    status, manifest = raw(named, f"GET /manifest HTTP/1.1\r\nHost: 127.0.0.1:{named.port}\r\nConnection: close")
    urls = set(re.findall(r"https?://[^\"<\s]+", manifest))
    assert status == 200 and urls and all(u.startswith(public) for u in urls if "fitn" in u or "127.0.0.1" in u)
    assert "127.0.0.1" not in manifest
    status, _ = raw(named, f"GET /manifest HTTP/1.1\r\nHost: autre.prefecture.test:{named.port}\r\nConnection: close")
    assert status == 421
    # the download link of a button: the same address
    path = tmp_path / "registre.xlsx"
    write_sample(path, 16, seed=2)
    status, body = named.request("/xlwings/custom-scripts-call/generer_courriers", payload_from_xlsx(path))
    alert = next(a for a in json.loads(body)["actions"] if a["func"] == "alert")["args"][0]
    assert f"{public}/fitn/fichiers/" in alert


def test_origin_must_be_this_server(secured):
    body = json.dumps(FORFAIT).encode()
    for origin, expected in (("http://evil.example", 403), ("null", 403), (f"http://localhost:{_free_port()}", 403),
                             (f"http://127.0.0.1:{secured.port}", 200), (f"http://localhost:{secured.port}", 200)):
        status, text = post(secured, "/xlwings/custom-functions-call", body, token=TOKEN,
                            extra=f"\r\nOrigin: {origin}")
        assert status == expected, (origin, text[:200])
    status, text = raw(secured, f"OPTIONS /xlwings/custom-functions-call HTTP/1.1\r\nHost: 127.0.0.1:{secured.port}"
                                f"\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
                                "Connection: close")
    assert status == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; "
                                          "boundary=x", ""])
def test_a_post_a_form_could_send_is_refused(secured, content_type):
    body = json.dumps(FORFAIT).encode()
    status, text = post(secured, "/xlwings/custom-functions-call", body, content_type, token=TOKEN)
    assert status == 415 and "JSON" in json.loads(text)["detail"]


def test_the_vba_client_request_works(secured, tmp_path):
    """What VBA-Web sends for RunRemotePython (WebFormat.Json, no Origin): accepted."""
    path = tmp_path / "registre.xlsx"
    write_sample(path, 2)
    body = json.dumps(payload_from_xlsx(path)).encode()
    status, text = post(secured, "/xlwings/custom-scripts-call/recalculer", body, "application/json; charset=utf-8",
                        token=TOKEN, extra="\r\nUser-Agent: Mozilla/4.0 (compatible; Win32; WinHttp.WinHttpRequest.5)")
    assert status == 200, text[:300]


# --- odd paths ---------------------------------------------------------------------------------------------------

ODD_PATHS = [
    "/fitn/fichiers/%00", "/fitn/fichiers/abcdefghijklmnopqrstuv/%00", "/fitn/fichiers/abcdefghijklmnopqrstuv/a%00b",
    "/fitn/fichiers/..%2f..%2f..%2fetc/passwd", "/fitn/fichiers/abcdefghijklmnopqrstuv/..%2f..%2f..%2fetc%2fpasswd",
    "/fitn/fichiers/abcdefghijklmnopqrstuv/%ff%fe", "/fitn/fichiers/" + "a" * 5000 + "/x",
    "/fitn/fichiers/abcdefghijklmnopqrstuv/" + "b" * 5000, "/fitn/fichiers/%2e%2e/", "/fitn/fichiers//",
    "/static/%00", "/static/..%2f..%2fpyproject.toml", "/static/%ff", "/static/" + "c" * 5000,
    "/xlwings/custom-scripts-call/%00", "/xlwings/custom-scripts-call/..%2f", "/xlwings/custom-scripts-call/%ff",
    "/xlwings/custom-scripts-call/" + "d" * 5000, "/xlwings/alert?prompt=%00", "/manifest/%00", "/%c0%af",
    "//", "/taskpane%00", "/xlwings/custom-functions-meta%00", "/favicon.ico%00", "/" + quote("é" * 300),
]


def test_odd_paths_are_answered_4xx_never_500(secured):
    problems = []
    for path in ODD_PATHS:
        for method in ("GET", "POST"):
            body = b"{}" if method == "POST" else b""
            head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{secured.port}\r\nConnection: close\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nAuthorization: {TOKEN}")
            status, text = raw(secured, head, body)
            if not (200 <= status < 500) or status == 200 and method == "POST":
                problems.append(f"{method} {path[:60]} -> {status} {text[:80]!r}")
    assert not problems, "\n".join(problems)
    assert "Traceback" not in secured.read_log()


# --- a web page in a real browser --------------------------------------------------------------------------------


@pytest.fixture
def attacker():
    """A web site on another port of this machine: the page an agent visits while Excel runs the add-in."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = b"<!doctype html><title>Jeu concours</title><p>Bienvenue</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


ATTACK = """(async () => {
  const target = %s, out = {};
  const tries = {
    form_like: () => fetch(target + "/xlwings/custom-scripts-call/recalculer",
      {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}"}).then(r => r.type),
    json: () => fetch(target + "/xlwings/custom-functions-call",
      {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}).then(r => r.status),
    read_manifest: () => fetch(target + "/manifest").then(r => r.text()),
  };
  for (const [name, run] of Object.entries(tries)) {
    try { out[name] = await run(); } catch (e) { out[name] = "bloquée : " + e.message; }
  }
  return out;
})()"""


@pytest.mark.skipif(executable() is None, reason="chromium absent (la CI l'installe)")
def test_a_web_page_cannot_drive_the_server(tmp_path, attacker):
    """From another site's page in Chromium: a form-like POST is refused by the server (its Origin), a JSON POST
    never leaves the browser (its preflight is refused), the answers cannot be read."""
    server = Server(tmp_path)
    try:
        with Chromium(tmp_path / "profil") as browser:
            browser.open(attacker + "/")
            out = browser.evaluate(ATTACK % json.dumps(server.url))
        log = server.read_log()
    finally:
        server.stop()
    assert out["form_like"] == "opaque"  # sent, but the browser shows the page nothing
    assert out["json"].startswith("bloquée") and out["read_manifest"].startswith("bloquée")
    assert "Requête refusée (403 POST /xlwings/custom-scripts-call/recalculer)" in log
    assert "Requête refusée (403 OPTIONS /xlwings/custom-functions-call)" in log
    assert "called by" not in log  # no function, no button ran


@pytest.mark.skipif(executable() is None, reason="chromium absent (la CI l'installe)")
def test_dns_rebinding_is_refused(tmp_path, monkeypatch):
    """A name the attacker controls resolved to 127.0.0.1 (Chromium's host resolver rules play the rebinding): the
    page loads from « evil.example », its requests are the server's same-origin ones, and the server answers 421."""
    server = Server(tmp_path)
    monkeypatch.setattr(chromium_cdp, "FLAGS", [*chromium_cdp.FLAGS, "--host-resolver-rules=MAP evil.example "
                                                                       "127.0.0.1"])
    try:
        with Chromium(tmp_path / "profil") as browser:
            browser.open(f"http://evil.example:{server.port}/taskpane")
            text = browser.evaluate("document.body.innerText")
            status = browser.evaluate(f"""fetch("/xlwings/custom-functions-call", {{method: "POST",
                headers: {{"Content-Type": "application/json"}}, body: {json.dumps(json.dumps(FORFAIT))}}})
                .then(r => r.status)""")
    finally:
        server.stop()
    assert "Adresse inattendue" in text and status == 421
