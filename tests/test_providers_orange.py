"""Orange, Sosh and Orange Pro recipes against the Orange replica, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import orange
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal():
    yield from running(orange.create())


def test_orange_collects_every_contract_and_skips_the_one_not_held(portal, tmp_path, browser_config):
    result = run("orange", portal, tmp_path, browser_config,
                 {"login": orange.PARTICULIER, "password": orange.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("9001234567_2024-03-05", "FA-240305", "2024-03-05", None, "49.99", "EUR"),
        ("9001234567_2024-02-05", "FA-240205", "2024-02-05", None, "49.99", "EUR"),
        ("9007654321_2024-03-12", "FM-240312", "2024-03-12", None, "15.99", "EUR"),
    ]
    assert pdf_bytes(result.invoices) == {
        "9001234567_2024-03-05": pdf("orange FA-240305"), "9001234567_2024-02-05": pdf("orange FA-240205"),
        "9007654321_2024-03-12": pdf("orange FM-240312")}


def test_sosh_uses_the_orange_login_and_customer_area(portal, tmp_path, browser_config):
    result = run("sosh", portal, tmp_path, browser_config, {"login": orange.SOSH_USER, "password": orange.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("9123456780_2024-03-20", "SO-240320", "2024-03-20", None, "10.99", "EUR")]
    assert pdf_bytes(result.invoices) == {"9123456780_2024-03-20": pdf("orange SO-240320")}


def test_orange_pro_pages_through_contracts_and_lists_the_provisional_bill_once(portal, tmp_path, browser_config):
    before = portal.hits["pro_contract_pages"]
    result = run("orange-pro", portal, tmp_path, browser_config,
                 {"login": orange.PRO_USER, "password": orange.PASSWORD})
    assert result.outcome == "OK", result.message
    assert portal.hits["pro_contract_pages"] - before == 2  # 17 contracts, 15 a page
    assert summary(result.invoices) == [
        ("7000000001_2024-03-15", "B-1001", "2024-03-15", None, "59.9", "EUR"),
        ("7000000001_2024-02-15", "B-0901", "2024-02-15", None, "59.9", "EUR"),
        ("7000000016_2024-03-01", "B-1600", "2024-03-01", None, "120.0", "EUR"),
    ]
    assert pdf_bytes(result.invoices) == {
        "7000000001_2024-03-15": pdf("orange pro B-1001"), "7000000001_2024-02-15": pdf("orange pro B-0901"),
        "7000000016_2024-03-01": pdf("orange pro B-1600")}


@pytest.mark.parametrize("provider_id, login, password, outcome, words", [
    ("orange", orange.PARTICULIER, "not-my-password", "LOGIN_FAILED", "Mot de passe incorrect"),
    ("orange", orange.BLOCKED, orange.PASSWORD, "LOGIN_FAILED", "temporairement bloqué"),
    ("sosh", orange.SOSH_USER, "not-my-password", "LOGIN_FAILED", "Mot de passe incorrect"),
    ("sosh", orange.BLOCKED, orange.PASSWORD, "LOGIN_FAILED", "temporairement bloqué"),
    ("orange-pro", orange.PRO_USER, "not-my-password", "LOGIN_FAILED", "Mot de passe incorrect"),
    ("orange-pro", orange.BLOCKED, orange.PASSWORD, "LOGIN_FAILED", "temporairement bloqué"),
    ("orange-pro", orange.CAPTCHA, orange.PASSWORD, "CAPTCHA", "captcha"),
])
def test_orange_login_refusals(portal, tmp_path, browser_config, provider_id, login, password, outcome, words):
    result = run(provider_id, portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message
