"""Cell parsing as agents type values (SPEC §5): what is understood, and the French message otherwise."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fitn_xl import schema
from fitn_xl.values import (
    CellError,
    parse_amount,
    parse_cell,
    parse_choice,
    parse_column,
    parse_country,
    parse_date,
    parse_department,
    parse_integer,
    parse_percent,
    parse_siret,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (10000, Decimal("10000")),
        (10000.5, Decimal("10000.50")),
        ("10 000 €", Decimal("10000")),
        ("10\u202f000\u00a0€", Decimal("10000")),
        ("10000,50", Decimal("10000.50")),
        ("1.234,56 €", Decimal("1234.56")),
        ("12 000 EUR", Decimal("12000")),
        ("", None),
        (None, None),
    ],
)
def test_amounts_are_understood(typed, expected):
    assert parse_amount(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "« abc » n'est pas un montant"),
        ("-5", "« -5 » : un montant ne peut pas être négatif"),
        (-0.01, "un montant ne peut pas être négatif"),
        ("12,345", "plus de deux décimales"),
        (True, "n'est pas un montant"),
    ],
)
def test_bad_amounts_get_a_french_message(typed, message):
    with pytest.raises(CellError) as err:
        parse_amount(typed)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31/12/2022", date(2022, 12, 31)),
        ("1/3/2021", date(2021, 3, 1)),
        ("31-12-22", date(2022, 12, 31)),
        ("31.12.2022", date(2022, 12, 31)),
        ("2022-12-31", date(2022, 12, 31)),
        (datetime(2022, 12, 31, 0, 0), date(2022, 12, 31)),
        (date(2021, 3, 1), date(2021, 3, 1)),
        (44926.0, date(2022, 12, 31)),  # Excel serial in a cell without date format
    ],
)
def test_dates_are_understood(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2022", "« 31/02/2022 » n'est pas une date valide"),
        ("29/02/2021", "n'est pas une date valide"),
        ("demain", "« demain » n'est pas une date (attendu JJ/MM/AAAA)"),
        (2022, "n'est pas une date"),
    ],
)
def test_impossible_dates_are_errors(typed, message):
    with pytest.raises(CellError) as err:
        parse_date(typed)
    assert message in str(err.value)


def test_population_must_be_a_whole_number():
    assert parse_integer("12 345") == 12345
    assert parse_integer(4999.0) == 4999
    with pytest.raises(CellError, match="« abc » n'est pas un nombre"):
        parse_integer("abc")
    with pytest.raises(CellError, match="n'est pas un nombre entier"):
        parse_integer(12.5)


def test_drop_down_values_forgive_case_and_accents_but_not_unknown_values():
    assert parse_choice("equipement informatique pour les agents", schema.EXPENSE_CATEGORIES) == (
        "Équipement informatique pour les agents"
    )
    assert parse_choice("LAURÉAT", schema.STATUSES) == "Lauréat"
    with pytest.raises(CellError, match="« Accepté » n'est pas une valeur de la liste"):
        parse_choice("Accepté", schema.STATUSES)


def test_yes_no_and_percentages():
    assert parse_yes_no("Oui") is True and parse_yes_no("non") is False and parse_yes_no("") is None
    with pytest.raises(CellError, match="Oui ou Non"):
        parse_yes_no("peut-être")
    assert parse_percent("25 %") == Decimal("0.25")
    assert parse_percent(0.5) == Decimal("0.5")
    assert parse_percent(80) == Decimal("0.8")
    with pytest.raises(CellError, match="entre 0 et 100 %"):
        parse_percent("150 %")


def test_countries_departments_and_siret():
    assert parse_country("États-Unis") == "US"
    assert parse_country("allemagne") == "DE"
    assert parse_country("IE") == "IE"
    with pytest.raises(CellError, match="n'est pas un pays connu"):
        parse_country("Atlantide")
    assert parse_department(1.0) == "01"
    assert parse_department("2a") == "2A"
    assert parse_department("971") == "971"
    assert parse_department("hors france") == schema.ABROAD
    with pytest.raises(CellError, match="n'est pas un code de département"):
        parse_department("99")
    assert parse_siret("732 829 320 00074") == "73282932000074"
    with pytest.raises(CellError, match="la clé du SIRET est invalide"):
        parse_siret("73282932000075")
    with pytest.raises(CellError, match="n'est pas un SIRET"):
        parse_siret("1234")


def test_required_cells():
    column = schema.APPLICATIONS.column("Intitulé du projet")
    with pytest.raises(CellError, match="valeur obligatoire manquante"):
        parse_cell("  ", column)


cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@given(value=cell_values)
def test_every_column_parser_returns_or_raises_cell_error(value):
    for table in schema.INPUT_TABLES + schema.PARAMETER_TABLES:
        for column in table.columns:
            try:
                parse_cell(value, column)
            except CellError as exc:
                assert str(exc)


def test_parse_column_gives_each_cell_its_value_or_its_error():
    column = schema.APPLICATIONS.column("Coût global (€)")
    raw = [10000.0, "10 000 €", None, "abc", 10000.0, 10000, True, "abc", -5]
    out, bad = parse_column(raw, column)
    assert bad == [i for i, v in enumerate(out) if isinstance(v, CellError)] == [3, 6, 7, 8]
    assert len(out) == len(raw)
    for value, parsed in zip(raw, out, strict=True):
        try:
            expected = parse_cell(value, column)
        except CellError as exc:
            assert isinstance(parsed, CellError) and str(parsed) == str(exc)
        else:
            assert not isinstance(parsed, CellError) and parsed == expected and type(parsed) is type(expected)
    assert out[0] == Decimal(10000) and out[2] is None
    assert str(out[3]) == "« abc » n'est pas un montant"
    assert isinstance(out[6], CellError)  # True is not 1: (type, value) keys keep them apart


def test_parse_column_parses_each_distinct_value_once_and_shares_its_memo():
    measure = schema.APPLICATIONS.column("Mesure")
    memo: dict = {}
    out, bad = parse_column(["3d", "3D", "3d", ""], measure, memo)
    assert bad == [3]
    assert out[0] == out[1] == out[2] == parse_cell("3D", measure)
    assert str(out[3]) == "valeur obligatoire manquante"
    assert set(memo) == {(str, "3d"), (str, "3D"), (str, "")}
    memo[(str, "zz")] = "from the memo"  # an entry already there is not parsed again
    assert parse_column(["zz", "3D"], measure, memo) == (["from the memo", out[1]], [])


def test_parse_column_with_unhashable_values_parses_each_cell():
    column = schema.APPLICATIONS.column("Population")
    out, bad = parse_column([12, ["a list"], 12], column)
    assert bad == [1]
    assert out[0] == out[2] == 12 and isinstance(out[1], CellError)


def test_parse_column_keeps_numbers_of_different_types_apart_and_memo_keys_alike():
    def one_by_one(value, column):
        try:
            return parse_cell(value, column)
        except CellError as exc:
            return f"erreur : {exc}"

    label = schema.EXPENSES.column("Libellé")
    amount = schema.EXPENSES.column("Montant (€)")
    # one numeric type: the raw values are the keys; 1, 1.0 and True mixed: (type, raw) pairs
    for column, raw in ((label, ["a", None, "a", ""]), (label, [1.0, 2.5, 1.0]), (label, [1, 1.0, True, "1", 1]),
                        (amount, [1, 1.0, True, 1])):
        memo: dict = {}
        out = [f"erreur : {v}" if isinstance(v, CellError) else v for v in parse_column(raw, column, memo)[0]]
        assert out == [one_by_one(v, column) for v in raw]
        assert set(memo) == {(type(v), v) for v in raw}
    assert parse_column([1, True], amount)[1] == [1]


def test_a_percent_sign_alone_is_not_a_percentage():
    """« % » alone (found by the reader's fuzz test) is a French error, not a TypeError."""
    from fitn_xl.values import CellError, parse_percent

    with pytest.raises(CellError, match="n'est pas un pourcentage"):
        parse_percent("%")
