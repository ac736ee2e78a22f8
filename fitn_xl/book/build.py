"""The registry workbook, every sheet of it (SPEC §3, `fitn_xl.schema`): Lisez-moi, Paramètres, the input tables,
Tableau de bord, Classement, Simulateur, Journal. Tables are written with `fitn_xl.workbook.build.SheetKit`; the
review sheets come from `fitn_xl.review.sheet`, the Simulateur from `fitn_xl.book.simulator`.

The committed blank template `workbooks/registre-vierge.xlsx` is rebuilt by:

    .venv/bin/python -m fitn_xl.book.build workbooks/registre-vierge.xlsx

(default parameters, empty département). `fitn-xl new REGISTRE.xlsx --departement 63` builds one for a département.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .. import schema
from ..core.compute import compute
from ..core.model import Parameters, Registry
from ..core.params import default_parameters, default_sources
from ..core.text import day, eur, number, percent
from ..files import atomic_write
from ..review.classement import SHEET_CLASSEMENT
from ..review.sheet import RANKING_AT, add_classement_sheet, add_review_charts, add_score_validations
from ..schema import Column, Kind, Table
from ..workbook.build import (
    BOLD_FONT,
    BOX,
    NOTE_FONT,
    SECTION_FONT,
    SHEET_LISTS,
    TITLE_FONT,
    SheetKit,
    fit_width,
    font,
    header_height,
    new_workbook,
    place_chart,
    print_setup,
    records_of,
    show_axes,
)
from ..workbook.cells import (
    DATE_FORMAT,
    EURO_FORMAT,
    INTEGER_FORMAT,
    PERCENT_FORMAT,
    TEXT_FORMAT,
    put,
    row_height,
    to_excel,
    wrapped_lines,
)
from . import dashboard as dash
from .simulator import SHEET as SIMULATOR_SHEET
from .simulator import add_simulator_sheet, cache_simulator_values

# Where the tables of « Paramètres » start (side by side, header on row 1).
PARAMETERS_HELP_COLUMN = 3  # C: plain help text beside the « Parametres » table
PARAMETERS_TEXT_COLUMNS = (1, 2, PARAMETERS_HELP_COLUMN)  # Paramètre, Valeur, Aide: wrapped; rows sized from them
PARAMETERS_WIDTHS = (32, 40, 60)  # Paramètre, Valeur, Aide
PARAMETER_TABLE_COLUMNS = {schema.PARAMETERS.name: 1, schema.FORFAITS.name: 5, schema.GRID.name: 11,
                           schema.EXCLUSIONS.name: 17}

COMPUTED_HELP: dict[str, str] = {
    "excluded": "Somme des lignes de « Dépenses » dont la catégorie figure dans la table « Exclusions » "
                "(par défaut : Équipement informatique pour les agents). Fiche : « Les achats d'équipements "
                "informatiques pour les agents sont exclus ».",
    "eligible_cost": "Coût du projet (somme des lignes de dépenses, ou à défaut le coût global déclaré) moins les "
                     "dépenses exclues.",
    "extra_eu_share": "Licences d'éditeurs dont le siège est hors de l'Union européenne, rapportées au coût "
                      "éligible. Fiche : ces licences ne doivent être qu'une « partie marginale » des financements ; "
                      "alerte au-delà du « Seuil licences hors UE ».",
    "forfait": "Montant de la table « Forfaits » qui correspond à la mesure, au type de candidat et à la population "
               "(fiche, 3a — Montants de financement). Vide : pas de forfait.",
    "eligible": "Oui quand tous les critères d'éligibilité de la fiche sont remplis (« Quels critères "
                "d'éligibilité ? »).",
    "reasons": "Les critères d'éligibilité non remplis, un par ligne : type de candidat, engagement décisionnel, "
               "nature du projet, échéance des résultats, montants.",
    "warnings": "Alertes non bloquantes : effet concret sous 2 ans, licences hors UE, dépenses exclues, population, "
                "détail des dépenses, localisation des prestataires (3a), montant accordé, enveloppe ; et « Erreurs "
                "de saisie : N » quand des cellules du dossier sont invalides (détail : fitn-xl check).",
    "proposed": "0 si le dossier est inéligible ; sinon le plus petit de : forfait (ou à défaut le financement "
                "demandé), financement demandé, coût éligible ; pour la 3d, aussi la part collectivités (fiche : "
                "le financement peut atteindre 100 % du coût).",
    "score": "Moyenne sur 20 des notes pondérées des évaluateurs (feuille « Notation », grille de la table "
             "« Grille »), sans les évaluateurs en conflit d'intérêts ni les notations incomplètes.",
    "rank": "Rang du dossier dans sa mesure parmi les dossiers éligibles notés : meilleure note d'abord, puis "
            "réception la plus ancienne.",
    "late": "Pour un lauréat : Oui quand le dernier état des lieux (ou la décision, s'il n'y en a pas) date de plus "
            "de 92 jours avant la date de référence (fiche : état des lieux au minimum trimestriel).",
    "max_disagreement": "Plus grand écart de notes entre évaluateurs sur un même critère ; à examiner à partir de "
                        "2 points.",
    "suggested_location_score": "Mesure 3a : note proposée pour le critère « Localisation des prestataires » — part "
                                "des montants commandés à des prestataires dont le siège est dans le département, "
                                "ramenée à l'échelle du critère.",
    "paid": "Somme des versements du dossier (feuille « Versements ») ; 0 pour un lauréat sans versement.",
    "remaining": "Montant accordé moins Versé. Après un solde réduit (dépenses acquittées inférieures au coût "
                 "éligible), le reste n'est plus dû : l'alerte le signale (à désengager dans Chorus).",
}

# Computed columns of other tables, by (table name, attr).
TABLE_COMPUTED_HELP: dict[tuple[str, str], str] = {
    (schema.SCORES.name, "measure"): "La mesure du dossier noté (d'après « Candidatures »).",
    (schema.SCORES.name, "grid"): "Les critères de la grille de cette mesure, dans l'ordre des colonnes Critère 1 à 5.",
    (schema.SCORES.name, "score"): "La note sur 20 de cet évaluateur (pondérée selon la grille) ; vide en cas de "
                                   "conflit d'intérêts ou de notation incomplète.",
}


def _shown(kind: Kind, value) -> str:
    """A default parameter as the Lisez-moi states it, in French (« 297 000 € », « 10 % », « 100 000 »)."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return percent(value)
    if kind is Kind.DATE:
        return day(value)
    if kind is Kind.AMOUNT:
        return eur(value)
    if kind is Kind.INTEGER:
        return number(value)
    return str(value)


def computed_help(table: Table, column: Column) -> str:
    if table is schema.APPLICATIONS:
        return COMPUTED_HELP.get(column.attr, "")
    return TABLE_COMPUTED_HELP.get((table.name, column.attr), "")


SHEET_HELP: tuple[tuple[str, str], ...] = (
    (schema.SHEET_PARAMETERS, "Les réglages de la préfecture : département, enveloppes, échéance, seuils, adresse de "
                              "la DITP ; les forfaits (table « Forfaits »), la grille de notation (« Grille ») et les "
                              "catégories de dépenses exclues (« Exclusions »). Les valeurs par défaut viennent de la "
                              "fiche ; modifiez-les si le préfet en a décidé autrement."),
    (schema.SHEET_APPLICATIONS, "Une ligne par dossier de candidature. Les colonnes bleues sont à saisir ; les "
                                "colonnes grises, à droite, sont calculées par fitn-xl (voir plus bas)."),
    (schema.SHEET_EXPENSES, "Le détail des dépenses de chaque dossier (une ligne par dépense), rattaché par le "
                            "N° dossier. Le pays de l'éditeur est obligatoire pour une licence."),
    (schema.SHEET_PROVIDERS, "Les prestataires de chaque dossier : raison sociale, SIRET (clé vérifiée), "
                             "département du siège (ou « Hors France »), montant commandé."),
    (schema.SHEET_SCORES, "Une ligne par évaluateur et par dossier : notes des critères de la grille de la mesure "
                          "(Critère 1 à 5). Un évaluateur en conflit d'intérêts (Oui) n'est pas compté."),
    (schema.SHEET_REPORTS, "Les états des lieux trimestriels des lauréats : date, état, avancement, date de fin "
                           "révisée."),
    (schema.SHEET_PAYMENTS, "Les versements de chaque lauréat (Avance, Acompte, Solde), avec le N° d'engagement "
                            "juridique Chorus. La convention prévoit une avance (« Taux de l'avance » des "
                            "paramètres) à sa signature, puis le solde après l'état des lieux final (Suivi "
                            "« Terminé ») et ses dépenses acquittées ; fitn-xl payments prépare la demande de mise "
                            "en paiement."),
    (schema.SHEET_DASHBOARD, "Enveloppes (montant, engagé, proposé, reste, versé, reste à verser), nombre de "
                             "dossiers par mesure et par statut, lauréats en retard, avec trois graphiques (dossiers "
                             "par mesure et par statut, enveloppes, notes moyennes). Mis à jour par fitn-xl recalc."),
    (SHEET_CLASSEMENT, "Le classement des dossiers par enveloppe : les lauréats, puis les dossiers éligibles en "
                       "attente par note moyenne décroissante, avec le cumul de ceux qui tiennent dans l'enveloppe ; "
                       "la synthèse par mesure, la consommation des enveloppes et l'écart de chaque évaluateur aux "
                       "autres. Recalculé par fitn-xl recalc ; ne pas y saisir."),
    (SIMULATOR_SHEET, "Un cas saisi dans les cellules jaunes (mesure, type, population, dates, montants) donne "
                      "forfait, éligibilité, motifs et montant proposé : par les formules de la feuille (« Sans "
                      "complément », le choix par défaut, dans LibreOffice comme dans Excel) ou par les fonctions "
                      "FITN du complément Excel choisi dans la feuille (xlwings VBA ou Office.js)."),
    (schema.SHEET_JOURNAL, "La trace des documents produits et des listes envoyées (conventions, courriers, liste "
                           "DITP, imports). Rempli par fitn-xl ; ne pas modifier."),
)


DASHBOARD_WIDTHS = (44, 18, 14)  # « Tableau de bord »: column A, column B, the others
README_WIDTHS = (34, 110)  # « Lisez-moi »: columns A (what) and B (its explanation)


class _Builder(SheetKit):
    def __init__(self, parameters: Parameters):
        super().__init__(new_workbook())
        self.params = parameters

    def computed_help(self, table: Table, column: Column) -> str:
        return computed_help(table, column)

    def parameters_sheet(self, ws) -> None:
        p = self.params
        rows = [{"label": spec.label, "value": getattr(p, spec.attr)} for spec in schema.PARAMETER_ROWS]
        rows += [{"label": k, "value": v} for k, v in p.extra.items()]
        self.table(ws, schema.PARAMETERS, rows, PARAMETER_TABLE_COLUMNS[schema.PARAMETERS.name], validations=False)
        kinds = {spec.label: spec for spec in schema.PARAMETER_ROWS}
        help_col = PARAMETERS_HELP_COLUMN
        aide = ws.cell(1, help_col, "Aide")
        self.head(aide)
        aide.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(help_col)].width = PARAMETERS_WIDTHS[2]
        sources = default_sources()
        fmts = {Kind.AMOUNT: EURO_FORMAT, Kind.DATE: DATE_FORMAT, Kind.PERCENT: PERCENT_FORMAT,
                Kind.INTEGER: INTEGER_FORMAT, Kind.DEPARTMENT: TEXT_FORMAT, Kind.SIRET: TEXT_FORMAT}
        for r, row in enumerate(rows, start=2):
            spec = kinds.get(row["label"])
            if spec is None:
                continue
            value_cell = ws.cell(r, 2)
            value_cell.number_format = fmts.get(spec.kind, "General")
            value_cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
            note = spec.help + (" — obligatoire" if spec.required else "")
            if spec.attr in sources:
                note += f" (défaut : fiche, {sources[spec.attr]})"
            ws.cell(r, help_col, note).alignment = Alignment(wrap_text=True, vertical="top")
            shown = value_cell.value if isinstance(value_cell.value, str) else ""
            lines = max(wrapped_lines(note, PARAMETERS_WIDTHS[2]), wrapped_lines(shown, PARAMETERS_WIDTHS[1]),
                        wrapped_lines(row["label"], PARAMETERS_WIDTHS[0]))
            if lines > 1:  # a row of one line keeps the program's height, which grows as someone types more
                ws.row_dimensions[r].height = row_height(lines)
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = PARAMETERS_WIDTHS[:2]
        ws.column_dimensions["B"].number_format = "General"
        forfaits = [{"measure": f.measure, "applicant_type": f.applicant_type, "population_min": f.population_min,
                     "population_max": f.population_max, "amount": f.amount} for f in p.forfaits]
        self.table(ws, schema.FORFAITS, forfaits, PARAMETER_TABLE_COLUMNS[schema.FORFAITS.name])
        grid = [{"measure": c.measure, "number": c.number, "name": c.name, "weight": c.weight,
                 "max_score": c.max_score} for c in p.grid]
        self.table(ws, schema.GRID, grid, PARAMETER_TABLE_COLUMNS[schema.GRID.name])
        excluded = [{"category": c} for c in schema.EXPENSE_CATEGORIES if c in p.excluded_categories]
        excluded += [{"category": c} for c in sorted(p.excluded_categories - set(schema.EXPENSE_CATEGORIES))]
        self.table(ws, schema.EXCLUSIONS, excluded, PARAMETER_TABLE_COLUMNS[schema.EXCLUSIONS.name])
        ws.freeze_panes = "A2"

    def dashboard_sheet(self, ws, registry: Registry) -> dict[str, tuple[str, bool]]:
        """Draw the « Tableau de bord »; returns its charts' titles (`dashboard.chart_titles`)."""
        ws.cell(1, 1).font = TITLE_FONT
        ws.cell(dash.UPDATED_ROW, 1, "Mis à jour le (fitn-xl recalc)")
        ws.cell(dash.REFERENCE_ROW, 1, "Date de référence des retards")
        for r in (dash.UPDATED_ROW, dash.REFERENCE_ROW):
            ws.cell(r, 2).alignment = Alignment(horizontal="left")
        ws.cell(dash.ENVELOPE_HEADER_ROW - 1, 1, "Enveloppes").font = SECTION_FONT
        for j in range(1, len(dash.ENVELOPE_HEADERS) + 1):
            self.head(ws.cell(dash.ENVELOPE_HEADER_ROW, j))
        for row in dash.ENVELOPE_ROWS.values():
            for j in range(1, len(dash.ENVELOPE_HEADERS) + 1):
                ws.cell(row, j).border = BOX
        note = ws.cell(dash.ENVELOPE_NOTE_ROW, 1)
        note.font, note.alignment = NOTE_FONT, Alignment(wrap_text=True, vertical="top")
        last_envelope_col = len(dash.ENVELOPE_HEADERS)
        ws.merge_cells(start_row=dash.ENVELOPE_NOTE_ROW, start_column=1, end_row=dash.ENVELOPE_NOTE_ROW,
                       end_column=last_envelope_col)
        ws.cell(dash.COUNTS_TITLE_ROW, 1, "Dossiers par mesure et par statut").font = SECTION_FONT
        self.head(ws.cell(dash.COUNTS_HEADER_ROW, 1, "Mesure"))
        for status, col in dash.STATUS_COLUMNS.items():
            self.head(ws.cell(dash.COUNTS_HEADER_ROW, col, status))
        self.head(ws.cell(dash.COUNTS_HEADER_ROW, dash.TOTAL_COLUMN, "Total"))
        for i, measure in enumerate((*schema.MEASURES, "Total")):
            row = dash.COUNTS_FIRST_ROW + i
            label = measure if measure == "Total" else f"{measure} — {schema.MEASURE_LABELS[measure]}"
            c = ws.cell(row, 1, label if measure == "Total" else measure)
            c.border = BOX
            if measure == "Total":
                c.font = BOLD_FONT
            else:
                ws.cell(row, dash.TOTAL_COLUMN + 2, label).font = NOTE_FONT
            for col in range(2, dash.TOTAL_COLUMN + 1):
                ws.cell(row, col).border = BOX
                if measure == "Total" or col == dash.TOTAL_COLUMN:
                    ws.cell(row, col).font = BOLD_FONT
        ws.cell(dash.INDICATORS_TITLE_ROW, 1, "Suivi et contrôles").font = SECTION_FONT
        for key, label, _ in dash.INDICATORS:
            row = dash.INDICATOR_ROWS[key]
            ws.cell(row, 1, label).border = BOX
            ws.cell(row, 2).border = BOX
        for ref, fmt in dash.DASHBOARD_FORMATS.items():
            ws[ref].number_format = fmt
        widths = {1: DASHBOARD_WIDTHS[0], 2: DASHBOARD_WIDTHS[1]}
        for col in range(1, max(dash.TOTAL_COLUMN, last_envelope_col) + 1):
            width = widths.get(col, DASHBOARD_WIDTHS[2])
            ws.column_dimensions[get_column_letter(col)].width = width
            widths[col] = width
        fit_width(ws)
        ws.row_dimensions[dash.ENVELOPE_HEADER_ROW].height = header_height(
            (h, widths[j]) for j, h in enumerate(dash.ENVELOPE_HEADERS, start=1))
        ws.row_dimensions[dash.COUNTS_HEADER_ROW].height = header_height(
            (s, widths[c]) for s, c in dash.STATUS_COLUMNS.items())
        note_width = sum(widths[c] for c in range(1, last_envelope_col + 1))
        ws.row_dimensions[dash.ENVELOPE_NOTE_ROW].height = row_height(wrapped_lines(dash.ENVELOPE_NOTE, note_width))
        computation = compute(registry)
        for ref, value in dash.dashboard_values(registry, computation).items():
            put(ws[ref], to_excel(None, value))
        ws[dash.CHARTS_NOTE_CELL].font = font(bold=True, color="C00000")
        titles = dash.chart_titles(registry, computation)

        counts = BarChart()
        counts.type = "col"
        counts.grouping = "stacked"
        counts.overlap = 100
        counts.title, empty = titles["counts"]
        counts.y_axis.majorGridlines = None  # nothing drawn where there is nothing to count
        data = Reference(ws, min_col=2, max_col=dash.TOTAL_COLUMN - 1, min_row=dash.COUNTS_HEADER_ROW,
                         max_row=dash.COUNTS_TOTAL_ROW - 1)
        counts.add_data(data, titles_from_data=True)
        counts.set_categories(Reference(ws, min_col=1, min_row=dash.COUNTS_FIRST_ROW,
                                        max_row=dash.COUNTS_TOTAL_ROW - 1))
        show_axes(counts, not empty)
        if empty:  # nine statuses listed beside nothing: recalc puts the legend back with the first dossier
            counts.legend = None
        else:
            counts.legend.position = dash.LEGENDS["counts"]
        top, bottom = dash.CHARTS_FIRST_ROW, dash.CHARTS_FIRST_ROW + dash.CHART_ROWS - 1
        place_chart(ws, counts, 1, top, 3, bottom)

        envelopes = BarChart()  # the table's own cells: engagé + retenu + reste après propositions = montant
        envelopes.type = "bar"
        envelopes.grouping = "stacked"
        envelopes.overlap = 100
        envelopes.title, _ = titles["envelopes"]
        for field in ("committed", "retained", "remaining_after"):
            col = 2 + dash.ENVELOPE_FIELDS.index(field)
            envelopes.series.append(Series(Reference(ws, min_col=col, min_row=dash.ENVELOPE_HEADER_ROW,
                                                     max_row=max(dash.ENVELOPE_ROWS.values())),
                                           title_from_data=True))
        envelopes.set_categories(Reference(ws, min_col=1, min_row=min(dash.ENVELOPE_ROWS.values()),
                                           max_row=max(dash.ENVELOPE_ROWS.values())))
        envelopes.legend.position = "b"
        envelopes.y_axis.numFmt = "#,##0"
        show_axes(envelopes)
        place_chart(ws, envelopes, 5, top, 10, bottom)
        return titles

    def readme_sheet(self, ws) -> None:
        fit_width(ws)
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = README_WIDTHS
        wrap = Alignment(wrap_text=True, vertical="top")
        row = 1

        def line(a: str = "", b: str = "", style: Font | None = None) -> None:
            nonlocal row
            ca = ws.cell(row, 1, a or None)
            cb = ws.cell(row, 2, b or None)
            ca.alignment = cb.alignment = wrap
            if style is not None:
                ca.font = style
            if a and not b and row == 1:
                ca.alignment = Alignment(vertical="top")  # the title runs over column B
            # explicit heights: spreadsheet programs do not always grow wrapped rows when they open a file
            lines = max(wrapped_lines(b, README_WIDTHS[1]), wrapped_lines(a, README_WIDTHS[0], bold=True) if b else 1)
            ws.row_dimensions[row].height = row_height(lines) + (4 if style is TITLE_FONT else 0)
            row += 1

        line("Registre FITN7 axe 3 — guichet territorial (France Relance)", style=TITLE_FONT)
        line("", "Ce classeur est la base de données du guichet : on y saisit les candidatures, leurs dépenses, "
                 "leurs prestataires, les notes des évaluateurs et le suivi des lauréats. Les colonnes grises de la "
                 "feuille « Candidatures » et le « Tableau de bord » sont calculés par l'outil fitn-xl d'après la "
                 "fiche « Transformation numérique des collectivités territoriales — axe 3 ».")
        line()
        line("Les feuilles", style=SECTION_FONT)
        for sheet, text in SHEET_HELP:
            line(sheet, text, style=font(bold=True))
        line()
        line("Recalculer", style=SECTION_FONT)
        line("", "1. Enregistrez et fermez le classeur (fitn-xl refuse d'écrire un fichier ouvert dans Excel ou "
                 "LibreOffice).")
        line("", "2. Lancez : fitn-xl recalc REGISTRE.xlsx — les colonnes calculées et le tableau de bord sont "
                 "réécrits ; les cellules saisies ne sont jamais modifiées. La version précédente est gardée à côté "
                 "(REGISTRE.precedent.xlsx).")
        line("", "3. fitn-xl check REGISTRE.xlsx affiche toutes les erreurs de saisie (feuille, ligne, colonne) et "
                 "les résultats de chaque dossier. Un dossier en erreur garde des valeurs calculées quand c'est "
                 "possible, avec « Erreurs de saisie : N » dans la colonne Alertes.")
        line("", "Montants en euros (« 10 000 € » ou « 10000,50 » sont compris), dates JJ/MM/AAAA, listes "
                 "déroulantes pour les valeurs imposées. Ne renommez ni les feuilles, ni les en-têtes, ni les "
                 "tableaux : les outils les retrouvent par leur nom.")
        line()
        line("Colonnes calculées (Candidatures)", style=SECTION_FONT)
        for column in schema.APPLICATIONS.computed:
            line(column.header, computed_help(schema.APPLICATIONS, column), style=font(bold=True, italic=True))
        for table in schema.INPUT_TABLES:
            if table is not schema.APPLICATIONS and table.computed:
                line()
                line(f"Colonnes calculées ({table.sheet})", style=SECTION_FONT)
                for column in table.computed:
                    line(column.header, computed_help(table, column), style=font(bold=True, italic=True))
        line()
        line("Paramètres par défaut", style=SECTION_FONT)
        defaults = default_parameters()
        sources = default_sources()
        for spec in schema.PARAMETER_ROWS:
            if spec.attr in sources:
                line(spec.label, f"{_shown(spec.kind, getattr(defaults, spec.attr))} — source : "
                                 f"{sources[spec.attr]}", style=font(bold=True))
        for key, label in (("effect_within_years", "Effet concret (années)"),
                           ("report_every_days", "Périodicité des états des lieux (jours)"),
                           ("disagreement_threshold", "Écart signalé entre évaluateurs (points)")):
            if key in sources:
                line(label, f"{getattr(defaults, key)} — source : {sources[key]}", style=font(bold=True))
        line("Forfaits, grille, exclusions", "Tables de la feuille « Paramètres », pré-remplies d'après la fiche "
                                             "(3a — Montants de financement ; critères de sélection de chaque "
                                             "mesure ; équipements informatiques des agents exclus).",
             style=font(bold=True))

    def build(self, registry: Registry | None) -> Workbook:
        wb = self.wb
        reg = registry or Registry(parameters=self.params)
        ws = wb.active
        ws.title = schema.SHEET_README
        params_ws = wb.create_sheet(schema.SHEET_PARAMETERS)
        sheets = {t.name: wb.create_sheet(t.sheet) for t in schema.INPUT_TABLES}
        dash_ws = wb.create_sheet(schema.SHEET_DASHBOARD)
        journal_ws = wb.create_sheet(schema.SHEET_JOURNAL)
        self.make_lists(wb.create_sheet(SHEET_LISTS))
        self.readme_sheet(ws)
        self.parameters_sheet(params_ws)
        data = {
            schema.APPLICATIONS.name: reg.applications, schema.EXPENSES.name: reg.expenses,
            schema.PROVIDERS.name: reg.providers, schema.SCORES.name: reg.scores, schema.REPORTS.name: reg.reports,
            schema.PAYMENTS.name: reg.payments,
        }
        for table in schema.INPUT_TABLES:
            sheet = sheets[table.name]
            records = records_of(data[table.name], table)
            self.table(sheet, table, records)
            sheet.freeze_panes = "B2" if table is schema.APPLICATIONS else "A2"
        self.table(journal_ws, schema.JOURNAL, [], validations=False)
        journal_ws.freeze_panes = "A2"
        titles = self.dashboard_sheet(dash_ws, reg)
        add_score_validations(sheets[schema.SCORES.name], self.params)
        classement = add_classement_sheet(wb, wb.sheetnames.index(schema.SHEET_DASHBOARD) + 1)
        top = dash.CHARTS_FIRST_ROW + dash.CHART_ROWS + 1
        add_review_charts(dash_ws, classement, (1, top, 3, top + dash.CHART_ROWS - 1), titles["scores"])
        simulator = add_simulator_sheet(wb)
        # after the dashboard and its « Classement » (the summaries stay side by side), before the « Journal »
        wb.move_sheet(simulator, wb.sheetnames.index(classement.title) + 1 - wb.sheetnames.index(simulator.title))
        # The simulator's formulas are the only ones: keep their cached values (see `build_registry`) when the
        # file is opened, rather than asking for a full recalculation (#NOM? without the add-in).
        wb.calculation.fullCalcOnLoad = False
        title_rows = {t.sheet: "1:1" for t in (*schema.INPUT_TABLES, schema.PARAMETERS, schema.JOURNAL)}
        title_rows[classement.title] = f"{RANKING_AT[0]}:{RANKING_AT[0]}"  # the ranking's header
        for sheet in wb.worksheets:
            sheet.sheet_view.zoomScale = 100
            print_setup(sheet, title_rows.get(sheet.title), "A:A" if sheet.title == schema.SHEET_APPLICATIONS else None)
        return wb


def build_workbook(parameters: Parameters, registry: Registry | None = None) -> Workbook:
    """The registry as an openpyxl `Workbook` (not saved). `registry` inputs become table rows when given."""
    return _Builder(parameters).build(registry)


def build_registry(path: str | Path, parameters: Parameters, registry: Registry | None = None) -> None:
    """Write a new registry at `path` (atomically: a temp file in the same folder, then `os.replace`), with the
    values of the « Simulateur » formulas cached for spreadsheet programs without the add-in.

    With `registry`, its inputs are written as rows; the computed columns are left empty (`recalc` fills them)."""
    wb = build_workbook(parameters, registry)

    def write(tmp: Path) -> None:
        wb.save(tmp)
        cache_simulator_values(tmp)  # the values of the « Simulateur » formulas, stored beside them

    atomic_write(Path(path), write)


def main(argv: list[str] | None = None) -> int:
    """`python -m fitn_xl.book.build OUT.xlsx`: the blank template (default parameters, no département)."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "workbooks/registre-vierge.xlsx")
    build_registry(out, default_parameters())
    print(f"Registre vierge écrit : {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
