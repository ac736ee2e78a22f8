"""`fitn-xl new REGISTRE.xlsx --departement CODE [--nom-departement NOM] [--force]`: a blank registry."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.params import parameters_for
from ..values import CellError, parse_department
from ..workbook.build import build_registry
from ..workbook.cells import department_name
from ._common import EXIT_DATA, EXIT_OK, EXIT_USAGE


def run(args) -> int:
    path = Path(args.registre)
    if path.suffix.lower() != ".xlsx":
        print(f"Erreur : le registre doit être un fichier .xlsx (reçu « {path.name} »).", file=sys.stderr)
        return EXIT_USAGE
    try:
        code = parse_department(args.departement)
    except CellError as exc:
        print(f"Erreur : --departement {exc}", file=sys.stderr)
        return EXIT_USAGE
    name = args.nom_departement or department_name(code)
    if not code or code == "Hors France" or not name:
        print(f"Erreur : département « {args.departement} » inconnu ; précisez --nom-departement.", file=sys.stderr)
        return EXIT_USAGE
    if path.exists() and not args.force:
        print(f"Erreur : « {path} » existe déjà. Ajoutez --force pour le remplacer.", file=sys.stderr)
        return EXIT_DATA
    if not path.parent.exists():
        print(f"Erreur : le dossier « {path.parent} » n'existe pas.", file=sys.stderr)
        return EXIT_DATA
    if args.force and path.exists():
        from ..workbook.write import check_not_open

        check_not_open(path)
    build_registry(path, parameters_for(code, name))
    print(f"Registre créé : {path} (département {code} — {name}).")
    print("Saisissez les candidatures, puis lancez « fitn-xl recalc » pour les colonnes calculées.")
    return EXIT_OK
