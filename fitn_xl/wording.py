"""How a letter names the people and the collectivités it is addressed to, in correct French.

- A representative: civility (« M. » / « Mme », the « Civilité » column or read from « Mme Hélène Bouchard »), name
  and function give the salutation « Monsieur le Maire, », « Madame la Présidente, », « Madame la Maire, », the
  address line and the closing formula; a function typed in the masculine for a woman is put in the feminine.
- A collectivité: its grammatical gender and article from its name or its type (« la commune de Volvic », « le
  département du Puy-de-Dôme », « l'association Lab'Dôme »), for « représentée », « désigné », « lauréate ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MR, MRS = "M.", "Mme"

_CIVILITY = re.compile(r"^\s*(monsieur|madame|mme|mlle|mademoiselle|mr|m)\b\.?\s*", re.IGNORECASE)
_CIVILITIES = {"monsieur": MR, "mr": MR, "m": MR, "madame": MRS, "mme": MRS, "mlle": MRS, "mademoiselle": MRS}

# function (lower-case, as typed) -> (masculine, feminine); the feminine forms follow the State's usage
# (« Madame la Maire », « Madame la Présidente »).
FUNCTIONS: dict[str, tuple[str, str]] = {}
for _m, _f in (
    ("Maire", "Maire"),
    ("Président", "Présidente"),
    ("Vice-président", "Vice-présidente"),
    ("Directeur", "Directrice"),
    ("Directeur général", "Directrice générale"),
    ("Directeur général des services", "Directrice générale des services"),
    ("Adjoint au maire", "Adjointe au maire"),
    ("Maire adjoint", "Maire adjointe"),
    ("Conseiller délégué", "Conseillère déléguée"),
    ("Conseiller municipal délégué", "Conseillère municipale déléguée"),
    ("Secrétaire de mairie", "Secrétaire de mairie"),
    ("Secrétaire général", "Secrétaire générale"),
    ("Délégué général", "Déléguée générale"),
    ("Gérant", "Gérante"),
    ("Trésorier", "Trésorière"),
):
    FUNCTIONS[_m.lower()] = (_m, _f)
    FUNCTIONS[_f.lower()] = (_m, _f)
_FEMININE_FUNCTIONS = {f.lower() for m, f in FUNCTIONS.values() if f != m}
_ARTICLE_FUNCTION = re.compile(r"^(?:le|la|l['’])\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    """The representative of an applicant, as the letters address them."""

    civility: str  # MR, MRS or '' (unknown)
    name: str  # without the civility: « Hélène Bouchard », « le Président du Conseil départemental », or ''
    function: str  # as it agrees with the civility: « Maire », « Présidente », or ''

    @property
    def feminine(self) -> bool | None:
        return {MR: False, MRS: True}.get(self.civility)

    @property
    def full_name(self) -> str:
        """« Mme Hélène Bouchard », « Monsieur le Président du Conseil départemental » (a function, not a name:
        the civility in words), '' when no name."""
        if self.civility and re.match(r"^(?:le|la|l['’])\s*", self.name, re.IGNORECASE):
            return f"{'Madame' if self.civility == MRS else 'Monsieur'} {self.name}"
        return " ".join(x for x in (self.civility, self.name) if x)

    @property
    def title(self) -> str:
        """« Monsieur le Maire », « Madame la Présidente », « Madame », « Madame, Monsieur » (nothing known)."""
        if not self.civility:
            return "Madame, Monsieur"
        word = "Madame" if self.civility == MRS else "Monsieur"
        if not self.function:
            return word
        return f"{word} {_with_article(self.function, self.feminine)}"

    @property
    def salutation(self) -> str:
        """The letter's first line: « Monsieur le Maire, »."""
        return self.title + ","

    def address_lines(self, applicant: str) -> list[str]:
        """The addressee block's first lines: « Madame Hélène Bouchard » / « Maire de Saint-Amant » style —
        here « Mme Hélène Bouchard » and « Maire » when both are known; only what is known."""
        lines = []
        if self.name:
            lines.append(self.full_name)
            if self.function and self.function.lower() not in self.name.lower():
                lines.append(self.function)
        elif self.civility and self.function:
            lines.append(self.title)
        elif self.function:
            lines.append(self.function)
        return lines

    @property
    def signature(self) -> str:
        """Under « Pour le bénéficiaire, »: « Mme Hélène Bouchard, maire », « Le maire », '' when nothing."""
        if self.name:
            if self.function and self.function.lower() not in self.name.lower():
                return f"{self.full_name}, {self.function[:1].lower()}{self.function[1:]}"
            return self.full_name
        if self.function:
            article = _with_article(self.function, self.feminine)
            return article[:1].upper() + article[1:]
        return ""


def _with_article(function: str, feminine: bool | None) -> str:
    """« le Maire », « la Maire », « la Présidente », « l'Adjointe au maire »."""
    if re.match(r"^(?:le|la|l['’])\s*", function, re.IGNORECASE):
        return function[:1].lower() + function[1:]
    if function[:1].lower() in "aeiouyéèêh":
        return f"l'{function}"
    return f"{'la' if feminine else 'le'} {function}"


def agreed_function(function: str, feminine: bool | None) -> str:
    """The function in the gender of the person: (« Directeur », True) -> « Directrice »; unknown ones as typed."""
    function = " ".join((function or "").split())
    if not function:
        return ""
    bare = _ARTICLE_FUNCTION.sub("", function)
    forms = FUNCTIONS.get(bare.lower())
    if forms is None or feminine is None:
        return bare[:1].upper() + bare[1:] if forms is None else (forms[1] if bare.lower() in _FEMININE_FUNCTIONS
                                                                   else forms[0])
    return forms[1] if feminine else forms[0]


def split_civility(name: str) -> tuple[str, str]:
    """(« Mme », « Hélène Bouchard ») from « Mme Hélène Bouchard »; ('', name) when the name has no civility."""
    name = " ".join((name or "").split())
    m = _CIVILITY.match(name)
    if not m or not name[m.end():]:
        return "", name
    return _CIVILITIES[m.group(1).lower()], name[m.end():]


def person(representative: str, function: str, civility: str = "") -> Person:
    """The representative from the « Représentant », « Fonction » and « Civilité » cells."""
    parsed, name = split_civility(representative)
    civ = civility if civility in (MR, MRS) else parsed
    if not civ:
        bare = _ARTICLE_FUNCTION.sub("", " ".join((function or "").split())).lower()
        if bare in _FEMININE_FUNCTIONS:
            civ = MRS
    feminine = {MR: False, MRS: True}.get(civ)
    if not (function or "").strip():  # « M. le Président du Conseil régional »: the function is in the name
        m = re.match(r"^(?:le|la|l['’])\s*([\w-]+)", name, re.IGNORECASE)
        if m and m.group(1).lower() in FUNCTIONS:
            function = m.group(1)
    return Person(civ, name, agreed_function(function, feminine))


# --- collectivités -------------------------------------------------------------------------------------------------

# Leading common nouns of a collectivité's name: gender (True = feminine).
_NOUNS: tuple[tuple[str, bool], ...] = (
    ("communauté de communes", True), ("communauté d'agglomération", True), ("communauté urbaine", True),
    ("commune", True), ("ville", True), ("mairie", True), ("métropole", True), ("région", True),
    ("collectivité", True), ("association", True), ("maison", True), ("agence", True), ("fédération", True),
    ("département", False), ("conseil", False), ("syndicat", False), ("centre", False), ("établissement", False),
    ("groupement", False), ("pôle", False), ("parc", False), ("office", False), ("laboratoire", False),
    ("pays", False), ("pôle d'équilibre", False), ("groupement d'intérêt public", False),
)
# Gender of a collectivité by its « Type de candidat » when its name does not start with a common noun.
TYPE_GENDER: dict[str, bool] = {
    "Commune": True, "Département": False, "Région": True, "Collectivité d'outre-mer ou à statut particulier": True,
    "Communauté de communes": True, "Communauté d'agglomération": True, "Communauté urbaine": True,
    "Métropole": True, "Syndicat ou autre groupement de collectivités": False,
    "Personne morale financée par des collectivités": True,
    "Structure pilote d'un laboratoire d'innovation territoriale": True,
}


@dataclass(frozen=True)
class Collectivity:
    """An applicant as a sentence names it."""

    name: str  # as typed: « Commune de Volvic »
    feminine: bool
    in_sentence: str  # « la commune de Volvic », « l'association Lab'Dôme », « Clermont Auvergne Métropole »

    @property
    def subject(self) -> str:
        """At the start of a sentence: « La commune de Volvic »."""
        return self.in_sentence[:1].upper() + self.in_sentence[1:]

    @property
    def of(self) -> str:
        """After « de »: « de la commune de Volvic », « du département du Puy-de-Dôme », « de l'association … »."""
        return _contract("de", self.in_sentence)

    @property
    def to(self) -> str:
        """After « à »: « à la commune de Volvic », « au département du Puy-de-Dôme »."""
        return _contract("à", self.in_sentence)

    def agree(self, word: str) -> str:
        """« représenté » -> « représentée » for a feminine collectivité; « lauréat » -> « lauréate »."""
        return word + "e" if self.feminine else word


def _contract(preposition: str, phrase: str) -> str:
    """« de » + « le département » -> « du département »; « à » + « le » -> « au »; « de » + « Volvic » -> « de
    Volvic » (« d'Issoire » before a vowel)."""
    if phrase.startswith("le "):
        return ("du " if preposition == "de" else "au ") + phrase[3:]
    if phrase.startswith("les "):
        return ("des " if preposition == "de" else "aux ") + phrase[4:]
    if preposition == "de" and phrase[:1].lower() in "aeiouyéèêâîôh" and not phrase.startswith(("la ", "l'")):
        return "d'" + phrase
    return f"{preposition} {phrase}"


def of(phrase: str) -> str:
    """« de » before `phrase`, elided or contracted as French writes it: « d'avril 2021 », « de mai 2021 », « du
    département »."""
    return _contract("de", phrase)


def collectivity(name: str, applicant_type: str = "") -> Collectivity:
    name = (name or "").strip()
    low = name.lower()
    for noun, feminine in sorted(_NOUNS, key=lambda x: -len(x[0])):
        if low.startswith(noun) and (len(low) == len(noun) or not low[len(noun)].isalpha()):
            article = "l'" if noun[0] in "aeiouyéèêh" else ("la " if feminine else "le ")
            return Collectivity(name, feminine, article + name[:1].lower() + name[1:])
    feminine = TYPE_GENDER.get(applicant_type, True)
    return Collectivity(name, feminine, name)


__all__ = ["FUNCTIONS", "MR", "MRS", "TYPE_GENDER", "Collectivity", "Person", "agreed_function", "collectivity",
           "person", "split_civility"]
