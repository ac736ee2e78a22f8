"""Settings of the add-in server read from the environment (no xlwings import: `fitn-xl serve` must set
XLWINGS_ON_SERVER before xlwings is first imported)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOWNLOADS_ENV = "FITN_XL_TELECHARGEMENTS"  # folder of produced files (set by `fitn-xl serve`)
URL_ENV = "FITN_XL_URL"  # the server's address as clients reach it: the manifest's URLs, the download links
PORT_ENV = "FITN_XL_PORT"  # the port `fitn-xl serve` listens on (loopback origins on that port are its own)


def downloads_dir() -> Path:
    folder = os.environ.get(DOWNLOADS_ENV) or str(Path(tempfile.gettempdir()) / "fitn-xl-telechargements")
    return Path(folder)


def public_url() -> str:
    return os.environ.get(URL_ENV, "").rstrip("/")


def listen_port() -> int:
    try:
        return int(os.environ.get(PORT_ENV, ""))
    except ValueError:
        return 0
