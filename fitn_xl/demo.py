"""A realistic, wholly fictional registry for the Puy-de-Dôme (63), as core values: `demo_registry()`.

Forty dossiers over measures 3a–3d and every status, dated March–June 2021, with the reference date fixed at
30/06/2021 so the demo gives the same result every day. Collectivités, people, companies and amounts are invented
(names « de style » local); SIRET numbers are made up but carry a valid Luhn key. Nothing here is random: the few
varied scores come from `random.Random` with a fixed seed.

It covers every rule on purpose: communes of 4 999 and 5 000 inhabitants (forfaits 5 000 € / 10 000 €), a
métropole without forfait, excluded equipment, extra-EU licences above the 10 % threshold, a personne morale not
financed only by collectivités, a structure pilote outside 3d, an end date after 2022, a conflict of interest, a
disagreement of 3 points between evaluators, providers outside the département, expense lines that do not add up,
late laureates (no quarterly report for more than 92 days), a grant at 74 % of the cost, Convention and CRTE modes.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from stdnum import luhn

from .core import Application, Expense, Parameters, Payment, Provider, Registry, Report, Score, parameters_for
from .schema import ABROAD, LICENCE, PERSONNE_MORALE, STRUCTURE_PILOTE
from .wording import split_civility

DEMO_DEPARTMENT = "63"
DEMO_DEPARTMENT_NAME = "Puy-de-Dôme"
DEMO_REFERENCE_DATE = date(2021, 6, 30)
DEMO_MONTH = "2021-06"  # the DITP list of the demo
DEMO_SEED = 63

CONSEIL = "Prestation d'accompagnement ou de conseil"
FORMATION = "Formation"
DEV = "Développement ou intégration"
EQUIPEMENT = "Équipement informatique pour les agents"
MATERIEL = "Autre matériel"
AUTRE = "Autre"


def demo_parameters() -> Parameters:
    """The demo's « Paramètres »: the fiche's defaults, Puy-de-Dôme, 297 000 €, reference date 30/06/2021."""
    return parameters_for(
        DEMO_DEPARTMENT,
        DEMO_DEPARTMENT_NAME,
        service="Préfecture du Puy-de-Dôme — Bureau de la coordination interministérielle et de la modernisation",
        signatory="Le préfet du Puy-de-Dôme",
        envelope=Decimal(297_000),
        envelope_3d=Decimal(100_000),
        reference_date=DEMO_REFERENCE_DATE,
        prefecture_town="Clermont-Ferrand",
        region="Auvergne-Rhône-Alpes",
        regional_prefect="le préfet de la région Auvergne-Rhône-Alpes, préfet du Rhône",
        sgar_service="Secrétariat général pour les affaires régionales Auvergne-Rhône-Alpes — Pôle modernisation",
        sgar_signatory="Pour le préfet de région et par délégation, la secrétaire générale pour les affaires "
                       "régionales, Mme Anne Vernet",
        sgar_town="Lyon",
        grantor_name=GRANTOR_NAME,
        grantor_siret=siret(17630001),
        grantor_name_3d=GRANTOR_NAME_3D,
        grantor_siret_3d=siret(17690001),
    )


def siret(seed: int) -> str:
    """A made-up SIRET with valid Luhn keys (SIREN key and SIRET key), from an 8-digit seed."""
    body = f"{seed % 10**8:08d}"
    siren = body + luhn.calc_check_digit(body)
    nic = siren + "0001"
    return nic + luhn.calc_check_digit(nic)


# --- companies (fictional) ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Company:
    name: str
    department: str  # code or ABROAD
    siret: str = ""


COMPANIES: dict[str, _Company] = {
    k: _Company(name, dep, siret(seed) if dep != ABROAD else "")
    for k, (name, dep, seed) in {
        "volcans": ("Volcans Numérique SAS", "63", 81234567),
        "arverne": ("Arverne Conseil SARL", "63", 79345612),
        "domes": ("Dômes Formation", "63", 82456723),
        "limagne": ("Atelier Web de la Limagne", "63", 84567834),
        "sancy": ("Sancy Données et Territoires", "63", 85678945),
        "allier": ("Allier Data Services", "03", 78912356),
        "cantal": ("Cantal Digital", "15", 83123467),
        "velay": ("Velay Informatique Publique", "43", 80234578),
        "lyon": ("Lyon Transformation Publique", "69", 75345689),
        "paris": ("Cabinet Parisien du Numérique Public", "75", 77456790),
        "civic": ("Nordic Civic Software AB", ABROAD, 0),
        "openlabs": ("Open Civic Labs Ltd", ABROAD, 0),
    }.items()
}

# Software publishers of licence lines: (name, ISO country).
PUBLISHERS = {
    "fr": ("Éditions Logicielles du Centre", "FR"),
    "de": ("Bürgerdienst Software GmbH", "DE"),
    "us": ("CloudDesk Inc.", "US"),
    "us2": ("VisioMeet Inc.", "US"),
    "gb": ("Formly Ltd", "GB"),
}


# --- dossiers -------------------------------------------------------------------------------------------------

@dataclass
class _Dossier:
    measure: str
    applicant: str
    kind: str  # applicant type
    population: int | None
    title: str
    received: date
    end: date
    cost: int | str
    requested: int | str
    status: str
    decided: date | None = None
    granted: int | str | None = None
    mode: str = ""
    lines: list[tuple] = field(default_factory=list)  # (label, category, amount, publisher key or supplier)
    providers: list[tuple[str, int | str]] = field(default_factory=list)  # (company key, amount ordered)
    reports: list[tuple] = field(default_factory=list)  # (date, state, progress %, revised end, comment)
    share: int | None = None  # Part collectivités (3d)
    funded: bool | None = None  # Personne morale financed only by collectivités
    commitment: bool = True
    contact: tuple[str, str] = ("", "")  # (représentant, fonction)
    code: str = ""  # INSEE or SIREN
    quality: int = 3  # 1..5, drives the generated scores
    motif: str = ""  # Motif de refus


D = date
_DOSSIERS: list[_Dossier] = [
    # ---- 3a: accompagnement par un expert du numérique (forfaits) ----
    _Dossier("3a", "Commune de Saint-Amant-des-Combrailles", "Commune", 4999,
             "Diagnostic numérique et feuille de route de la mairie", D(2021, 3, 2), D(2021, 12, 15), 8000, 8000,
             "Conventionné", D(2021, 3, 25), 5000, "Convention",
             lines=[("Diagnostic des usages numériques", CONSEIL, 3500), ("Feuille de route et priorisation", CONSEIL,
                                                                          4500)],
             providers=[("arverne", 8000)], contact=("Mme Hélène Bouchard", "Maire"), code="63318", quality=4),
    _Dossier("3a", "Commune de Montaigut-la-Chaîne", "Commune", 5000,
             "Accompagnement à la dématérialisation des autorisations d'urbanisme", D(2021, 3, 4), D(2022, 3, 31),
             14000, 12000, "Lauréat", D(2021, 5, 25), 10000, "Convention",
             lines=[("Cadrage du guichet numérique des autorisations d'urbanisme", CONSEIL, 6000),
                    ("Conduite du changement du service urbanisme", CONSEIL, 8000)],
             providers=[("volcans", 9000), ("lyon", 5000)], contact=("M. Pierre Fayolle", "Maire"), code="63231",
             quality=5),
    _Dossier("3a", "Commune de Chambon-sur-Sioule", "Commune", 1240,
             "Étude des attentes des usagers pour un service de réservation en ligne", D(2021, 3, 1), D(2021, 9, 30),
             6200, 6200, "Soldé", D(2021, 3, 30), 5000, "CRTE",
             lines=[("Enquête usagers et ateliers", CONSEIL, 6200)],
             providers=[("limagne", 6200)],
             reports=[(D(2021, 4, 30), "En cours", 40, None, "Ateliers usagers tenus en avril"),
                      (D(2021, 6, 15), "Terminé", 100, None, "Rapport d'étude remis au conseil municipal")],
             contact=("Mme Josiane Mallet", "Maire"), code="63077", quality=4),
    _Dossier("3a", "Communauté de communes Dômes et Combrailles", "Communauté de communes", 27400,
             "Schéma directeur du numérique intercommunal", D(2021, 3, 3), D(2022, 6, 30), 32000, 25000,
             "Conventionné", D(2021, 4, 20), 20000, "Convention",
             lines=[("Audit du système d'information", CONSEIL, 12000),
                    ("Schéma directeur et plan d'actions", CONSEIL, 20000)],
             providers=[("sancy", 20000), ("paris", 12000)],
             reports=[(D(2021, 6, 10), "En cours", 30, None, "Audit terminé, ateliers en cours")],
             contact=("M. Jean-Marc Tixier", "Président"), code="200069177", quality=5),
    _Dossier("3a", "Commune de Vic-le-Haut", "Commune", 870,
             "Appui à la mise en place d'un outil de gestion des salles", D(2021, 4, 6), D(2021, 11, 30), 5500, 5000,
             "Éligible", lines=[("Accompagnement au choix et au paramétrage", CONSEIL, 5500)],
             providers=[("domes", 5500)], contact=("M. Alain Roche", "Maire"), code="63453", quality=3),
    _Dossier("3a", "Commune de Pontgibaud-les-Forges", "Commune", 2300,
             "Accompagnement à la conduite du changement de l'accueil", D(2021, 4, 14), D(2022, 2, 28), 7000, 7000,
             "En instruction", lines=[("Accompagnement des agents d'accueil", CONSEIL, 7000)],
             providers=[("arverne", 7000)], contact=("Mme Sylvie Chassaing", "Maire"), code="63285", quality=3),
    _Dossier("3a", "Commune de Saint-Julien-des-Puys", "Commune", 4650,
             "Étude de mutualisation des outils numériques avec les communes voisines", D(2021, 6, 14),
             D(2022, 5, 31), 9000, 9000, "Reçu", lines=[("Étude de mutualisation", CONSEIL, 9000)],
             contact=("M. Bernard Vialle", "Maire"), code="63371"),
    _Dossier("3a", "Département du Puy-de-Dôme", "Département", 662000,
             "Appui d'experts pour la plateforme départementale d'ingénierie numérique", D(2021, 3, 10),
             D(2022, 9, 30), 45000, 30000, "Lauréat", D(2021, 6, 8), 20000, "CRTE",
             lines=[("Expertise technique de la plateforme", CONSEIL, 30000),
                    ("Accompagnement des communes pilotes", CONSEIL, 15000)],
             providers=[("volcans", 25000), ("allier", 20000)],
             contact=("M. le Président du Conseil départemental", "Président"), code="226300010", quality=4),
    _Dossier("3a", "Métropole du Val d'Arverne", "Métropole", 295000,
             "Accompagnement à la stratégie de la donnée métropolitaine", D(2021, 4, 2), D(2022, 10, 31), 60000,
             40000, "En instruction",
             lines=[("Stratégie de la donnée", CONSEIL, 48000),
                    ("Postes de travail des data analystes", EQUIPEMENT, 12000)],
             providers=[("sancy", 30000), ("paris", 18000)], contact=("Mme Nadia Benali", "Vice-présidente"),
             code="246300701", quality=3),
    _Dossier("3a", "Commune de Saint-Rémy-des-Puys", "Commune", 3100,
             "Accompagnement au déploiement d'un portail famille", D(2021, 3, 16), D(2021, 12, 31), 9500, 9500,
             "Lauréat", D(2021, 5, 25), 5000, "Convention",
             lines=[("Accompagnement au déploiement", CONSEIL, 9500)],
             providers=[("lyon", 6500), ("openlabs", 3000)], contact=("M. Didier Mazuel", "Maire"), code="63402",
             quality=4),
    _Dossier("3a", "Commune de La Tour-d'Auvergne-Haute", "Commune", 680,
             "Étude préalable à un site internet communal", D(2021, 3, 22), D(2021, 10, 31), 3000, 3000, "Refusé",
             D(2021, 5, 25), lines=[("Étude préalable", CONSEIL, 3000)], providers=[("cantal", 3000)],
             contact=("Mme Odile Fournier", "Maire"), code="63436", quality=1, motif="Note insuffisante"),
    _Dossier("3a", "Communauté d'agglomération Limagne-Volcans", "Communauté d'agglomération", 67300,
             "Accompagnement à la transformation numérique des services communautaires", D(2021, 3, 5),
             D(2022, 6, 30), 24000, 20000, "Conventionné", D(2021, 4, 20), 20000, "Convention",
             lines=[("Diagnostic et trajectoire", CONSEIL, 14000), ("Accompagnement des managers", CONSEIL, 10000)],
             providers=[("arverne", 14000), ("volcans", 10000)],
             reports=[(D(2021, 6, 21), "En cours", 35, None, "Diagnostic restitué")],
             contact=("M. Frédéric Bonnefoy", "Président"), code="200070407", quality=4),
    _Dossier("3a", "Syndicat intercommunal numérique des Combrailles", "Syndicat ou autre groupement de collectivités",
             None, "Étude d'un service commun de délégué à la protection des données", D(2021, 3, 24),
             D(2021, 12, 31), 9000, 9000, "Sans suite", lines=[("Étude du service commun", CONSEIL, 9000)],
             providers=[("domes", 9000)], contact=("M. Gérard Pouzadoux", "Président"), code="256300233", quality=3),
    _Dossier("3a", "Commune de Lezoux-les-Vignes", "Commune", 12500,
             "Accompagnement à l'ouverture des données publiques", D(2021, 4, 19), D(2022, 4, 30), 15000, 12000,
             "Éligible", lines=[("Accompagnement open data", CONSEIL, 15000)], providers=[("sancy", 15000)],
             contact=("Mme Anne Pradier", "Adjointe au maire"), code="63195", quality=4),
    _Dossier("3a", "Commune de Murol-sur-Couze", "Commune", 2900,
             "Diagnostic de sécurité informatique", D(2021, 4, 28), D(2021, 12, 31), 6000, 6000, "Inéligible",
             D(2021, 5, 25), lines=[("Diagnostic sécurité", CONSEIL, 6000)], providers=[("volcans", 6000)],
             commitment=False, contact=("M. Lucien Gauthier", "Secrétaire de mairie"), code="63247", quality=2),
    _Dossier("3a", "Commune de Sauxillanges-le-Bas", "Commune", 4100,
             "Accompagnement à la gestion électronique des documents", D(2021, 6, 21), D(2022, 3, 31), 7500, 7500,
             "Reçu", lines=[("Accompagnement GED", CONSEIL, 7500)], contact=("Mme Marie Chanal", "Maire"),
             code="63414"),
    # ---- 3b: formation au numérique des agents ----
    _Dossier("3b", "Commune de Mont-Durolle", "Commune", 11500,
             "Formation des agents techniques aux outils numériques", D(2021, 3, 8), D(2022, 6, 30), 18000, 15000,
             "Conventionné", D(2021, 4, 20), 15000, "Convention",
             lines=[("Sessions de formation (12 groupes)", FORMATION, 14000),
                    ("Évaluation des compétences numériques", FORMATION, 4000)],
             providers=[("domes", 18000)],
             reports=[(D(2021, 6, 10), "En cours", 40, None, "5 groupes formés sur 12")],
             contact=("M. Paul Genestier", "Maire"), code="63430", quality=4),
    _Dossier("3b", "Communauté de communes des Monts du Forez-Ouest", "Communauté de communes", 21800,
             "Parcours de formation au numérique pour 120 agents", D(2021, 3, 18), D(2022, 3, 31), 12000, 12000,
             "Lauréat", D(2021, 5, 25), 12000, "CRTE",
             lines=[("Parcours de formation", FORMATION, 9600), ("Plateforme d'évaluation en ligne", LICENCE, 2400,
                                                                  "fr")],
             providers=[("domes", 9600)], contact=("Mme Chantal Pélissier", "Présidente"), code="200070753",
             quality=4),
    _Dossier("3b", "Centre de gestion de la fonction publique territoriale du Puy-de-Dôme", PERSONNE_MORALE, None,
             "Certification des compétences numériques des agents des petites communes", D(2021, 4, 7),
             D(2022, 6, 30), 25000, 25000, "Éligible",
             lines=[("Sessions de certification", FORMATION, 21000), ("Licences de la plateforme", LICENCE, 4000,
                                                                      "de")],
             providers=[("domes", 21000)], funded=True, contact=("Mme Isabelle Roussel", "Directrice"),
             code="286300012", quality=4),
    _Dossier("3b", "Maison de l'emploi des Combrailles", PERSONNE_MORALE, None,
             "Ateliers d'inclusion numérique pour les agents", D(2021, 4, 9), D(2021, 12, 31), 8000, 8000,
             "Inéligible", D(2021, 5, 25), lines=[("Ateliers", FORMATION, 8000)], funded=False,
             contact=("M. Thierry Arnaud", "Directeur"), code="423456789", quality=3),
    _Dossier("3b", "Commune de Saint-Germain-l'Herm-Village", "Commune", 5600,
             "Formation à la messagerie et à l'intranet", D(2021, 3, 26), D(2021, 12, 31), 4000, 4000, "Refusé",
             D(2021, 5, 25), lines=[("Formation", FORMATION, 4000)], providers=[("velay", 4000)],
             contact=("M. René Bard", "Maire"), code="63355", quality=2,
             motif="la formation proposée se limite à la prise en main d'un seul logiciel de messagerie et ne "
                   "participe pas au développement des compétences numériques des agents"),
    _Dossier("3b", "Commune de Courpière-la-Dore", "Commune", 4400,
             "Formation des agents d'accueil à l'accompagnement numérique des usagers", D(2021, 5, 3),
             D(2022, 2, 28), 6000, 6000, "En instruction", lines=[("Formation des agents d'accueil", FORMATION,
                                                                     6000)],
             providers=[("domes", 6000)], contact=("Mme Laure Vidal", "Maire"), code="63125", quality=3),
    _Dossier("3b", "Commune d'Aubière-les-Côtes", "Commune", 10200,
             "Évaluation et formation des agents de la petite enfance", D(2021, 6, 18), D(2022, 6, 30), 9000, 9000,
             "Reçu", lines=[("Formation", FORMATION, 9000)], contact=("M. Christophe Serre", "Maire"), code="63014"),
    _Dossier("3b", "Commune de Saint-Nectaire-le-Haut", "Commune", 760,
             "Formation des élus et agents aux démarches en ligne", D(2021, 3, 3), D(2021, 6, 30), 4800, 4800,
             "Soldé", D(2021, 3, 30), 4800, "CRTE", lines=[("Formation", FORMATION, 4800)],
             providers=[("domes", 4800)],
             reports=[(D(2021, 5, 4), "En cours", 60, None, ""),
                      (D(2021, 6, 20), "Terminé", 100, None, "Toutes les sessions réalisées")],
             contact=("Mme Agnès Mercier", "Maire"), code="63380", quality=4),
    _Dossier("3b", "Communauté de communes Billom-Livradois", "Communauté de communes", 26500,
             "Plan de développement des compétences numériques", D(2021, 4, 13), D(2022, 6, 30), 19000, 18500,
             "Éligible",
             lines=[("Formations bureautique et outils collaboratifs", FORMATION, 12500),
                    ("Ingénierie pédagogique", CONSEIL, 6000)],  # lines 18 500 € ≠ declared 19 000 €
             providers=[("domes", 12500), ("arverne", 6000)], contact=("M. Yves Chabrier", "Président"),
             code="200070563", quality=3),
    # ---- 3c: transformation numérique de la relation à l'usager ----
    _Dossier("3c", "Commune d'Issoire-le-Lac", "Commune", 14000,
             "Portail citoyen et prise de rendez-vous en ligne", D(2021, 3, 9), D(2022, 6, 30), 28000, 28000,
             "Conventionné", D(2021, 4, 20), 20720, "Convention",
             lines=[("Développement du portail", DEV, 22000), ("Assistance à maîtrise d'ouvrage", CONSEIL, 2500),
                    ("Abonnement au service de prise de rendez-vous", LICENCE, 3500, "us")],
             providers=[("limagne", 22000), ("arverne", 2500)],
             reports=[(D(2021, 6, 25), "En cours", 50, None, "Portail en recette")],
             contact=("M. Olivier Perrin", "Maire"), code="63178", quality=5),
    _Dossier("3c", "Communauté de communes Ambert Livradois-Haut", "Communauté de communes", 28000,
             "Guichet unique numérique des services intercommunaux", D(2021, 3, 12), D(2022, 9, 30), 45000, 36000,
             "Lauréat", D(2021, 6, 8), 36000, "Convention",
             lines=[("Développement du guichet", DEV, 33000), ("Logiciel de gestion de la relation usager", LICENCE,
                                                               9000, "de"),
                    ("Formation des agents", FORMATION, 3000)],
             providers=[("volcans", 33000), ("domes", 3000)], contact=("Mme Brigitte Laurent", "Présidente"),
             code="200070761", quality=5),
    _Dossier("3c", "Commune de Cournon-la-Plaine", "Commune", 7200,
             "Dématérialisation des inscriptions scolaires et périscolaires", D(2021, 3, 5), D(2022, 3, 31), 24000,
             19000, "Conventionné", D(2021, 3, 18), 19000, "Convention",
             lines=[("Paramétrage du portail famille", DEV, 20000), ("Accompagnement", CONSEIL, 4000)],
             providers=[("cantal", 20000), ("arverne", 4000)],
             reports=[(D(2021, 3, 26), "Non démarré", 0, D(2022, 6, 30), "Marché en cours d'attribution")],
             contact=("M. Sébastien Moulin", "Maire"), code="63124", quality=4),
    _Dossier("3c", "Commune de Châtel-Guyon-les-Bains", "Commune", 6300,
             "Application mobile de signalement des incidents de voirie", D(2021, 4, 22), D(2022, 6, 30), 32000,
             30000, "Éligible",
             lines=[("Développement de l'application", DEV, 27000), ("Hébergement et maintenance", AUTRE, 5000)],
             providers=[("velay", 27000)], contact=("Mme Émilie Bost", "Maire"), code="63103", quality=3),
    _Dossier("3c", "Commune de Gerzat-Limagne", "Commune", 10400,
             "Refonte complète du système d'information de la mairie", D(2021, 4, 12), D(2023, 6, 30), 48000, 40000,
             "Inéligible", D(2021, 5, 25), lines=[("Refonte du SI", DEV, 48000)], providers=[("lyon", 48000)],
             contact=("M. Hervé Delorme", "Maire"), code="63164", quality=3),
    _Dossier("3c", "Association Lab'Dôme — laboratoire d'innovation publique", STRUCTURE_PILOTE, None,
             "Démarche d'innovation pour la relation aux usagers des communes rurales", D(2021, 4, 15),
             D(2022, 6, 30), 30000, 25000, "Inéligible", D(2021, 5, 25),
             lines=[("Ateliers de design de service", CONSEIL, 30000)], providers=[("sancy", 30000)],
             contact=("Mme Claire Desfarges", "Directrice"), code="812345678", quality=4),
    _Dossier("3c", "Commune de Riom-les-Fontaines", "Commune", 19000,
             "Paiement en ligne de l'ensemble des services municipaux", D(2021, 5, 6), D(2022, 4, 30), 22000, 22000,
             "En instruction",
             lines=[("Intégration du paiement en ligne", DEV, 18000), ("Accompagnement", CONSEIL, 4000)],
             providers=[("limagne", 18000), ("arverne", 4000)], contact=("M. Jacques Berthon", "Maire"),
             code="63300", quality=3),
    _Dossier("3c", "Commune de Beaumont-sur-Artière", "Commune", 11000,
             "Accueil numérique en mairie et rendez-vous en ligne", D(2021, 5, 11), D(2022, 5, 31), 21000, 21000,
             "En instruction",
             lines=[("Développement", DEV, 13000), ("Tablettes pour les agents d'accueil", EQUIPEMENT, 5000),
                    ("Borne d'accueil", MATERIEL, 3000)],
             providers=[("volcans", 16000)], contact=("Mme Françoise Girard", "Maire"), code="63032", quality=3),
    _Dossier("3c", "Commune des Martres-de-Veyre-Basse", "Commune", 4000,
             "Guichet numérique de l'état civil", D(2021, 3, 30), D(2021, 12, 31), 12000, 12000, "Sans suite",
             lines=[("Développement", DEV, 12000)], providers=[("limagne", 12000)],
             contact=("M. Michel Rougier", "Maire"), code="63214", quality=3),
    _Dossier("3c", "Commune de Volvic-les-Sources", "Commune", 4700,
             "Site internet communal", D(2021, 3, 17), D(2021, 12, 31), 11000, 11000, "Refusé", D(2021, 5, 25),
             lines=[("Création du site", DEV, 8500), ("Licence de l'outil de gestion de contenu", LICENCE, 2500,
                                                      "us2")],
             providers=[("paris", 8500)], contact=("Mme Danielle Pons", "Maire"), code="63470", quality=1,
             motif="Note insuffisante"),
    _Dossier("3c", "Communauté de communes du Massif du Sancy-Est", "Communauté de communes", 10500,
             "Démarches en ligne pour l'urbanisme et l'assainissement", D(2021, 3, 23), D(2022, 6, 30), 26000,
             24000, "Lauréat", D(2021, 6, 8), 24000, "CRTE",
             lines=[("Intégration des téléservices", DEV, 20000), ("Conduite du changement", CONSEIL, 6000)],
             providers=[("sancy", 20000), ("civic", 6000)], contact=("M. Lionel Vigier", "Président"),
             code="200069193", quality=4),
    # ---- 3d: innovation avec un laboratoire d'innovation territoriale (SGAR) ----
    _Dossier("3d", "Association Lab'Dôme — laboratoire d'innovation publique", STRUCTURE_PILOTE, None,
             "Service public itinérant de proximité co-conçu avec les usagers", D(2021, 3, 11), D(2022, 12, 31),
             120000, 80000, "Conventionné", D(2021, 5, 25), 60000, "Convention",
             lines=[("Design de service et prototypage", CONSEIL, 50000), ("Développement du prototype", DEV, 55000),
                    ("Évaluation", AUTRE, 15000)],
             providers=[("sancy", 50000), ("volcans", 55000)],
             reports=[(D(2021, 6, 28), "En cours", 20, None, "Ateliers de co-conception lancés")],
             share=60000, contact=("Mme Claire Desfarges", "Directrice"), code="812345678", quality=5),
    _Dossier("3d", "Région Auvergne-Rhône-Alpes", "Région", None,
             "Laboratoire régional d'expérimentation des services numériques ruraux", D(2021, 4, 26),
             D(2022, 12, 31), 90000, 40000, "En instruction",
             lines=[("Expérimentations", DEV, 60000), ("Animation du laboratoire", CONSEIL, 30000)],
             providers=[("lyon", 60000), ("sancy", 30000)], share=45000,
             contact=("M. le Président du Conseil régional", "Président"), code="200053767", quality=4),
    _Dossier("3d", "Département du Puy-de-Dôme", "Département", 662000,
             "Laboratoire d'innovation sur l'accès aux droits", D(2021, 6, 22), D(2022, 12, 31), 70000, 35000,
             "Reçu", lines=[("Démarche d'innovation", CONSEIL, 70000)], share=35000,
             contact=("M. le Président du Conseil départemental", "Président"), code="226300010"),
    _Dossier("3d", "Syndicat mixte du Parc des Volcans — Lab'Volcans", STRUCTURE_PILOTE, None,
             "Tiers-lieu numérique expérimental pour les agents des communes du parc", D(2021, 5, 17),
             D(2022, 10, 31), 50000, 30000, "Éligible",
             lines=[("Prototypage", DEV, 35000), ("Animation", CONSEIL, 15000)],
             providers=[("sancy", 35000), ("arverne", 15000)], share=25000,
             contact=("M. Antoine Duprat", "Directeur"), code="256300456", quality=4),
]

# Payments of the laureates, by dossier number: (date of signature of the convention, or of the CRTE act;
# [(date, nature, amount)]). The avance is 50 % of the grant about two weeks after the signature; two dossiers are
# settled (Soldé), one with a solde reduced because its dépenses acquittées fell short of the eligible cost; one
# laureate (n° 10) still waits for its avance 34 days after signing (an alert, and the demo's payment request).
_PAYMENTS: dict[int, tuple[date, list[tuple[date, str, str]]]] = {
    1: (D(2021, 4, 9), [(D(2021, 4, 23), "Avance", "2500")]),
    2: (D(2021, 6, 10), [(D(2021, 6, 24), "Avance", "5000")]),
    3: (D(2021, 4, 14), [(D(2021, 4, 22), "Avance", "2500"), (D(2021, 6, 28), "Solde", "2177.42")]),
    4: (D(2021, 5, 5), [(D(2021, 5, 19), "Avance", "10000")]),
    8: (D(2021, 6, 22), [(D(2021, 6, 29), "Avance", "10000")]),
    10: (D(2021, 5, 27), []),
    12: (D(2021, 5, 4), [(D(2021, 5, 18), "Avance", "10000")]),
    17: (D(2021, 5, 6), [(D(2021, 5, 20), "Avance", "7500")]),
    18: (D(2021, 6, 14), [(D(2021, 6, 28), "Avance", "6000")]),
    24: (D(2021, 4, 13), [(D(2021, 4, 27), "Avance", "2400"), (D(2021, 6, 29), "Solde", "2400")]),
    26: (D(2021, 5, 4), [(D(2021, 5, 18), "Avance", "10360")]),
    27: (D(2021, 6, 22), [(D(2021, 6, 29), "Avance", "18000")]),
    28: (D(2021, 4, 1), [(D(2021, 4, 15), "Avance", "9500")]),
    36: (D(2021, 6, 21), [(D(2021, 6, 29), "Avance", "12000")]),
    37: (D(2021, 6, 9), [(D(2021, 6, 23), "Avance", "30000")]),
}
# Dépenses acquittées given with the final report (« Terminé »), by dossier number: n° 3 spent 5 800 € of its
# 6 200 € (solde reduced to 2 177,42 €), n° 24 all of its 4 800 €.
_PAID_EXPENSES: dict[int, str] = {3: "5800", 24: "4800"}
DEMO_PAYMENT_REQUEST = "63-2021-010"  # the payment request the demo writes (its avance)
GRANTOR_NAME, GRANTOR_NAME_3D = "Préfecture du Puy-de-Dôme", "Préfecture de la région Auvergne-Rhône-Alpes"

# Evaluators: the départementale team scores 3a–3c, the SGAR scores 3d.
EVALUATORS = ("A. Roux", "B. Fabre", "C. Meunier")
EVALUATORS_3D = ("D. Chabrol (SGAR)", "E. Vernet (SGAR)", "F. Lacombe (SGAR)")
UNSCORED_STATUSES = frozenset({"Reçu"})
CONFLICT = ("63-2021-017", "C. Meunier")  # the evaluator is a councillor of the applicant
DISAGREEMENT = "63-2021-029"  # two evaluators 3 points apart on criterion 1


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _town(applicant: str) -> str:
    for prefix in ("Commune de ", "Commune d'", "Commune des "):
        if applicant.startswith(prefix):
            return applicant.removeprefix(prefix)
    return ""


def _address(d: _Dossier, n: int) -> str:
    town = _town(d.applicant)
    postcode = f"63{(n * 37) % 900 + 100:03d}"
    if town:
        return f"Place de la Mairie, {postcode} {town}"
    return f"{n} avenue de la République, 63000 Clermont-Ferrand"


def _email(d: _Dossier) -> str:
    town = _town(d.applicant)
    local = f"mairie.{_slug(town)}" if town else _slug(d.applicant)[:40].rstrip("-")
    return f"{local}@example.fr"


def _application(n: int, d: _Dossier) -> Application:
    civility, representative = split_civility(d.contact[0])
    return Application(
        dossier_id=f"63-2021-{n:03d}",
        received_on=d.received,
        measure=d.measure,
        applicant=d.applicant,
        applicant_type=d.kind,
        insee_or_siren=d.code,
        population=d.population,
        funded_by_authorities_only=d.funded,
        civility=civility,
        representative=representative,
        representative_role=d.contact[1],
        address=_address(d, n),
        email=_email(d),
        phone=f"04 73 {(n * 13) % 90 + 10:02d} {(n * 29) % 90 + 10:02d} {(n * 7) % 90 + 10:02d}",
        title=d.title,
        description=f"{d.title}. Mesure {d.measure} du guichet territorial France Relance "
                    "(dossier fictif de démonstration).",
        decision_commitment=d.commitment,
        digital_transformation=True,
        planned_end=d.end,
        total_cost=_dec(d.cost),
        requested=_dec(d.requested),
        authorities_share=_dec(d.share),
        contract_mode=d.mode,
        status=d.status,
        decided_on=d.decided,
        granted=_dec(d.granted),
        refusal_reason=d.motif,
    )


def _expenses(dossier_id: str, d: _Dossier) -> list[Expense]:
    out = []
    for line in d.lines:
        label, category, amount, *rest = line
        supplier, country = "", ""
        if category == LICENCE:
            supplier, country = PUBLISHERS[rest[0]]
        elif d.providers:  # the provider ordered this line's amount, else the dossier's only provider
            same = [key for key, ordered in d.providers if Decimal(str(ordered)) == Decimal(amount)]
            key = same[0] if same else (d.providers[0][0] if len(d.providers) == 1 else "")
            supplier = COMPANIES[key].name if key else ""
        out.append(Expense(dossier_id, label, category, supplier, country, Decimal(amount)))
    return out


def _providers(dossier_id: str, d: _Dossier) -> list[Provider]:
    return [
        Provider(dossier_id, COMPANIES[key].name, COMPANIES[key].siret, COMPANIES[key].department, _dec(amount))
        for key, amount in d.providers
    ]


def _scores(dossier_id: str, d: _Dossier, rng: random.Random) -> list[Score]:
    if d.status in UNSCORED_STATUSES:
        return []
    n_criteria = 3 if d.measure in ("3a", "3b") else 5
    team = EVALUATORS_3D if d.measure == "3d" else EVALUATORS
    count = 3 if int(dossier_id[-3:]) % 2 else 2
    out = []
    for k, evaluator in enumerate(team[:count]):
        values = []
        for _ in range(n_criteria):
            v = d.quality + rng.choice((0, 0, 0.5, -0.5))
            values.append(Decimal(str(min(5, max(0, v)))))
        if dossier_id == DISAGREEMENT and k == 1:
            values[0] = max(Decimal(0), values[0] - 3) if values[0] >= 3 else values[0] + 3
        conflict = (dossier_id, evaluator) == CONFLICT
        comment = "Élu de la collectivité candidate : ne note pas." if conflict else ""
        if conflict:
            values = [Decimal(5)] * n_criteria
        out.append(Score(dossier_id, evaluator, conflict, tuple(values), comment))
    return out


def _reports(dossier_id: str, d: _Dossier) -> list[Report]:
    return [
        Report(dossier_id, when, state, Decimal(progress) / 100, revised, comment)
        for when, state, progress, revised, comment in d.reports
    ]


def _siret_of_siren(siren: str) -> str:
    nic = siren + "0001"
    return nic + luhn.calc_check_digit(nic)


def beneficiary_siret(code: str, n: int) -> str:
    """A SIRET for the applicant, made up from its « Code INSEE ou SIREN » with valid Luhn keys: a 9-digit SIREN
    kept when its key is valid (its first 8 digits otherwise), a commune's INSEE code as a commune's SIREN
    (21 + département + 0 + commune), else made from the dossier number."""
    if code.isdigit() and len(code) == 9:
        siren = code if luhn.is_valid(code) else code[:8] + luhn.calc_check_digit(code[:8])
    elif code.isdigit() and len(code) == 5:
        body = f"21{code[:2]}0{code[2:]}"
        siren = body + luhn.calc_check_digit(body)
    else:
        body = f"2{n:07d}"
        siren = body + luhn.calc_check_digit(body)
    return _siret_of_siren(siren)


def _legal_commitment(n: int) -> str:
    """A made-up Chorus « engagement juridique » number (10 digits)."""
    return f"2103{n:03d}{(n * 389) % 1000:03d}"


def _payments(n: int, dossier_id: str) -> list[Payment]:
    _, rows = _PAYMENTS.get(n, (None, []))
    return [Payment(dossier_id, when, nature, Decimal(amount), _legal_commitment(n),
                    "Solde réduit à due proportion des dépenses acquittées" if n == 3 and nature == "Solde" else "")
            for when, nature, amount in rows]


def demo_registry() -> Registry:
    """The demo registry: 40 fictional dossiers of the Puy-de-Dôme (same value on every call)."""
    rng = random.Random(DEMO_SEED)
    apps, expenses, providers, scores, reports, payments = [], [], [], [], [], []
    for n, d in enumerate(_DOSSIERS, start=1):
        app = _application(n, d)
        app = replace(app, beneficiary_siret=beneficiary_siret(d.code, n),
                      convention_signed_on=_PAYMENTS[n][0] if n in _PAYMENTS else None)
        apps.append(app)
        expenses += _expenses(app.dossier_id, d)
        providers += _providers(app.dossier_id, d)
        scores += _scores(app.dossier_id, d, rng)
        reports += [replace(r, paid_expenses=Decimal(_PAID_EXPENSES[n])) if r.state == "Terminé" and n in
                    _PAID_EXPENSES else r for r in _reports(app.dossier_id, d)]
        payments += _payments(n, app.dossier_id)
    return Registry(
        parameters=demo_parameters(),
        applications=tuple(apps),
        expenses=tuple(expenses),
        providers=tuple(providers),
        scores=tuple(scores),
        reports=tuple(reports),
        payments=tuple(payments),
    )


__all__ = ["DEMO_MONTH", "DEMO_PAYMENT_REQUEST", "DEMO_REFERENCE_DATE", "beneficiary_siret", "demo_parameters",
           "demo_registry", "siret"]
