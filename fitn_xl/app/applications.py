"""The application-forms jobs: the blank forms to send to applicants, and importing what comes back (filled Word
forms, Démarches Simplifiées exports)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .. import schema
from ..core.params import default_parameters, parameters_for
from ..forms import ds as dsmod
from ..forms.build import issuer_from_parameters, write_forms
from ..forms.importer import ImportFailed, Numbering, Plan, plan_ds, plan_forms, read_journal, write_plan
from ..forms.parse import parse_form
from ..values import CellError, parse_department
from ..workbook.cells import departments
from ..workbook.read import RegistryError, load_registry
from .result import EXIT_DATA, EXIT_USAGE, SYSTEM_CLOCK, Clock, Refused, Result, job


@job
def forms(output: str | Path, *, departement: str | None = None, registry: str | Path | None = None) -> Result:
    """Both blank forms (annexes 1 and 2), headed by the préfecture of `registry`'s parameters, else of the
    département `departement`, else with blanks."""
    result = Result()
    if registry:
        loaded = load_registry(registry)
        for issue in loaded.issues:
            if issue.sheet == schema.SHEET_PARAMETERS:
                result.warn(f"Attention : {issue}")
        params = loaded.registry.parameters
    elif departement:
        try:
            code = parse_department(departement)
        except CellError as exc:
            raise Refused(f"Erreur : --departement : {exc}", EXIT_USAGE) from None
        params = parameters_for(code, departments().get(code, ""))
    else:
        params = default_parameters()
    result.files = write_forms(output, issuer_from_parameters(params))
    for path in result.files:
        result.info(str(path))
    return result


@job
def import_files(registry: str | Path, files: Sequence[str | Path], *, mapping: str | Path | None = None,
                 received_on: date | None = None, force: bool = False, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Filled forms (.docx) and DS exports into the registry, in one atomic write. Status 0 when every file went
    in (or was already there), 1 when some form or dossier was refused (the others are written)."""
    path = Path(registry)
    loaded = load_registry(path)
    if loaded.blocking:
        problems = "\n".join(str(i) for i in loaded.issues if i.blocking)
        raise Refused(f"{problems}\nImport impossible : le registre a des erreurs qui ne concernent pas un dossier "
                      "(voir ci-dessus).")
    department = loaded.registry.parameters.department
    if not department:
        raise Refused(f"Import impossible : le paramètre « Département » est vide (feuille "
                      f"« {schema.SHEET_PARAMETERS} »).")
    journal = read_journal(path)
    now = clock.now()
    received = received_on or now.date()
    plan = Plan()
    docx = [Path(f) for f in files if Path(f).suffix.lower() == ".docx"]
    exports = [Path(f) for f in files if Path(f).suffix.lower() != ".docx"]
    numbering = Numbering(department, set(loaded.application_rows))
    plan_forms(plan, [parse_form(f) for f in docx], loaded, journal, numbering, received, now)
    if exports:
        try:
            columns = dsmod.load_mapping(mapping)
        except dsmod.MappingError as exc:
            raise Refused(f"Erreur : {exc}", EXIT_USAGE) from None
        for export in exports:
            if not export.is_file():
                plan.errors.append(f"Export DS « {export.name} » : le fichier n'existe pas")
                continue
            if export.suffix.lower() not in (".xlsx", ".xlsm"):
                plan.errors.append(f"Fichier « {export.name} » : ni un formulaire (.docx) ni un export Démarches "
                                   "Simplifiées (.xlsx)")
                continue
            plan_ds(plan, export, columns, loaded, journal, received, now)
    result = Result()
    for line in plan.errors:
        result.error(line)
    if plan.writes:
        try:
            write_plan(path, plan, loaded, force)
        except (ImportFailed, RegistryError) as exc:
            result.error(f"Erreur : {exc}")
            return result
        result.journal = list(plan.journal)
    for title, lines in (("Dossiers créés", plan.created), ("Dossiers mis à jour", plan.updated),
                         ("Valeurs gardées (modifiées dans le registre)", plan.kept), ("Non importés", plan.skipped)):
        if lines:
            result.info(f"{title} ({len(lines)}) :")
            for line in lines:
                result.info(f"  {line}")
    result.info(f"Registre « {path.name} » enregistré." if plan.writes else "Aucune modification du registre.")
    if plan.errors:
        result.fail(EXIT_DATA)
    return result
