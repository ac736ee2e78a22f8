"""`fitn-xl check` (text and --json) and `fitn-xl recalc` output on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from conftest import edit_cells

from fitn_xl import schema
from fitn_xl.cli import main
from fitn_xl.core.compute import compute
from fitn_xl.workbook.read import load_registry


def run_json(path, capsys) -> tuple[int, dict]:
    code = main(["check", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_check_json_has_every_computed_column_equal_to_core(registry_file, capsys):
    code, doc = run_json(registry_file, capsys)
    assert code == 0
    assert doc["errors"] == []
    loaded = load_registry(registry_file)
    expected = compute(loaded.registry)
    assert list(doc["dossiers"]) == list(expected.results)
    for dossier_id, result in expected.results.items():
        cells = doc["dossiers"][dossier_id]
        assert list(cells) == list(schema.COMPUTED_HEADERS)
        for column in schema.APPLICATIONS.computed:
            value = result.cells()[column.attr]
            got = cells[column.header]
            if isinstance(value, Decimal):
                assert Decimal(str(got)) == value, (dossier_id, column.header)
            else:
                assert got == value, (dossier_id, column.header)
    assert doc["dossiers"]["63-003"]["Motifs"] == "Échéance : fin prévue le 15/03/2023, après le 31/12/2022"
    env = doc["enveloppes"]["départementale"]
    assert env["Montant (€)"] == 297000 and env["Engagé (€)"] == 30000 and env["Dépassée"] is False
    assert doc["enveloppes"]["3d"]["Reste (€)"] == 55000


def test_check_json_errors_name_sheet_row_column(registry_file, capsys):
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(3, "Population"): "abc"})
    edit_cells(registry_file, schema.SHEET_EXPENSES, {(2, "Montant (€)"): "-10"})
    code, doc = run_json(registry_file, capsys)
    assert code == 1
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in doc["errors"]}
    assert errors[("Candidatures", 3, "Population")] == "« abc » n'est pas un nombre"
    assert "négatif" in errors[("Dépenses", 2, "Montant (€)")]
    assert doc["dossiers"]["63-002"]["Alertes"].startswith("Erreurs de saisie : 1 (voir fitn-xl check)")
    assert doc["dossiers"]["63-001"]["Alertes"].startswith("Erreurs de saisie : 1")
    assert doc["dossiers"]["63-004"]["Éligible"] == "Oui"


def test_check_text_output(registry_file, capsys):
    assert main(["check", str(registry_file)]) == 0
    out = capsys.readouterr().out
    assert "Aucune erreur de saisie" in out and "63-005" in out and "Enveloppe départementale" in out
    edit_cells(registry_file, schema.SHEET_APPLICATIONS, {(2, "Population"): "abc"})
    assert main(["check", str(registry_file)]) == 1
    out = capsys.readouterr().out
    assert "Feuille « Candidatures », ligne 2, colonne « Population » : « abc » n'est pas un nombre" in out


def test_check_in_a_real_process_prints_no_traceback(tmp_path):
    bad = tmp_path / "faux.xlsx"
    bad.write_text("rien")
    proc = subprocess.run([sys.executable, "-m", "fitn_xl.cli", "check", str(bad), "--json"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "n'est pas un classeur Excel" in proc.stderr


def test_recalc_command_summary(registry_file, capsys):
    assert main(["recalc", str(registry_file)]) == 0
    out = capsys.readouterr().out
    assert "Registre recalculé" in out and "5 dossier(s)" in out
    assert "Version précédente gardée : registre.precedent.xlsx" in out


def test_a_row_tied_to_no_dossier_is_reported_by_check_but_does_not_block_recalc(registry_file, capsys):
    edit_cells(registry_file, schema.SHEET_EXPENSES, {(2, schema.DOSSIER_ID): "99-999"})
    code, doc = run_json(registry_file, capsys)
    assert code == 1  # check: any error at all
    (error,) = doc["errors"]
    assert (error["sheet"], error["row"], error["blocking"]) == ("Dépenses", 2, False)
    assert "99-999" in error["message"] and "inconnu" in error["message"]
    assert main(["recalc", str(registry_file)]) == 0
    captured = capsys.readouterr()
    assert "Feuille « Dépenses », ligne 2" in captured.err and "1 erreur(s) sur des lignes rattachées" in captured.out
    assert "bloquantes" not in captured.err
    edit_cells(registry_file, schema.SHEET_PARAMETERS, {(6, "Valeur"): "beaucoup"})
    assert main(["recalc", str(registry_file)]) == 1  # a parameter: blocking
    assert "bloquantes" in capsys.readouterr().err


def test_check_help_says_when_it_exits_1(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Code de sortie : 1 dès qu'une saisie est en erreur" in help_text
