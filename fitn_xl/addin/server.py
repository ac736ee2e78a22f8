"""`fitn-xl serve`: the add-in server, built on the `xlwings-server` package.

The server project (functions, scripts, task pane, manifest, token auth, download routes) is the folder
`server_project/` of this package, given to xlwings Server as XLWINGS_PROJECT_DIR. xlwings Server reads its
settings from the environment when it is imported, so `configure` sets them first; `app()` then imports it.
"""

from __future__ import annotations

import gc
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import auth
from .settings import DOWNLOADS_ENV, PORT_ENV, URL_ENV, listen_port, public_url

PROJECT_DIR = Path(__file__).parent / "server_project"
NAMESPACE = "FITN"
# The Office add-in's own <Id> in its manifest (xlwings Server's default one is shared by every project built on
# it: Office would take two such add-ins for one). XLWINGS_MANIFEST_ID_PROD overrides it.
MANIFEST_ID = "99b98512-7ff8-4963-a8e4-ce280f59d8ef"
MANIFEST_ID_ENV = "XLWINGS_MANIFEST_ID_PROD"
LICENSE_ENV = "XLWINGS_LICENSE_KEY"

LICENSE_MISSING = "La clé de licence xlwings est absente (variable d'environnement XLWINGS_LICENSE_KEY)."
LICENSE_REFUSED = ("La clé de licence xlwings donnée dans la variable d'environnement XLWINGS_LICENSE_KEY est "
                   "refusée par xlwings (clé invalide ou expirée).")

LICENSE_EXPLAINED = """\
Le serveur du complément repose sur xlwings Server (fonctions Office.js, boutons à distance), distribué sous la
licence PolyForm Noncommercial 1.0.0 ou sous licence commerciale. La licence non commerciale est gratuite ; elle
permet l'usage pour tout objectif non commercial et cite expressément, parmi les usages permis, celui d'une
institution gouvernementale (« government institution ») : une préfecture qui instruit les dossiers du fonds en
relève. Texte de la licence : https://polyformproject.org/licenses/noncommercial/1.0.0/

Pour choisir cette licence, définissez la variable avant de lancer le serveur :
    export XLWINGS_LICENSE_KEY=noncommercial          (Linux, macOS)
    set XLWINGS_LICENSE_KEY=noncommercial             (Windows, invite de commandes)
    $env:XLWINGS_LICENSE_KEY = "noncommercial"        (Windows, PowerShell)
puis relancez : fitn-xl serve

Sans serveur, le complément classique (boutons RunPython et fonctions UDF de xlwings, licence BSD) reste
utilisable : voir macros/README.md."""

LICENSE_HELP = f"{LICENSE_MISSING}\n\n{LICENSE_EXPLAINED}"

# The authentication providers the server accepts: the project's tokens, Entra ID. xlwings Server's own « custom »
# provider is a placeholder that accepts the public token « test-token »: never.
PROVIDERS = ("fitn", "entraid")
ENTRAID_ENV = ("XLWINGS_AUTH_ENTRAID_CLIENT_ID", "XLWINGS_AUTH_ENTRAID_TENANT_ID")


class ServeError(ValueError):
    """A configuration the server refuses (French message); `code` is the exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def license_problem() -> str | None:
    """The French explanation when the xlwings licence key is missing or refused, else None."""
    if not os.environ.get(LICENSE_ENV, "").strip():
        return LICENSE_HELP
    return None


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _auth_providers() -> list[str]:
    raw = os.environ.get("XLWINGS_AUTH_PROVIDERS", "").strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = [p.strip() for p in raw.split(",")]
    return [str(p) for p in (value if isinstance(value, list) else [value]) if str(p).strip()]


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8000
    certfile: str | None = None
    keyfile: str | None = None
    tokens_file: str | None = None
    downloads: str | None = None
    public_url: str | None = None  # the address clients use (--url), for the manifest and the download links

    @property
    def https(self) -> bool:
        return bool(self.certfile)

    def url(self) -> str:
        """The server's address as clients reach it: `public_url`, else built from the host and the port."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.getfqdn()
        elif ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{'https' if self.https else 'http'}://{host}:{self.port}"


def configure(config: Config) -> dict[str, str]:
    """Check `config` and set the environment xlwings Server reads at import. Returns the variables set.
    Raises `ServeError` (French) for a configuration to refuse."""
    problem = license_problem()
    if problem:
        raise ServeError(problem, code=1)
    if bool(config.certfile) != bool(config.keyfile):
        raise ServeError("--certfile et --keyfile vont ensemble : donnez le certificat et sa clé privée.")
    for option, path in (("--certfile", config.certfile), ("--keyfile", config.keyfile),
                         ("--jetons", config.tokens_file)):
        if path and not Path(path).is_file():
            raise ServeError(f"{option} : le fichier « {path} » n'existe pas.")
    env: dict[str, str] = {}
    if config.tokens_file:
        env[auth.TOKENS_FILE_ENV] = str(Path(config.tokens_file).resolve())
        os.environ[auth.TOKENS_FILE_ENV] = env[auth.TOKENS_FILE_ENV]
    try:
        tokens = auth.configured_tokens()
    except auth.TokenError as exc:
        raise ServeError(f"Jetons d'accès : {exc}") from None
    providers = _auth_providers()
    if tokens and "fitn" not in providers:
        providers.append("fitn")
    unknown = [p for p in providers if p not in PROVIDERS]
    if unknown:
        raise ServeError(f"XLWINGS_AUTH_PROVIDERS : fournisseur d'identité « {unknown[0]} » refusé. Le serveur accepte "
                         "les jetons d'accès de fitn-xl (« fitn » : --jetons FICHIER ou FITN_XL_JETONS) et Entra ID "
                         "(« entraid », avec XLWINGS_AUTH_ENTRAID_CLIENT_ID et XLWINGS_AUTH_ENTRAID_TENANT_ID) ; le "
                         "fournisseur « custom » de xlwings Server n'est qu'un exemple qui accepte un jeton public.")
    if "fitn" in providers and not tokens:
        raise ServeError("XLWINGS_AUTH_PROVIDERS demande les jetons d'accès de fitn-xl, mais aucun n'est configuré : "
                         "donnez --jetons FICHIER (une ligne « nom:jeton » par agent) ou la variable FITN_XL_JETONS.")
    if "entraid" in providers:
        missing = [name for name in ENTRAID_ENV if not os.environ.get(name, "").strip()
                   and not (name.endswith("TENANT_ID") and os.environ.get("XLWINGS_AUTH_ENTRAID_MULTITENANT",
                                                                            "").lower() in ("1", "true", "yes"))]
        if missing:
            raise ServeError(f"Entra ID (XLWINGS_AUTH_PROVIDERS) : définissez {' et '.join(missing)} (l'application "
                             "enregistrée pour le complément dans Entra ID).")
    url = config.url() if config.public_url else (os.environ.get(URL_ENV) or config.url())
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ServeError(f"--url : « {url} » n'est pas une adresse http(s)://nom:port.")
    if not providers and not is_loopback(config.host):
        raise ServeError(
            f"Refus d'écouter sur « {config.host} » sans authentification : le serveur donnerait accès aux "
            "registres à tout le réseau.\nConfigurez des jetons d'accès (--jetons FICHIER, une ligne "
            "« nom:jeton » par agent, ou la variable FITN_XL_JETONS) ou un fournisseur d'identité "
            "(XLWINGS_AUTH_PROVIDERS=[\"entraid\"]), ou restez sur 127.0.0.1."
        )
    env.update({
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_PROJECT_DIR": str(PROJECT_DIR),
        "XLWINGS_FUNCTIONS_NAMESPACE": NAMESPACE,
        "XLWINGS_PROJECT_NAME": "FITN7 axe 3",
        MANIFEST_ID_ENV: os.environ.get(MANIFEST_ID_ENV) or MANIFEST_ID,
        "XLWINGS_ENABLE_SOCKETIO": "false",
        "XLWINGS_ENABLE_HOTRELOAD": "false",
        "XLWINGS_ENABLE_EXAMPLES": "false",
        "XLWINGS_LOG_LEVEL": os.environ.get("XLWINGS_LOG_LEVEL", "WARNING"),  # no log line per cell call
        "XLWINGS_AUTH_PROVIDERS": json.dumps(providers),
        "DOTENV_PATH": str(PROJECT_DIR / ".env"),  # never read a .env of the current folder
        URL_ENV: url.rstrip("/"),
        PORT_ENV: str(config.port),
        DOWNLOADS_ENV: str(Path(config.downloads or os.environ.get(DOWNLOADS_ENV) or
                                Path.home() / ".fitn-xl" / "telechargements").resolve()),
    })
    os.environ.update(env)
    Path(env[DOWNLOADS_ENV]).mkdir(parents=True, exist_ok=True)
    return env


def app():
    """The ASGI app of xlwings Server with the fitn-xl project (call `configure` first)."""
    try:
        # With XLWINGS_ON_SERVER set, the first `import xlwings` checks the licence key and raises
        # xlwings.LicenseError, a class that cannot be imported before (importing it is what raises).
        import xlwings  # noqa: F401
        from xlwings_server.main import app as fastapi_app
        from xlwings_server.main import main_app
    except Exception as exc:
        if type(exc).__name__ != "LicenseError":
            raise
        raise ServeError(f"{LICENSE_REFUSED}\n\n{LICENSE_EXPLAINED}", code=1) from None
    from xlwings_server.config import settings

    from . import batchcall, fastcall, gate, manifest, scriptcall

    unknown = [p for p in settings.auth_providers or () if p not in PROVIDERS]
    if unknown:  # configure() refuses them; an app built otherwise must not run with them either
        raise ServeError(f"Fournisseur d'identité « {unknown[0]} » refusé (acceptés : {', '.join(PROVIDERS)}).")
    fastcall.install(fastapi_app)
    batchcall.install(fastapi_app)
    scriptcall.install(fastapi_app)
    manifest.install(fastapi_app)
    return gate.Gate(main_app, url=public_url(), port=listen_port(), cors=settings.cors_allow_origins or (),
                     auth=gate.xlwings_auth if settings.auth_providers else None)


def serve(config: Config, announce=None) -> None:
    """Check and apply `config`, then run the server until interrupted (uvicorn, one worker). `announce(text)` is
    called once the configuration is accepted."""
    import uvicorn

    env = configure(config)
    application = app()
    from .downloads import purge

    purge(Path(env[DOWNLOADS_ENV]))  # produced files hold personal data: kept downloads.KEEP_DAYS days
    # What the imports built lives as long as the server: out of the garbage collector's walks, which otherwise
    # cost more than decoding the JSON of a 5 000-row function call (bench/bench_addin.py).
    gc.collect()
    gc.freeze()
    if announce:
        announce(f"Serveur du complément FITN7 axe 3 : {config.url()} (manifeste : {config.url()}/manifest ; "
                 "arrêt : Ctrl+C)")
        if not config.https:
            announce("Sans certificat HTTPS : seuls les boutons VBA (RunRemotePython) fonctionnent ; Office.js "
                     "(volet et fonctions FITN.*) exige HTTPS (--certfile, --keyfile).")
    uvicorn.run(application, host=config.host, port=config.port, ssl_certfile=config.certfile,
                ssl_keyfile=config.keyfile, log_level=os.environ.get("FITN_XL_LOG", "warning"))
