"""The ground of a refusal, as the letter states it: the eligibility criteria the project fails (reworded from the
rules' named reasons, dates in words), or the instructeur's « Motif de refus » — never the envelope unless it is
the ground.

`refusal_ground(...)` returns a `Ground`; when the ground cannot be stated (a refused dossier without a motif, « Note
insuffisante » without a score, « Autre » without the motif itself), `Ground.missing` says what to fill in and no
letter is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import schema
from ..core import rules
from ..formatting import format_eur, long_date, ordinal
from ..values import fold
from ..wording import Collectivity

ENVELOPE, SCORE, INCOMPLETE, OTHER_SCHEME, OTHER = schema.REFUSAL_GROUNDS
INELIGIBLE, CUSTOM = "ineligible", "custom"
_KINDS = {fold(ENVELOPE): ENVELOPE, fold(SCORE): SCORE, fold(INCOMPLETE): INCOMPLETE,
          fold(OTHER_SCHEME): OTHER_SCHEME, fold(OTHER): OTHER}


@dataclass(frozen=True)
class Ground:
    kind: str  # INELIGIBLE, CUSTOM, or one of schema.REFUSAL_GROUNDS
    text: str = ""  # the paragraph that states the ground (after « J'ai le regret … »)
    points: tuple[str, ...] = ()  # INELIGIBLE: one failed criterion each, punctuated as a French list
    missing: str = ""  # what must be filled in before the letter can be written ('' = nothing)


def _punctuated(items: list[str]) -> tuple[str, ...]:
    return tuple(item + (" ;" if i < len(items) - 1 else ".") for i, item in enumerate(items))


def reason_prose(code: str, app, params, who: Collectivity) -> str:
    """One failed criterion as a clause of the letter (lower-case start, no final punctuation)."""
    deadline = long_date(params.results_deadline)
    funded = who.agree("financé")
    return {
        "type_missing": "la demande ne précise pas la nature juridique du demandeur, qui doit être une collectivité, "
                        "un groupement de collectivités ou une personne morale financée exclusivement par des "
                        "collectivités",
        "type_unknown": f"« {app.applicant_type} » ne fait pas partie des bénéficiaires du dispositif, ouvert aux "
                        "collectivités, à leurs groupements et aux personnes morales financées exclusivement par des "
                        "collectivités",
        "funding_missing": f"la demande ne permet pas d'établir que {who.in_sentence} est {funded} exclusivement "
                           "par des collectivités, condition posée aux personnes morales",
        "funding_not_exclusive": f"{who.in_sentence} n'est pas {funded} exclusivement par des collectivités, alors "
                                 "que le dispositif n'est ouvert aux personnes morales que dans ce cas",
        "pilot_not_3d": "une structure pilote d'un laboratoire d'innovation territoriale ne peut être aidée qu'au "
                        "titre de la mesure 3d, consacrée aux projets d'innovation menés avec un laboratoire "
                        "d'innovation territoriale",
        "commitment_missing": "la demande ne comporte pas l'engagement du projet à un niveau décisionnel "
                              f"{who.of}",
        "commitment_no": f"le projet n'est pas porté avec un engagement à un niveau décisionnel {who.of}",
        "nature_missing": "la demande ne permet pas d'établir qu'il s'agit d'un projet de transformation, "
                          "d'innovation ou de modernisation numérique",
        "nature_no": "le projet n'est pas un projet de transformation, d'innovation ou de modernisation numérique",
        "end_missing": "la demande ne précise pas la date de fin du projet, alors que les projets financés doivent "
                       f"donner des résultats tangibles au plus tard le {deadline}",
        "end_late": f"la fin du projet est prévue le {long_date(app.planned_end)}, alors que les projets financés "
                    f"doivent donner des résultats tangibles au plus tard le {deadline}",
        "requested_missing": "la demande ne précise pas le montant du financement sollicité",
        "cost_missing": "la demande ne précise pas le coût global du projet",
        "requested_above_cost": f"le financement demandé ({format_eur(app.requested)}) dépasse le coût global du "
                                f"projet ({format_eur(app.total_cost)}), alors que l'aide ne peut excéder 100 % de "
                                "ce coût",
    }[code]


def _ranking(result, ranked_count: int, measure: str) -> str:
    if result.scoring.average is None:
        return ""
    from ..documents.render import _note

    text = f"il a obtenu la note de {_note(result.scoring.average)} sur 20"
    if result.rank is not None and ranked_count:
        text += (f" et se classe {ordinal(result.rank)} sur {ranked_count} projet"
                 f"{'s' if ranked_count > 1 else ''} éligible{'s' if ranked_count > 1 else ''} noté"
                 f"{'s' if ranked_count > 1 else ''} au titre de la mesure {measure}")
    return text


def refusal_ground(app, result, params, who: Collectivity, *, ranked_count: int, envelope_label: str,
                   envelope_amount) -> Ground:
    """Why `app` (status Inéligible or Refusé) is refused, as the letter says it."""
    motif = " ".join((app.refusal_reason or "").split())
    if motif:
        kind = _KINDS.get(fold(motif), CUSTOM)
        ranking = _ranking(result, ranked_count, app.measure)
        if kind == OTHER:
            return Ground(OTHER, missing="« Motif de refus » : écrivez le motif lui-même dans la cellule "
                                         "(« Autre » ne dit pas lequel)")
        if kind == SCORE:
            if not ranking:
                return Ground(SCORE, missing="« Note /20 » : le motif « Note insuffisante » demande au moins une "
                                             "note d'évaluateur complète (feuille « Notation »)")
            criteria = enumeration([_lower(c.name) for c in params.criteria_of(app.measure)])
            about = f" ({criteria})" if criteria else ""
            return Ground(SCORE, f"Votre projet a été examiné au regard des critères de sélection de la mesure "
                                 f"{app.measure}{about} : {ranking}. Cette note ne permet pas de le retenir.")
        if kind == ENVELOPE:
            lead = f"Votre projet a été examiné au regard des critères de sélection ; {ranking}. " if ranking else ""
            return Ground(ENVELOPE, f"{lead}Les crédits de {envelope_label}, d'un montant de "
                                    f"{format_eur(envelope_amount)}, ont été attribués aux projets les mieux classés "
                                    "et ne permettent pas de financer le vôtre.")
        if kind == INCOMPLETE:
            return Ground(INCOMPLETE, "Votre dossier ne comporte pas l'ensemble des éléments nécessaires à son "
                                      "instruction ; il ne peut donc pas être retenu en l'état.")
        if kind == OTHER_SCHEME:
            return Ground(OTHER_SCHEME, "Votre projet relève d'autres dispositifs de financement que le guichet "
                                        "territorial de l'axe 3, destiné aux besoins que ne couvrent pas les axes 1 et "
                                        "2 du fonds de transformation numérique (projets de grande échelle et à fort "
                                        "degré de mutualisation).")
        sentence = motif if motif[-1] in ".!?…" else motif + "."
        return Ground(CUSTOM, f"Cette décision est motivée comme suit : {sentence[:1].lower() + sentence[1:]}"
                      if not sentence[:2].isupper() else f"Cette décision est motivée comme suit : {sentence}")
    codes = rules.ineligibility(app, params)
    if codes:
        points = [reason_prose(code, app, params, who) for code, _ in codes]
        intro = ("En effet, votre projet ne remplit pas les conditions d'éligibilité du dispositif :"
                 if len(points) > 1 else "En effet, votre projet ne remplit pas une condition d'éligibilité du "
                                         "dispositif :")
        return Ground(INELIGIBLE, intro, _punctuated(points))
    if app.status == "Inéligible":
        return Ground(INELIGIBLE, missing="« Motif de refus » : le statut est « Inéligible » mais le dossier remplit "
                                          "toutes les conditions d'éligibilité calculées ; indiquez le motif")
    return Ground(CUSTOM, missing="« Motif de refus » : indiquez pourquoi le dossier est refusé (liste déroulante "
                                  "ou phrase de votre choix)")


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def enumeration(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »; '' for none."""
    items = [i for i in items if i]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


__all__ = ["CUSTOM", "ENVELOPE", "INCOMPLETE", "INELIGIBLE", "OTHER", "OTHER_SCHEME", "SCORE", "Ground",
           "enumeration", "reason_prose", "refusal_ground"]
