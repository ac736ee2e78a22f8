"""The fields of the two application forms (annexes 1 and 2 of the fiche), shared by the builder and the importer.

Each field is a Word content control whose `w:tag` is the registry attribute name from `fitn_xl.schema` (rows of
the expense and provider tables: `Depenses.3.amount`, i.e. table name, row number, attribute). Fields with no
registry column of their own (signature date, annexe 2's objectives…) have an English tag of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import schema
from ..schema import Column, Kind

FORM_TAG = "fitn_xl.formulaire"  # locked content control identifying a fitn-xl form and its version
FORM_IDS = {"annexe1": "FITN7-axe3-annexe1-v1", "annexe2": "FITN7-axe3-annexe2-v1"}

N_EXPENSE_LINES = 10
N_PROVIDER_LINES = 5

# Kinds of content control
TEXT, MULTILINE, DROPDOWN, DATE, CHECKBOX = "text", "multiline", "dropdown", "date", "checkbox"

MEASURE_CHOICES_ANNEX1: tuple[tuple[str, str], ...] = (
    ("3a", "3a - Accompagnement par un expert du numérique pour définir des projets de transformation numérique "
           "ou pour accompagner la mise en œuvre de ces projets"),
    ("3b", "3b - Formation au numérique pour des agents de la collectivité et appui à la structuration interne du "
           "développement des compétences numériques des agents"),
    ("3c", "3c - Financement d'un projet de transformation numérique ayant un impact concret dans la relation à "
           "l'utilisateur"),
)

COMMITMENT = ("Je m'engage à mettre en œuvre les conditions propices au bon déploiement du projet, à y consacrer les "
              "ressources nécessaires et à m'impliquer personnellement dans le suivi du projet.")


@dataclass(frozen=True)
class Field:
    """One content control of a form.

    `column` gives the parsing kind (and the registry column when `attr` is one of its attributes); `choices` are
    (value, text shown) pairs of a drop-down list.
    """

    tag: str
    label: str  # French label printed beside the control and named in messages
    control: str  # TEXT, MULTILINE, DROPDOWN, DATE, CHECKBOX
    column: Column
    required: bool = False
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def attr(self) -> str:
        return self.tag.rsplit(".", 1)[-1]


def _app(header: str) -> Column:
    return schema.APPLICATIONS.column(header)


def _free(label: str, attr: str, kind: Kind = Kind.TEXT) -> Column:
    return Column(label, attr, kind)


def _plh(control: str, what: str) -> str:
    if control == DROPDOWN:
        return f"Choisissez {what}."
    if control == DATE:
        return "JJ/MM/AAAA"
    return f"Cliquez ici pour saisir {what}."


def F(tag, label, control, column, required=False, what="", choices=()) -> Field:  # noqa: N802
    placeholder = _plh(control, what or "la valeur") if control != CHECKBOX else ""
    return Field(tag, label, control, column, required, placeholder, tuple(choices))


def _applicant_fields(entity_label: str) -> list[Field]:
    return [
        F("applicant", entity_label, TEXT, _app("Collectivité"), True, "le nom de l'entité"),
        F("civility", "Civilité", DROPDOWN, _app("Civilité"), False, "Mme ou M.", [(c, c) for c in schema.CIVILITIES]),
        F("representative", "Nom Prénom", TEXT, _app("Représentant"), True, "le nom et le prénom"),
        F("representative_role", "Fonction", TEXT, _app("Fonction"), True, "la fonction"),
        F("address", "Adresse", MULTILINE, _app("Adresse"), True, "l'adresse postale"),
        F("email", "Courriel", TEXT, _app("Courriel"), True, "l'adresse électronique"),
        F("phone", "Téléphone", TEXT, _app("Téléphone"), False, "le numéro de téléphone"),
    ]


def _money_fields() -> list[Field]:
    return [
        F("total_cost", "Coût global du projet", TEXT, _app("Coût global (€)"), True, "le montant en euros"),
        F("requested", "Financement demandé", TEXT, _app("Financement demandé (€)"), True, "le montant en euros"),
    ]


def _commitment_fields() -> list[Field]:
    return [
        F("decision_commitment", "Engagement du demandeur", CHECKBOX, _app("Engagement décisionnel"), True),
        F("signed_on", "Date", DATE, _free("Date", "signed_on", Kind.DATE), True),
        F("signature", "Signature", TEXT, _free("Signature", "signature"), False, "le nom du signataire"),
    ]


def _complementary_fields(annex: str) -> list[Field]:
    types = [t for t in schema.APPLICANT_TYPES if annex == "annexe2" or t != schema.STRUCTURE_PILOTE]
    out = [
        F("title", "Intitulé du projet", TEXT, _app("Intitulé du projet"), True, "un intitulé court"),
        F("applicant_type", "Type de candidat", DROPDOWN, _app("Type de candidat"), True, "le type de candidat",
          [(t, t) for t in types]),
        F("insee_or_siren", "Code INSEE (commune) ou SIREN", TEXT, _app("Code INSEE ou SIREN"), False,
          "le code INSEE ou le SIREN"),
        F("population", "Population (habitants)", TEXT, _app("Population"), False, "le nombre d'habitants"),
        F("funded_by_authorities_only", "Personne morale : financée exclusivement par des collectivités ?", DROPDOWN,
          _app("Financée exclusivement par des collectivités"), False, "Oui ou Non",
          [(v, v) for v in schema.YES_NO]),
        F("planned_end", "Date de fin prévue du projet", DATE, _app("Date de fin prévue"), True),
    ]
    if annex == "annexe2":
        out.append(F("authorities_share", "Part du coût assumée par les collectivités (€)", TEXT,
                     _app("Part collectivités (€)"), True, "le montant en euros"))
    return out


ROW_PLACEHOLDER = "…"


def _short(fields: list[Field]) -> list[Field]:
    """Table rows show a one-character placeholder so that ten lines fit on a page."""
    return [replace(fl, placeholder=ROW_PLACEHOLDER) for fl in fields]


def expense_fields(i: int) -> list[Field]:
    t = schema.EXPENSES
    p = f"{t.name}.{i}."
    return _short([
        F(p + "label", "Libellé", TEXT, t.column("Libellé"), False, "le libellé"),
        F(p + "category", "Catégorie", DROPDOWN, t.column("Catégorie"), False, "une catégorie",
          [(c, c) for c in schema.EXPENSE_CATEGORIES]),
        F(p + "supplier", "Fournisseur ou éditeur", TEXT, t.column("Fournisseur ou éditeur"), False, "le nom"),
        F(p + "publisher_country", "Pays de l'éditeur", TEXT, t.column("Pays de l'éditeur"), False, "le pays"),
        F(p + "amount", "Montant (€)", TEXT, t.column("Montant (€)"), False, "le montant"),
    ])


def provider_fields(i: int) -> list[Field]:
    t = schema.PROVIDERS
    p = f"{t.name}.{i}."
    return _short([
        F(p + "name", "Raison sociale", TEXT, t.column("Raison sociale"), False, "la raison sociale"),
        F(p + "siret", "SIRET", TEXT, t.column("SIRET"), False, "le SIRET (14 chiffres)"),
        F(p + "department", "Département du siège", TEXT, t.column("Département du siège"), False,
          "le code (ex. 63) ou « Hors France »"),
        F(p + "amount", "Montant commandé (€)", TEXT, t.column("Montant commandé (€)"), False, "le montant"),
    ])


@dataclass(frozen=True)
class FormSpec:
    annex: str  # 'annexe1' or 'annexe2'
    title: str
    subtitle: str
    applicant: list[Field]
    project: list[Field]
    money: list[Field]
    commitment: list[Field]
    complementary: list[Field]
    fixed_measure: str = ""  # annexe 2: always 3d

    @property
    def form_id(self) -> str:
        return FORM_IDS[self.annex]

    def all_fields(self) -> list[Field]:
        out = self.applicant + self.project + self.money + self.commitment + self.complementary
        for i in range(1, N_EXPENSE_LINES + 1):
            out += expense_fields(i)
        for i in range(1, N_PROVIDER_LINES + 1):
            out += provider_fields(i)
        return out


ANNEX2_PARTS = (  # (tag, label) composed into « Présentation » in this order
    ("objectives", "Objectifs"),
    ("project_description", "Description"),
    ("beneficiaries", "Collectivité(s) bénéficiaire(s) associée(s)"),
    ("expected_results", "Résultats attendus"),
)


def annex1() -> FormSpec:
    return FormSpec(
        annex="annexe1",
        title="Demande de financement au titre de l'axe 3 de l'enveloppe FITN7",
        subtitle="Guichets territoriaux pour soutenir l'ingénierie, le déploiement, l'accompagnement ou la formation "
                 "au numérique dans les collectivités territoriales",
        applicant=_applicant_fields("Entité territoriale"),
        project=[
            F("measure", "Nature du projet pour lequel un financement est demandé", DROPDOWN, _app("Mesure"), True,
              "la nature du projet (3a, 3b ou 3c)", MEASURE_CHOICES_ANNEX1),
            F("description", "Présentation du projet en 10 lignes", MULTILINE, _app("Présentation"), True,
              "la présentation du projet"),
        ],
        money=_money_fields(),
        commitment=_commitment_fields(),
        complementary=_complementary_fields("annexe1"),
    )


def annex2() -> FormSpec:
    return FormSpec(
        annex="annexe2",
        title="Demande de financement au titre de l'axe 3 de l'enveloppe FITN7",
        subtitle="Financement de projets d'innovation au bénéfice des usagers des services publics locaux avec "
                 "l'appui des laboratoires d'innovation territoriale",
        applicant=_applicant_fields("Organisme"),
        project=[F(tag, label, MULTILINE, _free(label, tag), tag != "beneficiaries", what.lower())
                 for (tag, label), what in zip(ANNEX2_PARTS, ("les objectifs", "la description",
                                                               "les collectivités bénéficiaires",
                                                               "les résultats attendus"), strict=True)],
        money=_money_fields(),
        commitment=_commitment_fields(),
        complementary=_complementary_fields("annexe2"),
        fixed_measure="3d",
    )


SPECS = {"annexe1": annex1, "annexe2": annex2}


def spec_for_id(form_id: str) -> FormSpec | None:
    for annex, fid in FORM_IDS.items():
        if fid == form_id.strip():
            return SPECS[annex]()
    return None
