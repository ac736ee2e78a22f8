"""`fitn-xl check REGISTRE.xlsx [--json]`: every input problem, then the computed results of each dossier."""

from __future__ import annotations

import json
import sys

from .. import app
from ..app.registry import envelope_line
from ..core.text import eur
from ._common import print_result, shown


def _first_lines(text: str, n: int = 2) -> str:
    lines = [x for x in (text or "").splitlines() if x]
    return "\n".join(lines[:n]) + (f"\n(+{len(lines) - n})" if len(lines) > n else "")


def run(args) -> int:
    result = app.check(args.registre)
    if not isinstance(result, app.CheckResult):  # not a registry: the report says why
        return print_result(result)
    if args.json:
        json.dump(result.document(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return result.status

    from rich.console import Console
    from rich.table import Table

    loaded, computation = result.loaded, result.computation
    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    headline, *issues = (shown(line.text, sys.stdout) for line in result.lines)
    if issues:
        console.print(f"[bold]Erreurs de saisie[/bold] — {headline}", markup=True)
        for line in issues:
            print(line)
        console.print()
    else:
        console.print(headline)
    bad = loaded.dossiers_with_errors
    table = Table(title=f"Dossiers ({len(result.cells)})", show_lines=False)
    for header in ("N° dossier", "Mesure", "Forfait", "Éligible / motifs", "Proposé", "Note", "Rang", "Alertes"):
        table.add_column(header, overflow="fold")
    measure_of = {a.dossier_id: a.measure for a in loaded.registry.applications}
    for dossier_id, c in result.cells.items():
        eligible = "Oui" if c["eligible"] == "Oui" else "Non\n" + _first_lines(str(c["reasons"]))
        table.add_row(
            dossier_id + (" ⚠" if dossier_id in bad else ""),
            measure_of.get(dossier_id, ""),
            "" if c["forfait"] is None else eur(c["forfait"]),
            eligible,
            "" if c["proposed"] is None else eur(c["proposed"]),
            "" if c["score"] is None else str(c["score"]).replace(".", ","),
            "" if c["rank"] is None else str(c["rank"]),
            _first_lines(str(c["warnings"] or "")),
        )
    if result.cells:
        console.print(table)
    for name, env in computation.envelopes.items():
        console.print(shown(envelope_line(name, env), sys.stdout))
    return result.status
