"""French formatting of amounts, dates and the préfet's title (fitn_xl.formatting)."""

from datetime import date
from decimal import Decimal as D

import pytest

from fitn_xl.formatting import (
    amount_in_words,
    department_with_article,
    format_eur,
    long_date,
    month_label,
    ordinal,
    short_date,
)

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "zéro euro"),
        ("0.5", "cinquante centimes"),
        ("0.01", "un centime"),
        ("1", "un euro"),
        ("1.01", "un euro et un centime"),
        ("2", "deux euros"),
        ("80", "quatre-vingts euros"),
        ("21.21", "vingt et un euros et vingt et un centimes"),
        ("200000", "deux cent mille euros"),
        ("1000000", "un million d'euros"),
        ("2000000", "deux millions d'euros"),
        ("1200000", "un million deux cent mille euros"),
        ("3000000000", "trois milliards d'euros"),
        ("12345.67", "douze mille trois cent quarante-cinq euros et soixante-sept centimes"),
        ("2.675", "deux euros et soixante-huit centimes"),  # half up on the Decimal, not a float artefact
        ("9999.995", "dix mille euros"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(D(amount)) == words


def test_amount_in_words_refuses_floats_and_accepts_none():
    with pytest.raises(TypeError):
        amount_in_words(2.675)
    assert amount_in_words(None) == ""


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("12345.67", f"12{NNBSP}345,67{NBSP}€"),
        ("12345", f"12{NNBSP}345,00{NBSP}€"),
        ("0.5", f"0,50{NBSP}€"),
        ("1000000", f"1{NNBSP}000{NNBSP}000,00{NBSP}€"),
        ("2.675", f"2,68{NBSP}€"),
    ],
)
def test_format_eur(amount, text):
    assert format_eur(D(amount)) == text


def test_format_eur_none_and_int():
    assert format_eur(None) == ""
    assert format_eur(5000) == f"5{NNBSP}000,00{NBSP}€"


def test_dates():
    assert long_date(date(2021, 3, 1)) == "1er mars 2021"
    assert long_date(date(2021, 6, 15)) == "15 juin 2021"
    assert long_date(date(2022, 8, 2)) == "2 août 2022"
    assert long_date(None) == ""
    assert short_date(date(2021, 3, 1)) == "01/03/2021"
    assert short_date(None) == ""
    assert month_label(2021, 6) == "juin 2021"
    assert month_label(2021, 12) == "décembre 2021"


def test_ordinal():
    assert [ordinal(n) for n in (1, 2, 10)] == ["1er", "2e", "10e"]
    assert ordinal(None) == ""


@pytest.mark.parametrize(
    ("code", "name", "text"),
    [
        ("63", "Puy-de-Dôme", "du Puy-de-Dôme"),
        ("01", "Ain", "de l'Ain"),
        ("1", "Ain", "de l'Ain"),
        ("33", "Gironde", "de la Gironde"),
        ("40", "Landes", "des Landes"),
        ("35", "Ille-et-Vilaine", "d'Ille-et-Vilaine"),
        ("84", "Vaucluse", "de Vaucluse"),
        ("2A", "Corse-du-Sud", "de la Corse-du-Sud"),
        ("974", "La Réunion", "de La Réunion"),
        ("", "Essonne", "de l'Essonne"),  # unknown code: vowel rule
        ("", "Paris", "de Paris"),
        ("63", "", ""),
    ],
)
def test_department_with_article(code, name, text):
    assert department_with_article(code, name) == text


def test_every_departement_has_its_article():
    from importlib.resources import files

    from fitn_xl.formatting import _ARTICLE_BY_CODE

    text = files("fitn_xl.workbook").joinpath("departements.txt").read_text(encoding="utf-8")
    codes = {line.split("\t")[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert len(codes) == 101
    assert codes == set(_ARTICLE_BY_CODE)
