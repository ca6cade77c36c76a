"""EDF recipe against the EDF replica, in real Chromium: a code on a new browser, the password after."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import summary
from tests.replicas import edf
from tests.replicas.common import pdf
from tests.replicas.harness import CodeReader, pdf_bytes, run, running, under_maintenance

pytestmark = pytest.mark.browser
GOOD = {"login": edf.USER, "password": edf.PASSWORD}


@pytest.fixture(scope="module")
def portal():
    yield from running(edf.create())


def test_edf_code_on_a_new_browser_then_password_on_the_same_profile(portal, tmp_path, browser_config):
    profile = dataclasses.replace(browser_config, profile_dir=tmp_path / "profile")
    reader = CodeReader(portal, edf.USER)
    first = run("edf", portal, tmp_path / "1", profile, GOOD, ask_code=reader)
    assert first.outcome == "OK", first.message
    assert reader.prompts == [("Code reçu d'EDF (SMS ou e-mail)", "sms")]
    assert summary(first.invoices) == [
        ("004001234567_10012345678", "10012345678", "2024-03-05", None, "85.32", "EUR"),
        ("004001234567_10012340001", "10012340001", "2024-01-05", None, "120.1", "EUR"),
        ("004007654321_20098765432", "20098765432", "2024-02-20", None, "42.0", "EUR"),
    ]
    assert pdf_bytes(first.invoices) == {i.key: pdf(f"edf {i.number}") for i in first.invoices}

    # The same browser profile: EDF knows it, asks the password and no code; nothing new to fetch.
    second = run("edf", portal, tmp_path / "2", profile, GOOD, ask_code=None,
                 known_keys={i.key for i in first.invoices})
    assert (second.outcome, second.invoices, second.known) == ("OK", [], 3), second.message

    wrong = run("edf", portal, tmp_path / "3", profile, {**GOOD, "password": "not-it"})
    assert (wrong.outcome, wrong.invoices) == ("LOGIN_FAILED", [])
    assert "Mot de passe incorrect. Il vous reste 2 tentatives." in wrong.message


def test_edf_wrong_code_is_otp_wrong(portal, tmp_path, browser_config):
    result = run("edf", portal, tmp_path, browser_config, GOOD, ask_code=CodeReader(portal, edf.USER, wrong=True))
    assert (result.outcome, result.message) == ("OTP_WRONG", "Code incorrect")


def test_edf_blocked_account_needs_a_password_reset(portal, tmp_path, browser_config):
    result = run("edf", portal, tmp_path, browser_config, {"login": edf.BLOCKED, "password": edf.PASSWORD})
    assert (result.outcome, result.invoices) == ("ACTION_NEEDED", [])
    assert "Réinitialisez votre mot de passe" in result.message


def test_edf_akamai_refusing_the_browser_is_provider_down(portal, tmp_path, browser_config):
    with under_maintenance(portal):  # the replica's Akamai distrusts this browser
        result = run("edf", portal, tmp_path, browser_config, GOOD)
    assert (result.outcome, result.invoices) == ("PROVIDER_DOWN", [])
    assert "Akamai" in result.message
