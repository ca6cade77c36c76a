"""TotalEnergies recipe against the TotalEnergies replica, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import totalenergies as te
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running, under_maintenance

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal():
    yield from running(te.create())


def test_totalenergies_collects_electricity_and_gas_bills(portal, tmp_path, browser_config):
    result = run("totalenergies", portal, tmp_path, browser_config, {"login": te.USER, "password": te.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("100234567", "100234567", "2024-03-05", None, "112.40", "EUR"),
        ("100134567", "100134567", "2024-01-05", None, "98.10", "EUR"),
        ("200234567", "200234567", "2024-02-20", None, "1204.05", "EUR"),
        ("200134567", "200134567", "2023-12-20", None, None, None),  # a document with no amount
    ]
    assert result.invoices[2].extra == {"title": "Facture de régularisation", "energy": "Gaz"}
    assert pdf_bytes(result.invoices) == {i.key: pdf(f"totalenergies {i.key}") for i in result.invoices}


def test_totalenergies_with_several_contracts_takes_the_first(portal, tmp_path, browser_config):
    result = run("totalenergies", portal, tmp_path, browser_config, {"login": te.MULTI, "password": te.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("900111222", "900111222", "2024-03-10", None, "55.00", "EUR")]


@pytest.mark.parametrize("login, password, outcome, words", [
    (te.USER, "wrong", "LOGIN_FAILED", "mot de passe est incorrect"),
    (te.BLOCKED, te.PASSWORD, "LOGIN_FAILED", "temporairement bloqué"),
    (te.ROBOT, te.PASSWORD, "CAPTCHA", "captcha"),
])
def test_totalenergies_login_refusals(portal, tmp_path, browser_config, login, password, outcome, words):
    result = run("totalenergies", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message


def test_totalenergies_maintenance_is_provider_down(portal, tmp_path, browser_config):
    with under_maintenance(portal):
        result = run("totalenergies", portal, tmp_path, browser_config, {"login": te.USER, "password": te.PASSWORD})
    assert result.outcome == "PROVIDER_DOWN"
    assert "maintenance" in result.message
