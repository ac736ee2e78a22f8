"""The `new` job: a blank registry for one département, with the fiche's default parameters."""

from __future__ import annotations

from pathlib import Path

from ..book.build import build_registry
from ..core.params import parameters_for
from ..values import CellError, parse_department
from ..workbook.cells import department_name
from ..workbook.lock import registry_lock
from ..workbook.write import check_writable
from .result import EXIT_USAGE, Refused, Result, job


@job
def new_registry(registry: str | Path, departement: str, *, name: str | None = None, force: bool = False) -> Result:
    """Write a blank registry at `registry` for the département `departement` (its name from the code unless
    `name`); an existing file is replaced only with `force`."""
    path = Path(registry)
    if path.suffix.lower() != ".xlsx":
        raise Refused(f"Erreur : le registre doit être un fichier .xlsx (reçu « {path.name} »).", EXIT_USAGE)
    try:
        code = parse_department(departement)
    except CellError as exc:
        raise Refused(f"Erreur : --departement {exc}", EXIT_USAGE) from None
    name = name or department_name(code)
    if not code or code == "Hors France" or not name:
        raise Refused(f"Erreur : département « {departement} » inconnu ; précisez --nom-departement.", EXIT_USAGE)
    if path.exists() and not force:
        raise Refused(f"Erreur : « {path} » existe déjà. Ajoutez --force pour le remplacer.")
    if not path.parent.exists():
        raise Refused(f"Erreur : le dossier « {path.parent} » n'existe pas.")
    with registry_lock(path):  # replacing a registry: not while another command writes it
        if path.exists():
            check_writable(path)
        build_registry(path, parameters_for(code, name))
    result = Result(files=[path])
    result.info(f"Registre créé : {path} (département {code} — {name}).")
    result.info("Saisissez les candidatures, puis lancez « fitn-xl recalc » pour les colonnes calculées.")
    return result
