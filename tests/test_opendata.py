"""`fitn-xl opendata`: the SCDL « subventions » CSV of the laureates, validated against the real schema (the official
2.1.1 JSON shipped in the package, applied by frictionless, plus the schema's custom checks) before it is written."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import edit_cells, header_column
from frictionless import Resource, Schema

from fitn_xl import app, schema
from fitn_xl.app.demonstration import DEMO_CLOCK
from fitn_xl.book.build import build_registry
from fitn_xl.cli import main
from fitn_xl.demo import demo_registry
from fitn_xl.opendata.scdl import SCHEMA_FILE, field_names, schema_descriptor
from fitn_xl.opendata.validation import validate_csv
from fitn_xl.workbook.read import journal_rows, load_registry

PACKAGED_SCHEMA = Path(__file__).resolve().parents[1] / "fitn_xl" / "opendata" / SCHEMA_FILE


def _reference_schema() -> Path | None:
    """The copy of the official schema in the project's shared/reference, when this checkout sits beside it."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "scdl-subventions-2.1.1-schema.json"
        if candidate.is_file():
            return candidate
    return None


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def registry_file(tmp_path, change=None) -> Path:
    reg = demo_registry()
    if change is not None:
        reg = change(reg)
    path = tmp_path / "registre.xlsx"
    build_registry(path, reg.parameters, reg)
    return path


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_packaged_schema_is_the_official_one():
    official = _reference_schema()
    if official is None:
        pytest.skip("shared/reference absent à côté du dépôt")
    assert json.loads(PACKAGED_SCHEMA.read_text(encoding="utf-8")) == json.loads(official.read_text(encoding="utf-8"))
    assert schema_descriptor()["version"] == "2.1.1"


def test_demo_file_validates_against_the_schema_and_is_journaled(tmp_path):
    registry = registry_file(tmp_path)
    out = tmp_path / "publication" / "subventions.csv"
    result = app.opendata(registry, out, clock=DEMO_CLOCK)
    assert result.ok, result.text()
    assert result.files == [out]
    assert "conforme au schéma SCDL subventions 2.1.1" in result.text()
    assert "3 subventions de plus de 23 000 €, 120 000 € au total" in plain(result.text())
    # the written file, validated again independently by frictionless with the official schema
    descriptor = json.loads(PACKAGED_SCHEMA.read_text(encoding="utf-8"))
    resource = Resource(data=out.read_bytes(), format="csv", encoding="utf-8",
                        schema=Schema.from_descriptor({k: v for k, v in descriptor.items() if k != "custom_checks"}))
    assert resource.validate().valid
    assert validate_csv(out.read_bytes()) == []
    rows = rows_of(out)
    assert list(rows[0]) == field_names()
    by_id = {r["referenceDecision"]: r for r in rows}
    assert set(by_id) == {"63-2021-027", "63-2021-036", "63-2021-037"}  # the laureates above 23 000 €
    ambert = by_id["63-2021-027"]
    assert ambert == {**ambert, "nomAttribuant": "Préfecture du Puy-de-Dôme", "dateConvention": "2021-06-22",
                      "nomBeneficiaire": "Communauté de communes Ambert Livradois-Haut",
                      "idBeneficiaire": "20007076100016", "montant": "36000.00", "nature": "aide en numéraire",
                      "conditionsVersement": "échelonné", "datesPeriodeVersement": "2021-06-29/2022-09-30",
                      "notificationUE": "non", "pourcentageSubvention": "1.00", "rnaBeneficiaire": ""}
    assert by_id["63-2021-037"]["nomAttribuant"] == "Préfecture de la région Auvergne-Rhône-Alpes"  # 3d: the SGAR
    assert by_id["63-2021-037"]["idAttribuant"] != ambert["idAttribuant"]
    journal = [v for _, v in journal_rows(registry) if v["operation"] == "Fichier des subventions (données ouvertes)"]
    assert [(j["count"], j["amount"], j["file"]) for j in journal] == [(3, 120000, "subventions.csv")]


def test_threshold_is_strictly_above_and_zero_takes_every_laureate(tmp_path):
    def grants(reg):  # two laureates at the boundary
        apps = []
        for a in reg.applications:
            if a.dossier_id == "63-2021-036":
                a = replace(a, granted=Decimal("23000"))
            elif a.dossier_id == "63-2021-027":
                a = replace(a, granted=Decimal("23000.01"))
            apps.append(a)
        return replace(reg, applications=tuple(apps))

    registry = registry_file(tmp_path, grants)
    out = tmp_path / "sub.csv"
    assert app.opendata(registry, out, clock=DEMO_CLOCK).ok
    assert {r["referenceDecision"] for r in rows_of(out)} == {"63-2021-027", "63-2021-037"}
    assert app.opendata(registry, out, threshold=Decimal(23000), clock=DEMO_CLOCK).ok
    # every laureate: n° 10 has no payment yet, refused
    everything = app.opendata(registry, tmp_path / "tout.csv", threshold=Decimal(0), clock=DEMO_CLOCK)
    assert everything.status == 1 and not (tmp_path / "tout.csv").exists()
    assert ("Dossier 63-2021-010, champ « datesPeriodeVersement » (feuille « Versements ») : aucun versement "
            "enregistré pour ce lauréat") in everything.text()


@pytest.mark.parametrize("case", ["bad SIRET", "missing date", "no payment", "no grantor SIRET"])
def test_invalid_registries_are_refused_in_french_with_dossier_and_field(tmp_path, capsys, case):
    registry = registry_file(tmp_path)
    loaded = load_registry(registry)
    row = loaded.application_rows["63-2021-027"]
    expected: list[str]
    if case == "bad SIRET":
        edit_cells(registry, schema.SHEET_APPLICATIONS, {(row, "SIRET du bénéficiaire"): "20007076100017"})
        expected = [f"Dossier 63-2021-027 : Feuille « Candidatures », ligne {row}, colonne « SIRET du bénéficiaire » "
                    ": « 20007076100017 » : la clé du SIRET est invalide"]
    elif case == "missing date":
        clear_cell(registry, schema.SHEET_APPLICATIONS, row, "Date de signature de la convention")
        expected = [f"Dossier 63-2021-027, champ « dateConvention » (feuille « Candidatures », ligne {row}, colonne "
                    "« Date de signature de la convention ») : la « Date de signature de la convention » n'est pas "
                    "renseignée"]
    elif case == "no payment":
        payment_row = next(r for r, p in zip(loaded.rows["Versements"], loaded.registry.payments, strict=True)
                           if p.dossier_id == "63-2021-027")
        edit_cells(registry, schema.SHEET_PAYMENTS, {(payment_row, "N° dossier"): "63-2021-002"})
        expected = ["Dossier 63-2021-027, champ « datesPeriodeVersement » (feuille « Versements ») : aucun versement "
                    "enregistré pour ce lauréat : saisissez au moins l'avance versée"]
    else:
        clear_cell(registry, schema.SHEET_PARAMETERS, _parameter_rows(registry)["SIRET de l'attribuant"], "Valeur")
        expected = ["Champ « idAttribuant » (paramètre « SIRET de l'attribuant » de la feuille « Paramètres ») : le "
                    "paramètre « SIRET de l'attribuant » n'est pas renseigné"]
    out = tmp_path / "subventions.csv"
    assert main(["opendata", str(registry), "-o", str(out)]) == 1
    err = plain(capsys.readouterr().err)
    assert "ne respecte pas le schéma SCDL subventions 2.1.1 (1 problème)" in err, err
    for message in expected:
        assert message in err, err
    assert "Aucun fichier n'a été écrit" in err and not out.exists()
    assert "Traceback" not in err and "constraint" not in err and "Error" not in err
    # --force writes it anyway, with the same problems listed
    assert main(["opendata", str(registry), "-o", str(out), "--force"]) == 1
    captured = capsys.readouterr()
    assert out.exists() and "écrit malgré les erreurs" in captured.out and expected[0] in plain(captured.err)


def clear_cell(registry: Path, sheet: str, row: int, header: str) -> None:
    """Empty one cell, as an agent pressing Suppr."""
    import openpyxl

    wb = openpyxl.load_workbook(registry)
    ws = wb[sheet]
    ws.cell(row, header_column(ws, header)).value = None
    wb.save(registry)


def _parameter_rows(registry: Path) -> dict[str, int]:
    import openpyxl

    ws = openpyxl.load_workbook(registry)[schema.SHEET_PARAMETERS]
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}


def test_the_schemas_custom_checks_run_on_the_csv():
    names = field_names()
    good = dict(zip(names, ["Préfecture du Puy-de-Dôme", "17630001000012", "2021-05-03", "63-1", "Commune",
                            "21630318000014", "", "Objet", "5000.00", "aide en numéraire", "échelonné",
                            "2021-05-10/2022-06-30", "", "non", "1.00", ""], strict=True))
    cases = {
        "idBeneficiaire": (dict(good, idBeneficiaire="21630318000015"), "« 21630318000015 » n'est pas un SIRET valide"),
        "idAttribuant": (dict(good, idAttribuant="17630001000013"), "« 17630001000013 » n'est pas un SIRET valide"),
        None: (dict(good, idBeneficiaire=""), "« idBeneficiaire » ou « rnaBeneficiaire » doit être renseigné"),
        "dateConvention": (dict(good, dateConvention="2021-02-30"), "n'est pas une date au format AAAA-MM-JJ"),
        "nature": (dict(good, nature="subvention"), "« subvention » n'est pas une valeur admise"),
        "pourcentageSubvention": (dict(good, pourcentageSubvention="1.5"), "supérieur au maximum (1)"),
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    writer.writerow([good[n] for n in names])
    for row, _ in cases.values():
        writer.writerow([row[n] for n in names])
    problems = validate_csv(out.getvalue().encode("utf-8"))
    assert [(p.row, p.field) for p in problems] == [(i, f) for i, f in enumerate(cases, start=2)]
    for problem, (_, message) in zip(problems, cases.values(), strict=True):
        assert message in problem.message
    # La Poste's SIRET (SIREN 356 000 000) has its own key rule, which python-stdnum knows
    assert validate_csv(out.getvalue().split("\r\n")[0].encode() + b"\r\n" + ",".join(
        dict(good, idBeneficiaire="35600000000048")[n] for n in names).encode()) == []
