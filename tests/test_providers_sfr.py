"""SFR recipe against the SFR replica, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import sfr
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal():
    yield from running(sfr.create())


def test_sfr_collects_the_last_bill_and_every_older_one(portal, tmp_path, browser_config):
    result = run("sfr", portal, tmp_path, browser_config, {"login": sfr.USER, "password": sfr.PASSWORD})
    assert result.outcome == "OK", result.message
    assert portal.hits["more"] == 2  # "more bills" clicked until the button went away
    assert summary(result.invoices) == [
        ("2024-03-05_42.99", None, "2024-03-05", None, "42.99", "EUR"),
        ("2024-02-05_42.99", None, "2024-02-05", None, "42.99", "EUR"),
        ("2024-01-05_39.99", None, "2024-01-05", None, "39.99", "EUR"),
        ("2023-12-05_39.99", None, "2023-12-05", None, "39.99", "EUR"),
        ("2023-11-05_39.99", None, "2023-11-05", None, "39.99", "EUR"),
        ("2023-10-05_1039.99", None, "2023-10-05", None, "1039.99", "EUR"),
    ]
    # The bill itself, never the "detailed" PDF listed next to it.
    assert pdf_bytes(result.invoices)["2024-02-05_42.99"] == pdf("sfr facture F240205")
    assert pdf_bytes(result.invoices)["2024-03-05_42.99"] == pdf("sfr facture F240305")


@pytest.mark.parametrize("login, password, outcome, words", [
    (sfr.USER, "wrong-password", "LOGIN_FAILED", "Identifiant ou mot de passe incorrect"),
    (sfr.BLOCKED, sfr.PASSWORD, "LOGIN_FAILED", "trop grand nombre de tentatives"),
    (sfr.ROBOT, sfr.PASSWORD, "CAPTCHA", "confirm you are not a robot"),
])
def test_sfr_login_refusals(portal, tmp_path, browser_config, login, password, outcome, words):
    result = run("sfr", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message
