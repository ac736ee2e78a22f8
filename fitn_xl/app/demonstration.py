"""The `demo` job: a fictional registry of the Puy-de-Dôme and every output made from it, by the same jobs as the
command line (recalc, conventions, letters, DITP list, committee file, forms, payment request, open data file).

The demo runs on a fixed clock (30/06/2021 at 18:00), so it gives the same content every day. A step that fails is
reported and the others still run; only the registry itself is required.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from ..book.build import build_registry
from ..core.text import eur
from ..demo import DEMO_MONTH, DEMO_PAYMENT_REQUEST, DEMO_REFERENCE_DATE, demo_registry
from ..workbook.write import previous_version_path
from . import applications, documents, open_data, payment_requests, recalculation, reporting, review
from .result import Clock, Result, job

REGISTRY_NAME = "registre-demo.xlsx"
DEMO_CLOCK = Clock(datetime.combine(DEMO_REFERENCE_DATE, time(18, 0)))  # timestamp of the dashboard and journal


@dataclass
class DemoResult(Result):
    """`steps`: (step label, files it wrote), in order."""

    registry: Path | None = None
    steps: list[tuple[str, list[Path]]] = field(default_factory=list)


def _steps(out: Path, registry: Path) -> list[tuple[str, Callable[[], Result]]]:
    clock = DEMO_CLOCK
    return [
        ("Colonnes calculées et tableau de bord", lambda: recalculation.recalc(registry, force=True, clock=clock)),
        ("Conventions", lambda: documents.conventions(registry, out / "conventions", force=True, clock=clock,
                                                      workers=1)),
        ("Courriers d'attribution et de refus", lambda: documents.letters(registry, out / "courriers", force=True,
                                                                           clock=clock, workers=1)),
        (f"Liste DITP de juin 2021 ({DEMO_MONTH})", lambda: reporting.ditp(registry, DEMO_MONTH, out / "ditp",
                                                                          clock=clock)),
        ("Dossier du comité de sélection", lambda: review.committee(registry, out, clock=clock)),
        ("Formulaires de candidature vierges", lambda: applications.forms(out / "formulaires", registry=registry)),
        (f"Demande de mise en paiement ({DEMO_PAYMENT_REQUEST})",
         lambda: payment_requests.payments(registry, DEMO_PAYMENT_REQUEST, out / "versements", force=True,
                                           clock=clock)),
        ("Données ouvertes des subventions (SCDL)",
         lambda: open_data.opendata(registry, out / "subventions-scdl.csv", clock=clock)),
    ]


@job
def demo(output: str | Path = "demo") -> DemoResult:
    """Write the demo registry and every output into `output`."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    registry = out / REGISTRY_NAME
    result = DemoResult(registry=registry)
    result.info(f"Démonstration fitn-xl : Puy-de-Dôme (fictif), date de référence {DEMO_REFERENCE_DATE:%d/%m/%Y}.")
    data = demo_registry()
    build_registry(registry, data.parameters, data)
    result.steps.append(("Registre", [registry]))
    for label, run in _steps(out, registry):
        step = run()
        if not step.ok:
            result.error(f"Étape « {label} » en échec :\n  " + "\n  ".join(line.text for line in step.lines))
            continue
        if isinstance(step, recalculation.RecalcResult):
            if step.issues:
                result.error(f"Le registre de démonstration contient {len(step.issues)} erreur(s) :\n  "
                             + "\n  ".join(str(i) for i in step.issues[:5]))
            env = step.envelopes.get("départementale")
            result.info(f"Registre recalculé : {step.dossiers} dossiers, {step.eligible} éligibles, {step.late} "
                        "lauréat(s) en retard de suivi ; enveloppe départementale : engagé "
                        f"{eur(env.committed)}, reste {eur(env.remaining)}.")
            continue
        result.steps.append((label, step.files))
    # each write of the registry (recalc, journal rows) kept the version before it: in a demo built from scratch
    # that copy is only a second registry to puzzle over
    previous_version_path(registry).unlink(missing_ok=True)
    result.files = [p for _, paths in result.steps for p in paths]
    if result.files:
        result.info(f"Fichiers écrits dans « {out} » :")
        for label, paths in result.steps:
            if paths:
                result.info(f"  {label} ({len(paths)} fichier{'s' if len(paths) > 1 else ''}) :")
                for path in paths:
                    result.info(f"    {path}")
    result.info(f"Ouvrez « {registry} » dans Excel ou LibreOffice pour commencer.")
    return result
