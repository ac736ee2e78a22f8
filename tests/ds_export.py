"""Démarches Simplifiées exports built the way DS builds them, for the tests (and the benchmark).

Written from DS's source (github demarches-simplifiees/demarches-simplifiees.fr, commit e1338d7): the columns of
`DossierExportConcern#dossier_values_for_export` and of each type de champ's `libelles_for_export` /
`champ_value_for_export` (an empty number champ exports 0, a checkbox on/off, a date champ its ISO text, a pays or
département its name plus a « (Code) » column, a commune « Nom (CP) » plus « (Code INSEE) » and « (Département) »),
the sheets of `ProcedureExportService` (Dossiers, Etablissements, Avis, then one per repeatable block **with rows**,
named by `RepetitionTypeDeChamp#libelle_for_export` then transliterated, stripped of `/\\*?[]` and cut to 30
characters), and the writers underneath: spreadsheet_architect 5.1 + caxlsx 4.0 for .xlsx (inline strings; Ruby
booleans written as the text true/false; dates and times as serial numbers with the formats yyyy-mm-dd and
yyyy-mm-dd h:mm AM/PM), rodf 1.2 for .ods (no `mimetype` entry; numbers as floats, everything else — dates included
— as text), Ruby's CSV for .csv (the Dossiers sheet only, the establishment's columns inline).

This module deliberately does not import fitn_xl's DS reader: the sheet-name rule and the cell conventions are
written again here from DS's source, so a test fails if the reader drifts from what DS writes.

The same fixture data gives the answers of the test GraphQL server (`api_dossier`): one démarche, two ways out.
"""

from __future__ import annotations

import base64
import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# --- the démarche (docs/demarche-ds.md) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tdc:
    """A type de champ: DS's `type_champ`, its label, stable id, options, children (repeatable block)."""

    stable_id: int
    type_champ: str  # text, textarea, email, phone, decimal_number, integer_number, date, checkbox, yes_no,
    # drop_down_list, siret, pays, departement, commune, repetition
    libelle: str
    mandatory: bool = False
    options: tuple[str, ...] = ()
    children: tuple[Tdc, ...] = ()
    private: bool = False


MEASURES = (
    "3a - Accompagnement par un expert du numérique pour définir des projets de transformation numérique ou pour "
    "accompagner la mise en œuvre de ces projets",
    "3b - Formation au numérique pour des agents de la collectivité et appui à la structuration interne du "
    "développement des compétences numériques des agents",
    "3c - Financement d'un projet de transformation numérique ayant un impact concret dans la relation à "
    "l'utilisateur",
)
TYPES = ("Commune", "Département", "Région", "Collectivité d'outre-mer ou à statut particulier",
         "Communauté de communes", "Communauté d'agglomération", "Communauté urbaine", "Métropole",
         "Syndicat ou autre groupement de collectivités", "Personne morale financée par des collectivités")
CATEGORIES = ("Prestation d'accompagnement ou de conseil", "Formation", "Développement ou intégration",
              "Licence ou abonnement logiciel", "Équipement informatique pour les agents", "Autre matériel", "Autre")

EXPENSES_BLOCK, PROVIDERS_BLOCK = 1634718, 1634724


def fitn_demarche() -> list[Tdc]:
    """The champs of docs/demarche-ds.md, public first, then the private annotation."""
    return [
        Tdc(1634701, "text", "Entité territoriale", True),
        Tdc(1634702, "text", "Nom Prénom", True),
        Tdc(1634703, "text", "Fonction", True),
        Tdc(1634704, "textarea", "Adresse", True),
        Tdc(1634705, "email", "Courriel", True),
        Tdc(1634706, "phone", "Téléphone"),
        Tdc(1634707, "drop_down_list", "Nature du projet pour lequel un financement est demandé", True, MEASURES),
        Tdc(1634708, "textarea", "Présentation du projet en 10 lignes", True),
        Tdc(1634709, "decimal_number", "Coût global du projet", True),
        Tdc(1634710, "decimal_number", "Financement demandé", True),
        Tdc(1634711, "checkbox", "Engagement du demandeur", True),
        Tdc(1634712, "text", "Intitulé du projet", True),
        Tdc(1634713, "drop_down_list", "Type de candidat", True, TYPES),
        Tdc(1634714, "text", "Code INSEE (commune) ou SIREN"),
        Tdc(1634715, "integer_number", "Population (habitants)"),
        Tdc(1634716, "yes_no", "Personne morale : financée exclusivement par des collectivités ?"),
        Tdc(1634717, "date", "Date de fin prévue du projet", True),
        Tdc(EXPENSES_BLOCK, "repetition", "Dépenses prévues", False, (), (
            Tdc(1634719, "text", "Libellé", True),
            Tdc(1634720, "drop_down_list", "Catégorie", True, CATEGORIES),
            Tdc(1634721, "text", "Fournisseur ou éditeur"),
            Tdc(1634722, "pays", "Pays de l'éditeur"),
            Tdc(1634723, "decimal_number", "Montant (€)", True),
        )),
        Tdc(PROVIDERS_BLOCK, "repetition", "Prestataires retenus ou envisagés", False, (), (
            Tdc(1634725, "text", "Raison sociale", True),
            Tdc(1634726, "siret", "SIRET"),
            Tdc(1634727, "departement", "Département du siège", True),
            Tdc(1634728, "decimal_number", "Montant commandé (€)"),
        )),
        Tdc(1634729, "decimal_number", "Montant accordé (€)", private=True),
    ]


# --- dossiers, as DS stores them ----------------------------------------------------------------------------


@dataclass
class Geo:
    """A pays, département or commune champ: DS stores the name and a code (external id)."""

    name: str
    code: str
    postal_code: str = ""  # commune
    departement: str = ""  # commune: « 63 – Puy-de-Dôme »


@dataclass
class Dossier:
    """One dossier. `champs`: stable id -> DS's stored value (text as typed; numbers as their text, e.g.
    "10416.667"; checkbox and yes/no "true"/"false"; date "2022-03-31"; `Geo` for pays/département/commune);
    absent = champ left empty. `rows`: block stable id -> its rows, each {child stable id: value}."""

    id: int
    siret: str  # the applicant's establishment (a démarche for legal entities)
    raison_sociale: str
    state: str = "en_construction"  # en_construction, en_instruction, accepte, refuse, sans_suite
    depose_at: datetime = datetime(2021, 3, 1, 10, 30)
    updated_at: datetime = datetime(2021, 3, 1, 10, 30)
    en_instruction_at: datetime | None = None
    processed_at: datetime | None = None
    motivation: str | None = None
    archived: bool = False
    email: str = "demandeur@example.fr"
    instructeurs: tuple[str, ...] = ()
    champs: dict[int, object] = field(default_factory=dict)
    rows: dict[int, list[dict[int, object]]] = field(default_factory=dict)


STATE_LABELS = {"en_construction": "En construction", "en_instruction": "En instruction", "accepte": "Accepté",
                "refuse": "Refusé", "sans_suite": "Classé sans suite"}


def paris(moment: datetime) -> datetime:
    """A naive local time as DS's Time.zone (Europe/Paris) holds it."""
    return moment.replace(tzinfo=PARIS)


# --- values for export (TypeDeChamp#champ_value_for_export) -------------------------------------------------


def _blank(tdc: Tdc, value) -> bool:
    if tdc.type_champ == "checkbox":
        return value != "true"
    return value is None or value == ""


def libelles_and_values(tdc: Tdc, value) -> list[tuple[str, object]]:
    """The export columns of one champ and their Ruby values (str, int, float, None)."""
    t, blank = tdc.type_champ, _blank(tdc, value)
    if t == "decimal_number":
        return [(tdc.libelle, 0 if blank else float(value))]
    if t == "integer_number":
        return [(tdc.libelle, 0 if blank else int(value))]
    if t == "checkbox":
        return [(tdc.libelle, "off" if blank else "on")]
    if t == "yes_no":
        return [(tdc.libelle, "" if blank else ("Oui" if value == "true" else "Non"))]
    if t in ("pays", "departement"):
        return [(tdc.libelle, None if blank else value.name), (f"{tdc.libelle} (Code)", None if blank else value.code)]
    if t == "commune":
        if blank:
            return [(tdc.libelle, None), (f"{tdc.libelle} (Code INSEE)", None), (f"{tdc.libelle} (Département)", None)]
        shown = f"{value.name} ({value.postal_code})" if value.postal_code else value.name
        return [(tdc.libelle, shown), (f"{tdc.libelle} (Code INSEE)", value.code),
                (f"{tdc.libelle} (Département)", value.departement)]
    return [(tdc.libelle, None if blank else str(value))]  # text, textarea, email, phone, date, drop-down, siret


def dossier_columns(d: Dossier) -> list[tuple[str, object]]:
    """`dossier_values_for_export` for a démarche of legal entities, without Chorus nor routing."""
    instructeurs = " ".join(d.instructeurs)
    return [
        ("ID", str(d.id)), ("Email", d.email), ("FranceConnect ?", False),
        ("Entreprise raison sociale", d.raison_sociale),
        ("À archiver", d.archived), ("État du dossier", STATE_LABELS[d.state]),
        ("Dernière mise à jour le", paris(d.updated_at)), ("Dernière mise à jour du dossier le", paris(d.updated_at)),
        ("Déposé le", paris(d.depose_at)),
        ("Passé en instruction le", paris(d.en_instruction_at) if d.en_instruction_at else None),
        ("Traité le", paris(d.processed_at) if d.processed_at else None),
        ("Motivation de la décision", d.motivation), ("Instructeurs", instructeurs),
    ]


ESTABLISHMENT_COLUMNS = (
    "Établissement SIRET", "Etablissement enseigne", "Établissement siège social", "Établissement NAF",
    "Établissement libellé NAF", "Établissement Adresse", "Établissement numero voie", "Établissement type voie",
    "Établissement nom voie", "Établissement complément adresse", "Établissement code postal",
    "Établissement localité", "Établissement code INSEE localité", "Entreprise SIREN", "Entreprise capital social",
    "Entreprise numero TVA intracommunautaire", "Entreprise forme juridique", "Entreprise forme juridique code",
    "Entreprise nom commercial", "Entreprise raison sociale", "Entreprise SIRET siège social",
    "Entreprise code effectif entreprise", "Entreprise date de création", "Entreprise état administratif",
    "Entreprise nom", "Entreprise prénom", "Association RNA", "Association titre", "Association objet",
    "Association date de création", "Association date de déclaration", "Association date de publication",
)


def _establishment(siret: str, name: str) -> dict[str, object]:
    return {"Établissement SIRET": siret, "Établissement siège social": True, "Établissement NAF": "8411Z",
            "Établissement libellé NAF": "Administration publique générale", "Entreprise SIREN": siret[:9],
            "Entreprise forme juridique": "Commune et commune nouvelle", "Entreprise forme juridique code": "7210",
            "Entreprise raison sociale": name, "Entreprise SIRET siège social": siret}


# --- the sheets (ProcedureExportService) --------------------------------------------------------------------

# I18n's transliteration approximations for letters NFKD leaves alone; anything else non-ASCII becomes "?"
_I18N = {"Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Ø": "O", "ø": "o", "Ð": "D", "ð": "d",
         "Þ": "TH", "þ": "th", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l"}


def i18n_transliterate(text: str) -> str:
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ch in _I18N:
            out.append(_I18N[ch])
        else:
            stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if ord(c) < 128)
            out.append(stripped or "?")
    return "".join(out)


def sheet_name(name: str) -> str:
    """`options_for`: I18n.transliterate, delete '/\\*?[]', truncate(30, omission: '')."""
    return "".join(c for c in i18n_transliterate(name) if c not in "/\\*?[]")[:30]


def block_sheet_name(block: Tdc) -> str:
    """RepetitionTypeDeChamp#libelle_for_export (ActiveStorage::Filename#sanitized), then `sheet_name`."""
    text = f"({block.stable_id}) {block.libelle}"
    text = "".join(c for c in text if c not in "[]*?").strip()
    text = "".join("-" if c in "\u202e%$|:;/<>?*\"\t\r\n\\" else c for c in text)
    return sheet_name(text)


Sheet = tuple[str, list[str], list[list[object]]]  # (name, headers, rows of Ruby values)


def export_sheets(demarche: list[Tdc], dossiers: list[Dossier], template: dict | None = None) -> list[Sheet]:
    """The sheets DS writes for `dossiers`, in order. `template` (an « export template »): {'columns': {DS
    label: new label}, 'typed': True} renames columns, names block children `<bloc> – <champ>` and types the
    cells (booleans, dates, numbers)."""
    champs = [t for t in demarche if t.type_champ != "repetition"]
    champs = [t for t in champs if not t.private] + [t for t in champs if t.private]
    rows, headers = [], None
    for d in dossiers:
        cols = dossier_columns(d)
        for tdc in champs:
            cols += libelles_and_values(tdc, d.champs.get(tdc.stable_id))
        if template:
            cols = [(template["columns"].get(label, label), _typed(label, value)) for label, value in cols
                    if label not in ("FranceConnect ?", "Dernière mise à jour du dossier le")]
        headers = headers or [label for label, _ in cols]  # spreadsheet_architect: headers of the first instance
        rows.append([value for _, value in cols])
    sheets: list[Sheet] = [("Dossiers", headers or [], rows)]
    est_rows = [[str(d.id), "Dossier", *(_establishment(d.siret, d.raison_sociale).get(c) for c in
                                          ESTABLISHMENT_COLUMNS)] for d in dossiers if d.siret]
    for d in dossiers:
        for block in demarche:
            for row in d.rows.get(block.stable_id, []):
                for child in block.children:
                    if child.type_champ == "siret" and row.get(child.stable_id):
                        siret = row[child.stable_id]
                        est_rows.append([str(d.id), child.libelle,
                                         *(_establishment(siret, "PRESTATAIRE").get(c) for c in ESTABLISHMENT_COLUMNS)])
    sheets.append(("Etablissements", ["Dossier ID", "Champ", *ESTABLISHMENT_COLUMNS] if est_rows else [], est_rows))
    sheets.append(("Avis", [], []))
    for block in (t for t in demarche if t.type_champ == "repetition"):
        block_rows, block_headers = [], None
        for d in dossiers:
            for index, row in enumerate(d.rows.get(block.stable_id, []), start=1):
                cols: list[tuple[str, object]] = [("Dossier ID", str(d.id)), ("Ligne", index)]
                for child in block.children:
                    for label, value in libelles_and_values(child, row.get(child.stable_id)):
                        if template:
                            label = template["columns"].get(label, f"{block.libelle} – {label}")
                        cols.append((label, value))
                block_headers = block_headers or [label for label, _ in cols]
                block_rows.append([value for _, value in cols])
        if block_rows:  # `champs_repetables_options`: a block without rows has no sheet
            sheets.append((sheet_name(block_sheet_name(block)), block_headers, block_rows))
    return sheets


def _typed(label: str, value):
    """An export template types its cells (ExportedColumn#spreadsheet_architect_type)."""
    if label == "À archiver":
        return ("bool", bool(value))
    if label == "ID":
        return float(value)
    if value in ("on", "off"):
        return ("bool", value == "on")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    return value


# --- writers ------------------------------------------------------------------------------------------------

EPOCH = datetime(1899, 12, 30)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xlsx_cell(ref: str, value) -> str:
    """caxlsx's CellSerializer for the type spreadsheet_architect chose (`Utils::XLSX.get_type`)."""
    if value is None:
        return f'<c r="{ref}" s="1"/>'
    if isinstance(value, tuple) and value[0] == "bool":  # an export template's :boolean column
        return f'<c r="{ref}" s="1" t="b"><v>{1 if value[1] else 0}</v></c>'
    if isinstance(value, datetime):  # :time, local time (caxlsx adds the UTC offset)
        local = value.replace(tzinfo=None)
        serial = (local - EPOCH) / timedelta(days=1)
        return f'<c r="{ref}" s="3"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - EPOCH.date()).days}</v></c>'
    if isinstance(value, bool) or not isinstance(value, int | float):  # :string (booleans: their to_s)
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return f'<c r="{ref}" s="1" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    return f'<c r="{ref}" s="1"><v>{value!r}</v></c>'


_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
       'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml"'
       ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.styles+xml"/><Override PartName="/docProps/app.xml" ContentType="application/'
       'vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/core.xml" '
       'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>{sheets}</Types>')
_STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="100" formatCode="yyyy-mm-dd"/>'
           '<numFmt numFmtId="101" formatCode="yyyy-mm-dd h:mm AM/PM"/></numFmts><fonts count="3"><font><sz val="11"/>'
           '<name val="Arial"/></font><font><b val="1"/><sz val="12"/><color rgb="FFFFFFFF"/><name val="Arial"/>'
           '</font><font><sz val="12"/><color rgb="FF000000"/><name val="Arial"/></font></fonts><fills count="3">'
           '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill>'
           '<patternFill patternType="solid"><fgColor rgb="FF000000"/></patternFill></fill></fills><borders '
           'count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" '
           'fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="2" fillId="0" borderId="0" '
           'xfId="0" applyFont="1"/><xf numFmtId="100" fontId="2" fillId="0" borderId="0" xfId="0" '
           'applyNumberFormat="1"/><xf numFmtId="101" fontId="2" fillId="0" borderId="0" xfId="0" '
           'applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" '
           'applyFill="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
           '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>')


def write_xlsx(path, sheets: list[Sheet]) -> None:
    """The .xlsx caxlsx writes (no shared strings: every text is an inline string)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                            f'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml", _CT.format(sheets=overrides))
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                   'metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://'
                   'schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
                   'Target="docProps/app.xml"/></Relationships>')
        z.writestr("docProps/app.xml", '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel'
                   '</Application><AppVersion>0.0</AppVersion></Properties>')
        z.writestr("docProps/core.xml", '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://'
                   'schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/'
                   'elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
                   'XMLSchema-instance"><dc:creator>axlsx</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">'
                   '2021-03-15T09:00:00Z</dcterms:created></cp:coreProperties>')
        names = "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                        for i, (name, _, _) in enumerate(sheets, start=1))
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><workbookPr date1904="false"/><bookViews><workbookView '
                   f'activeTab="0"/></bookViews><sheets>{names}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
        rels += (f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/styles" Target="styles.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
                   f'http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_, headers, rows) in enumerate(sheets, start=1):
            xml = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/></sheetPr>'
                   '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetData>']
            # spreadsheet_architect writes the header row even when it is empty (a sheet without instances)
            for r, values in enumerate([headers, *rows], start=1):
                cells = "".join(f'<c r="{_col(c)}{r}" s="4" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                                if r == 1 else _xlsx_cell(f"{_col(c)}{r}", v) for c, v in enumerate(values))
                xml.append(f'<row r="{r}">{cells}</row>')
            xml.append("</sheetData></worksheet>")
            z.writestr(f"xl/worksheets/sheet{i}.xml", "".join(xml))


def _ruby_to_s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):  # a template's boolean
        return "true" if value[1] else "false"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # ActiveSupport::TimeWithZone#to_s
        return value.strftime("%Y-%m-%d %H:%M:%S %z")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_ods(path, sheets: list[Sheet]) -> None:
    """The .ods rodf writes: META-INF/manifest.xml, styles.xml, content.xml — and no `mimetype` entry."""
    tables = []
    for name, headers, rows in sheets:
        xml_rows = []
        for r, values in enumerate([headers, *rows]):
            cells = []
            for v in values:
                if r and isinstance(v, int | float) and not isinstance(v, bool):  # :float
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{v}" '
                                 f'table:style-name="row_style"><text:p>{v}</text:p></table:table-cell>')
                    continue
                text = _ruby_to_s(v).strip()
                paragraphs = "".join(f"<text:p>{escape(p)}</text:p>" for p in text.split("\n")) if text else ""
                style = "header_style" if r == 0 else "row_style"
                cells.append(f'<table:table-cell office:value-type="string" table:style-name="{style}">'
                             f"{paragraphs}</table:table-cell>")
            xml_rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        tables.append(f'<table:table table:name="{escape(name)}">{"".join(xml_rows)}</table:table>')
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:oooc="http://openoffice.org/2004/'
               'calc" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:fo="urn:oasis:names:tc:'
               'opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:'
               'datastyle:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:spreadsheet>'
               f'{"".join(tables)}</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    styles = ('<?xml version="1.0" encoding="UTF-8"?><office:document-styles xmlns:office="urn:oasis:names:tc:'
              'opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
              'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"><office:styles>'
              '<style:style style:name="header_style" style:family="table-cell"><style:text-properties '
              'fo:font-weight="bold" fo:font-size="12" fo:color="#FFFFFF"/><style:table-cell-properties '
              'fo:background-color="#000000"/></style:style><style:style style:name="row_style" '
              'style:family="table-cell"><style:text-properties fo:font-size="12" fo:color="#000000"/>'
              '</style:style></office:styles> </office:document-styles>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:  # rubyzip's Zip::OutputStream: no mimetype
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("styles.xml", styles)
        z.writestr("content.xml", content)


def csv_text(demarche: list[Tdc], dossiers: list[Dossier]) -> str:
    """`to_csv`: the dossiers with the establishment's columns (`with_etablissement: true`), no block."""
    champs = [t for t in demarche if t.type_champ != "repetition"]
    champs = [t for t in champs if not t.private] + [t for t in champs if t.private]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, d in enumerate(dossiers):
        cols = dossier_columns(d)
        est = _establishment(d.siret, d.raison_sociale)
        cols = cols[:3] + [(c, est.get(c)) for c in ESTABLISHMENT_COLUMNS if c != "Etablissement enseigne"] + cols[4:]
        for tdc in champs:
            cols += libelles_and_values(tdc, d.champs.get(tdc.stable_id))
        if i == 0:
            writer.writerow([label for label, _ in cols])
        writer.writerow([_ruby_to_s(v) for _, v in cols])
    return out.getvalue()


def write_export(path, demarche: list[Tdc], dossiers: list[Dossier], template: dict | None = None):
    """The export file DS gives for `dossiers`, in the format of `path`'s suffix (.xlsx, .ods or .csv)."""
    path = str(path)
    if path.endswith(".csv"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(csv_text(demarche, dossiers))
    elif path.endswith(".ods"):
        write_ods(path, export_sheets(demarche, dossiers, template))
    else:
        write_xlsx(path, export_sheets(demarche, dossiers, template))
    return path


# --- the same dossiers through the GraphQL API v2 -----------------------------------------------------------


def typed_id(kind: str, value) -> str:
    """GraphQL::Schema::UniqueWithinType.encode (Base64 of « Kind-id »)."""
    return base64.b64encode(f"{kind}-{value}".encode()).decode()


def _iso(moment: datetime | None) -> str | None:
    return paris(moment).isoformat() if moment else None


_TYPENAMES = {"text": "TextChamp", "textarea": "TextChamp", "email": "TextChamp", "phone": "TextChamp",
              "decimal_number": "DecimalNumberChamp", "integer_number": "IntegerNumberChamp", "date": "DateChamp",
              "checkbox": "CheckboxChamp", "yes_no": "YesNoChamp", "drop_down_list": "DropDownListChamp",
              "siret": "SiretChamp", "pays": "PaysChamp", "departement": "DepartementChamp",
              "commune": "CommuneChamp", "repetition": "RepetitionChamp"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def api_champ(tdc: Tdc, value, updated_at: datetime, row_id: str | None = None) -> dict:
    """One champ as DS's API gives it: `__typename` (the type it resolves to with every fragment asked),
    `stringValue` (`champ_value_for_api`) and the typed value fields."""
    blank = _blank(tdc, value)
    champ = {"__typename": _TYPENAMES[tdc.type_champ], "label": tdc.libelle,
             "id": typed_id("Champ", f"{tdc.stable_id}|{row_id}" if row_id else tdc.stable_id),
             "champDescriptorId": typed_id("Champ", tdc.stable_id), "updatedAt": _iso(updated_at),
             "prefilled": False, "columns": [], "stringValue": ""}
    t = tdc.type_champ
    if t == "decimal_number":
        champ.update(value=None if blank else float(value), stringValue="" if blank else str(value))
    elif t == "integer_number":
        champ.update(value=None if blank else str(int(value)), stringValue="" if blank else str(value))  # BigInt
    elif t == "date":
        if not blank:
            d = date.fromisoformat(value)
            champ["stringValue"] = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        champ.update(date=None if blank else value, value=None if blank else f"{value}T00:00:00+01:00")
    elif t in ("checkbox", "yes_no"):
        champ.update(value=None if blank and t == "yes_no" else value == "true",
                     stringValue="" if blank and t == "yes_no" else ("true" if value == "true" else "false"))
    elif t == "pays":
        champ.update(pays=None if blank else {"code": value.code, "name": value.name},
                     stringValue="" if blank else value.name)
    elif t == "departement":
        champ.update(departement=None if blank else {"code": value.code, "name": value.name},
                     stringValue="" if blank else f"{value.code} - {value.name}")
    elif t == "commune":
        champ.update(commune=None if blank else {"code": value.code, "name": value.name,
                                                  "postalCode": value.postal_code or None},
                     departement=None, stringValue="" if blank else f"{value.name} ({value.postal_code})")
    elif t == "siret":
        champ.update(stringValue="" if blank else str(value),
                     etablissement=None if blank else {"__typename": "PersonneMorale", "siret": str(value),
                                                       "id": typed_id("Etablissement", value)})
    elif t == "phone" and not blank:  # champ_value: Phonelib's full_national formatting
        digits = "".join(c for c in str(value) if c.isdigit())
        shown = " ".join(digits[i:i + 2] for i in range(0, len(digits), 2)) if len(digits) == 10 else str(value)
        champ.update(value=str(value), stringValue=shown)
    else:  # text, textarea, email, drop-down
        champ.update(value=None if blank else str(value), stringValue="" if blank else str(value))
    return champ


def api_dossier(demarche: list[Tdc], d: Dossier, instructeur_ids: dict[str, str]) -> dict:
    """A `Dossier` node as DS's API v2 answers it (the fields fitn-xl asks for, and a few more)."""
    def champs(private: bool) -> list[dict]:
        out = []
        for tdc in demarche:
            if tdc.private != private:
                continue
            if tdc.type_champ == "repetition":
                rows = []
                for i, row in enumerate(d.rows.get(tdc.stable_id, []), start=1):
                    row_id = f"01H{d.id:06d}{tdc.stable_id}{i:03d}"
                    rows.append({"id": typed_id("Row", row_id),
                                 "champs": [api_champ(c, row.get(c.stable_id), d.updated_at, row_id)
                                            for c in tdc.children]})
                champ = api_champ(tdc, None, d.updated_at)
                champ.update(rows=rows, champs=[c for r in rows for c in r["champs"]])
                out.append(champ)
            else:
                out.append(api_champ(tdc, d.champs.get(tdc.stable_id), d.updated_at))
        return out

    return {
        "__typename": "Dossier", "id": typed_id("Dossier", d.id), "number": d.id, "state": d.state,
        "archived": d.archived, "prefilled": False,
        "dateDepot": _iso(d.depose_at), "dateDerniereModification": _iso(d.updated_at),
        "dateDerniereModificationChamps": _iso(d.updated_at),
        "datePassageEnConstruction": _iso(d.depose_at), "datePassageEnInstruction": _iso(d.en_instruction_at),
        "dateTraitement": _iso(d.processed_at), "motivation": d.motivation,
        "usager": {"id": typed_id("User", d.id), "email": d.email},
        "instructeurs": [{"id": instructeur_ids[e], "email": e} for e in d.instructeurs],
        "demandeur": {"__typename": "PersonneMorale", "id": typed_id("Etablissement", d.siret), "siret": d.siret,
                      "siegeSocial": True, "naf": "8411Z", "libelleNaf": "Administration publique générale",
                      "entreprise": {"siren": d.siret[:9], "raisonSociale": d.raison_sociale,
                                     "nomCommercial": "", "siretSiegeSocial": d.siret, "inlineAdresse": ""}},
        "champs": champs(False), "annotations": champs(True),
    }


# --- fixture dossiers ---------------------------------------------------------------------------------------

INSTRUCTEUR = "instructeur@puy-de-dome.gouv.fr"


def volvic(**changes) -> Dossier:
    """A 3b dossier en instruction: 3-decimal cost, population left empty, two expense lines, one provider."""
    d = Dossier(
        101, "21630470900019", "COMMUNE DE VOLVIC", state="en_instruction", instructeurs=(INSTRUCTEUR,),
        depose_at=datetime(2021, 3, 1, 10, 30), updated_at=datetime(2021, 3, 5, 9, 0),
        en_instruction_at=datetime(2021, 3, 5, 9, 0),
        champs={1634701: "Commune de Volvic", 1634702: "Mme Claire Martin", 1634703: "Maire",
                1634704: "1 place de la Mairie\n63530 Volvic", 1634705: "mairie@volvic.fr", 1634706: "0473000000",
                1634707: MEASURES[1], 1634708: "Former 20 agents aux outils collaboratifs.",
                1634709: "10416.667", 1634710: "6000", 1634711: "true", 1634712: "Formation des agents",
                1634713: "Commune", 1634714: "63470", 1634717: "2022-06-30"},
        rows={EXPENSES_BLOCK: [{1634719: "Sessions de formation", 1634720: "Formation", 1634721: "Forma63",
                                1634722: Geo("France", "FR"), 1634723: "7416.667"},
                               {1634719: "Licence collaborative", 1634720: "Licence ou abonnement logiciel",
                                1634721: "Nuage GmbH", 1634722: Geo("Allemagne", "DE"), 1634723: "3000"}],
              PROVIDERS_BLOCK: [{1634725: "Forma63", 1634726: "73282932000074",
                                 1634727: Geo("Puy-de-Dôme", "63"), 1634728: "7416.67"}]})
    for key, value in changes.items():
        setattr(d, key, value)
    return d


def dombes(**changes) -> Dossier:
    """A 3a dossier of an intercommunality, classé sans suite (withdrawn), with a provider abroad."""
    d = Dossier(
        102, "20004012900013", "CC DOMES SANCY ARTENSE", state="sans_suite", instructeurs=(INSTRUCTEUR,),
        depose_at=datetime(2021, 3, 2, 14, 0), updated_at=datetime(2021, 3, 20, 16, 45),
        en_instruction_at=datetime(2021, 3, 8, 9, 0), processed_at=datetime(2021, 3, 20, 16, 45),
        motivation="Demande retirée par la communauté de communes",
        champs={1634701: "Communauté de communes Dômes Sancy Artense", 1634702: "M. Paul Durand",
                1634703: "Président", 1634704: "Place de l'Église\n63210 Rochefort-Montagne",
                1634705: "contact@dsa.fr", 1634707: MEASURES[0], 1634708: "Diagnostic numérique des services.",
                1634709: "24000", 1634710: "20000", 1634711: "true", 1634712: "Diagnostic et feuille de route",
                1634713: "Communauté de communes", 1634714: "200040126", 1634715: "22000",
                1634717: "2022-03-31"},
        rows={PROVIDERS_BLOCK: [{1634725: "Conseil Numérique SA", 1634727: Geo("Etranger", "99"),
                                 1634728: "24000"}]})
    for key, value in changes.items():
        setattr(d, key, value)
    return d


def riom(**changes) -> Dossier:
    """A 3c dossier accepted in DS, with the amount granted in a private annotation."""
    d = Dossier(
        103, "21630300800017", "COMMUNE DE RIOM", state="accepte", instructeurs=(INSTRUCTEUR,),
        depose_at=datetime(2021, 3, 3, 11, 15), updated_at=datetime(2021, 5, 2, 10, 0),
        en_instruction_at=datetime(2021, 3, 10, 9, 0), processed_at=datetime(2021, 5, 2, 10, 0),
        champs={1634701: "Commune de Riom", 1634702: "M. Pierre Fayolle", 1634703: "Maire",
                1634704: "Hôtel de ville\n63200 Riom", 1634705: "mairie@riom.fr", 1634706: "04 73 38 99 00",
                1634707: MEASURES[2], 1634708: "Guichet numérique unique.", 1634709: "50000",
                1634710: "30000", 1634711: "true", 1634712: "Guichet numérique", 1634713: "Commune",
                1634714: "63300", 1634715: "19000", 1634716: "false", 1634717: "2022-12-31",
                1634729: "30000"},
        rows={EXPENSES_BLOCK: [{1634719: "Développement du guichet", 1634720: "Développement ou intégration",
                                1634721: "Dev Auvergne", 1634722: Geo("France", "FR"), 1634723: "50000"}]})
    for key, value in changes.items():
        setattr(d, key, value)
    return d


def association(**changes) -> Dossier:
    """A dossier DS accepted that the registry cannot take as it is: « Autre » typed in the applicant type, a
    negative requested amount."""
    d = Dossier(
        104, "77567227200017", "ASSOCIATION NUMERIQUE POUR TOUS", state="en_construction",
        depose_at=datetime(2021, 3, 4, 8, 0), updated_at=datetime(2021, 3, 4, 8, 0),
        champs={1634701: "Association Numérique pour tous", 1634702: "Mme Lucie Bernard", 1634703: "Présidente",
                1634704: "12 rue des Écoles\n63000 Clermont-Ferrand", 1634705: "contact@numerique-pour-tous.fr",
                1634707: MEASURES[1], 1634708: "Ateliers numériques.", 1634709: "5000", 1634710: "-500",
                1634711: "true", 1634712: "Ateliers numériques", 1634713: "Association culturelle",
                1634716: "true", 1634717: "2022-06-30"})
    for key, value in changes.items():
        setattr(d, key, value)
    return d


def week1() -> list[Dossier]:
    return [volvic(), dombes(), riom(), association()]
