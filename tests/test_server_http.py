"""`fitn-xl serve` for real: uvicorn on 127.0.0.1 in a subprocess, functions and scripts over HTTP, token auth,
refusals in French, and the task pane in headless Chromium (screenshot kept at docs/taskpane.png)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote

import docx
import openpyxl
import pytest
from test_addin_fixtures import write_sample
from tls_support import self_signed

from fitn_xl.addin.downloads import KEEP_DAYS

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "jeton-de-test-0123456789abcdef"
FORFAITS = [["Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)"],
            ["3a", "Commune", 0, 4999, 5000], ["3a", "Commune", 5000, None, 10000]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "FITN_XL_"))}
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    env.update(extra)
    return env


def _serve_cmd(*args) -> list[str]:
    return [sys.executable, "-c", "import sys; from fitn_xl.cli import main; sys.exit(main())", "serve", *args]


class Server:
    def __init__(self, tmp: Path, *args: str, context=None):
        """`context`: the SSL context trusting the server's certificate, for a server started with --certfile."""
        self.port = _free_port()
        self.context = context
        self.url = f"{'https' if context else 'http'}://127.0.0.1:{self.port}"
        self.downloads = tmp / "telechargements"
        self.log = open(tmp / f"serve-{self.port}.log", "w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            _serve_cmd("--port", str(self.port), "--telechargements", str(self.downloads), *args),
            env=_env(), stdout=self.log, stderr=subprocess.STDOUT, cwd=tmp)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url + "/taskpane", timeout=1, context=self.context).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise AssertionError("server did not start:\n" + self.log.read())

    def request(self, path: str, body=None, token: str | None = None, method: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method or ("POST" if data else "GET"))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", token)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.context) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def read_log(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("secured")
    tokens = tmp / "jetons.txt"
    tokens.write_text(f"# agents\nalice:{TOKEN}\n", encoding="utf-8")
    s = Server(tmp, "--jetons", str(tokens))
    yield s
    s.stop()


def _call(name, args):
    import xlwings  # the client's version (Office.js does not require it to match)

    return {"client": "Office.js", "version": xlwings.__version__, "runtime": "1.4", "func_name": name,
            "args": args, "caller_address": None}


def test_functions_over_http(server):
    status, body = server.request("/xlwings/custom-functions-meta")
    assert status == 200
    names = {f["id"]: f["name"] for f in json.loads(body)["functions"]}
    assert names["FITN_FORFAIT"] == "FORFAIT" and len(names) == 8
    status, body = server.request("/xlwings/custom-functions-call",
                                  _call("fitn_forfait", [[["3a"]], [["Commune"]], [[4000]], FORFAITS]))
    assert status == 200 and json.loads(body)["result"] == [[5000]]
    column = [[100], [6000], ["abc"]]
    status, body = server.request("/xlwings/custom-functions-call",
                                  _call("fitn_forfait", [[["3a"]], [["Commune"]], column, FORFAITS]))
    assert json.loads(body)["result"] == [[5000], [10000], ["Erreur : Population : « abc » n'est pas un nombre"]]


def test_a_5000_row_column_over_http_equals_the_core(server):
    from test_addin_fixtures import expected_columns, function_arguments, sample_registry

    registry = sample_registry(5000, seed=3)
    arguments = function_arguments(registry, serial_dates=True)["fitn_montant_propose"]
    order = ["mesure", "type_candidat", "population", "financee_collectivites", "engagement", "transformation",
             "date_fin", "cout_global", "demande", "part_collectivites", "forfaits", "parametres", "dossier",
             "depenses", "exclusions"]
    status, body = server.request("/xlwings/custom-functions-call", _call("fitn_montant_propose",
                                                                          [arguments[a] for a in order]))
    assert status == 200
    result = json.loads(body)["result"]
    assert [row for row in result if len(row) != 1] == []
    assert [row[0] for row in result] == expected_columns(registry)["fitn_montant_propose"]


def test_unreadable_function_calls_get_a_french_400(server):
    calls = [b"{pas du json", b"[1, 2]", b'{"func_name": "fitn_forfait"}',
             json.dumps(_call("fitn_forfait", [[["3a"]], [["Commune"]], [[4000]], FORFAITS, [[1]]])).encode(),
             json.dumps(_call("fitn_forfait", [[["3a"]], [["Commune"]]])).encode(),
             json.dumps(_call("fitn_inconnue", [[[1]]])).encode(),
             json.dumps(_call("__class__", [])).encode()]
    details = []
    for body in calls:
        req = urllib.request.Request(server.url + "/xlwings/custom-functions-call", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(req, timeout=10)
        assert exc.value.code == 400
        details.append(json.loads(exc.value.read())["detail"])
        assert details[-1].startswith("Appel de fonction FITN illisible : ")
    assert "FITN.FORFAIT prend au plus 4 argument(s), 5 reçu(s)" in details[3]
    assert "FITN.FORFAIT demande au moins 4 argument(s), 2 reçu(s)" in details[4]
    assert "« fitn_inconnue » n'existe pas" in details[5]
    log = server.read_log()
    assert "FITN.FORFAIT prend au plus 4 argument(s)" in log and "Traceback" not in log
    # optional trailing arguments may be left out
    status, body = server.request("/xlwings/custom-functions-call", _call("fitn_depenses_exclues", [
        [["63-2021-0001"]], [["N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur",
                              "Montant (€)"]]]))
    assert status == 200, body


def test_manifest_and_task_pane_are_french_with_the_fitn_namespace(server):
    status, body = server.request("/manifest")
    manifest = body.decode()
    assert status == 200
    assert '<bt:String id="Functions.Namespace" DefaultValue="FITN" />' in manifest
    assert "<DefaultLocale>fr-FR</DefaultLocale>" in manifest and "Recalculer" in manifest
    from fitn_xl.addin.server import MANIFEST_ID

    assert f"<Id>{MANIFEST_ID}</Id>" in manifest  # its own, not xlwings Server's default shared by every project
    status, body = server.request("/taskpane")
    page = body.decode()
    for label in ("Recalculer", "Générer les conventions", "Générer les courriers", "Préparer la liste DITP"):
        assert label in page
    assert 'xw-click="recalculer"' in page and "Jeton d'accès" not in page


def test_recalculer_script_over_http_like_the_vba_client(server, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    path = tmp_path / "registre.xlsx"
    write_sample(path, 10)
    status, body = server.request("/xlwings/custom-scripts-call/recalculer", payload_from_xlsx(path))
    assert status == 200, body[:500]
    actions = json.loads(body)["actions"]
    assert {a["func"] for a in actions} == {"setValues", "alert"}
    alert = next(a for a in actions if a["func"] == "alert")["args"][0]
    # French spacing a VBA message box can show (cp1252: no narrow no-break space)
    assert alert.startswith("Registre recalculé\u00a0: registre.xlsx\n  10 dossier(s), ") and "\u202f" not in alert


def _alert(body: bytes) -> str:
    """The one alert of a script's answer, as the user reads it (French no-break spaces shown as spaces)."""
    alerts = [a["args"][0] for a in json.loads(body)["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1, alerts
    return alerts[0].replace("\u00a0", " ").replace("\u202f", " ")


def _downloads(server, alert: str) -> dict[str, bytes]:
    """The files behind the one download link of `alert` (the file itself, or each file of the list page)."""
    from fitn_xl.addin.scripts import MAX_ALERT

    assert len(alert) <= MAX_ALERT, alert  # a VBA MsgBox shows about 1 024 characters
    found = re.findall(re.escape(server.url) + r"/fitn/fichiers/\S+", alert)
    assert len(found) == 1, alert
    assert str(server.downloads) not in alert  # server paths mean nothing to the user
    path = found[0][len(server.url):]
    if not path.endswith("/"):
        status, content = server.request(path)
        assert status == 200
        return {unquote(path.rsplit("/", 1)[1]): content}
    status, page = server.request(path)
    assert status == 200
    files = {}
    for href in re.findall(r'<a href="([^"]+)">', page.decode()):
        status, content = server.request(path + href)
        assert status == 200
        files[unquote(href)] = content
    return files


def _old_folder(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "convention.docx").write_bytes(b"PK")
    old = time.time() - (KEEP_DAYS + 1) * 86400
    os.utime(folder, (old, old))
    return folder


def test_documents_button_gives_one_download_link_and_purges_old_files(server, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    old = _old_folder(server.downloads, "A" * 22)
    foreign = _old_folder(server.downloads, "dossier-de-l-administrateur")  # not a token: never deleted
    path = tmp_path / "registre.xlsx"
    registry = write_sample(path, 16, seed=2)
    status, body = server.request("/xlwings/custom-scripts-call/generer_courriers", payload_from_xlsx(path))
    assert status == 200, body[:500]
    alert = _alert(body)
    files = _downloads(server, alert)
    assert len(files) > 1 and f"Téléchargement des {len(files)} fichiers : " in alert
    decided = {a.dossier_id for a in registry.applications if a.status in ("Lauréat", "Refusé")}
    for name, content in files.items():
        assert name.endswith(".docx")
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
        assert any(d in name or d in text for d in decided), name
    assert not old.exists() and foreign.exists()
    # the download folder is the only place served
    token = alert.split("/fitn/fichiers/")[1].split("/")[0]
    assert server.request(f"/fitn/fichiers/{token}/..%2F..%2Fetc%2Fpasswd")[0] == 404
    assert server.request("/fitn/fichiers/inconnu/x.docx")[0] == 404


def test_conventions_button_over_http_gives_real_docx(server, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    path = tmp_path / "registre.xlsx"
    registry = write_sample(path, 16, seed=2)
    status, body = server.request("/xlwings/custom-scripts-call/generer_conventions", payload_from_xlsx(path))
    assert status == 200, body[:500]
    files = _downloads(server, _alert(body))
    laureates = {a.dossier_id: a for a in registry.applications if a.status == "Lauréat"}
    assert files and len(files) <= len(laureates)
    for name, content in files.items():
        assert name.endswith(".docx")
        doc = docx.Document(io.BytesIO(content))
        text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for row in t.rows for c in row.cells)
        assert any(a.applicant.lower() in text.lower() for a in laureates.values()), name


def test_ditp_button_over_http_gives_the_list_as_xlsx_and_docx(server, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    path = tmp_path / "registre.xlsx"
    registry = write_sample(path, 16, seed=2)
    payload = payload_from_xlsx(path)
    payload["args"] = ["2022-12"]  # what the task pane's month field sends (every decision is before)
    status, body = server.request("/xlwings/custom-scripts-call/preparer_liste_ditp", payload)
    assert status == 200, body[:500]
    alert = _alert(body)
    files = _downloads(server, alert)
    suffixes = {Path(name).suffix for name in files}
    assert {".xlsx", ".docx"} <= suffixes, files.keys()
    laureates = {a.dossier_id for a in registry.applications if a.status == "Lauréat"}
    xlsx = next(content for name, content in files.items() if name.endswith(".xlsx"))
    cells = {str(v) for ws in openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).worksheets
             for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert laureates & cells
    word = next(content for name, content in files.items() if name.endswith(".docx"))
    doc = docx.Document(io.BytesIO(word))
    cells = [c.text.replace("\u2011", "-") for t in doc.tables for row in t.rows for c in row.cells]
    assert any(d in c for c in cells for d in laureates)
    payload["args"] = ["2022-13"]
    status, body = server.request("/xlwings/custom-scripts-call/preparer_liste_ditp", payload)
    assert status == 200 and _alert(body).startswith("Liste mensuelle DITP : « 2022-13 » n'est pas un mois au "
                                                     "format AAAA-MM (par exemple 20")


def test_an_unexpected_error_in_a_button_is_a_french_alert_and_changes_nothing(server, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    path = tmp_path / "registre.xlsx"
    write_sample(path, 4)
    payload = payload_from_xlsx(path)
    sheet = next(s for s in payload["sheets"] if s["name"] == "Candidatures")
    sheet["tables"][0]["range_address"] = "nimportequoi"  # an inconsistent client payload
    before = set(server.downloads.iterdir())
    for script in ("recalculer", "generer_courriers"):
        status, body = server.request(f"/xlwings/custom-scripts-call/{script}", payload)
        assert status == 200, body[:300]
        actions = json.loads(body)["actions"]
        assert [a["func"] for a in actions] == ["alert"]  # nothing written into the workbook
        alert = actions[0]["args"][0]
        assert "erreur inattendue (NoSuchObjectError)" in alert and "journal du serveur" in alert
        assert "Traceback" not in alert and "nimportequoi" not in alert
    assert set(server.downloads.iterdir()) == before  # the failed call's folder is gone
    assert "NoSuchObjectError: The address/named range 'nimportequoi'" in server.read_log()


def test_requests_without_a_valid_token_are_rejected(secured, tmp_path):
    from fitn_xl.addin.payload import payload_from_xlsx

    path = tmp_path / "registre.xlsx"
    write_sample(path, 3)
    payload = payload_from_xlsx(path)
    call = _call("fitn_forfait", [[["3a"]], [["Commune"]], [[4000]], FORFAITS])
    assert secured.request("/xlwings/custom-functions-call", call)[0] == 401
    assert secured.request("/xlwings/custom-functions-call", call, token="mauvais-jeton-0123456789")[0] == 401
    status, body = secured.request("/xlwings/custom-functions-call", call, token=TOKEN)
    assert status == 200 and json.loads(body)["result"] == [[5000]]
    assert secured.request("/xlwings/custom-scripts-call/recalculer", payload)[0] == 401
    status, body = secured.request("/xlwings/custom-scripts-call/recalculer", payload, token=f"Bearer {TOKEN}")
    assert status == 200 and any(a["func"] == "setValues" for a in json.loads(body)["actions"])
    assert "Jeton d'accès" in secured.request("/taskpane")[1].decode()


def _run_serve(*args, env=None, timeout=30):
    return subprocess.run(_serve_cmd(*args), env=env or _env(), capture_output=True, text=True, timeout=timeout)


def test_non_loopback_address_is_refused_without_authentication():
    proc = _run_serve("--host", "0.0.0.0", "--port", str(_free_port()))
    assert proc.returncode == 2
    assert "Refus d'écouter sur « 0.0.0.0 » sans authentification" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_licence_key_is_explained_in_french():
    env = _env()
    del env["XLWINGS_LICENSE_KEY"]
    proc = _run_serve("--port", str(_free_port()), env=env)
    assert proc.returncode == 1
    for text in ("PolyForm Noncommercial 1.0.0", "institution gouvernementale", "XLWINGS_LICENSE_KEY=noncommercial"):
        assert text in proc.stderr
    assert "Traceback" not in proc.stderr


def test_refused_licence_key_is_explained_in_french(tmp_path):
    env = _env(XLWINGS_LICENSE_KEY="bogus")
    proc = _run_serve("--port", str(_free_port()), "--telechargements", str(tmp_path / "t"), env=env)
    assert proc.returncode == 1, proc.stderr
    assert "XLWINGS_LICENSE_KEY est refusée" in proc.stderr
    for text in ("PolyForm Noncommercial 1.0.0", "institution gouvernementale", "XLWINGS_LICENSE_KEY=noncommercial"):
        assert text in proc.stderr
    assert "Traceback" not in proc.stderr and "Erreur inattendue" not in proc.stderr
    assert "Invalid xlwings license key" not in proc.stderr


def test_server_start_purges_produced_files_older_than_a_week(tmp_path):
    downloads = tmp_path / "telechargements"
    old = _old_folder(downloads, "B" * 22)
    recent = downloads / ("C" * 22)
    recent.mkdir()
    s = Server(tmp_path)
    try:
        assert not old.exists() and recent.exists()
    finally:
        s.stop()


def test_https_needs_both_certificate_and_key(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    proc = _run_serve("--certfile", str(cert), "--port", str(_free_port()))
    assert proc.returncode == 2 and "--certfile et --keyfile vont ensemble" in proc.stderr


def test_https_serves_the_manifest_and_the_functions(tmp_path):
    """Office.js only loads an add-in over HTTPS: with --certfile/--keyfile, the manifest points at https URLs and
    a function call goes through TLS."""
    import ssl

    certfile, keyfile = self_signed(tmp_path)
    context = ssl.create_default_context(cafile=str(certfile))
    s = Server(tmp_path, "--certfile", str(certfile), "--keyfile", str(keyfile), context=context)
    try:
        status, body = s.request("/manifest")
        manifest = body.decode()
        assert status == 200 and f"https://127.0.0.1:{s.port}/taskpane" in manifest
        assert f"http://127.0.0.1:{s.port}" not in manifest
        status, body = s.request("/xlwings/custom-functions-call",
                                 _call("fitn_forfait", [[["3a"]], [["Commune"]], [[4000]], FORFAITS]))
        assert status == 200 and json.loads(body)["result"] == [[5000]]
        with pytest.raises((urllib.error.URLError, ConnectionError)):  # plain HTTP is not served on that port
            urllib.request.urlopen(f"http://127.0.0.1:{s.port}/manifest", timeout=5).read()
    finally:
        s.stop()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="chromium absent (la CI l'installe)")
def test_task_pane_renders_in_headless_chromium(server, tmp_path):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--lang=fr-FR", f"--user-data-dir={tmp_path / 'profil'}"]
    dom = subprocess.run([_chromium(), *flags, "--virtual-time-budget=3000", "--dump-dom", server.url + "/taskpane"],
                         capture_output=True, text=True, timeout=90)
    for label in ("Recalculer", "Générer les conventions", "Générer les courriers", "Préparer la liste DITP"):
        assert label in dom.stdout
    assert 'xw-args="[&quot;20' in dom.stdout or "xw-args='[\"20" in dom.stdout  # fitn.js set the month
    shot = tmp_path / "taskpane.png"
    # before Office.js would give up waiting for Excel (5 s) and offer to reload: the pane as Excel shows it
    subprocess.run([_chromium(), *flags, "--window-size=380,720", "--virtual-time-budget=1500",
                    f"--screenshot={shot}", server.url + "/taskpane?apercu=1"], capture_output=True, timeout=90)
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    # docs/taskpane.png is tracked: refreshed only on request (FITN_XL_DOCS=1), never as a side effect of a run
    if os.environ.get("FITN_XL_DOCS") == "1":
        shutil.copy(shot, ROOT / "docs" / "taskpane.png")


@pytest.mark.skipif(_chromium() is None, reason="chromium absent (la CI l'installe)")
def test_task_pane_lists_the_produced_files_of_a_button(server, tmp_path, monkeypatch):
    """fitn.js shows a button's alert in the pane, the list page's link replaced by one link per file (read from
    that page)."""
    from fitn_xl.addin import remote, scripts

    monkeypatch.setenv("FITN_XL_URL", server.url)
    token = "D" * 22
    folder = server.downloads / token
    files = [folder / "Courriers" / "courrier 63-2021-0001.docx", folder / "Courriers" / "courrier 63-2021-0002.docx"]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"PK")
    alert = remote.alert_text(scripts.Outcome(f"Courriers de notification : 2 fichier(s) produit(s) dans « {folder} ».",
                                              files=files), token, folder)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profil'}"]
    url = f"{server.url}/taskpane?apercu=1&alerte={quote(alert)}"  # the pane after a button with this alert
    dom = subprocess.run([_chromium(), *flags, "--virtual-time-budget=2000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=60).stdout
    pane = dom[dom.index('id="fitn-resultat"'):]
    assert "Courriers de notification : 2 fichier(s) produit(s)." in pane
    for f in files:
        href = f"{server.url}/fitn/fichiers/{token}/Courriers/{quote(f.name)}"
        assert f'href="{href}"' in pane and f"Courriers/{f.name}</a>" in pane
    assert str(folder) not in pane
