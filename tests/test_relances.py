"""`fitn-xl relances`: one reminder .eml per late laureate, French text, to its Courriel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy

from test_ditp_support import app, make_registry, standard_registry

from fitn_xl.cli import main
from fitn_xl.core import Provider, Report
from fitn_xl.typography import french, ordinary_gaps


def read(path):
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def test_one_reminder_per_late_laureate(tmp_path, capsys):
    # reference 01/10/2021: 001 reported 15/07 (78 days), 002 decided 30/06 (93 days, late),
    # 003 decided 12/04 (late), 004 decided 01/07 (92 days: not late), 005/006 are not laureates
    registry = standard_registry(tmp_path / "registre.xlsx", reference_date=date(2021, 10, 1))
    out = tmp_path / "relances"
    assert main(["relances", str(registry), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["relance_2021-002.eml", "relance_2021-003.eml"]
    assert "2 relances préparées" in captured.out and "1er octobre 2021" in captured.out
    msg = read(out / "relance_2021-002.eml")
    assert msg["To"] == "mairie2@example.org"
    assert msg["Subject"] == "[FITN7 axe 3] Dossier 2021-002 – état des lieux trimestriel attendu"
    body = msg.get_body(("plain",)).get_content()
    assert "aucun état des lieux depuis la décision du 30 juin 2021" in body
    for expected in ("l'état du projet", "avancement", "date de fin du projet (actuellement prévue le 30 juin 2022)",
                     "entreprises", "12\u202f000,50\u00a0€", "La commune 2 est lauréate", "Projet 2"):
        assert french(expected) in body
    assert not ordinary_gaps(body) and "Monsieur, M" not in body  # never « Madame, Monsieur, Mme Dupont, »


def test_reminder_gives_the_last_report_and_known_companies(tmp_path):
    registry = make_registry(
        tmp_path / "r.xlsx", [app(1)],
        reports=[Report("2021-001", date(2021, 5, 20), "En difficulté", Decimal("0.3"), date(2022, 12, 15))],
        providers=[Provider("2021-001", "Clermont Numérique", "", "63")],
        reference_date=date(2021, 9, 1),
    )
    assert main(["relances", str(registry), "-o", str(tmp_path / "o")]) == 0
    body = read(tmp_path / "o" / "relance_2021-001.eml").get_body(("plain",)).get_content()
    assert french("Le dernier état des lieux que nous avons reçu date du 20 mai 2021 (« En difficulté, 30\u00a0% »)") \
        in body
    assert "actuellement prévue le 15 décembre 2022" in body
    assert french("déjà déclarées : Clermont Numérique (Puy-de-Dôme)") in body


def test_late_laureate_without_address_is_named(tmp_path, capsys):
    registry = make_registry(tmp_path / "r.xlsx", [app(1, email="")], reference_date=date(2021, 12, 1))
    assert main(["relances", str(registry), "-o", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "2021-001" in err and "Courriel" in err and "Candidatures" in err and "ligne 2" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_nobody_late(tmp_path, capsys):
    registry = standard_registry(tmp_path / "r.xlsx", reference_date=date(2021, 6, 1))
    assert main(["relances", str(registry), "-o", str(tmp_path / "o")]) == 0
    assert "Aucun lauréat en retard au 1er juin 2021" in capsys.readouterr().out
