"""ENGIE recipe against the ENGIE replica, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import engie
from tests.replicas.common import pdf
from tests.replicas.harness import CodeReader, pdf_bytes, run, running

pytestmark = pytest.mark.browser

EXPECTED = [
    ("SAE 2024 000412", None, "2024-04-12", None, "80.12", "EUR"),
    ("SAE 2024 000312", None, "2024-03-12", None, "78.5", "EUR"),
    ("SAE 2024 000112", None, "2024-01-12", None, "91.25", "EUR"),
    ("SAE 2023 001112", None, "2023-11-12", None, "66.0", "EUR"),
]


def by_date(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: row[2], reverse=True)


@pytest.fixture(scope="module")
def portal():
    yield from running(engie.create())


def test_engie_collects_the_last_bill_and_the_archive(portal, tmp_path, browser_config):
    result = run("engie", portal, tmp_path, browser_config, {"login": engie.USER, "password": engie.PASSWORD})
    assert result.outcome == "OK", result.message
    assert by_date(summary(result.invoices)) == EXPECTED  # years come in the API's own order
    assert pdf_bytes(result.invoices) == {key: pdf(f"engie {key}") for key, *_ in EXPECTED}


def test_engie_email_code(portal, tmp_path, browser_config):
    reader = CodeReader(portal, engie.MFA_USER)
    result = run("engie", portal, tmp_path, browser_config, {"login": engie.MFA_USER, "password": engie.PASSWORD},
                 ask_code=reader)
    assert result.outcome == "OK", result.message
    assert reader.prompts == [("Code reçu par e-mail d'ENGIE", "email")]
    assert by_date(summary(result.invoices)) == EXPECTED


@pytest.mark.parametrize("login, password, words", [
    (engie.USER, "wrong", "Adresse e-mail ou mot de passe incorrect."),
    (engie.BLOCKED, engie.PASSWORD, "temporairement verrouillé"),
])
def test_engie_login_refusals(portal, tmp_path, browser_config, login, password, words):
    result = run("engie", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == ("LOGIN_FAILED", [])
    assert words in result.message
