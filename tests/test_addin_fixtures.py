"""Sample registries for the add-in tests and benchmark: varied dossiers made from core values (no test here)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from fitn_xl import schema
from fitn_xl.core import Application, Expense, Provider, Registry, Report, Score, parameters_for

TYPES = ("Commune", "Commune", "Commune", "Communauté de communes", "Département", "Région", schema.PERSONNE_MORALE,
         "Syndicat ou autre groupement de collectivités", schema.STRUCTURE_PILOTE)
CATEGORIES = schema.EXPENSE_CATEGORIES
COUNTRIES = ("FR", "FR", "DE", "US", "IE", "")


def sample_registry(n: int = 12, seed: int = 7) -> Registry:
    """`n` dossiers over the four measures with expense lines, providers, scores and reports; some ineligible,
    some laureates, some with excluded or extra-EU spending."""
    rnd = random.Random(seed)
    params = parameters_for("63", "Puy-de-Dôme", envelope=Decimal(297000))
    apps, expenses, providers, scores, reports = [], [], [], [], []
    for i in range(n):
        dossier_id = f"63-2021-{i + 1:04d}"
        measure = schema.MEASURES[i % 4]
        kind = TYPES[rnd.randrange(len(TYPES))]
        received = date(2021, 3, 1) + timedelta(days=rnd.randrange(200))
        end = date(2022, rnd.randrange(1, 13), 15) if rnd.random() < 0.85 else date(2023, 3, 15)
        lines = []
        for j in range(rnd.randrange(0, 4)):
            category = CATEGORIES[rnd.randrange(len(CATEGORIES))]
            country = COUNTRIES[rnd.randrange(len(COUNTRIES))] if category == schema.LICENCE else ""
            if category == schema.LICENCE and not country:
                country = "US"
            lines.append(Expense(dossier_id, f"Ligne {j + 1}", category, "Fournisseur", country,
                                 Decimal(rnd.randrange(1, 30)) * 500))
        expenses.extend(lines)
        declared = sum((e.amount for e in lines), Decimal(0)) if lines and rnd.random() < 0.8 else \
            Decimal(rnd.randrange(4, 60)) * 1000
        requested = (declared * Decimal(rnd.choice(("0.5", "0.8", "1", "1.2")))).quantize(Decimal(1))
        status = rnd.choice(("Reçu", "En instruction", "Éligible", "Lauréat", "Refusé"))
        granted = requested if status == "Lauréat" else None
        apps.append(Application(
            dossier_id=dossier_id,
            received_on=received,
            measure=measure,
            applicant=f"Collectivité {i + 1}",
            applicant_type=kind,
            population=rnd.choice((None, 800, 4999, 5000, 12000, 150000)),
            funded_by_authorities_only=rnd.choice((None, True, False)) if kind == schema.PERSONNE_MORALE else None,
            title=f"Projet {i + 1}",
            decision_commitment=rnd.random() < 0.9,
            digital_transformation=rnd.choice((True, True, True, None)),
            planned_end=end,
            total_cost=declared,
            requested=requested,
            authorities_share=(declared / 2).quantize(Decimal(1)) if measure == "3d" else None,
            contract_mode="Convention",
            status=status,
            decided_on=received + timedelta(days=60) if status == "Lauréat" else None,
            granted=granted,
        ))
        if measure == "3a" and rnd.random() < 0.7:
            providers.append(Provider(dossier_id, "Conseil SARL", "", rnd.choice(("63", "75", schema.ABROAD)),
                                      Decimal(rnd.randrange(1, 20)) * 1000))
        n_criteria = len(params.criteria_of(measure))
        for evaluator in ("Alice", "Bruno"):
            if rnd.random() < 0.8:
                scores.append(Score(dossier_id, evaluator, rnd.random() < 0.1,
                                    tuple(Decimal(rnd.randrange(0, 6)) for _ in range(n_criteria))))
        if status == "Lauréat" and rnd.random() < 0.5:
            reports.append(Report(dossier_id, received + timedelta(days=120), "En cours", Decimal("0.4")))
    return Registry(params, tuple(apps), tuple(expenses), tuple(providers), tuple(scores), tuple(reports))


def write_sample(path, n: int = 12, seed: int = 7) -> Registry:
    """A real registry file built by the project's builder, holding `sample_registry(n, seed)`."""
    from fitn_xl.book.build import build_registry

    registry = sample_registry(n, seed)
    build_registry(path, registry.parameters, registry)
    return registry


def _cell(column, value, serial_dates: bool):
    """A core value as Excel holds it (the workbook's cell rule); dates as serial numbers for Office.js."""
    from datetime import date as _date

    from fitn_xl.workbook.cells import excel_serial, to_excel

    v = to_excel(column, value)
    if serial_dates and isinstance(v, _date):
        return excel_serial(v)
    return v


def application_columns(registry: Registry, serial_dates: bool = False) -> dict[str, list[list]]:
    """attr -> one-column range (N×1) of « Candidatures » as Excel would pass it."""
    out = {}
    for column in schema.APPLICATIONS.columns:
        out[column.attr] = [[_cell(column, getattr(a, column.attr), serial_dates)] for a in registry.applications]
    return out


def table_range(table: schema.Table, records, serial_dates: bool = False, header: bool = True) -> list[list]:
    """A table as a range: header row (optional) then one row per record (core values)."""
    rows = [[c.header for c in table.columns]] if header else []
    for record in records:
        row = []
        for c in table.columns:
            if c.attr.startswith("criterion_"):
                i = int(c.attr.split("_")[1]) - 1
                value = record.criteria[i] if i < len(record.criteria) else None
            elif table is schema.EXCLUSIONS:
                value = record
            else:
                value = getattr(record, c.attr, None)
            row.append(_cell(c, value, serial_dates))
        rows.append(row)
    return rows


def parameter_ranges(registry: Registry, serial_dates: bool = False) -> dict[str, list[list]]:
    """The parameter tables of `registry` as ranges with their header rows."""
    p = registry.parameters
    return {
        "forfaits": table_range(schema.FORFAITS, p.forfaits, serial_dates),
        "grille": table_range(schema.GRID, p.grid, serial_dates),
        "exclusions": table_range(schema.EXCLUSIONS, sorted(p.excluded_categories), serial_dates),
        "depenses": table_range(schema.EXPENSES, registry.expenses, serial_dates),
        "notation": table_range(schema.SCORES, registry.scores, serial_dates),
        "parametres": [["Paramètre", "Valeur"], ["Échéance des résultats",
                                                 _cell(None, p.results_deadline, serial_dates)]],
    }


def function_arguments(registry: Registry, serial_dates: bool = False) -> dict[str, dict[str, object]]:
    """Python function name -> keyword arguments computing the whole registry's column at once."""
    cols = application_columns(registry, serial_dates)
    tables = parameter_ranges(registry, serial_dates)
    eligibility = dict(mesure=cols["measure"], type_candidat=cols["applicant_type"],
                       financee_collectivites=cols["funded_by_authorities_only"],
                       engagement=cols["decision_commitment"], transformation=cols["digital_transformation"],
                       date_fin=cols["planned_end"], cout_global=cols["total_cost"], demande=cols["requested"],
                       parametres=tables["parametres"])
    return {
        "fitn_forfait": dict(mesure=cols["measure"], type_candidat=cols["applicant_type"],
                             population=cols["population"], forfaits=tables["forfaits"]),
        "fitn_depenses_exclues": dict(dossier=cols["dossier_id"], depenses=tables["depenses"],
                                      exclusions=tables["exclusions"]),
        "fitn_cout_eligible": dict(dossier=cols["dossier_id"], cout_global=cols["total_cost"],
                                   depenses=tables["depenses"], exclusions=tables["exclusions"]),
        "fitn_part_hors_ue": dict(dossier=cols["dossier_id"], cout_global=cols["total_cost"],
                                  depenses=tables["depenses"], exclusions=tables["exclusions"]),
        "fitn_eligible": eligibility,
        "fitn_motifs": eligibility,
        "fitn_montant_propose": dict(
            mesure=cols["measure"], type_candidat=cols["applicant_type"], population=cols["population"],
            financee_collectivites=cols["funded_by_authorities_only"], engagement=cols["decision_commitment"],
            transformation=cols["digital_transformation"], date_fin=cols["planned_end"],
            cout_global=cols["total_cost"], demande=cols["requested"], part_collectivites=cols["authorities_share"],
            forfaits=tables["forfaits"], parametres=tables["parametres"], dossier=cols["dossier_id"],
            depenses=tables["depenses"], exclusions=tables["exclusions"]),
        "fitn_note": dict(dossier=cols["dossier_id"], mesure=cols["measure"], notation=tables["notation"],
                          grille=tables["grille"]),
    }


def expected_columns(registry: Registry) -> dict[str, list]:
    """Python function name -> the core's value per dossier, as a cell shows it ('' for none)."""
    from fitn_xl.core import compute

    results = list(compute(registry, today=date(2022, 6, 30)).results.values())

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() else float(v)
        return v

    return {
        "fitn_forfait": [cell(r.forfait) for r in results],
        "fitn_depenses_exclues": [cell(r.spending.excluded) for r in results],
        "fitn_cout_eligible": [cell(r.spending.eligible_cost) for r in results],
        "fitn_part_hors_ue": [cell(r.spending.extra_eu_share) for r in results],
        "fitn_eligible": [schema.YES if r.eligible else schema.NO for r in results],
        "fitn_motifs": ["\n".join(r.reasons) for r in results],
        "fitn_montant_propose": [cell(r.proposed) for r in results],
        "fitn_note": [cell(r.scoring.average) for r in results],
    }
