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
from ..forms.docx_in import FormError
from ..forms.ds_files import kind_of, read_tables
from ..forms.ds_plan import Source, missing_columns, plan_export
from ..forms.importer import (
    ImportFailed,
    Numbering,
    Plan,
    plan_forms,
    read_journal,
    write_plan,
)
from ..forms.parse import parse_form
from ..values import CellError, parse_department
from ..workbook.cells import departments
from ..workbook.lock import registry_lock
from ..workbook.read import RegistryError, load_registry
from .registry import refuse_unless_writable_format
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
                 received_on: date | None = None, take_decisions: bool = False, force: bool = False,
                 clock: Clock = SYSTEM_CLOCK) -> Result:
    """Filled forms (.docx) and Démarches Simplifiées exports (.xlsx, .ods, .csv) into the registry. Each export is
    written at once, in the order given (forms with the first), so that weekly exports imported together apply in
    turn. `take_decisions`: DS's decisions (Accepté, Refusé, Classé sans suite) become the Statut and Date de
    décision of dossiers still pending in the registry. Status 0 when every file went in (a DS dossier with a bad
    value goes in too, its cell reported), 1 when some form or export was refused (the others are written). The
    registry's lock is held from the first reading to the last writing."""
    path = Path(registry)
    refuse_unless_writable_format(path, "importer des dossiers")
    with registry_lock(path):
        return _import(path, files, mapping, received_on, take_decisions, force, clock)


def _import(path: Path, files: Sequence[str | Path], mapping: str | Path | None, received_on: date | None,
            take_decisions: bool, force: bool, clock: Clock) -> Result:
    docx = [Path(f) for f in files if Path(f).suffix.lower() == ".docx"]
    exports = [Path(f) for f in files if Path(f).suffix.lower() != ".docx"]
    columns = None
    if exports:
        try:
            columns = dsmod.load_mapping(mapping)
        except dsmod.MappingError as exc:
            raise Refused(f"Erreur : {exc}", EXIT_USAGE) from None
    result = Result()
    batches: list[list[Path]] = [exports[:1]] + [[e] for e in exports[1:]]
    for i, batch in enumerate(batches):
        loaded = load_registry(path)
        if loaded.blocking:
            problems = "\n".join(str(x) for x in loaded.issues if x.blocking)
            raise Refused(f"{problems}\nImport impossible : le registre a des erreurs qui ne concernent pas un "
                          "dossier (voir ci-dessus).")
        department = loaded.registry.parameters.department
        if not department:
            raise Refused(f"Import impossible : le paramètre « Département » est vide (feuille "
                          f"« {schema.SHEET_PARAMETERS} »).")
        if batch:
            refuse_if_older_registry(loaded, columns, path)
        journal = read_journal(path)
        now = clock.now()
        received = received_on or now.date()
        plan = Plan()
        if i == 0:
            numbering = Numbering(department, set(loaded.application_rows))
            plan_forms(plan, [parse_form(f) for f in docx], loaded, journal, numbering, received, now)
        for export in batch:
            _plan_export_file(plan, export, columns, loaded, journal, received, now, take_decisions)
        write_and_report(path, plan, loaded, force, result)
    return result


def refuse_if_older_registry(loaded, columns, path: Path) -> None:
    lacking = missing_columns(loaded, columns)
    if lacking:
        raise Refused(f"Import impossible : le registre n'a pas les colonnes {lacking}, que l'import Démarches "
                      "Simplifiées remplit : il a été créé par une version précédente de fitn-xl. Mettez-le d'abord "
                      f"à jour : fitn-xl upgrade {path.name}")


def _plan_export_file(plan: Plan, export: Path, columns, loaded, journal, received: date, now, take_decisions: bool):
    if not export.exists():  # a folder or a pipe: said by the reader (issue 12)
        plan.errors.append(f"Export DS « {export.name} » : le fichier n'existe pas")
        return
    if kind_of(export) is None:
        plan.errors.append(f"Fichier « {export.name} » : ni un formulaire (.docx) ni un export Démarches "
                           "Simplifiées (.xlsx, .ods ou .csv)")
        return
    try:
        read = dsmod.read_export(read_tables(export), columns)
    except FormError as exc:
        plan.errors.append(f"Export DS « {export.name} » : {exc}")
        plan.skipped.append(f"Export DS « {export.name} » : non importé")
        return
    plan_export(plan, read, Source(f"Export DS « {export.name} »", export.name), columns, loaded, journal,
                received, now, take_decisions)


def write_and_report(path: Path, plan: Plan, loaded, force: bool, result: Result | None = None) -> Result:
    """Write an import's plan and report it (shared by `import_files` and `ds_sync`)."""
    result = result or Result()
    for line in plan.errors:
        result.error(line)
    flagged = []
    if plan.writes:
        try:
            flagged = write_plan(path, plan, loaded, force)
        except (ImportFailed, RegistryError) as exc:
            result.error(f"Erreur : {exc}")
            return result
        result.journal = list(plan.journal)
    for title, lines in (("Dossiers créés", plan.created), ("Dossiers mis à jour", plan.updated),
                         ("Décisions reprises de Démarches Simplifiées", plan.decisions),
                         ("Valeurs gardées (modifiées dans le registre)", plan.kept),
                         ("Non importés", plan.skipped)):
        if lines:
            result.info(f"{title} ({len(lines)}) :")
            for line in lines:
                result.info(f"  {line}")
    for title, lines in (("Redépôts probables", plan.redeposits),
                         ("Valeurs interprétées", plan.notes),
                         ("À corriger dans le registre (importé tel que DS l'a écrit ; voir fitn-xl check)",
                          [str(i) for i in flagged])):
        if lines:
            result.warn(f"{title} ({len(lines)}) :")
            for line in lines:
                result.warn(f"  {line}")
    result.info(f"Registre « {path.name} » enregistré." if plan.writes else "Aucune modification du registre.")
    if plan.errors:
        result.fail(EXIT_DATA)
    return result
