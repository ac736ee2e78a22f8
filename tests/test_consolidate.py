"""`fitn-xl consolidate`: lists of three départements merged, totals per département and per measure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from test_ditp_support import app, make_registry

from fitn_xl.cli import main
from fitn_xl.ditp import build_monthly_list
from fitn_xl.ditp.listing import LIST_HEADERS

DEPARTMENTS = {
    "63": ("Puy-de-Dôme", [("3a", "5000"), ("3b", "12000.50"), ("3c", "30000")]),
    "01": ("Ain", [("3a", "10000"), ("3c", "25000.25")]),
    "37": ("Indre-et-Loire", [("3b", "8000")]),
}


@pytest.fixture(scope="module")
def lists(tmp_path_factory):
    base = tmp_path_factory.mktemp("listes")
    paths = []
    for code, (name, grants) in DEPARTMENTS.items():
        apps = [app(i, measure=m, granted=Decimal(a), applicant=f"Commune {code}-{i}")
                for i, (m, a) in enumerate(grants, start=1)]
        registry = make_registry(base / f"registre-{code}.xlsx", apps, department=code, name=name)
        paths.append(build_monthly_list(registry, "2021-06", base / "out", today=date(2021, 7, 1)).xlsx)
    return paths


def sheet_rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_three_departments_give_the_right_totals(lists, tmp_path, capsys):
    out = tmp_path / "consolidation.xlsx"
    assert main(["consolidate", *map(str, lists), "-o", str(out)]) == 0
    assert "3 département(s), 6 lauréat(s)" in capsys.readouterr().out
    wb = load_workbook(out)
    rows = sheet_rows(wb["Lauréats"])
    assert [c.value for c in wb["Lauréats"][1]][: len(LIST_HEADERS)] == list(LIST_HEADERS)
    data, total_row = rows[:-1], rows[-1]
    assert len(data) == 6 and {r[0] for r in data} == {"63", "01", "37"}
    amount = LIST_HEADERS.index("Montant financé (€)")
    expected_total = sum(Decimal(a) for _, grants in DEPARTMENTS.values() for _, a in grants)
    assert total_row[0] == "Total" and Decimal(str(total_row[amount])) == expected_total

    per_dep = {r[0]: r for r in sheet_rows(wb["Par département"])}
    for code, (name, grants) in DEPARTMENTS.items():
        assert per_dep[code][1] == name and per_dep[code][2] == "2021-06"
        assert per_dep[code][3] == len(grants)
        assert Decimal(str(per_dep[code][4])) == sum(Decimal(a) for _, a in grants)
    assert per_dep["Total"][3] == 6 and Decimal(str(per_dep["Total"][4])) == expected_total

    per_measure = {r[0]: r for r in sheet_rows(wb["Par mesure"])}
    assert (per_measure["3a"][2], Decimal(str(per_measure["3a"][3]))) == (2, Decimal("15000"))
    assert (per_measure["3b"][2], Decimal(str(per_measure["3b"][3]))) == (2, Decimal("20000.50"))
    assert (per_measure["3c"][2], Decimal(str(per_measure["3c"][3]))) == (2, Decimal("55000.25"))
    assert Decimal(str(per_measure["Total"][3])) == expected_total


def test_a_file_that_is_not_a_list_is_rejected_by_name(lists, tmp_path, capsys):
    wb = Workbook()
    wb.active.title = "Lauréats"
    wb.active.append(["Département", "N° dossier", "Montant"])
    wrong = tmp_path / "tableau-perso.xlsx"
    wb.save(wrong)
    out = tmp_path / "consolidation.xlsx"
    assert main(["consolidate", str(lists[0]), str(wrong), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "« tableau-perso.xlsx » n'est pas une liste mensuelle DITP" in err and "Collectivité porteuse" in err
    assert not out.exists()

    text = tmp_path / "notes.xlsx"
    text.write_text("pas un classeur")
    assert main(["consolidate", str(text), "-o", str(out)]) == 1
    assert "« notes.xlsx » n'est pas un classeur Excel" in capsys.readouterr().err
    assert not out.exists()


def test_the_same_department_twice_is_rejected(lists, tmp_path, capsys):
    out = tmp_path / "c.xlsx"
    copy = tmp_path / "copie.xlsx"
    copy.write_bytes(lists[0].read_bytes())
    assert main(["consolidate", str(lists[0]), str(copy), "-o", str(out)]) == 1
    assert "deux listes du département 63" in capsys.readouterr().err
    assert not out.exists()
