"""Démarches Simplifiées' GraphQL API v2 (`POST https://<instance>/api/v2/graphql`, `Authorization: Bearer`):
the dossiers of a démarche page after page, laid out as DS's own export, and the decision mutations.

The dossiers come back as `ds_files.Tables` shaped like the « export des dossiers » (« Dossiers » with DS's column
labels, one `(stable id) label` sheet per repeatable block, « Etablissements »), so that the same mapping and the
same reader (`ds.read_export`) turn them into the same registry rows as the export of the same data. The API is not
the export, and the differences are absorbed here: a blank number is `null` (the export writes 0), a date champ's
`stringValue` is « 31 mars 2022 » (the typed `date` is taken), a phone's `stringValue` is reformatted (the typed
`value`, as typed, is taken), `BigInt` comes as text, a yes/no champ or a drop-down needs its fragment (asked).

Champs are matched by label the first time; their stable ids (`champDescriptorId`) are then known (kept by the
caller) and a champ renamed in DS is still found by its id.
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..values import fold
from .ds import DS_STATES, Mapping, ds_sheet_name
from .ds_files import API, ESTABLISHMENTS_SHEET, MAIN_SHEET, Tables

DEFAULT_INSTANCE = "https://www.demarches-simplifiees.fr"
ENDPOINT = "/api/v2/graphql"
PAGE_SIZE = 100  # DS's largest page
TIMEOUT = 60

CHAMP_FIELDS = """
fragment ChampFields on Champ {
  __typename id champDescriptorId label stringValue
  ... on TextChamp { value }
  ... on DecimalNumberChamp { decimalNumber: value }
  ... on IntegerNumberChamp { integerNumber: value }
  ... on DateChamp { date }
  ... on CheckboxChamp { checked: value }
  ... on YesNoChamp { selected: value }
  ... on DropDownListChamp { value }
  ... on PaysChamp { pays { code name } }
  ... on DepartementChamp { departement { code name } }
  ... on CommuneChamp { commune { code name postalCode } departement { code name } }
  ... on SiretChamp { etablissement { siret } }
}"""

DOSSIERS_QUERY = """
query fitnDossiers($demarche: Int!, $first: Int, $after: String, $updatedSince: ISO8601DateTime) {
  demarche(number: $demarche) {
    id number title
    groupeInstructeurs { instructeurs { id email } }
    dossiers(first: $first, after: $after, updatedSince: $updatedSince) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id number state archived dateDepot dateDerniereModification datePassageEnInstruction dateTraitement
        motivation
        usager { email }
        instructeurs { id email }
        demandeur { __typename ... on PersonneMorale { siret entreprise { raisonSociale } } }
        champs { ...ChampFields ... on RepetitionChamp { rows { champs { ...ChampFields } } } }
        annotations { ...ChampFields ... on RepetitionChamp { rows { champs { ...ChampFields } } } }
      }
    }
  }
}""" + CHAMP_FIELDS

# decision mutation -> (its input type, whether DS requires a motivation)
DECISIONS = {"dossierAccepter": ("DossierAccepterInput", False), "dossierRefuser": ("DossierRefuserInput", True),
             "dossierClasserSansSuite": ("DossierClasserSansSuiteInput", True),
             "dossierPasserEnInstruction": ("DossierPasserEnInstructionInput", False)}


def mutation(name: str) -> str:
    input_type, _ = DECISIONS[name]
    return (f"mutation fitn{name[0].upper()}{name[1:]}($input: {input_type}!) {{ {name}(input: $input) {{ "
            "dossier { id number state dateTraitement motivation } errors { message } } }")


class DsApiError(Exception):
    """The API could not be used (token, network, GraphQL error); `str()` is the French message."""


def typed_id(kind: str, value) -> str:
    """A GraphQL id as DS makes it (GraphQL::Schema::UniqueWithinType: Base64 of « Kind-id »)."""
    return base64.b64encode(f"{kind}-{value}".encode()).decode()


def stable_id(typed: str) -> str:
    """The stable id inside a `champDescriptorId` (« Q2hhbXAtMTYzNDcxOA== » -> « 1634718 »); '' if unreadable."""
    try:
        text = base64.b64decode(typed + "=" * (-len(typed) % 4), altchars=b"-_").decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    kind, _, value = text.partition("-")
    return value.split("|")[0] if kind == "Champ" else ""


def instance_url(instance: str | None) -> str:
    """`https://host` from what the user gives (« demarches.numerique.gouv.fr », a full URL…)."""
    text = (instance or DEFAULT_INSTANCE).strip().rstrip("/")
    if "://" not in text:
        text = f"https://{text}"
    return text.removesuffix(ENDPOINT)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirection is not followed: the token would go to another address, and urllib would turn the POST into a
    GET without the query. It comes back as the `HTTPError` of its 3xx status, said with its new address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class Client:
    """A GraphQL client of one DS instance with a token. `execute` raises `DsApiError` (French)."""

    def __init__(self, instance: str | None, token: str, timeout: float = TIMEOUT):
        self.instance = instance_url(instance)
        self.url = self.instance + ENDPOINT
        self.token = token
        self.timeout = timeout
        self.requests = 0

    def execute(self, query: str, variables: dict, operation: str) -> dict:
        body = json.dumps({"query": query, "variables": variables, "operationName": operation}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "Accept": "application/json", "User-Agent": "fitn-xl"})
        self.requests += 1
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise DsApiError(self._http_error(exc)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, ssl.SSLError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ssl.SSLCertVerificationError | ssl.SSLError):
                why = "certificat du serveur non reconnu (variable SSL_CERT_FILE pour un certificat interne)"
            elif isinstance(reason, TimeoutError):
                why = f"pas de réponse en {self.timeout:g} s"
            elif isinstance(reason, socket.gaierror):
                why = "nom de serveur inconnu"
            else:
                why = "connexion impossible"
            raise DsApiError(f"serveur Démarches Simplifiées injoignable ({self.url}) : {why}. Vérifiez l'adresse "
                             "(--instance) et la connexion réseau.") from None
        try:
            answer = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise DsApiError(f"réponse illisible de {self.url} (ce n'est pas l'API de Démarches Simplifiées ?)") \
                from None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            raise DsApiError(self._graphql_error(errors[0], variables))
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
            raise DsApiError(f"réponse inattendue de {self.url} (pas de données)")
        return answer["data"]

    def _http_error(self, exc: urllib.error.HTTPError) -> str:
        try:
            message = json.loads(exc.read()).get("errors", [{}])[0].get("message", "")
        except Exception:  # any body: the status says enough
            message = ""
        if exc.code in (401, 403):
            if "expired" in message.lower():
                return "le jeton d'accès (FITN_DS_TOKEN) a expiré : créez-en un nouveau dans votre profil DS"
            if "network" in message.lower():
                return ("Démarches Simplifiées refuse les appels de ce réseau pour ce jeton : ajoutez l'adresse du "
                        "poste aux réseaux autorisés du jeton, dans votre profil DS")
            return ("Démarches Simplifiées refuse le jeton d'accès (FITN_DS_TOKEN) : vérifiez-le (jeton d'API de "
                    "votre profil administrateur ou instructeur, copié en entier)")
        if 300 <= exc.code < 400:
            location = urllib.parse.urljoin(self.url, exc.headers.get("Location") or "")
            parts = urllib.parse.urlsplit(location)
            if location and parts.scheme in ("http", "https") and parts.netloc:
                return (f"l'API de Démarches Simplifiées a changé d'adresse ({self.url} renvoie vers {location}) : "
                        f"relancez avec --instance {parts.scheme}://{parts.netloc} si c'est bien l'instance de "
                        "votre démarche")
            return f"l'adresse {self.url} renvoie ailleurs (HTTP {exc.code}) : vérifiez --instance"
        if exc.code == 404:
            return f"pas d'API Démarches Simplifiées à l'adresse {self.url} : vérifiez --instance"
        return f"Démarches Simplifiées a répondu par une erreur HTTP {exc.code} ({self.url})"

    @staticmethod
    def _graphql_error(error: dict, variables: dict) -> str:
        code = (error.get("extensions") or {}).get("code", "")
        message = str(error.get("message", ""))
        number = variables.get("demarche")
        if code == "not_found" and number is not None:
            return f"la démarche n° {number} est introuvable dans Démarches Simplifiées (numéro ou instance ?)"
        if code in ("unauthorized", "forbidden") and number is not None:
            return (f"votre jeton n'a pas accès à la démarche n° {number} (demandez à en être instructeur ou "
                    "administrateur)")
        return f"Démarches Simplifiées a répondu par une erreur : « {message} »"


@dataclass
class Fetched:
    """What one sync read: the démarche, its instructeurs (e-mail -> id), the dossiers changed."""

    number: int
    title: str = ""
    instructeurs: dict[str, str] = field(default_factory=dict)
    dossiers: list[dict] = field(default_factory=list)
    last_change: str = ""  # the latest `dateDerniereModification` seen (DS's clock), for the next `updatedSince`
    pages: int = 0


def fetch(client: Client, number: int, since: str = "", progress: Callable[[int, int | None], None] | None = None,
          page_size: int = PAGE_SIZE) -> Fetched:
    """Every dossier of démarche `number` changed since `since` (all when empty), page after page."""
    out = Fetched(number)
    after = None
    while True:
        variables = {"demarche": number, "first": page_size, "after": after}
        if since:
            variables["updatedSince"] = since
        data = client.execute(DOSSIERS_QUERY, variables, "fitnDossiers")
        demarche = data.get("demarche") or {}
        out.title = demarche.get("title") or out.title
        for group in demarche.get("groupeInstructeurs") or []:
            for i in group.get("instructeurs") or []:
                out.instructeurs[i["email"]] = i["id"]
        connection = demarche.get("dossiers") or {}
        nodes = [n for n in connection.get("nodes") or [] if n]
        out.dossiers.extend(nodes)
        out.pages += 1
        for n in nodes:
            stamp = n.get("dateDerniereModification") or ""
            if stamp and (not out.last_change or _moment(stamp) > _moment(out.last_change)):
                out.last_change = stamp
        page = connection.get("pageInfo") or {}
        if progress:
            progress(len(out.dossiers), None)
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return out
        after = page["endCursor"]


def _moment(text: str) -> datetime:
    """An ISO 8601 date-time of DS as the local (Paris) time the export writes; naive."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    except Exception:  # no time zone database: DS gives Paris time already
        return moment.replace(tzinfo=None)


def local_time(text: str | None) -> datetime | None:
    return _moment(text) if text else None


# --- the dossiers as DS's export lays them out ---------------------------------------------------------------

CHILD_SEP = " › "  # key of a block's child in the known stable ids: « Dépenses prévues › Montant (€) »


def _cells(champ: dict, header: str) -> list[tuple[str, object]]:
    """The export columns of one champ and their values, as `TypeDeChamp#champ_value_for_export` gives them."""
    kind = champ.get("__typename", "")
    if kind == "DecimalNumberChamp":
        return [(header, champ.get("decimalNumber"))]
    if kind == "IntegerNumberChamp":
        value = champ.get("integerNumber")
        return [(header, int(value) if value not in (None, "") else None)]  # BigInt: text
    if kind == "DateChamp":
        return [(header, champ.get("date"))]  # ISO, as the export; never « 31 mars 2022 »
    if kind == "CheckboxChamp":
        return [(header, "on" if champ.get("checked") else "off")]
    if kind == "YesNoChamp":
        selected = champ.get("selected")
        return [(header, None if selected is None else ("Oui" if selected else "Non"))]
    if kind == "PaysChamp":
        pays = champ.get("pays") or {}
        return [(header, pays.get("name")), (f"{header} (Code)", pays.get("code"))]
    if kind == "DepartementChamp":
        dep = champ.get("departement") or {}
        return [(header, dep.get("name")), (f"{header} (Code)", dep.get("code"))]
    if kind == "CommuneChamp":
        commune, dep = champ.get("commune") or {}, champ.get("departement") or {}
        name = commune.get("name")
        shown = f"{name} ({commune['postalCode']})" if name and commune.get("postalCode") else name
        return [(header, shown), (f"{header} (Code INSEE)", commune.get("code")),
                (f"{header} (Département)", f"{dep['code']} – {dep['name']}" if dep.get("code") else None)]
    if kind == "SiretChamp":
        etab = champ.get("etablissement") or {}
        return [(header, etab.get("siret") or champ.get("stringValue") or None)]
    if kind in ("TextChamp", "DropDownListChamp") and "value" in champ:
        return [(header, champ.get("value"))]  # as typed (a phone's stringValue is reformatted)
    return [(header, champ.get("stringValue") or None)]


def _mapping_labels(mapping: Mapping) -> tuple[set[str], dict[str, set[str]]]:
    """Labels the mapping reads: dossier columns (without their « (Code) » suffixes), and per block its children."""
    def bare(label: str) -> str:
        for suffix in (" (Code)", " (Code INSEE)", " (Département)"):
            label = label.removesuffix(suffix)
        return label

    top = {bare(label) for labels in mapping.columns.values() for label in labels}
    top |= {label for labels in mapping.roles.values() for label in labels}
    blocks = {child.block or child.sheet: {bare(label) for labels in child.columns.values() for label in labels}
              for child in mapping.children}
    return top, blocks


@dataclass
class Layout:
    tables: Tables
    known: dict[str, str]  # label (« Bloc › Champ » for a block's child) -> stable id, as matched this time


def to_tables(dossiers: list[dict], mapping: Mapping, known: dict[str, str] | None = None) -> Layout:
    """The dossiers read through the API as DS's export of the same data. `known`: label -> stable id learned
    before; a champ whose stable id is known takes the mapping's label whatever DS calls it now."""
    known = dict(known or {})
    by_id = {sid: label for label, sid in known.items()}
    top_labels, block_labels = _mapping_labels(mapping)
    folded_blocks = {fold(b): b for b in block_labels}
    learned: dict[str, str] = {}
    key = mapping.key[0] if mapping.key else "ID"

    def role(name: str, default: str) -> str:
        labels = mapping.roles.get(name)
        return labels[0] if labels else default

    header: list[str] = []
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    blocks: dict[str, tuple[str, list[str], list[list]]] = {}  # sheet -> (block label, headers, rows)
    establishments: list[list] = []

    def label_of(champ: dict, parent: str = "") -> str:
        sid = stable_id(champ.get("champDescriptorId", ""))
        name = champ.get("label", "")
        if parent:
            keyed = by_id.get(sid)
            if keyed and keyed.startswith(parent + CHILD_SEP):
                return keyed.removeprefix(parent + CHILD_SEP)
            if name in block_labels.get(parent, ()):
                learned[parent + CHILD_SEP + name] = sid
            return name
        keyed = by_id.get(sid)
        if keyed and CHILD_SEP not in keyed:
            return keyed
        if name in top_labels:
            learned[name] = sid
        return name

    for node in dossiers:
        number = str(node.get("number", ""))
        demandeur = node.get("demandeur") or {}
        entreprise = demandeur.get("entreprise") or {}
        row: dict[str, object] = {
            key: number, "Email": (node.get("usager") or {}).get("email"),
            "Entreprise raison sociale": entreprise.get("raisonSociale"),
            "À archiver": "true" if node.get("archived") else "false",
            role("etat", "État du dossier"): DS_STATES.get(str(node.get("state", "")), node.get("state")),
            role("mise_a_jour", "Dernière mise à jour le"): local_time(node.get("dateDerniereModification")),
            role("date_reception", "Déposé le"): local_time(node.get("dateDepot")),
            "Passé en instruction le": local_time(node.get("datePassageEnInstruction")),
            role("traite_le", "Traité le"): local_time(node.get("dateTraitement")),
            role("motivation", "Motivation de la décision"): node.get("motivation"),
            role("instructeurs", "Instructeurs"): " ".join(i["email"] for i in node.get("instructeurs") or []),
        }
        if demandeur.get("siret"):
            establishments.append([number, "Dossier", demandeur["siret"]])
        for champ in [*(node.get("champs") or []), *(node.get("annotations") or [])]:
            if champ.get("__typename") == "RepetitionChamp":
                sid = stable_id(champ.get("champDescriptorId", ""))
                block = by_id.get(sid) if by_id.get(sid) in block_labels else None
                block = block or folded_blocks.get(fold(champ.get("label", "")), champ.get("label", ""))
                if block in block_labels:
                    learned[block] = sid
                sheet = ds_sheet_name(block, sid or "0")
                _, child_headers, child_rows = blocks.setdefault(sheet, (block, ["Dossier ID", "Ligne"], []))
                for index, r in enumerate(champ.get("rows") or [], start=1):
                    line: dict[str, object] = {"Dossier ID": number, "Ligne": index}
                    for child in r.get("champs") or []:
                        for h, v in _cells(child, label_of(child, block)):
                            line[h] = v
                            if h not in child_headers:
                                child_headers.append(h)
                    child_rows.append(line)
                continue
            for h, v in _cells(champ, label_of(champ)):
                row[h] = v
        for h in row:
            if h not in seen:
                seen.add(h)
                header.append(h)
        rows.append(row)
    sheets: dict[str, list[list]] = {MAIN_SHEET: [header, *([r.get(h) for h in header] for r in rows)]}
    sheets[ESTABLISHMENTS_SHEET] = [["Dossier ID", "Champ", "Établissement SIRET"], *establishments]
    for sheet, (_, child_headers, child_rows) in blocks.items():
        if child_rows:  # as the export: no sheet for a block without rows
            sheets[sheet] = [child_headers, *([r.get(h) for h in child_headers] for r in child_rows)]
    return Layout(Tables(API, sheets), {**known, **learned})


__all__ = ["DECISIONS", "DEFAULT_INSTANCE", "Client", "DsApiError", "Fetched", "Layout", "fetch", "instance_url",
           "local_time", "mutation", "stable_id", "to_tables", "typed_id"]
