"""`fitn-xl demo [DOSSIER]`: a fictional registry of the Puy-de-Dôme and every output made from it.

The work is a list of steps. The registry step is required; each other step imports what it needs when it runs,
and a feature absent from this version is skipped with a French note. The demo uses a fixed reference date
(30/06/2021) and document date, so it gives the same content every day.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from ..demo import DEMO_MONTH, DEMO_REFERENCE_DATE, demo_registry
from ._common import EXIT_DATA, EXIT_OK

REGISTRY_NAME = "registre-demo.xlsx"
DEMO_NOW = datetime.combine(DEMO_REFERENCE_DATE, time(18, 0))  # timestamp of the dashboard and the journal


class Skipped(Exception):
    """A step cannot run in this version; the message (French) says why."""


@dataclass
class Demo:
    out: Path
    registry: Path
    written: list[tuple[str, Path]] = field(default_factory=list)  # (step label, file)
    notes: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # one-line French summaries of what steps computed
    failed: bool = False  # a step failed (the others ran)
    _loaded: object = None
    _computation: object = None

    def loaded(self):
        """The registry as read back from the file, with its computation (cached; reset by `invalidate`)."""
        if self._loaded is None:
            from ..core import compute
            from ..workbook.read import load_registry

            self._loaded = load_registry(self.registry)
            self._computation = compute(self._loaded.registry)
        return self._loaded, self._computation

    def invalidate(self) -> None:
        self._loaded = self._computation = None


@dataclass(frozen=True)
class Step:
    label: str  # French, shown in the summary
    run: Callable[[Demo], list[Path]]
    required: bool = False


def _need(module: str, name: str | None = None):
    """Import `module` (and `name` from it), or raise `Skipped` when this version does not have it."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            raise Skipped(f"module « {module} » absent de cette version") from None
        raise
    if name is None:
        return mod
    if not hasattr(mod, name):
        raise Skipped(f"« {module}.{name} » absent de cette version")
    return getattr(mod, name)


# --- steps -----------------------------------------------------------------------------------------------------


def _registry(demo: Demo) -> list[Path]:
    build_registry = _need("fitn_xl.workbook.build", "build_registry")
    registry = demo_registry()
    build_registry(demo.registry, registry.parameters, registry)
    demo.invalidate()
    return [demo.registry]


def _recalc(demo: Demo) -> list[Path]:
    recalc = _need("fitn_xl.workbook.write", "recalc")
    summary = recalc(demo.registry, force=True, today=DEMO_REFERENCE_DATE, now=DEMO_NOW)
    demo.invalidate()
    eur = _need("fitn_xl.core.text", "eur")
    env = summary.envelopes.get("départementale")
    demo.facts.append(
        f"Registre recalculé : {summary.dossiers} dossiers, {summary.eligible} éligibles, {summary.late} lauréat(s) "
        f"en retard de suivi" + (f" ; enveloppe départementale : engagé {eur(env.committed)}, reste "
                                 f"{eur(env.remaining)}." if env else "."))
    if summary.issues:
        first = "\n  ".join(str(i) for i in summary.issues[:5])
        raise RuntimeError(f"le registre de démonstration contient {len(summary.issues)} erreur(s) :\n  {first}")
    return [demo.registry]


def _documents(kind_name: str, folder: str):
    def step(demo: Demo) -> list[Path]:
        batch = _need("fitn_xl.documents.batch")
        render = _need("fitn_xl.documents.render", "render_documents")
        kind_of = getattr(batch, kind_name)
        loaded, computation = demo.loaded()
        template_dir = batch.templates_dir(loaded.registry.parameters, demo.registry)
        plan = batch.plan_batch(loaded, computation, kind_of, template_dir, None, today=DEMO_REFERENCE_DATE)
        missing = sorted({batch.TEMPLATE_FILES[k] for _, k in plan.job_dossiers}
                         - {p.name for p in template_dir.glob("*.docx")})
        if missing:
            raise Skipped(f"modèle(s) Word absent(s) : {', '.join(missing)}")
        results = render(plan.jobs, demo.out / folder, workers=1)
        failed = [r.error for r in results if r.path is None]
        if failed:
            raise RuntimeError("\n  ".join(str(e) for e in failed))
        try:
            append_journal = _need("fitn_xl.workbook.write", "append_journal")
            append_journal(demo.registry, batch.journal_rows(plan, results, DEMO_NOW), force=True)
            demo.invalidate()
        except Skipped as exc:
            demo.notes.append(f"Documents non consignés dans le journal : {exc}.")
        return [r.path for r in results]

    return step


def _ditp(demo: Demo) -> list[Path]:
    build_monthly_list = _need("fitn_xl.ditp.monthly", "build_monthly_list")
    result = build_monthly_list(demo.registry, DEMO_MONTH, demo.out / "ditp", today=DEMO_REFERENCE_DATE)
    return [result.xlsx, result.docx, result.eml]


def _committee(demo: Demo) -> list[Path]:
    review_of = _need("fitn_xl.review.classement", "review_of")
    committee = _need("fitn_xl.review.committee")
    loaded, computation = demo.loaded()
    context = committee.committee_context(loaded, computation, review_of(loaded, computation))
    out = demo.out / f"comite-de-selection-{computation.reference_date.isoformat()}.docx"
    return [Path(committee.render_committee(context, out))]


def _forms(demo: Demo) -> list[Path]:
    build = _need("fitn_xl.forms.build")
    loaded, _ = demo.loaded()
    return list(build.write_forms(demo.out / "formulaires", build.issuer_from_parameters(loaded.registry.parameters)))


STEPS: tuple[Step, ...] = (
    Step("Registre", _registry, required=True),
    Step("Colonnes calculées et tableau de bord", _recalc),
    Step("Conventions", _documents("convention_kind", "conventions")),
    Step("Courriers d'attribution et de refus", _documents("letter_kind", "courriers")),
    Step(f"Liste DITP de juin 2021 ({DEMO_MONTH})", _ditp),
    Step("Dossier du comité de sélection", _committee),
    Step("Formulaires de candidature vierges", _forms),
)


def run_demo(out: str | Path, steps: tuple[Step, ...] = STEPS, echo: Callable[[str], None] = print) -> Demo | None:
    """Run every step into `out`; returns the `Demo` (files written, notes), or None when a required step failed.
    A step whose feature is absent is skipped with a note; a step that fails is reported and the others run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    demo = Demo(out, out / REGISTRY_NAME)
    for step in steps:
        try:
            paths = step.run(demo)
        except Skipped as exc:
            demo.notes.append(f"Étape « {step.label} » ignorée : {exc}.")
            if step.required:
                return None
            continue
        except Exception as exc:
            if os.environ.get("FITN_XL_DEBUG"):
                raise
            demo.notes.append(f"Étape « {step.label} » en échec : {exc}")
            demo.failed = True
            if step.required:
                return None
            continue
        for p in map(Path, paths):
            if all(p != q for _, q in demo.written):
                demo.written.append((step.label, p))
    # each write of the registry (recalc, journal rows) kept the version before it: in a demo built from scratch
    # that copy is only a second registry to puzzle over
    demo.registry.with_name(f"{demo.registry.stem}.precedent{demo.registry.suffix}").unlink(missing_ok=True)
    return demo


def run(args) -> int:
    out = Path(args.dossier)
    print(f"Démonstration fitn-xl : Puy-de-Dôme (fictif), date de référence {DEMO_REFERENCE_DATE:%d/%m/%Y}.")
    demo = run_demo(out)
    if demo is None:
        print("Erreur : le registre de démonstration n'a pas pu être écrit.", file=sys.stderr)
        return EXIT_DATA
    for fact in demo.facts:
        print(fact)
    for note in demo.notes:
        print(note, file=sys.stderr)
    if demo.written:
        print(f"Fichiers écrits dans « {out} » :")
        label = None
        for step_label, path in demo.written:
            if step_label != label:
                label = step_label
                count = sum(1 for s, _ in demo.written if s == step_label)
                print(f"  {step_label} ({count} fichier{'s' if count > 1 else ''}) :")
            print(f"    {path}")
    print(f"Ouvrez « {demo.registry} » dans Excel ou LibreOffice pour commencer.")
    return EXIT_DATA if demo.failed else EXIT_OK
