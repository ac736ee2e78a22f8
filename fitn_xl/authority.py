"""Who grants and signs for a measure (fiche, « Pourquoi une enveloppe déconcentrée aux Préfets ? »): 3a, 3b and 3c
« principalement aux préfets de département », 3d « au Préfet de région » through the SGAR, on its own envelope.

`authority_for(params, measure)` gives the préfet, the service, the signatory and the town of signature of the
documents of that measure, from the rows of « Paramètres »; a row left empty takes the value the State's own
organisation gives (the chef-lieu of the département or of the région, « le préfet de la région … »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .formatting import department_with_article

LAB_MEASURE = "3d"

REGIONS: dict[str, tuple[str, str]] = {  # région -> (chef-lieu, départements)
    "Auvergne-Rhône-Alpes": ("Lyon", "01 03 07 15 26 38 42 43 63 69 73 74"),
    "Bourgogne-Franche-Comté": ("Dijon", "21 25 39 58 70 71 89 90"),
    "Bretagne": ("Rennes", "22 29 35 56"),
    "Centre-Val de Loire": ("Orléans", "18 28 36 37 41 45"),
    "Corse": ("Ajaccio", "2A 2B"),
    "Grand Est": ("Strasbourg", "08 10 51 52 54 55 57 67 68 88"),
    "Hauts-de-France": ("Lille", "02 59 60 62 80"),
    "Île-de-France": ("Paris", "75 77 78 91 92 93 94 95"),
    "Normandie": ("Rouen", "14 27 50 61 76"),
    "Nouvelle-Aquitaine": ("Bordeaux", "16 17 19 23 24 33 40 47 64 79 86 87"),
    "Occitanie": ("Toulouse", "09 11 12 30 31 32 34 46 48 65 66 81 82"),
    "Pays de la Loire": ("Nantes", "44 49 53 72 85"),
    "Provence-Alpes-Côte d'Azur": ("Marseille", "04 05 06 13 83 84"),
    "Guadeloupe": ("Basse-Terre", "971"),
    "Martinique": ("Fort-de-France", "972"),
    "Guyane": ("Cayenne", "973"),
    "La Réunion": ("Saint-Denis", "974"),
    "Mayotte": ("Mamoudzou", "976"),
}

PREFECTURES: dict[str, str] = dict(line.split(" ", 1) for line in """\
01 Bourg-en-Bresse|02 Laon|03 Moulins|04 Digne-les-Bains|05 Gap|06 Nice|07 Privas|08 Charleville-Mézières|09 Foix|\
10 Troyes|11 Carcassonne|12 Rodez|13 Marseille|14 Caen|15 Aurillac|16 Angoulême|17 La Rochelle|18 Bourges|19 Tulle|\
21 Dijon|22 Saint-Brieuc|23 Guéret|24 Périgueux|25 Besançon|26 Valence|27 Évreux|28 Chartres|29 Quimper|\
2A Ajaccio|2B Bastia|30 Nîmes|31 Toulouse|32 Auch|33 Bordeaux|34 Montpellier|35 Rennes|36 Châteauroux|37 Tours|\
38 Grenoble|39 Lons-le-Saunier|40 Mont-de-Marsan|41 Blois|42 Saint-Étienne|43 Le Puy-en-Velay|44 Nantes|\
45 Orléans|46 Cahors|47 Agen|48 Mende|49 Angers|50 Saint-Lô|51 Châlons-en-Champagne|52 Chaumont|53 Laval|54 Nancy|\
55 Bar-le-Duc|56 Vannes|57 Metz|58 Nevers|59 Lille|60 Beauvais|61 Alençon|62 Arras|63 Clermont-Ferrand|64 Pau|\
65 Tarbes|66 Perpignan|67 Strasbourg|68 Colmar|69 Lyon|70 Vesoul|71 Mâcon|72 Le Mans|73 Chambéry|74 Annecy|\
75 Paris|76 Rouen|77 Melun|78 Versailles|79 Niort|80 Amiens|81 Albi|82 Montauban|83 Toulon|84 Avignon|\
85 La Roche-sur-Yon|86 Poitiers|87 Limoges|88 Épinal|89 Auxerre|90 Belfort|91 Évry-Courcouronnes|92 Nanterre|\
93 Bobigny|94 Créteil|95 Cergy|971 Basse-Terre|972 Fort-de-France|973 Cayenne|974 Saint-Denis|976 Mamoudzou\
""".split("|"))

REGION_OF: dict[str, str] = {code: region for region, (_, codes) in REGIONS.items() for code in codes.split()}
DEFAULT_SGAR_SERVICE = "Secrétariat général pour les affaires régionales"
_FEMININE = re.compile(r"\bpréfète\b", re.IGNORECASE)
_LEADING_ARTICLE = re.compile(r"^(?:Le|La|Les)\s|^L['’]")


def _norm_code(code: str) -> str:
    code = (code or "").strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


def region_of(department: str) -> str:
    """« Auvergne-Rhône-Alpes » for '63'; '' for an unknown code."""
    return REGION_OF.get(_norm_code(department), "")


def prefecture_town(department: str) -> str:
    """« Clermont-Ferrand » for '63' (the seat of the préfecture); '' for an unknown code."""
    return PREFECTURES.get(_norm_code(department), "")


def region_town(region: str) -> str:
    """« Lyon » for « Auvergne-Rhône-Alpes » (the seat of the préfecture de région); '' when unknown."""
    entry = REGIONS.get((region or "").strip())
    return entry[0] if entry else ""


def in_sentence(text: str) -> str:
    """« Le préfet du Puy-de-Dôme » -> « le préfet du Puy-de-Dôme » inside a sentence; a name stays as typed."""
    text = (text or "").strip()
    return text[:1].lower() + text[1:] if _LEADING_ARTICLE.match(text) else text


def capitalized(text: str) -> str:
    text = (text or "").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Authority:
    """The State's side of a measure's documents. Every text is ready to print; '' only where said."""

    regional: bool  # True for 3d: the préfet de région and the SGAR
    territory: str  # « Puy-de-Dôme », « Auvergne-Rhône-Alpes » ('' when the parameter is missing)
    of: str  # « du Puy-de-Dôme », « de la région Auvergne-Rhône-Alpes »
    prefect: str  # who represents the State, inside a sentence: « le préfet du Puy-de-Dôme »
    feminine: bool  # « la préfète »: « PRÉFÈTE » in the header
    prefecture: str  # « Préfecture du Puy-de-Dôme », « Préfecture de la région Auvergne-Rhône-Alpes »
    service: str  # the service that instructs ('' when not given, département only)
    signatory: str  # the signature line: « Le préfet du Puy-de-Dôme »
    town: str  # where documents are signed: « Clermont-Ferrand » ('' when unknown)
    missing: tuple[str, ...] = ()  # labels of required « Paramètres » rows left empty

    @property
    def brand(self) -> tuple[str, str]:
        """The two lines of the State's block: (« PRÉFET », « DU PUY-DE-DÔME »)."""
        return ("PRÉFÈTE" if self.feminine else "PRÉFET", self.of.upper())

    @property
    def issuer(self) -> str:
        """The préfecture and its service on one line, never ending in a dash: « Préfecture du Puy-de-Dôme —
        Bureau de la modernisation », or the service alone when it already names the préfecture or the SGAR."""
        service = self.service
        if not service:
            return self.prefecture
        low = service.lower()
        if self.prefecture.lower() in low or (self.regional and ("sgar" in low or "affaires régionales" in low)
                                              and self.territory.lower() in low):
            return service
        if self.regional:
            return f"{service} {self.territory}".strip() if self.territory and service == DEFAULT_SGAR_SERVICE \
                else f"{self.prefecture} — {service}"
        return f"{self.prefecture} — {service}"

    @property
    def service_only(self) -> str:
        """The service without the préfecture it may start with (« Préfecture du Puy-de-Dôme — Bureau X » ->
        « Bureau X »), '' when not given."""
        service = self.service
        if service.lower().startswith(self.prefecture.lower()):
            return service[len(self.prefecture):].lstrip(" —–-,:") or service
        return service


def authority_for(params, measure: str) -> Authority:
    """The authority of `measure`'s documents from `params` (a `core.model.Parameters`)."""
    if measure == LAB_MEASURE:
        return _regional(params)
    return _departmental(params)


def _departmental(params) -> Authority:
    name = (params.department_name or "").strip()
    of = department_with_article(params.department, name)
    signatory = capitalized(getattr(params, "signatory", "") or "") or (
        f"Le préfet {of}" if of else "Le préfet")
    if signatory.lower().startswith("pour "):  # « Pour le préfet et par délégation, … »: the préfet represents
        prefect = f"le préfet {of}".strip()
    else:
        prefect = in_sentence(signatory)
    feminine = bool(_FEMININE.search(signatory))
    if feminine and prefect.startswith("le préfet"):
        prefect = "la préfète" + prefect[len("le préfet"):]
    town = (getattr(params, "prefecture_town", "") or "").strip()
    if not town:
        legacy = (params.extra or {}).get("Lieu de signature")
        town = str(legacy).strip() if isinstance(legacy, str) and legacy.strip(" .…") else ""
    town = town or prefecture_town(params.department)
    missing = tuple(label for label, value in (("Nom du département", name),) if not value)
    return Authority(False, name, of, prefect, feminine, f"Préfecture {of}".strip(), (params.service or "").strip(),
                     signatory, town, missing)


def _regional(params) -> Authority:
    region = (getattr(params, "region", "") or "").strip() or region_of(params.department)
    of = f"de la région {region}" if region else ""
    typed = (getattr(params, "regional_prefect", "") or "").strip()
    prefect = in_sentence(typed) if typed else (f"le préfet {of}" if of else "")
    signatory = capitalized(getattr(params, "sgar_signatory", "") or "") or capitalized(prefect)
    feminine = bool(_FEMININE.search(typed or signatory))
    if feminine and prefect.startswith("le préfet"):
        prefect = "la préfète" + prefect[len("le préfet"):]
        signatory = capitalized(signatory) if typed else capitalized(prefect)
    service = (getattr(params, "sgar_service", "") or "").strip() or DEFAULT_SGAR_SERVICE
    town = (getattr(params, "sgar_town", "") or "").strip() or region_town(region)
    missing = () if region else ("Région",)
    return Authority(True, region, of, prefect, feminine, f"Préfecture {of}".strip(), service, signatory, town,
                     missing)


__all__ = ["DEFAULT_SGAR_SERVICE", "LAB_MEASURE", "PREFECTURES", "REGIONS", "Authority", "authority_for",
           "capitalized", "in_sentence", "prefecture_town", "region_of", "region_town"]
