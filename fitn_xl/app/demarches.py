"""The Démarches Simplifiées sync job: the dossiers of a démarche read through DS's GraphQL API v2 into the
registry (the same result as importing the export of the same data), and the registry's decisions published back.

The last sync of each démarche is a « Journal » row (« Synchronisation DS »): its « Détail » keeps the DS time of
the latest change seen (the next sync asks only `updatedSince` it) and the stable ids of the champs matched (a champ
renamed in DS is still found). Each decision published is a Journal row too (« Décision publiée dans DS »): it is
never sent twice. The token comes from the environment (`FITN_DS_TOKEN`), never from the workbook.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import schema
from ..core import ds as ds_rules
from ..core.text import day, eur
from ..forms import ds as dsmod
from ..forms import ds_api
from ..forms.docx_in import FormError
from ..forms.ds_plan import Source, plan_export
from ..forms.importer import _JOURNAL, JournalEntry, Plan, read_journal
from ..schema import DS_OPEN_STATES, LAUREATE_STATUSES, REFUSAL_STATUSES
from ..workbook.lock import registry_lock
from ..workbook.write import check_not_open, check_writable
from .applications import refuse_if_older_registry, write_and_report
from .registry import journal_refusal, open_registry, refuse_if_blocking
from .result import EXIT_USAGE, SYSTEM_CLOCK, Clock, Refused, Result, job

TOKEN_VARIABLE = "FITN_DS_TOKEN"
INSTRUCTEUR_VARIABLE = "FITN_DS_INSTRUCTEUR"
OP_SYNC = "Synchronisation DS"
OP_PUBLISH = "Décision publiée dans DS"

ACCEPT, REFUSE, DROP, INSTRUCT = "dossierAccepter", "dossierRefuser", "dossierClasserSansSuite", \
    "dossierPasserEnInstruction"
WHAT = {ACCEPT: "acceptation", REFUSE: "refus", DROP: "classement sans suite",
        INSTRUCT: "passage en instruction"}


def _decision_of(status: str) -> str | None:
    if status in LAUREATE_STATUSES:
        return ACCEPT
    if status in REFUSAL_STATUSES:
        return REFUSE
    if status == ds_rules.WITHOUT_FOLLOW_UP:
        return DROP
    return None


@dataclass(frozen=True)
class LastSync:
    since: str  # DS time of the latest change seen ('' = never synced)
    known: dict[str, str]  # label -> stable id
    when: str  # « Date et heure » of that sync, as shown


def last_sync(journal: list[JournalEntry], instance: str, number: int) -> LastSync:
    found = LastSync("", {}, "")
    for e in journal:
        if e.operation != OP_SYNC or not e.detail.startswith("{"):
            continue
        try:
            doc = json.loads(e.detail)
        except json.JSONDecodeError:
            continue
        if doc.get("demarche") == number and doc.get("instance") == instance:
            found = LastSync(doc.get("depuis", ""), dict(doc.get("champs", {})), e.file)
    return found


@dataclass
class Decision:
    dossier_id: str
    number: str
    mutation: str
    status: str
    state: str  # DS's state now
    motivation: str | None
    instructeur: str = ""  # e-mail
    problem: str = ""


def _published(journal: list[JournalEntry]) -> dict[tuple[str, str], JournalEntry]:
    out = {}
    for e in journal:
        if e.operation == OP_PUBLISH and e.detail.startswith("{"):
            try:
                out[(e.dossier_id, json.loads(e.detail).get("mutation", ""))] = e
            except json.JSONDecodeError:
                continue
    return out


def _motivation(loaded, computation, app, mutation: str) -> tuple[str | None, str]:
    """(motivation sent to DS, problem) of a decision: a refusal says its ground as the letter does."""
    if mutation == ACCEPT:
        return (f"Subvention accordée : {eur(app.granted)}." if app.granted is not None else None), ""
    motif = " ".join((app.refusal_reason or "").split())
    if mutation == DROP:
        return (motif or "Dossier classé sans suite par le service instructeur."), ""
    from ..documents.context import dossier_context

    ctx = dossier_context(loaded, computation, app.dossier_id, kind="refus")
    if ctx.get("ground_missing"):
        return None, f"motif du refus à préciser avant de le publier : {ctx['ground_missing']}"
    text = " ".join([ctx.get("ground_text", ""), *ctx.get("ground_points", [])]).strip()
    return text or motif or None, "" if (text or motif) else "aucun motif de refus : renseignez « Motif de refus »"


def _instructeur(app, wanted: str, instructeurs: dict[str, str]) -> tuple[str, str]:
    """(e-mail, problem) of the instructeur a decision is made in the name of."""
    if wanted:
        if wanted not in instructeurs:
            return "", (f"l'instructeur « {wanted} » ne fait pas partie des groupes instructeurs de la démarche "
                        f"({', '.join(sorted(instructeurs)) or 'aucun instructeur lisible avec ce jeton'})")
        return wanted, ""
    following = [e for e in (app.ds_instructors or "").split() if e in instructeurs]
    if len(following) == 1:
        return following[0], ""
    if len(instructeurs) == 1:
        return next(iter(instructeurs)), ""
    return "", (f"précisez au nom de quel instructeur publier la décision (--instructeur COURRIEL ou variable "
                f"{INSTRUCTEUR_VARIABLE}) : {len(instructeurs)} instructeurs dans la démarche")


def decisions_to_publish(loaded, computation, states: dict[str, str], journal: list[JournalEntry],
                         instructeurs: dict[str, str], wanted: str) -> tuple[list[Decision], list[str]]:
    """The registry's decisions (Lauréat, Refusé, Sans suite… with a Date de décision) on DS dossiers still open in
    DS, not yet published; and French lines for those already published."""
    published = _published(journal)
    bad = loaded.dossiers_with_errors
    out, already = [], []
    for app in loaded.registry.applications:
        if not app.dossier_id.startswith(dsmod.DS_PREFIX):
            continue
        mutation = _decision_of(app.status)
        state = states.get(app.dossier_id, app.ds_state)
        if mutation is None or app.decided_on is None or state not in DS_OPEN_STATES:
            continue
        number = app.dossier_id.removeprefix(dsmod.DS_PREFIX)
        previous = published.get((app.dossier_id, mutation))
        if previous is not None:
            already.append(f"{app.dossier_id} : {WHAT[mutation]} déjà envoyée (feuille « {schema.SHEET_JOURNAL} », "
                           f"ligne {previous.row}) ; DS indique encore « {state} » : rien n'est renvoyé")
            continue
        d = Decision(app.dossier_id, number, mutation, app.status, state, None)
        if app.dossier_id in bad:
            d.problem = "le dossier a des erreurs de saisie dans le registre (voir fitn-xl check)"
        else:
            d.motivation, d.problem = _motivation(loaded, computation, app, mutation)
        if not d.problem:
            d.instructeur, d.problem = _instructeur(app, wanted, instructeurs)
        out.append(d)
    return out, already


def _describe(d: Decision, app) -> str:
    steps = f"{WHAT[INSTRUCT]} puis {WHAT[d.mutation]}" if d.state == "En construction" else WHAT[d.mutation]
    text = f"{d.dossier_id} ({app.applicant}) : {steps} — « {d.status} » le {day(app.decided_on)}"
    if d.motivation:
        short = d.motivation if len(d.motivation) <= 120 else d.motivation[:117] + "…"
        text += f" ; motivation : « {short} »"
    if d.instructeur:
        text += f" ; au nom de {d.instructeur}"
    return text


@job
def ds_sync(registry: str | Path, demarche: int, *, instance: str | None = None, token: str | None = None,
            mapping: str | Path | None = None, publish: bool = False, send: bool = False,
            instructeur: str | None = None, take_decisions: bool = False, force: bool = False,
            clock: Clock = SYSTEM_CLOCK, progress: Callable[[int, int | None], None] | None = None,
            page_size: int = ds_api.PAGE_SIZE) -> Result:
    """Read démarche `demarche` through DS's API into the registry (only what changed since the last sync), then,
    with `publish`, list the registry's decisions to publish in DS (sent with `send`). Nothing is written when DS
    cannot be read: wrong token, unreachable server, GraphQL error (status 1, French message)."""
    path = Path(registry)
    token = token if token is not None else os.environ.get(TOKEN_VARIABLE, "")
    if not token.strip():
        raise Refused(f"Erreur : le jeton d'accès à l'API Démarches Simplifiées manque : mettez-le dans la variable "
                      f"d'environnement {TOKEN_VARIABLE} (profil DS → « Jetons d'API »). Il n'est jamais écrit dans "
                      "le registre.", EXIT_USAGE)
    if send and not publish:
        raise Refused("Erreur : --envoyer va avec --publier-decisions.", EXIT_USAGE)
    try:
        columns = dsmod.load_mapping(mapping)
    except dsmod.MappingError as exc:
        raise Refused(f"Erreur : {exc}", EXIT_USAGE) from None
    # one writer at a time (issue 12): from the reading to the writing, so that another fitn-xl command writing
    # meanwhile is waited for, and a decision sent to DS is in the Journal before another sync reads it
    with registry_lock(path):
        return _locked_sync(path, demarche, instance, token, columns, publish, send, instructeur, take_decisions,
                            force, clock, progress, page_size)


def _locked_sync(path: Path, demarche: int, instance: str | None, token: str, columns, publish: bool, send: bool,
                 instructeur: str | None, take_decisions: bool, force: bool, clock: Clock,
                 progress: Callable[[int, int | None], None] | None, page_size: int) -> Result:
    loaded, computation = open_registry(path, clock)
    refuse_if_blocking(loaded, "de le synchroniser avec Démarches Simplifiées")
    refuse_if_older_registry(loaded, columns, path)
    # before asking DS anything (and before sending any decision: a read-only registry could not journal it)
    (check_writable if send else check_not_open)(path, force)
    if send and publish:  # a decision sent without its Journal row would be sent again: never sent unless it can follow
        probe = {_JOURNAL["timestamp"]: clock.now(), _JOURNAL["operation"]: OP_PUBLISH,
                 _JOURNAL["file"]: f"API DS, démarche {demarche}"}
        refusal = journal_refusal(path, [probe], "les décisions publiées ne pourraient pas être consignées",
                                  "Rien n'est envoyé à Démarches Simplifiées")
        if refusal:
            raise Refused(refusal)
    journal = read_journal(path)
    client = ds_api.Client(instance, token.strip())
    previous = last_sync(journal, client.instance, demarche)
    try:
        fetched = ds_api.fetch(client, demarche, previous.since, progress, page_size)
    except ds_api.DsApiError as exc:
        raise Refused(f"Erreur : {exc}. Le registre n'est pas modifié.") from None
    label = f"Démarches Simplifiées, démarche {demarche}"
    layout = ds_api.to_tables(fetched.dossiers, columns, previous.known)
    try:
        export = dsmod.read_export(layout.tables, columns)
    except FormError as exc:
        raise Refused(f"Erreur : {label} : {exc}. Le registre n'est pas modifié.") from None
    result = Result()
    since = f"depuis le {ds_api.local_time(previous.since):%d/%m/%Y à %H:%M}" if previous.since else \
        "première synchronisation"
    result.info(f"Démarche n° {demarche} « {fetched.title} » ({client.instance}) : {len(fetched.dossiers)} "
                f"dossier(s) reçu(s), {since} ({fetched.pages} page(s)).")
    now = clock.now()
    plan = Plan()
    plan_export(plan, export, Source(label, f"API DS, démarche {demarche}"), columns, loaded, journal, now.date(),
                now, take_decisions)
    last_change = fetched.last_change or previous.since
    if last_change != previous.since or layout.known != previous.known or plan.writes:
        plan.journal.append({
            _JOURNAL["timestamp"]: now, _JOURNAL["operation"]: OP_SYNC, _JOURNAL["file"]: client.instance,
            _JOURNAL["count"]: len(fetched.dossiers),
            _JOURNAL["detail"]: json.dumps({"demarche": demarche, "instance": client.instance,
                                            "depuis": last_change,
                                            "champs": layout.known}, ensure_ascii=False, sort_keys=True)})
    if publish:
        states = {app.dossier_id: app.ds_state for app in loaded.registry.applications}
        states.update({d.dossier_id: d.state for d in export.dossiers if d.state})
        wanted = (instructeur or os.environ.get(INSTRUCTEUR_VARIABLE, "")).strip()
        decisions, already = decisions_to_publish(loaded, computation, states, journal, fetched.instructeurs, wanted)
        _publish(result, plan, client, decisions, already, loaded, fetched.instructeurs, send, now, demarche)
    return write_and_report(path, plan, loaded, force, result)


def _publish(result: Result, plan: Plan, client, decisions: list[Decision], already: list[str], loaded,
             instructeurs: dict[str, str], send: bool, now: datetime, demarche: int) -> None:
    apps = {a.dossier_id: a for a in loaded.registry.applications}
    ready = [d for d in decisions if not d.problem]
    for line in already:
        result.info(line)
    for d in decisions:
        if d.problem:
            result.error(f"Décision non publiable — {d.dossier_id} : {d.problem}")
    if not ready:
        result.info("Aucune décision du registre à publier dans Démarches Simplifiées.")
        return
    if not send:
        result.info(f"Décisions à publier dans Démarches Simplifiées ({len(ready)}) — simulation, rien n'est envoyé ; "
                    "ajoutez --envoyer pour les envoyer :")
        for d in ready:
            result.info(f"  {_describe(d, apps[d.dossier_id])}")
        return
    result.info(f"Décisions publiées dans Démarches Simplifiées ({len(ready)}) :")
    for d in ready:
        app = apps[d.dossier_id]
        base = {"dossierId": ds_api.typed_id("Dossier", d.number), "instructeurId": instructeurs[d.instructeur]}
        steps = ([(INSTRUCT, base)] if d.state == "En construction" else []) + [
            (d.mutation, {**base, **({"motivation": d.motivation} if d.motivation is not None else {})})]
        dossier = None
        try:
            for name, variables in steps:
                payload = client.execute(ds_api.mutation(name), {"input": variables},
                                         f"fitn{name[0].upper()}{name[1:]}").get(name) or {}
                errors = payload.get("errors") or []
                if errors:
                    raise ds_api.DsApiError("; ".join(str(e.get("message", "")) for e in errors))
                dossier = payload.get("dossier") or dossier
        except ds_api.DsApiError as exc:
            result.error(f"  {d.dossier_id} : Démarches Simplifiées n'a pas pris la décision ({WHAT[d.mutation]}) : "
                         f"{exc}")
            continue
        state = dsmod.DS_STATES.get(str((dossier or {}).get("state", "")), "")
        plan.journal.append({
            _JOURNAL["timestamp"]: now, _JOURNAL["operation"]: OP_PUBLISH, _JOURNAL["dossier_id"]: d.dossier_id,
            _JOURNAL["file"]: f"API DS, démarche {demarche}", _JOURNAL["recipient"]: d.instructeur,
            _JOURNAL["amount"]: app.granted if d.mutation == ACCEPT else None,
            _JOURNAL["detail"]: json.dumps({"mutation": d.mutation, "statut": d.status, "etat": state,
                                            "motivation": d.motivation}, ensure_ascii=False, sort_keys=True)})
        if state:
            plan.updates.append((d.dossier_id, dsmod.DS_STATE, state))
            processed = ds_api.local_time((dossier or {}).get("dateTraitement"))
            if processed:
                plan.updates.append((d.dossier_id, dsmod.DS_DECIDED_ON, processed.date()))
            if (dossier or {}).get("motivation"):
                plan.updates.append((d.dossier_id, dsmod.DS_MOTIVATION, dossier["motivation"]))
        result.info(f"  {_describe(d, app)} → « {state or '?'} » dans DS")
