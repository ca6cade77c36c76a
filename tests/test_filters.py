"""The parsers behind recipe filters: French dates and amounts first, clear errors for bad values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.collectors.steps.filters import FilterError, apply_filters, parse_amount, parse_currency, parse_date

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("text, expected", [
    ("05/06/2024", "2024-06-05"),  # day first, as in France
    ("5/6/2024", "2024-06-05"),
    ("05.06.24", "2024-06-05"),
    ("5 juin 2024", "2024-06-05"),
    ("1er juin 2024", "2024-06-01"),
    ("1er  Mai  2024", "2024-05-01"),
    (f"5{NBSP}juin{NBSP}2024", "2024-06-05"),
    ("Facture du 12 févr. 2024", "2024-02-12"),
    ("12 février 2024", "2024-02-12"),
    ("Lundi 3 juin 2024", "2024-06-03"),
    ("15 août 2024", "2024-08-15"),
    ("1 decembre 2023", "2023-12-01"),  # accents often dropped
    ("juin 2024", "2024-06-01"),  # a billing month: its first day
    ("sept. 2024", "2024-09-01"),
    ("06/2024", "2024-06-01"),
    ("2024-06-05", "2024-06-05"),
    ("2024-06-05T23:30:00+02:00", "2024-06-05"),
    ("2024/06/05", "2024-06-05"),
    ("June 5, 2024", "2024-06-05"),
    ("5 June 2024", "2024-06-05"),
])
def test_dates_in_french_iso_and_english_forms(text, expected):
    assert parse_date(text) == dt.date.fromisoformat(expected)


def test_dates_from_timestamps_and_date_objects():
    assert parse_date(1717545600) == dt.date(2024, 6, 5)  # seconds
    assert parse_date(1717545600000) == dt.date(2024, 6, 5)  # milliseconds
    assert parse_date(dt.datetime(2024, 6, 5, 12, 0)) == dt.date(2024, 6, 5)
    assert parse_date(dt.date(2024, 6, 5)) == dt.date(2024, 6, 5)


def test_explicit_date_format():
    assert parse_date("2024|06|05", "%Y|%m|%d") == dt.date(2024, 6, 5)
    with pytest.raises(FilterError, match=r"^'05/06/2024' does not match the date format '%Y-%m-%d'$"):
        parse_date("05/06/2024", "%Y-%m-%d")


@pytest.mark.parametrize("value, message", [
    ("31/02/2024", "'31/02/2024' is not a real date"),
    ("2024-13-01", "'2024-13-01' is not a real date"),
    ("13/2024", "'13/2024' is not a real date"),
    ("hier", "cannot read 'hier' as a date"),
    ("", "cannot read '' as a date"),
    ("5 juin", "cannot read '5 juin' as a date"),  # no year: never guessed
    ("5 brumaire 2024", "cannot read '5 brumaire 2024' as a date"),
    (2024, "2024 is not a date (a timestamp in seconds or milliseconds is expected)"),
])
def test_bad_dates_are_named_in_the_error(value, message):
    with pytest.raises(FilterError) as error:
        parse_date(value)
    assert str(error.value) == message


@pytest.mark.parametrize("text, expected", [
    ("44,20 €", "44.20"),
    (f"1{NNBSP}234,56{NNBSP}€", "1234.56"),  # narrow no-break space, as French locales print
    (f"1{NBSP}234,56{NBSP}€", "1234.56"),  # no-break space
    ("1 234,56 €", "1234.56"),
    ("12 345 678,90 €", "12345678.90"),
    ("1.234,56 €", "1234.56"),
    ("1.234.567,89", "1234567.89"),
    ("1 234,56 € TTC", "1234.56"),
    ("Montant : 44,20 €", "44.20"),
    ("44,20 EUR", "44.20"),
    ("0,99", "0.99"),
    ("12", "12"),
    ("-12,00 €", "-12.00"),  # a credit note
    ("\u221212,00 €", "-12.00"),  # the real minus sign
    ("- 5,00 €", "-5.00"),
    ("-€12.00", "-12.00"),
    ("(12,00)", "-12.00"),  # accounting style
    ("5,00-", "-5.00"),
    ("1,234.56", "1234.56"),  # English
    ("$1,234.56", "1234.56"),
    ("€44.20", "44.20"),
    ("44.2", "44.2"),  # a decimal point, as JSON writes it
    ("1'234.50 CHF", "1234.50"),
    ("12,345,678", "12345678"),
])
def test_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_amounts_from_numbers_keep_their_value():
    assert parse_amount(87.5) == Decimal("87.5")
    assert parse_amount(0) == Decimal("0")
    assert parse_amount(Decimal("-3.10")) == Decimal("-3.10")


def test_amount_style_can_be_forced():
    assert parse_amount("1.234", "fr") == Decimal("1234")
    assert parse_amount("1,234", "en") == Decimal("1234")
    assert parse_amount("1.234") == Decimal("1.234")  # auto: one separator is a decimal one


@pytest.mark.parametrize("value, message", [
    ("", "no amount in ''"),
    ("abc", "no amount in 'abc'"),
    ("\u2212", "no amount in '\u2212'"),
    (True, "no amount in 'True'"),
    ("1,2,3", "cannot read '1,2,3' as an amount (en style)"),
    ("1.2.3", "cannot read '1.2.3' as an amount (fr style)"),
    ("44,20 € (payée le 05/06/2024)",
     "'44,20 € (payée le 05/06/2024)' holds several numbers (44,20, 05, 06, 2024): pick the amount with a regex filter"),
    ("Total 2 factures : 88,40 €",
     "'Total 2 factures : 88,40 €' holds several numbers (2, 88,40): pick the amount with a regex filter"),
])
def test_bad_amounts_are_refused_never_misread(value, message):
    with pytest.raises(FilterError) as error:
        parse_amount(value)
    assert str(error.value) == message


@given(st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from([NNBSP, NBSP, " ", "."]))
def test_any_french_amount_reads_back(amount, separator):
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", separator)
    text = f"{'-' if amount < 0 else ''}{groups},{cents}{NNBSP}€"
    assert parse_amount(text) == amount


@given(st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False, allow_infinity=False))
def test_any_english_amount_reads_back(amount):
    assert parse_amount(f"{amount:,.2f} USD") == amount


@pytest.mark.parametrize("text, code", [
    ("44,20 €", "EUR"), ("12 euros", "EUR"), ("EUR", "EUR"), ("eur", "EUR"), ("$5", "USD"),
    ("£3", "GBP"), ("CHF 10", "CHF"), ("Prix : 5 chf", "CHF"), ("XPF", "XPF"),
])
def test_currency(text, code):
    assert parse_currency(text) == code


@pytest.mark.parametrize("text", ["12,00", "Heure creuse", "fleur", ""])
def test_no_currency_is_an_error_not_a_guess(text):
    with pytest.raises(FilterError) as error:
        parse_currency(text)
    assert str(error.value) == f"no currency in '{text}'"


def test_filters_apply_in_recipe_order():
    spec = {"css": "td", "regex": r"Total\s*:\s*(.+€)", "amount": "fr"}
    assert apply_filters(f"Total : 1{NNBSP}080,00 € (payée le 05/06/2024)", spec, {}) == Decimal("1080.00")
    assert apply_filters("FAC-2024-001", {"replace": {"^FAC-": ""}, "lower": True}, {}) == "2024-001"
    assert apply_filters("/f/1.pdf", {"absolute_url": True}, {"base_url": "http://x.test/a/b"}) == \
        "http://x.test/f/1.pdf"
    assert apply_filters("Payée", {"map": {"Payée": "paid"}}, {}) == "paid"


def test_filter_errors_name_the_value():
    with pytest.raises(FilterError, match=r"^'\\d\{4\}' does not match 'sans date'$"):
        apply_filters("sans date", {"regex": r"\d{4}"}, {})
    with pytest.raises(FilterError, match=r"^'Impayée' is not one of Payée, En attente$"):
        apply_filters("Impayée", {"map": {"Payée": "paid", "En attente": "due"}}, {})
