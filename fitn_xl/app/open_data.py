"""The opendata job: the SCDL « subventions » file of the laureates granted more than the threshold (décret
n° 2017-779: 23 000 €), validated against the official schema before it is written, and recorded in « Journal ».

Every problem is listed in French with the dossier, the field and where to fix it (sheet, row, column or
parameter). Nothing is written while the file would not validate, unless `force`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from .. import schema
from ..core.text import eur
from ..files import atomic_write_bytes
from ..opendata.scdl import DEFAULT_THRESHOLD, SOURCES, SubsidyRow, csv_text, subsidy_rows
from ..opendata.validation import validate_csv
from ..workbook.read import Issue
from .registry import open_registry, record
from .result import EXIT_USAGE, SYSTEM_CLOCK, WARNING, Clock, Refused, Result, job

OPERATION = "Fichier des subventions (données ouvertes)"
GRANTOR_FIELDS = frozenset({"nomAttribuant", "idAttribuant"})


def _where(field: str, row: SubsidyRow) -> str:
    sheet, column = SOURCES.get(field, ("", ""))
    if sheet == schema.SHEET_PARAMETERS:
        return f"paramètre « {column} » de la feuille « {sheet} »"
    if sheet == schema.SHEET_APPLICATIONS:
        line = f", ligne {row.row}" if row.row else ""
        return f"feuille « {sheet} »{line}, colonne « {column} »"
    if sheet:
        return f"feuille « {sheet} »"
    return "valeur fixée par fitn-xl"


def _input_issues(issues: list[Issue], dossier_id: str) -> list[Issue]:
    """The dossier's input errors on what the file publishes: its Candidatures columns and its Versements."""
    published = {column for sheet, column in SOURCES.values() if sheet == schema.SHEET_APPLICATIONS}
    return [i for i in issues if i.dossier_id == dossier_id
            and ((i.sheet == schema.SHEET_APPLICATIONS and i.column in published)
                 or i.sheet == schema.SHEET_PAYMENTS)]


@job
def opendata(registry: str | Path, output: str | Path, *, threshold: Decimal | None = None, force: bool = False,
             clock: Clock = SYSTEM_CLOCK) -> Result:
    """Write the SCDL subventions CSV of the laureates granted more than `threshold` euros (default 23 000 €;
    0: all) into `output`, once it validates against the schema (or anyway with `force`, the problems listed)."""
    registry, output = Path(registry), Path(output)
    threshold = DEFAULT_THRESHOLD if threshold is None else Decimal(threshold)
    if threshold < 0:
        raise Refused("Erreur : le seuil doit être un montant positif ou nul.", EXIT_USAGE)
    loaded, computation = open_registry(registry, clock, blocking_refuses="de produire le fichier des subventions")
    rows = subsidy_rows(loaded, computation, threshold)
    above = f"de plus de {eur(threshold)}" if threshold > 0 else "(tous montants)"
    result = Result()
    if not rows:
        result.info(f"Aucun lauréat {above} : pas de subvention à publier, aucun fichier écrit.")
        return result

    problems: list[str] = []
    grantor_problems: dict[str, None] = {}
    fixed: dict[str, set[str]] = {}  # dossier -> fields whose source cell is already reported as an input error
    fields_of_column: dict[str, set[str]] = {}
    for f, (sheet, column) in SOURCES.items():
        if sheet == schema.SHEET_APPLICATIONS:
            fields_of_column.setdefault(column, set()).add(f)
    for row in rows:
        for issue in _input_issues(loaded.issues, row.dossier_id):
            problems.append(f"Dossier {row.dossier_id} : {issue}")
            fixed.setdefault(row.dossier_id, set()).update(fields_of_column.get(issue.column or "", ()))
        for warning in row.warnings:
            result.warn(f"Attention : {warning}")
    data = csv_text(rows).encode("utf-8")
    for problem in validate_csv(data):
        if problem.row is None or not 1 <= problem.row <= len(rows):
            problems.append(f"Fichier : {problem.message}")
            continue
        row = rows[problem.row - 1]
        field = problem.field or ("idBeneficiaire" if problem.kind == "one-of-required" else None)
        if field is not None and field in fixed.get(row.dossier_id, ()):
            continue
        reason = row.reasons.get(field or "")
        text = reason if reason and not problem.value else problem.message
        if field in GRANTOR_FIELDS:
            grantor_problems[f"Champ « {field} » ({_where(field, row)}) : {text}"] = None
        elif field is None:
            problems.append(f"Dossier {row.dossier_id} : {text}")
        else:
            problems.append(f"Dossier {row.dossier_id}, champ « {field} » ({_where(field, row)}) : {text}")
    problems = list(grantor_problems) + problems
    total = sum((Decimal(r.values["montant"]) for r in rows if r.values["montant"]), Decimal(0))
    count = f"{len(rows)} subvention{'s' if len(rows) > 1 else ''}"

    if problems:
        level = WARNING if force else None
        heading = (f"Le fichier des subventions ne respecte pas le schéma SCDL subventions 2.1.1 ({len(problems)} "
                   f"problème{'s' if len(problems) > 1 else ''}) :")
        for line in (heading, *(f"  {p}" for p in problems)):
            if level:
                result.warn(line)
            else:
                result.error(line)
        if not force:
            result.error("Aucun fichier n'a été écrit. Corrigez le registre puis relancez, ou ajoutez --force pour "
                         "l'écrire tel quel (il serait refusé à la publication).")
            return result
        result.fail()
    atomic_write_bytes(output, data)
    result.files.append(output)
    state = "écrit malgré les erreurs (--force)" if problems else "vérifié : conforme au schéma SCDL subventions 2.1.1"
    result.info(f"Fichier des subventions {state} : {output}")
    result.info(f"  {count} {above}, {eur(total)} au total.")
    header = {c.attr: c.header for c in schema.JOURNAL.columns}
    import hashlib

    row = {header["operation"]: OPERATION, header["count"]: len(rows), header["amount"]: total,
           header["file"]: output.name, header["sha256"]: hashlib.sha256(data).hexdigest(),
           header["detail"]: f"SCDL subventions 2.1.1, lauréats {above}"
                             + (", écrit malgré les erreurs (--force)" if problems else "")}
    record(result, registry, [row], force=False, now=clock.now(), failure_level=WARNING,
           done=f"Fichier consigné dans la feuille « {schema.SHEET_JOURNAL} » du registre.")
    return result
