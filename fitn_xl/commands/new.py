"""`fitn-xl new REGISTRE.xlsx --departement CODE [--nom-departement NOM] [--force]`: a blank registry."""

from __future__ import annotations

from .. import app
from ._common import print_result


def run(args) -> int:
    return print_result(app.new_registry(args.registre, args.departement, name=args.nom_departement,
                                         force=args.force))
