"""The `upgrade` job: a registry made by an earlier version of fitn-xl, rebuilt with this version's sheets,
tables and columns, every input and « Journal » row kept.

Until then the other jobs read such a registry with the columns and tables it lacks as empty (a note says so). The
rebuild writes the registry as `fitn-xl new` would, with the records the reader found, then recalculates it; the
file it replaces is kept as `REGISTRE.precedent.xlsx`. Refused while an input is in error (the rebuild keeps typed
values only: a wrong cell would be lost), and, unless `force`, when the file has columns or sheets of its own that
a rebuild would not carry over.
"""

from __future__ import annotations

from pathlib import Path

import python_calamine

from .. import schema
from ..book.build import build_registry, build_workbook
from ..core.params import default_parameters
from ..values import parse_text
from ..workbook.lock import registry_lock
from ..workbook.read import LoadedRegistry, journal_rows, load_registry
from ..workbook.write import append_rows, atomic_update, previous_version_path
from ..workbook.xlsx import XlsxPackage
from .recalculation import recalc
from .registry import REGISTRY_SUFFIXES, refuse_if_blocking, refuse_unless_writable_format
from .result import EXIT_DATA, SYSTEM_CLOCK, Clock, Refused, Result, job


def _own_columns(path: Path, loaded: LoadedRegistry) -> list[str]:
    """« colonne « X » (feuille « S ») » for each header the préfecture added on the header row of an input table's
    sheet, inside the table or beside it."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    out = []
    for table in schema.INPUT_TABLES:
        row = loaded.header_rows.get(table.name)
        if row is None or table.sheet not in book.sheet_names:
            continue
        values = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False)
        headers = values[row - 1] if row - 1 < len(values) else []
        known = set(table.headers)
        out += [f"colonne « {h} » (feuille « {table.sheet} »)" for h in (parse_text(v) for v in headers)
                if h and h not in known]
    return out


def _own_sheets(path: Path) -> list[str]:
    """The sheets of the file that this version's registry does not have."""
    ours = set(build_workbook(default_parameters()).sheetnames)
    names = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    return [f"feuille « {name} »" for name in names if name not in ours]


@job
def upgrade(registry: str | Path, *, force: bool = False, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Rebuild the registry at `registry` for this version of fitn-xl (see the module's documentation)."""
    path = Path(registry)
    refuse_unless_writable_format(path, "mettre à jour le registre")
    if path.suffix.lower() not in REGISTRY_SUFFIXES:
        raise Refused(f"Erreur : « {path.name} » n'est pas un fichier .xlsx.")
    with registry_lock(path):
        loaded = load_registry(path)
        refuse_if_blocking(loaded, "de le mettre à jour")
        result = Result()
        if not loaded.outdated:
            result.info(f"Le registre « {path.name} » est déjà à jour pour cette version de fitn-xl : rien à faire.")
            return result
        if loaded.issues:
            problems = "\n".join(f"  {issue}" for issue in sorted(loaded.issues)[:20])
            raise Refused(f"Erreur : le registre a {len(loaded.issues)} erreur(s) de saisie ; une mise à jour ne "
                          "garde que les valeurs lues, une cellule en erreur serait perdue. Corrigez-les d'abord "
                          f"(fitn-xl check liste tout) :\n{problems}")
        own = _own_columns(path, loaded) + _own_sheets(path)
        if own and not force:
            raise Refused("Erreur : le registre a des éléments que la mise à jour ne reprendrait pas : "
                          f"{', '.join(own)}. Recopiez-les ailleurs, puis relancez avec --force.")
        journal = [{c.header: cells[c.attr] for c in schema.JOURNAL.columns} for _, cells in journal_rows(path)]
        with atomic_update(path, force=force, expected=loaded.stamp) as tmp:
            built = tmp.with_name(f"{tmp.stem}.neuf{tmp.suffix}")
            try:
                build_registry(built, loaded.registry.parameters, loaded.registry)
                computed = recalc(built, force=True, clock=clock)
                with XlsxPackage(built) as pkg:
                    if journal:
                        append_rows(pkg, schema.JOURNAL, journal)
                    pkg.save(tmp)
            finally:
                for leftover in (built, previous_version_path(built)):
                    leftover.unlink(missing_ok=True)
        added: dict[str, list[str]] = {}
        for item in loaded.outdated:
            added.setdefault(item.sheet, []).append(f"« {item.column} »" if item.column else
                                                    item.message.split(" absent")[0])
        result.info(f"Registre « {path.name} » mis à jour pour cette version de fitn-xl ; ajouté : "
                    + " ; ".join(f"{', '.join(items)} (feuille « {sheet} »)" for sheet, items in added.items())
                    + ".")
        result.info(f"  Saisies reprises : {len(loaded.registry.applications)} dossier(s), "
                    f"{len(loaded.registry.expenses)} dépense(s), {len(loaded.registry.providers)} prestataire(s), "
                    f"{len(loaded.registry.scores)} notation(s), {len(loaded.registry.reports)} état(s) des lieux, "
                    f"{len(journal)} ligne(s) du Journal.")
        result.info(f"  Version précédente gardée : {previous_version_path(path).name}")
        result.warn("Attention : une formule tapée dans une cellule de saisie est remplacée par sa valeur, et la mise "
                    "en forme propre à ce fichier (largeurs, couleurs, filtres) par celle de fitn-xl.")
        if own:
            result.warn(f"Attention : non repris (--force) : {', '.join(own)}.")
        # the recalculation's report, but for what names the temporary file it worked on
        result.lines.extend(line for line in computed.lines[1:] if built.stem not in line.text)
        result.files = [path]
        if not computed.ok:
            result.fail(EXIT_DATA)
        return result
