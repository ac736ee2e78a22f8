"""Follow-up reminders: one ready-to-send .eml per late laureate (no état des lieux for more than a quarter).

« Les services préfectoraux demanderont à chaque collectivité lauréate un état des lieux au minimum trimestriel de
l'avancement des projets ; les dates de fin des projets financés ; la liste des entreprises […] » (fiche, Quel suivi ?)
Lateness is the core's `Result.late`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import schema
from ..authority import authority_for
from ..core.compute import compute
from ..core.followup import latest_report
from ..core.model import Application, Parameters, Provider, Report
from ..documents.grounds import enumeration
from ..formatting import service_lines
from ..wording import collectivity, person
from ..workbook.cells import departments
from ..workbook.read import Issue, load_registry
from . import fmt
from .mail import new_message, sender, write_eml
from .monthly import ListError


@dataclass
class RemindersResult:
    reference_date: date
    written: dict[str, Path] = field(default_factory=dict)  # dossier id -> .eml
    no_address: list[Issue] = field(default_factory=list)  # late laureates without a usable Courriel
    skipped: list[Issue] = field(default_factory=list)  # issues of dossiers left out (input errors)

    @property
    def skipped_dossiers(self) -> list[str]:
        return sorted({i.dossier_id for i in self.skipped if i.dossier_id})


def reminder_subject(app: Application) -> str:
    return f"[FITN7 axe 3] Dossier {app.dossier_id} – état des lieux trimestriel attendu"


def reminder_body(app: Application, params: Parameters, reports: list[Report], providers: list[Provider]) -> str:
    """The reminder's text: addressed to the representative (« Madame la Maire, »), about the collectivité (« La
    commune de … est lauréate »), signed by the authority of the measure (the SGAR for 3d)."""
    last = latest_report(reports)
    authority = authority_for(params, app.measure)
    who = person(app.representative, app.representative_role, app.civility)
    body = collectivity(app.applicant, app.applicant_type)
    if last is not None:
        state = last.state + (f", {fmt.percent(last.progress)}" if last.progress is not None else "")
        since = (f"Le dernier état des lieux que nous avons reçu date du {fmt.long_date(last.date)} "
                 f"(« {state} »).")
    else:
        since = (f"Nous n'avons reçu aucun état des lieux depuis la décision du {fmt.long_date(app.decided_on)}."
                 if app.decided_on else "Nous n'avons reçu aucun état des lieux depuis la décision d'attribution.")
    revised = [r for r in reports if r.revised_end is not None and r.date is not None]
    end = max(revised, key=lambda r: r.date).revised_end if revised else app.planned_end
    end_text = f" (actuellement prévue le {fmt.long_date(end)})" if end else ""
    declared = enumeration([f"{p.name} ({_where(p.department)})" if p.department else p.name for p in providers])
    companies = f" (déjà déclarées : {declared})" if declared else " (aucune déclarée à ce jour)"
    granted = f", financé à hauteur de {fmt.eur(app.granted)}" if app.granted is not None else ""
    decided = f" par décision du {fmt.long_date(app.decided_on)}" if app.decided_on else ""
    lines = [
        who.salutation,
        "",
        f"{body.subject} est {body.agree('lauréat')} du fonds de transformation numérique des collectivités "
        f"territoriales (France Relance, axe 3 « guichets territoriaux ») pour le projet « {app.title} » (dossier "
        f"n° {app.dossier_id}){granted}{decided}.",
        "",
        "Le suivi du Plan de relance demande un état des lieux au minimum trimestriel de l'avancement de chaque "
        f"projet. {since}",
        "",
        "Merci de nous adresser, en réponse à ce courriel, un état des lieux à jour précisant :",
        "- l'état du projet : non démarré, en cours, terminé, en difficulté ou abandonné ;",
        "- son avancement, en pourcentage ;",
        f"- la date de fin du projet{end_text} ;",
        "- les entreprises bénéficiaires de commandes financées par ces crédits, avec le département de leur siège "
        f"social{companies}.",
        "",
        f"Nous vous prions d'agréer, {who.title}, l'expression de nos salutations distinguées.",
        "",
        *_signature(authority),
        "",
    ]
    return "\n".join(lines)


def _where(department: str) -> str:
    """« Puy-de-Dôme » for '63', « hors de France »; the code when unknown."""
    if department == schema.ABROAD:
        return "hors de France"
    name = departments().get(department, "")
    return name or department


def _signature(authority) -> list[str]:
    """The service (the SGAR for 3d), then the préfecture once, as the DITP e-mail signs."""
    return service_lines(authority.service, authority.of) if authority.service else [authority.prefecture]


def _file_name(dossier_id: str) -> str:
    return "relance_" + (re.sub(r"[^0-9A-Za-z._-]+", "-", dossier_id).strip("-") or "dossier") + ".eml"


def build_reminders(registry_path: str | Path, out_dir: str | Path, *, today: date | None = None,
                    now: datetime | None = None) -> RemindersResult:
    """Write `relance_<N° dossier>.eml` into `out_dir` for each late laureate without input errors.

    The reference date is the registry's « Date de référence », else `today` (default: the system date). Raises
    `ListError` when the parameters have errors."""
    loaded = load_registry(registry_path)
    if loaded.blocking:
        problems = "\n".join(f"  {i}" for i in loaded.issues if i.blocking)
        raise ListError(f"Le registre a des erreurs qui empêchent de préparer les relances :\n{problems}")
    registry = loaded.registry
    params = registry.parameters
    computation = compute(registry, today)
    bad = loaded.dossiers_with_errors
    reports: dict[str, list[Report]] = defaultdict(list)
    for r in registry.reports:
        reports[r.dossier_id].append(r)
    providers: dict[str, list[Provider]] = defaultdict(list)
    for p in registry.providers:
        providers[p.dossier_id].append(p)

    result = RemindersResult(computation.reference_date)
    out = Path(out_dir)
    for app in registry.applications:
        res = computation.results.get(app.dossier_id)
        if res is None or not res.late:
            continue
        if app.dossier_id in bad:
            result.skipped.extend(i for i in loaded.issues if i.dossier_id == app.dossier_id)
            continue
        if not app.email:
            result.no_address.append(Issue(schema.SHEET_APPLICATIONS, loaded.application_rows.get(app.dossier_id),
                                           "Courriel", "adresse manquante : relance non préparée", app.dossier_id))
            continue
        msg = new_message(sender(authority_for(params, app.measure).issuer), app.email, reminder_subject(app),
                          reminder_body(app, params, reports[app.dossier_id], providers[app.dossier_id]),
                          when=now, department=params.department)
        path = out / _file_name(app.dossier_id)
        write_eml(path, msg)
        result.written[app.dossier_id] = path
    return result
