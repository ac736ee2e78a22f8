"""Empty scoring rows to prepare for evaluators: every eligible dossier awaiting a decision × each evaluator,
never a (dossier, evaluator) pair that « Notation » already has."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.compute import Computation
from ..core.model import Registry
from ..schema import PENDING_STATUSES
from ..values import fold


def scoring_rows_to_add(registry: Registry, computation: Computation, evaluators: Iterable[str],
                        skip: set[str] = frozenset()) -> list[dict[str, object]]:
    """Records {attr: value} for « Notation » (N° dossier, Évaluateur; scores left empty), in the registry's
    dossier order then the evaluators' order. Dossiers in `skip` (input errors) get none. Names are compared
    without case nor accents, so « chloé » matches an existing « Chloé »."""
    names = []
    for name in evaluators:
        name = " ".join(name.split())
        if name and fold(name) not in {fold(n) for n in names}:
            names.append(name)
    existing = {(s.dossier_id, fold(s.evaluator)) for s in registry.scores}
    out = []
    for app in registry.applications:
        result = computation.results.get(app.dossier_id)
        if app.dossier_id in skip or result is None or not result.eligible or app.status not in PENDING_STATUSES:
            continue
        for name in names:
            if (app.dossier_id, fold(name)) not in existing:
                out.append({"dossier_id": app.dossier_id, "evaluator": name})
    return out
