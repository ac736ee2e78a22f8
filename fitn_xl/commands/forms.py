"""`fitn-xl forms -o DOSSIER [--departement CODE] [--registre REGISTRE.xlsx]`: the blank application forms."""

from __future__ import annotations

import sys

from ..core.params import default_parameters, parameters_for
from ..forms.build import issuer_from_parameters, write_forms
from ..schema import SHEET_PARAMETERS
from ..values import CellError, parse_department
from ..workbook.cells import departments
from ..workbook.read import load_registry
from ._common import EXIT_OK, EXIT_USAGE


def run(args) -> int:
    if args.registre:
        loaded = load_registry(args.registre)
        for issue in loaded.issues:
            if issue.sheet == SHEET_PARAMETERS:
                print(f"Attention : {issue}", file=sys.stderr)
        params = loaded.registry.parameters
    elif args.departement:
        try:
            code = parse_department(args.departement)
        except CellError as exc:
            print(f"Erreur : --departement : {exc}", file=sys.stderr)
            return EXIT_USAGE
        params = parameters_for(code, departments().get(code, ""))
    else:
        params = default_parameters()
    for path in write_forms(args.output, issuer_from_parameters(params)):
        print(path)
    return EXIT_OK
