"""OVHcloud recipe against the OVHcloud replica, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import ovh
from tests.replicas.common import pdf
from tests.replicas.harness import CodeReader, pdf_bytes, run, running

pytestmark = pytest.mark.browser

EXPECTED = [
    ("FR51234567", "FR51234567", "2024-03-01", None, "14.39", "EUR"),
    ("FR50987654", "FR50987654", "2024-02-01", None, "14.39", "EUR"),
    ("FR49876543", "FR49876543", "2024-01-15", None, "119.88", "EUR"),
]


@pytest.fixture(scope="module")
def portal():
    yield from running(ovh.create())


def test_ovh_two_factor_code_computed_from_the_saved_totp_key(portal, tmp_path, browser_config):
    asked = []
    result = run("ovh", portal, tmp_path, browser_config,
                 {"login": ovh.TOTP_USER, "password": ovh.PASSWORD, "totp_secret": ovh.TOTP_SECRET},
                 ask_code=lambda prompt, kind: asked.append(prompt))
    assert result.outcome == "OK", result.message
    assert asked == []  # nobody was asked: the code came from the key
    assert summary(result.invoices) == EXPECTED
    assert pdf_bytes(result.invoices) == {key: pdf(f"ovh {key}") for key, *_ in EXPECTED}
    assert result.invoices[0].extra == {"order": "151234567"}


def test_ovh_security_code_by_email_is_asked(portal, tmp_path, browser_config):
    reader = CodeReader(portal, ovh.EMAIL_USER)
    result = run("ovh", portal, tmp_path, browser_config, {"login": ovh.EMAIL_USER, "password": ovh.PASSWORD},
                 ask_code=reader)
    assert result.outcome == "OK", result.message
    assert reader.prompts == [("Code de sécurité reçu par e-mail (OVHcloud)", "email")]
    assert summary(result.invoices) == EXPECTED


@pytest.mark.parametrize("login, password, words", [
    (ovh.EMAIL_USER, "wrong", "Identifiant ou mot de passe invalide."),
    (ovh.BLOCKED, ovh.PASSWORD, "temporairement bloqué"),
])
def test_ovh_login_refusals(portal, tmp_path, browser_config, login, password, words):
    result = run("ovh", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == ("LOGIN_FAILED", [])
    assert words in result.message
