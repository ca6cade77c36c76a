"""ENGIE recipe against the ENGIE replica, in real Chromium: every contract of the account, the
e-mail code, the « Accéder à l'Espace Client » interstitial of a profile still logged in."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import summary
from tests.replicas import engie
from tests.replicas.common import pdf
from tests.replicas.harness import CodeReader, pdf_bytes, run, running

pytestmark = pytest.mark.browser

EXPECTED = [
    ("SAE 2024 000420", None, "2024-04-20", None, "1012.40", "EUR"),  # gas contract; « 1 012,40 € »
    ("SAE 2024 000412", None, "2024-04-12", None, "80.12", "EUR"),
    ("SAE 2024 000320", None, "2024-03-20", None, "140.0", "EUR"),
    ("SAE 2024 000312", None, "2024-03-12", None, "78.5", "EUR"),
    ("SAE 2024 000112", None, "2024-01-12", None, "91.25", "EUR"),
    ("SAE 2023 001112", None, "2023-11-12", None, "66.0", "EUR"),
]


def by_date(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: row[2], reverse=True)


@pytest.fixture(scope="module")
def portal():
    yield from running(engie.create())


def test_engie_collects_every_contract_s_last_bill_and_archive(portal, tmp_path, browser_config):
    result = run("engie", portal, tmp_path, browser_config, {"login": engie.USER, "password": engie.PASSWORD})
    assert result.outcome == "OK", result.message
    assert by_date(summary(result.invoices)) == EXPECTED  # years come in the API's own order
    # The replica serves the last bill only as …/SAE/facture.pdf, the archive as …/SAE/Facture de consommation.
    assert pdf_bytes(result.invoices) == {key: pdf(f"engie {key}") for key, *_ in EXPECTED}
    assert {i.key: i.extra.get("contract") for i in result.invoices}["SAE 2024 000420"] == engie.GAS


def test_engie_email_code_then_the_interstitial_of_a_profile_still_logged_in(portal, tmp_path, browser_config):
    profile = dataclasses.replace(browser_config, profile_dir=tmp_path / "profile")
    credentials = {"login": engie.MFA_USER, "password": engie.PASSWORD}
    reader = CodeReader(portal, engie.MFA_USER)
    first = run("engie", portal, tmp_path / "1", profile, credentials, ask_code=reader)
    assert first.outcome == "OK", first.message
    assert reader.prompts == [("Code reçu par e-mail d'ENGIE", "email")]
    assert by_date(summary(first.invoices)) == EXPECTED
    # The next sync finds « Accéder à l'Espace Client »: no password typed, no code asked, nothing new.
    second = run("engie", portal, tmp_path / "2", profile, credentials, ask_code=None,
                 known_keys={i.key for i in first.invoices})
    assert (second.outcome, second.invoices, second.known) == ("OK", [], len(EXPECTED)), second.message


def test_engie_wrong_code_is_otp_wrong(portal, tmp_path, browser_config):
    result = run("engie", portal, tmp_path, browser_config, {"login": engie.MFA_USER, "password": engie.PASSWORD},
                 ask_code=CodeReader(portal, engie.MFA_USER, wrong=True))
    assert (result.outcome, result.message) == ("OTP_WRONG", "Code de vérification incorrect.")


@pytest.mark.parametrize("login, password, words", [
    (engie.USER, "wrong", "Adresse e-mail ou mot de passe incorrect."),
    (engie.BLOCKED, engie.PASSWORD, "temporairement verrouillé"),
])
def test_engie_login_refusals(portal, tmp_path, browser_config, login, password, words):
    result = run("engie", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == ("LOGIN_FAILED", [])
    assert words in result.message
