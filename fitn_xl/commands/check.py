"""`fitn-xl check REGISTRE.xlsx [--json]`: every input problem, then the computed results of each dossier."""

from __future__ import annotations

import json
import sys

from .. import schema
from ..core.compute import LAB, Computation, compute
from ..workbook.read import LoadedRegistry
from ..workbook.write import dossier_cells
from ._common import EXIT_DATA, EXIT_OK, errors_summary, eur, json_value, load, print_issues

ENVELOPE_KEYS = (("amount", "Montant (€)"), ("committed", "Engagé (€)"), ("proposed", "Proposé (€)"),
                 ("remaining", "Reste (€)"))


def check_document(loaded: LoadedRegistry, computation: Computation) -> dict:
    """The `--json` document: errors, dossiers (computed columns under their French headers), envelopes."""
    cells = dossier_cells(loaded, computation)
    dossiers = {
        dossier_id: {c.header: json_value(values.get(c.attr)) for c in schema.APPLICATIONS.computed}
        for dossier_id, values in cells.items()
    }
    envelopes = {}
    for name, env in computation.envelopes.items():
        envelopes[name] = {label: json_value(getattr(env, attr)) for attr, label in ENVELOPE_KEYS}
        envelopes[name]["Dépassée"] = env.exceeded
    return {
        "errors": [issue.as_dict() for issue in loaded.issues],
        "dossiers": dossiers,
        "enveloppes": envelopes,
        "date_de_reference": computation.reference_date.isoformat(),
    }


def _first_lines(text: str, n: int = 2) -> str:
    lines = [x for x in (text or "").splitlines() if x]
    return "\n".join(lines[:n]) + (f"\n(+{len(lines) - n})" if len(lines) > n else "")


def run(args) -> int:
    loaded = load(args.registre)
    computation = compute(loaded.registry)
    if args.json:
        doc = check_document(loaded, computation)
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_DATA if loaded.issues else EXIT_OK

    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    if loaded.issues:
        console.print(f"[bold]Erreurs de saisie[/bold] — {errors_summary(loaded)}")
        print_issues(loaded.issues, sys.stdout)
        console.print()
    else:
        console.print("Aucune erreur de saisie.")
    cells = dossier_cells(loaded, computation)
    bad = loaded.dossiers_with_errors
    table = Table(title=f"Dossiers ({len(cells)})", show_lines=False)
    for header in ("N° dossier", "Mesure", "Forfait", "Éligible / motifs", "Proposé", "Note", "Rang", "Alertes"):
        table.add_column(header, overflow="fold")
    measure_of = {a.dossier_id: a.measure for a in loaded.registry.applications}
    for dossier_id, c in cells.items():
        eligible = "Oui" if c["eligible"] == "Oui" else "Non\n" + _first_lines(str(c["reasons"]))
        table.add_row(
            dossier_id + (" ⚠" if dossier_id in bad else ""),
            measure_of.get(dossier_id, ""),
            eur(c["forfait"]),
            eligible,
            eur(c["proposed"]),
            "" if c["score"] is None else str(c["score"]).replace(".", ","),
            "" if c["rank"] is None else str(c["rank"]),
            _first_lines(str(c["warnings"] or "")),
        )
    if cells:
        console.print(table)
    for name, env in computation.envelopes.items():
        label = "Enveloppe 3d" if name == LAB else "Enveloppe départementale"
        console.print(f"{label} : {eur(env.amount)} — engagé {eur(env.committed)}, proposé {eur(env.proposed)}, "
                      f"reste {eur(env.remaining)}{' — DÉPASSÉE' if env.exceeded else ''}")
    return EXIT_DATA if loaded.issues else EXIT_OK
