"""Bouygues Telecom recipe against the Bouygues replica, in real Chromium: the login iframe
(#bytelid_a360_login), the code's channel choice then its `.otp` inputs, the tokens read from
sessionStorage, GraphQL bills, a PDF that answers 502 once."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import bouygues
from tests.replicas.common import pdf
from tests.replicas.harness import CodeReader, files_containing, pdf_bytes, run, running, under_maintenance

pytestmark = pytest.mark.browser
GOOD = {"login": bouygues.USER, "password": bouygues.PASSWORD}
BILLS = [
    ("41000001_F2403", "F2403", "2024-03-05", "2024-03-20", "39.99", "EUR"),
    ("41000001_F2402", "F2402", "2024-02-05", "2024-02-20", "39.99", "EUR"),
    ("41000002_M2403", "M2403", "2024-03-11", None, "12.99", "EUR"),
]


@pytest.fixture(scope="module")
def portal():
    yield from running(bouygues.create())


def test_bouygues_asks_the_code_by_sms_then_collects_and_leaves_a_502_pdf_for_later(portal, tmp_path,
                                                                                   browser_config):
    reader = CodeReader(portal, bouygues.USER)
    result = run("bouygues-telecom", portal, tmp_path, browser_config, GOOD, ask_code=reader)
    assert result.outcome == "OK", result.message
    assert reader.prompts == [("Code reçu par SMS de Bouygues Telecom", "sms")]
    assert portal.seen["channels"][-1] == "SMS"
    assert summary(result.invoices) == BILLS[:2]  # M2403's PDF answered 502: left for the next sync
    assert pdf_bytes(result.invoices) == {"41000001_F2403": pdf("bouygues F2403"),
                                          "41000001_F2402": pdf("bouygues F2402")}
    assert portal.hits["pdf:M2403"] == 1
    assert portal.seen["graphql_headers"][-1] == "invoicesV8"
    # An account that still holds a last name from the older recipe signs in the same way.
    again = run("bouygues-telecom", portal, tmp_path / "again", browser_config, {**GOOD, "lastname": "Dupont"},
                ask_code=CodeReader(portal, bouygues.USER), known_keys={k for k, *_ in BILLS[:2]})
    assert again.outcome == "OK", again.message
    assert summary(again.invoices) == BILLS[2:]
    assert pdf_bytes(again.invoices) == {"41000002_M2403": pdf("bouygues M2403")}


def test_bouygues_wrong_code_is_otp_wrong_and_nothing_leaks(portal, tmp_path, browser_config):
    result = run("bouygues-telecom", portal, tmp_path, browser_config, GOOD,
                 ask_code=CodeReader(portal, bouygues.USER, wrong=True))
    assert (result.outcome, result.invoices) == ("OTP_WRONG", [])
    assert "il vous reste 2 tentatives" in result.message
    assert files_containing(tmp_path / "traces", [bouygues.PASSWORD]) == []


@pytest.mark.parametrize("credentials, outcome, words", [
    ({**GOOD, "password": "wrong"}, "LOGIN_FAILED", "identifiant ou votre mot de passe est incorrect"),
    ({**GOOD, "login": bouygues.BLOCKED}, "ACTION_NEEDED", "réinitialiser le mot de passe"),
])
def test_bouygues_login_refusals(portal, tmp_path, browser_config, credentials, outcome, words):
    result = run("bouygues-telecom", portal, tmp_path, browser_config, credentials,
                 ask_code=CodeReader(portal, credentials["login"]))
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message


def test_bouygues_maintenance_is_provider_down(portal, tmp_path, browser_config):
    with under_maintenance(portal):
        result = run("bouygues-telecom", portal, tmp_path, browser_config, GOOD)
    assert result.outcome == "PROVIDER_DOWN"
