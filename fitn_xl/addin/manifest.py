"""The Office add-in manifest with the server's one configured address (`FITN_XL_URL`, `fitn-xl serve --url`).

xlwings Server builds the manifest's URLs from the Host header of the request that fetched it (or from a hostname
setting that forces https and drops the port), while the download links of the buttons use `FITN_XL_URL`: two
addresses for one server, one of them chosen by whoever sends the request. These routes, put in front of xlwings
Server's, fill the same template with `FITN_XL_URL` only.

Importing this module imports xlwings Server: call `server.configure` first.
"""

from __future__ import annotations

import re

from fastapi import Request
from xlwings_server.config import settings
from xlwings_server.templates import TemplateResponse

from .settings import public_url

PATHS = (f"{settings.app_path}/manifest", f"{settings.app_path}/manifest.xml")
DOWNLOAD_PATH = f"{settings.app_path}/manifest/download"


def _manifest(request: Request, download: bool):
    base_url = public_url()
    manifest_id = {"dev": settings.manifest_id_dev, "qa": settings.manifest_id_qa, "uat": settings.manifest_id_uat,
                   "staging": settings.manifest_id_staging, "prod": settings.manifest_id_prod}[settings.environment]
    headers = {}
    if download:
        name = re.sub(r"[^a-z0-9]+", "-", settings.project_name.lower()).strip("-")
        headers["Content-Disposition"] = f"attachment; filename={name}-{settings.environment}.xml"
    return TemplateResponse(request=request, name="manifest.xml", media_type="text/plain", headers=headers,
                            context={"settings": settings, "base_url": base_url,
                                     "base_url_with_app_path": f"{base_url}{settings.app_path}",
                                     "manifest_id": manifest_id})


async def manifest(request: Request):
    return _manifest(request, download=False)


async def manifest_download(request: Request):
    return _manifest(request, download=True)


def install(app) -> None:
    """Put these routes in front of xlwings Server's; once."""
    if any(getattr(route, "endpoint", None) is manifest for route in app.router.routes):
        return
    for path, endpoint in ((PATHS[0], manifest), (PATHS[1], manifest), (DOWNLOAD_PATH, manifest_download)):
        app.add_api_route(path, endpoint, methods=["GET"])
        routes = app.router.routes
        routes.insert(0, routes.pop())
