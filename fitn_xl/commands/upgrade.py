"""`fitn-xl upgrade REGISTRE.xlsx [--force]`: a registry of an earlier version rebuilt for this one."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.upgrade(args.registre, force=args.force))
