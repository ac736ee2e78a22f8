"""The registry workbook contract: sheet, table and header names, closed lists, column kinds (SPEC §3).

Every adapter (workbook builder, reader, writer, Excel functions, Word templates, JSON output) takes its names from
here, so one thing has one name from the sheet header to the code. Pure data: no I/O library is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# --- closed lists (drop-downs) -------------------------------------------------------------------------------

MEASURES: tuple[str, ...] = ("3a", "3b", "3c", "3d")
MEASURE_LABELS: dict[str, str] = {
    "3a": "Accompagnement par un expert du numérique",
    "3b": "Formation au numérique des agents",
    "3c": "Projet de transformation numérique de la relation à l'usager",
    "3d": "Projet d'innovation avec un laboratoire d'innovation territoriale",
}

PERSONNE_MORALE = "Personne morale financée par des collectivités"
STRUCTURE_PILOTE = "Structure pilote d'un laboratoire d'innovation territoriale"
APPLICANT_TYPES: tuple[str, ...] = (
    "Commune",
    "Département",
    "Région",
    "Collectivité d'outre-mer ou à statut particulier",
    "Communauté de communes",
    "Communauté d'agglomération",
    "Communauté urbaine",
    "Métropole",
    "Syndicat ou autre groupement de collectivités",
    PERSONNE_MORALE,
    STRUCTURE_PILOTE,
)

LICENCE = "Licence ou abonnement logiciel"
EXPENSE_CATEGORIES: tuple[str, ...] = (
    "Prestation d'accompagnement ou de conseil",
    "Formation",
    "Développement ou intégration",
    LICENCE,
    "Équipement informatique pour les agents",
    "Autre matériel",
    "Autre",
)

STATUSES: tuple[str, ...] = (
    "Reçu",
    "En instruction",
    "Éligible",
    "Inéligible",
    "Lauréat",
    "Refusé",
    "Sans suite",
    "Conventionné",
    "Soldé",
)
LAUREATE_STATUSES: frozenset[str] = frozenset({"Lauréat", "Conventionné", "Soldé"})
PENDING_STATUSES: frozenset[str] = frozenset({"Reçu", "En instruction", "Éligible"})
REFUSAL_STATUSES: frozenset[str] = frozenset({"Inéligible", "Refusé"})

REPORT_STATES: tuple[str, ...] = ("Non démarré", "En cours", "Terminé", "En difficulté", "Abandonné")
FINISHED = "Terminé"  # the end-of-project report (« bilan »), after which the solde is paid
ADVANCE, INSTALMENT, BALANCE = "Avance", "Acompte", "Solde"
PAYMENT_NATURES: tuple[str, ...] = (ADVANCE, INSTALMENT, BALANCE)
CONTRACT_MODES: tuple[str, ...] = ("Convention", "CRTE")
YES, NO = "Oui", "Non"
# « État du dossier » in Démarches Simplifiées, as its exports write it
DS_STATES: tuple[str, ...] = ("En construction", "En instruction", "Accepté", "Refusé", "Classé sans suite")
DS_OPEN_STATES: frozenset[str] = frozenset({"En construction", "En instruction"})
YES_NO: tuple[str, ...] = (YES, NO)
ABROAD = "Hors France"  # département of a head office outside France
CIVILITIES: tuple[str, ...] = ("M.", "Mme")
# Suggested grounds of a refusal (« Motif de refus »); the instructeur may type a ground of their own instead.
REFUSAL_GROUNDS: tuple[str, ...] = ("Enveloppe épuisée", "Note insuffisante", "Dossier incomplet",
                                    "Projet relevant d'un autre dispositif", "Autre")
N_CRITERIA = 5


# --- column kinds -------------------------------------------------------------------------------------------


class Kind(Enum):
    TEXT = "texte"
    INTEGER = "entier"
    NUMBER = "nombre"
    AMOUNT = "montant"  # euros, Decimal, >= 0
    DATE = "date"
    YES_NO = "oui/non"
    CHOICE = "liste"
    PERCENT = "pourcentage"  # stored as a fraction (0.25 = 25 %)
    COUNTRY = "pays"  # ISO 3166 alpha-2 in code, French name in the sheet
    DEPARTMENT = "département"  # "01".."95", "2A", "2B", "971".."976", or ABROAD
    SIRET = "siret"
    EMAIL = "courriel"


@dataclass(frozen=True)
class Column:
    header: str  # exact French header, part of the contract
    attr: str  # English attribute name in the core model
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    width: int = 16
    help: str = ""  # one French line, shown in Lisez-moi and as the cell's input message


def _c(header, attr, kind=Kind.TEXT, required=False, choices=(), width=16, help=""):
    return Column(header, attr, kind, required, tuple(choices), width, help)


@dataclass(frozen=True)
class Table:
    sheet: str
    name: str  # ASCII Excel table name
    columns: tuple[Column, ...]  # input columns, in order
    computed: tuple[Column, ...] = ()  # computed columns, right of the inputs

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.computed

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.all_columns)

    def column(self, header: str) -> Column:
        for c in self.all_columns:
            if c.header == header:
                return c
        raise KeyError(header)


DOSSIER_ID = "N° dossier"

# --- sheets --------------------------------------------------------------------------------------------------

SHEET_README = "Lisez-moi"
SHEET_PARAMETERS = "Paramètres"
SHEET_APPLICATIONS = "Candidatures"
SHEET_EXPENSES = "Dépenses"
SHEET_PROVIDERS = "Prestataires"
SHEET_SCORES = "Notation"
SHEET_REPORTS = "Suivi"
SHEET_PAYMENTS = "Versements"
SHEET_DASHBOARD = "Tableau de bord"
SHEET_JOURNAL = "Journal"

APPLICATIONS = Table(
    SHEET_APPLICATIONS,
    "Candidatures",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12, help="Identifiant unique du dossier, ex. 63-2021-001"),
        _c("Date de réception", "received_on", Kind.DATE, required=True, width=12),
        _c("Mesure", "measure", Kind.CHOICE, required=True, choices=MEASURES, width=9),
        _c("Collectivité", "applicant", required=True, width=28),
        _c("Type de candidat", "applicant_type", Kind.CHOICE, required=True, choices=APPLICANT_TYPES, width=26),
        _c("Code INSEE ou SIREN", "insee_or_siren", width=12),
        _c("Population", "population", Kind.INTEGER, width=11),
        _c("Financée exclusivement par des collectivités", "funded_by_authorities_only", Kind.YES_NO,
           choices=YES_NO, width=14,
           help="Pour une personne morale : Oui si tous ses financements viennent de collectivités"),
        _c("Civilité", "civility", Kind.CHOICE, choices=CIVILITIES, width=7,
           help="Du représentant : M. ou Mme (« Monsieur le Maire », « Madame la Présidente ») ; vide = lue dans "
                "« Représentant » (« Mme Hélène Bouchard »)"),
        _c("Représentant", "representative", width=20),
        _c("Fonction", "representative_role", width=14),
        _c("Adresse", "address", width=30),
        _c("Courriel", "email", Kind.EMAIL, width=24),
        _c("Téléphone", "phone", width=14),
        _c("Intitulé du projet", "title", required=True, width=32),
        _c("Présentation", "description", width=40),
        _c("Engagement décisionnel", "decision_commitment", Kind.YES_NO, choices=YES_NO, width=13),
        _c("Projet de transformation numérique", "digital_transformation", Kind.YES_NO, choices=YES_NO, width=15),
        _c("Date de fin prévue", "planned_end", Kind.DATE, width=12),
        _c("Coût global (€)", "total_cost", Kind.AMOUNT, width=13),
        _c("Financement demandé (€)", "requested", Kind.AMOUNT, width=13),
        _c("Part collectivités (€)", "authorities_share", Kind.AMOUNT, width=13,
           help="Mesure 3d : part du coût assumée par les collectivités (plafond du financement)"),
        _c("Mode de contractualisation (Convention ou CRTE)", "contract_mode", Kind.CHOICE, choices=CONTRACT_MODES,
           width=18),  # « contractualisation » on one line of the header
        _c("Statut", "status", Kind.CHOICE, required=True, choices=STATUSES, width=13),
        _c("Date de décision", "decided_on", Kind.DATE, width=12),
        _c("Montant accordé (€)", "granted", Kind.AMOUNT, width=13),
        _c("Motif de refus", "refusal_reason", choices=REFUSAL_GROUNDS, width=22,
           help="Statut Refusé : choisissez un motif de la liste, ou écrivez le vôtre en une phrase (il est repris "
                "tel quel dans le courrier)"),
        # Démarches Simplifiées: what DS says of the dossier, written by `fitn-xl import` / `ds-sync`
        _c("État DS", "ds_state", Kind.CHOICE, choices=DS_STATES, width=14,
           help="État du dossier dans Démarches Simplifiées (rempli par l'import DS, ne pas modifier)"),
        _c("Décision DS le", "ds_decided_on", Kind.DATE, width=12,
           help="« Traité le » dans Démarches Simplifiées (rempli par l'import DS)"),
        _c("Motivation DS", "ds_motivation", width=30,
           help="« Motivation de la décision » dans Démarches Simplifiées (rempli par l'import DS)"),
        _c("Instructeurs DS", "ds_instructors", width=24,
           help="Instructeurs qui suivent le dossier dans Démarches Simplifiées (rempli par l'import DS)"),
        _c("SIRET du bénéficiaire", "beneficiary_siret", Kind.SIRET, width=17,
           help="SIRET de la collectivité bénéficiaire (14 chiffres, clé vérifiée) : données ouvertes des subventions"),
        _c("Date de signature de la convention", "convention_signed_on", Kind.DATE, width=12,
           help="Date de la convention signée (ou de l'acte CRTE) : départ de l'avance, données ouvertes"),
    ),
    (
        _c("Dépenses exclues (€)", "excluded", Kind.AMOUNT, width=13),
        _c("Coût éligible (€)", "eligible_cost", Kind.AMOUNT, width=13),
        _c("Part licences hors UE", "extra_eu_share", Kind.PERCENT, width=11),
        _c("Forfait (€)", "forfait", Kind.AMOUNT, width=11),
        _c("Éligible", "eligible", Kind.YES_NO, width=9),
        _c("Motifs", "reasons", width=45),
        _c("Alertes", "warnings", width=45),
        _c("Montant proposé (€)", "proposed", Kind.AMOUNT, width=13),
        _c("Note /20", "score", Kind.NUMBER, width=9),
        _c("Rang", "rank", Kind.INTEGER, width=7),
        _c("En retard", "late", Kind.YES_NO, width=9),
        _c("Écart max. entre évaluateurs", "max_disagreement", Kind.NUMBER, width=12),
        _c("Note suggérée localisation", "suggested_location_score", Kind.NUMBER, width=12),
        _c("Versé (€)", "paid", Kind.AMOUNT, width=13),
        _c("Reste à verser (€)", "remaining", Kind.AMOUNT, width=13),
    ),
)

EXPENSES = Table(
    SHEET_EXPENSES,
    "Depenses",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12),
        _c("Libellé", "label", required=True, width=36),
        _c("Catégorie", "category", Kind.CHOICE, required=True, choices=EXPENSE_CATEGORIES, width=34),
        _c("Fournisseur ou éditeur", "supplier", width=26),
        _c("Pays de l'éditeur", "publisher_country", Kind.COUNTRY, width=16,
           help="Obligatoire pour une licence : le pays du siège de l'éditeur"),
        _c("Montant (€)", "amount", Kind.AMOUNT, required=True, width=13),
    ),
)

PROVIDERS = Table(
    SHEET_PROVIDERS,
    "Prestataires",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12),
        _c("Raison sociale", "name", required=True, width=30),
        _c("SIRET", "siret", Kind.SIRET, width=17),
        _c("Département du siège", "department", Kind.DEPARTMENT, required=True, width=12,
           help="Code du département du siège social (ex. 63, 2A, 971) ou « Hors France »"),
        _c("Montant commandé (€)", "amount", Kind.AMOUNT, width=13),
    ),
)

SCORES = Table(
    SHEET_SCORES,
    "Notation",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12),
        _c("Évaluateur", "evaluator", required=True, width=20),
        _c("Conflit d'intérêts", "conflict", Kind.YES_NO, choices=YES_NO, width=11),
        *(_c(f"Critère {i}", f"criterion_{i}", Kind.NUMBER, width=9) for i in range(1, N_CRITERIA + 1)),
        _c("Commentaire", "comment", width=40),
    ),
    (  # computed by recalc (fitn_xl.review.notation_cells): what the evaluator is scoring, and the result
        _c("Mesure", "measure", width=9),
        _c("Critères de la grille", "grid", width=48),
        _c("Note /20", "score", Kind.NUMBER, width=9),
    ),
)

REPORTS = Table(
    SHEET_REPORTS,
    "Suivi",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12),
        _c("Date", "date", Kind.DATE, required=True, width=12),
        _c("État", "state", Kind.CHOICE, required=True, choices=REPORT_STATES, width=14),
        _c("Avancement (%)", "progress", Kind.PERCENT, width=11),
        _c("Date de fin révisée", "revised_end", Kind.DATE, width=12),
        _c("Commentaire", "comment", width=40),
        _c("Dépenses acquittées (€)", "paid_expenses", Kind.AMOUNT, width=13,
           help="Avec l'état des lieux final (Terminé) : total de l'état récapitulatif des dépenses acquittées"),
    ),
)

PAYMENTS = Table(
    SHEET_PAYMENTS,
    "Versements",
    (
        _c(DOSSIER_ID, "dossier_id", required=True, width=12),
        _c("Date", "date", Kind.DATE, required=True, width=12, help="Date de la mise en paiement"),
        _c("Nature (Avance, Acompte, Solde)", "nature", Kind.CHOICE, required=True, choices=PAYMENT_NATURES,
           width=12),
        _c("Montant (€)", "amount", Kind.AMOUNT, required=True, width=13),
        _c("N° d'engagement juridique (Chorus)", "legal_commitment", width=16,
           help="N° de l'engagement juridique (EJ) de la subvention dans Chorus"),
        _c("Commentaire", "comment", width=40),
    ),
)

# Tables of the Paramètres sheet.
PARAMETERS = Table(
    SHEET_PARAMETERS, "Parametres", (_c("Paramètre", "label", width=32), _c("Valeur", "value", width=40))
)
FORFAITS = Table(
    SHEET_PARAMETERS,
    "Forfaits",
    (
        _c("Mesure", "measure", Kind.CHOICE, required=True, choices=MEASURES, width=9),
        _c("Type de candidat", "applicant_type", Kind.CHOICE, required=True, choices=APPLICANT_TYPES, width=26),
        _c("Population min", "population_min", Kind.INTEGER, width=11),
        _c("Population max", "population_max", Kind.INTEGER, width=11),
        _c("Montant (€)", "amount", Kind.AMOUNT, required=True, width=12),
    ),
)
GRID = Table(
    SHEET_PARAMETERS,
    "Grille",
    (
        _c("Mesure", "measure", Kind.CHOICE, required=True, choices=MEASURES, width=9),
        _c("N°", "number", Kind.INTEGER, required=True, width=5),
        _c("Critère", "name", required=True, width=36),
        _c("Pondération", "weight", Kind.NUMBER, required=True, width=11),
        _c("Note maximale", "max_score", Kind.NUMBER, required=True, width=11),
    ),
)
EXCLUSIONS = Table(
    SHEET_PARAMETERS,
    "Exclusions",
    (_c("Catégorie exclue", "category", Kind.CHOICE, required=True, choices=EXPENSE_CATEGORIES, width=36),),
)

JOURNAL = Table(
    SHEET_JOURNAL,
    "Journal",
    (
        _c("Date et heure", "timestamp", width=18),
        _c("Opération", "operation", width=22),
        _c(DOSSIER_ID, "dossier_id", width=12),
        _c("Mois", "month", width=9),
        _c("Destinataire", "recipient", width=30),
        _c("Nombre", "count", Kind.INTEGER, width=8),
        _c("Montant (€)", "amount", Kind.AMOUNT, width=13),
        _c("Fichier", "file", width=40),
        _c("SHA-256", "sha256", width=20),
        _c("Détail", "detail", width=40),
    ),
)

INPUT_TABLES: tuple[Table, ...] = (APPLICATIONS, EXPENSES, PROVIDERS, SCORES, REPORTS, PAYMENTS)

# The tables and their input columns as the first fitn-xl (0.1) wrote them. A registry made by an earlier version
# lacks what came after: the reader reads such a column or table as empty, with a note, and `fitn-xl upgrade`
# rebuilds the registry with it. A column of this first contract that is missing was removed by hand: it blocks.
FIRST_CONTRACT: dict[str, frozenset[str]] = {
    "Candidatures": frozenset((
        "N° dossier", "Date de réception", "Mesure", "Collectivité", "Type de candidat", "Code INSEE ou SIREN",
        "Population", "Financée exclusivement par des collectivités", "Représentant", "Fonction", "Adresse",
        "Courriel", "Téléphone", "Intitulé du projet", "Présentation", "Engagement décisionnel",
        "Projet de transformation numérique", "Date de fin prévue", "Coût global (€)", "Financement demandé (€)",
        "Part collectivités (€)", "Mode de contractualisation (Convention ou CRTE)", "Statut", "Date de décision",
        "Montant accordé (€)")),
    "Depenses": frozenset(("N° dossier", "Libellé", "Catégorie", "Fournisseur ou éditeur", "Pays de l'éditeur",
                           "Montant (€)")),
    "Prestataires": frozenset(("N° dossier", "Raison sociale", "SIRET", "Département du siège",
                               "Montant commandé (€)")),
    "Notation": frozenset(("N° dossier", "Évaluateur", "Conflit d'intérêts", "Critère 1", "Critère 2", "Critère 3",
                           "Critère 4", "Critère 5", "Commentaire")),
    "Suivi": frozenset(("N° dossier", "Date", "État", "Avancement (%)", "Date de fin révisée", "Commentaire")),
    "Parametres": frozenset(("Paramètre", "Valeur")),
    "Forfaits": frozenset(("Mesure", "Type de candidat", "Population min", "Population max", "Montant (€)")),
    "Grille": frozenset(("Mesure", "N°", "Critère", "Pondération", "Note maximale")),
    "Exclusions": frozenset(("Catégorie exclue",)),
    "Journal": frozenset(("Date et heure", "Opération", "N° dossier", "Mois", "Destinataire", "Nombre",
                          "Montant (€)", "Fichier", "SHA-256", "Détail")),
}


FIRST_PARAMETERS: frozenset[str] = frozenset((
    "Département", "Nom du département", "Service instructeur", "Signataire", "Enveloppe départementale (€)",
    "Enveloppe 3d (€)", "Échéance des résultats", "Seuil licences hors UE", "Seuil de population", "Adresse DITP",
    "Date de référence"))


def added_later(table: Table, header: str | None = None) -> bool:
    """Whether `table` (or its input column `header`) came after the first contract: an older registry may lack
    it."""
    first = FIRST_CONTRACT.get(table.name)
    return first is None or (header is not None and header not in first)
PARAMETER_TABLES: tuple[Table, ...] = (PARAMETERS, FORFAITS, GRID, EXCLUSIONS)


@dataclass(frozen=True)
class ParameterRow:
    label: str  # exact French label in the « Paramètre » column (contract)
    attr: str
    kind: Kind
    required: bool = False
    help: str = ""


PARAMETER_ROWS: tuple[ParameterRow, ...] = (
    ParameterRow("Département", "department", Kind.DEPARTMENT, True, "Code du département, ex. 63"),
    ParameterRow("Nom du département", "department_name", Kind.TEXT, True, "ex. Puy-de-Dôme"),
    ParameterRow("Service instructeur", "service", Kind.TEXT, False, "ex. Bureau de la modernisation"),
    ParameterRow("Signataire", "signatory", Kind.TEXT, False, "Nom et qualité du signataire des conventions"),
    ParameterRow("Enveloppe départementale (€)", "envelope", Kind.AMOUNT, True, "Mesures 3a, 3b et 3c"),
    ParameterRow("Enveloppe 3d (€)", "envelope_3d", Kind.AMOUNT, True, "Laboratoires d'innovation (SGAR)"),
    ParameterRow("Échéance des résultats", "results_deadline", Kind.DATE, True, "Fin de projet au plus tard"),
    ParameterRow("Seuil licences hors UE", "extra_eu_threshold", Kind.PERCENT, True,
                 "Part maximale du coût éligible en licences d'éditeurs hors UE"),
    ParameterRow("Seuil de population", "population_threshold", Kind.INTEGER, True,
                 "Au-delà : alerte (priorité aux petites et moyennes collectivités)"),
    ParameterRow("Adresse DITP", "ditp_address", Kind.EMAIL, True, "Destinataire de la liste mensuelle"),
    ParameterRow("Date de référence", "reference_date", Kind.DATE, False,
                 "Date du calcul des retards ; vide = aujourd'hui"),
    ParameterRow("Ville de la préfecture", "prefecture_town", Kind.TEXT, False,
                 "Lieu de signature (« Fait à … ») ; vide = chef-lieu du département"),
    ParameterRow("Région", "region", Kind.TEXT, False,
                 "Mesure 3d (préfet de région) ; vide = région du département"),
    ParameterRow("Préfet·e de région", "regional_prefect", Kind.TEXT, False,
                 "Mesure 3d : ex. « la préfète de la région Auvergne-Rhône-Alpes » ; "
                 "vide = « le préfet de la région … »"),
    ParameterRow("Service du SGAR", "sgar_service", Kind.TEXT, False,
                 "Mesure 3d : service instructeur ; vide = Secrétariat général pour les affaires régionales"),
    ParameterRow("Signataire SGAR", "sgar_signatory", Kind.TEXT, False,
                 "Mesure 3d : signataire des conventions et courriers ; vide = le préfet de région"),
    ParameterRow("Ville du SGAR", "sgar_town", Kind.TEXT, False,
                 "Mesure 3d : lieu de signature ; vide = chef-lieu de la région"),
    ParameterRow("Nom de l'attribuant", "grantor_name", Kind.TEXT, False,
                 "Données ouvertes (SCDL) : nom officiel de l'autorité qui attribue ; vide = « Préfecture du … »"),
    ParameterRow("SIRET de l'attribuant", "grantor_siret", Kind.SIRET, False,
                 "Données ouvertes (SCDL) : SIRET de la préfecture (14 chiffres)"),
    ParameterRow("Nom de l'attribuant 3d", "grantor_name_3d", Kind.TEXT, False,
                 "Mesure 3d (préfet de région) ; vide = comme ci-dessus"),
    ParameterRow("SIRET de l'attribuant 3d", "grantor_siret_3d", Kind.SIRET, False,
                 "Mesure 3d : SIRET de la préfecture de région ; vide = comme ci-dessus"),
    ParameterRow("Taux de l'avance", "advance_rate", Kind.PERCENT, False,
                 "Part du montant accordé versée en avance à la signature de la convention ; le solde suit le "
                 "bilan ; vide = 50 %"),
)

COMPUTED_HEADERS: tuple[str, ...] = tuple(c.header for c in APPLICATIONS.computed)
