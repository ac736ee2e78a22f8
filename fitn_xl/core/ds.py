"""Rules tying the registry to Démarches Simplifiées (DS): a decision that DS and the registry disagree on, and a
dossier that looks like a re-deposit of an earlier one.

DS keeps its own state of each dossier (« État DS », written by the DS import); the registry's « Statut » is the
instructeur's. Both must tell the same story: a dossier accepted in DS and « Reçu » in the registry (or refused in
DS and laureate in the registry) is an alert, and so is a dossier decided in the registry and still open in DS (its
decision is to be published, `fitn-xl ds-sync --publier-decisions`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..schema import DS_OPEN_STATES, LAUREATE_STATUSES, REFUSAL_STATUSES
from .model import Application
from .text import day

ACCEPTED, REFUSED, DROPPED = "Accepté", "Refusé", "Classé sans suite"
WITHOUT_FOLLOW_UP = "Sans suite"

# DS decision -> the registry statuses that agree with it
AGREEING: dict[str, frozenset[str]] = {
    ACCEPTED: LAUREATE_STATUSES,
    REFUSED: REFUSAL_STATUSES,
    DROPPED: frozenset({WITHOUT_FOLLOW_UP}),
}
# DS decision -> the registry status it becomes when the instructeur takes DS's decisions (import option)
STATUS_OF_DS_DECISION: dict[str, str] = {ACCEPTED: "Lauréat", REFUSED: "Refusé", DROPPED: WITHOUT_FOLLOW_UP}
DECIDED_STATUSES: frozenset[str] = LAUREATE_STATUSES | REFUSAL_STATUSES | {WITHOUT_FOLLOW_UP}


def decision_alert(app: Application) -> str | None:
    """The alert of a dossier whose DS state and registry status disagree; None when they agree (or the dossier is
    not a DS dossier)."""
    state, status = app.ds_state, app.status
    if not state or not status:
        return None
    agreeing = AGREEING.get(state)
    if agreeing is not None:
        if status in agreeing:
            return None
        when = f" le {day(app.ds_decided_on)}" if app.ds_decided_on else ""
        return f"Démarches Simplifiées : dossier « {state} » dans DS{when}, « {status} » dans le registre"
    if state in DS_OPEN_STATES and status in DECIDED_STATUSES:
        return (f"Démarches Simplifiées : dossier « {state} » dans DS, « {status} » dans le registre (décision à "
                "publier : fitn-xl ds-sync --publier-decisions)")
    return None


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.split())


def applicant_keys(app: Application) -> set[str]:
    """Who applies, as comparable keys: the INSEE code or the SIREN typed (a SIRET's first 9 digits), and the SIREN
    of « SIRET du bénéficiaire »; empty when none is known."""
    keys = set()
    code = "".join((app.insee_or_siren or "").split()).upper()
    if len(code) == 14 and code.isdigit():  # a SIRET typed where a SIREN is asked
        code = code[:9]
    if code:
        keys.add(code)
    siret = "".join((getattr(app, "beneficiary_siret", "") or "").split())
    if len(siret) == 14 and siret.isdigit():
        keys.add(siret[:9])
    return keys


def redeposits(applications: Iterable[Application]) -> dict[str, str]:
    """Dossier -> the earlier dossier it probably re-deposits: same applicant (INSEE code, SIREN or the SIREN of its
    SIRET) and same project title (case, accents and punctuation aside). « Earlier » is the first by reception
    date, then registry order."""
    ordered = sorted(enumerate(applications), key=lambda p: (p[1].received_on is None, p[1].received_on or 0, p[0]))
    first: dict[tuple[str, str], str] = {}
    out: dict[str, str] = {}
    for _, app in ordered:
        title = _key(app.title or "")
        if not title:
            continue
        for who in sorted(applicant_keys(app)):
            earlier = first.setdefault((who, title), app.dossier_id)
            if earlier != app.dossier_id and app.dossier_id not in out:
                out[app.dossier_id] = earlier
    return out


def redeposit_alert(earlier: str) -> str:
    return f"Redépôt probable : même demandeur et même intitulé que le dossier {earlier}"
