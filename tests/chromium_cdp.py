"""Headless Chromium driven through the Chrome DevTools protocol over a pipe (--remote-debugging-pipe: no port, no
WebSocket library), for the tests and the benchmark that run the add-in's real client JavaScript.

`Chromium.open(url, replace={pattern: javascript})` loads a page with some scripts answered by the given code
instead of the server (the Office.js stub in place of office.js), then `evaluate(expression)` runs JavaScript in
it (promises awaited, the value returned as JSON).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from fnmatch import fnmatchcase
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=fr-FR"]
STUB = Path(__file__).with_name("officejs_stub.js")


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class PageError(RuntimeError):
    """A script of the page failed (its JavaScript message)."""


class Chromium:
    def __init__(self, profile: Path | None = None):
        self._tmp = None
        if profile is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="fitn-chromium-")
            profile = Path(self._tmp.name)
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def pipes():  # Chromium reads commands on fd 3 and writes answers on fd 4 (moved out of the way first)
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [executable(), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            preexec_fn=pipes, close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._messages: queue.Queue = queue.Queue()
        self._replies: dict[int, dict] = {}
        self._events: list[dict] = []
        self.console: list[str] = []  # errors and warnings the page logged
        self._replace: dict[str, str] = {}
        self.session = None
        threading.Thread(target=self._read, daemon=True).start()

    # --- protocol -------------------------------------------------------------------------------------------------
    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                self._messages.put(None)
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\0")
            for raw in complete:
                self._messages.put(json.loads(raw))

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        with self._lock:
            self._next_id += 1
            message = {"id": self._next_id, "method": method, "params": params or {}}
            sid = self.session if session is None else session  # "": the browser itself
            if sid:
                message["sessionId"] = sid
            data = json.dumps(message).encode() + b"\0"
            while data:
                data = data[os.write(self._to_browser, data):]
            return self._next_id

    def _pump(self, timeout: float) -> bool:
        try:
            message = self._messages.get(timeout=timeout)
        except queue.Empty:
            return False
        if message is None:
            raise RuntimeError("Chromium s'est arrêté")
        if "id" in message:
            self._replies[message["id"]] = message
        else:
            self._event(message)
        return True

    def _event(self, message: dict):
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            body = next((code for pattern, code in self._replace.items() if fnmatchcase(url, pattern)), None)
            if body is None:
                self.send("Fetch.continueRequest", {"requestId": params["requestId"]})
            else:
                self.send("Fetch.fulfillRequest", {
                    "requestId": params["requestId"], "responseCode": 200,
                    "responseHeaders": [{"name": "Content-Type", "value": "text/javascript; charset=utf-8"}],
                    "body": base64.b64encode(body.encode()).decode()})
            return
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.console.append(details.get("exception", {}).get("description") or details.get("text", ""))
        self._events.append(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 120):
        message_id = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while message_id not in self._replies:
            if not self._pump(max(0.01, deadline - time.monotonic())) and time.monotonic() > deadline:
                raise TimeoutError(method)
        reply = self._replies.pop(message_id)
        if "error" in reply:
            raise RuntimeError(f"{method} : {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    del self._events[i]
                    return event.get("params", {})
            if not self._pump(max(0.01, deadline - time.monotonic())) and time.monotonic() > deadline:
                raise TimeoutError(method)

    # --- pages ----------------------------------------------------------------------------------------------------
    def open(self, url: str, replace: dict[str, str] | None = None, timeout: float = 60):
        """Load `url` in a new tab; requests whose URL matches a pattern of `replace` get its script instead."""
        self._replace = dict(replace or {})
        target = self.call("Target.createTarget", {"url": "about:blank"}, session="")["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session="")["sessionId"]
        if self._replace:
            self.call("Fetch.enable", {"patterns": [{"urlPattern": p, "requestStage": "Request"}
                                                    for p in self._replace]})
        self.call("Page.enable")
        self.call("Runtime.enable")
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression: str, timeout: float = 600):
        """The JSON value of `expression` (a promise is awaited); `PageError` with the page's message if it throws."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise PageError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def close(self):
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", session="")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_taskpane(browser: Chromium, server_url: str) -> None:
    """The add-in's task pane page as Excel's shared runtime loads it (every script from the server), with the
    Office.js stub answered in place of office.js; returns once the FITN functions are associated."""
    browser.open(server_url + "/taskpane", replace={"*/office-js/*/office.js*": STUB.read_text(encoding="utf-8")})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if browser.evaluate("globalThis.fitnExcel ? fitnExcel.functions.size : -1") >= 8 and \
                browser.evaluate("typeof globalThis.fitnBatch === 'object'"):
            return
        time.sleep(0.1)
    raise AssertionError("les fonctions FITN ne se sont pas enregistrées : " + " | ".join(browser.console))


def load_arguments(browser: Chromium, arguments: dict[str, dict], tables: frozenset[str]) -> dict[str, list]:
    """Put the ranges of `arguments` (Python function name -> {argument: range}) in the page, each distinct range
    once; returns each function's argument spec for `calculated_column` (arguments in the function's order)."""
    import inspect

    from fitn_xl.formulas import functions

    keys: dict[int, str] = {}
    values: dict[str, object] = {}
    specs: dict[str, list] = {}
    for name, args in arguments.items():
        spec: list = []
        for param in inspect.signature(getattr(functions, name)).parameters:
            value = args.get(param)
            if value is None:
                spec.append(None)
                continue
            if not isinstance(value, list):
                value = [[value]]
            key = keys.setdefault(id(value), f"r{len(keys)}")
            values[key] = value
            spec.append({"table": key} if param in tables else {"row": key})
        specs[name] = spec
    browser.evaluate(f"Object.assign(fitnExcel.values, {json.dumps(values)}), true")
    return specs


def calculated_column(browser: Chromium, name: str, spec: list, n: int, form: str = "rows", copies: bool = False,
                      keep: bool = True) -> dict:
    """Excel recalculating function `name` (Python name) as a calculated column of `n` rows (form "rows": one
    invocation per row, all in one tick) or as one column-form call (form "column"): {ms, results}."""
    return browser.evaluate(
        f"(async () => fitnExcel.invoke({json.dumps(name.upper())}, fitnExcel.build({json.dumps(spec)}, {n}, "
        f"{json.dumps(form)}, {json.dumps(copies)}), null, {json.dumps(keep)}))()")


def cell_values(run: dict, form: str) -> list:
    """The cells a run shows, top to bottom: a value, or ("#VALUE!", message) for a call Excel shows as an error."""
    out = []
    for outcome in run["results"]:
        if "error" in outcome:
            out.append((outcome.get("code") or "#VALUE!", outcome["error"]))
        elif form == "column":
            out.extend(row[0] for row in outcome["value"])
        else:
            assert len(outcome["value"]) == 1 and len(outcome["value"][0]) == 1, outcome
            out.append(outcome["value"][0][0])
    return out
