"""Orange, Sosh and Orange Pro recipes against the Orange replica, in real Chromium.

login.orange.fr's states (consent banner, account chooser, remembered login, Mobile Connect,
« rester connecté », captcha, 403 block page) are each met by one run; the captcha is solved once
by a person in a real window (Xvfb), the other runs are scheduled syncs."""

from __future__ import annotations

import pytest

from backend.collectors.model import HandOver
from tests.helpers import summary
from tests.portals.challenge import Person
from tests.replicas import orange
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def replica():
    yield from running(orange.create())


@pytest.fixture
def portal(replica):
    yield replica
    replica.seen.update(remembered=[], blocked_address=[])


def login(user: str, password: str = orange.PASSWORD) -> dict[str, str]:
    return {"login": user, "password": password}


def test_orange_collects_recent_and_old_bills_and_leaves_a_forbidden_pdf(portal, tmp_path, browser_config):
    before = portal.hits["pdf:FM-240312"]
    result = run("orange", portal, tmp_path, browser_config, login(orange.PARTICULIER))
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("9001234567_2024-03-05", "FA-240305", "2024-03-05", None, "49.99", "EUR"),
        ("9001234567_2024-02-05", "FA-240205", "2024-02-05", None, "49.99", "EUR"),
        ("9001234567_2023-01-05", "FA-230105", "2023-01-05", None, "45.99", "EUR"),  # historicBills
        ("9007654321_2024-02-12", "FM-240212", "2024-02-12", None, "15.99", "EUR"),
    ]
    assert pdf_bytes(result.invoices) == {
        "9001234567_2024-03-05": pdf("orange FA-240305"), "9001234567_2024-02-05": pdf("orange FA-240205"),
        "9001234567_2023-01-05": pdf("orange FA-230105"), "9007654321_2024-02-12": pdf("orange FM-240212")}
    # The bill whose PDF Orange refuses (403) was asked for, and left for a later run.
    assert portal.hits["pdf:FM-240312"] - before == 1


def test_sosh_with_a_remembered_login_types_only_the_password(portal, tmp_path, browser_config):
    portal.seen["remembered"] = [orange.SOSH_USER]
    result = run("sosh", portal, tmp_path, browser_config, login(orange.SOSH_USER))
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("9123456780_2024-03-20", "SO-240320", "2024-03-20", None, "10.99", "EUR")]
    assert pdf_bytes(result.invoices) == {"9123456780_2024-03-20": pdf("orange SO-240320")}


def test_the_account_chooser_then_mobile_connect_lead_to_the_password(portal, tmp_path, browser_config):
    portal.seen["remembered"] = [orange.OTHER, orange.MOBILE_CONNECT]  # two logins used on this browser
    result = run("orange", portal, tmp_path, browser_config, login(orange.MOBILE_CONNECT))
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("9666666666_2024-03-10", "MC-240310", "2024-03-10", None, "9.99", "EUR")]


def test_orange_pro_pages_through_contracts_and_names_each_pdf(portal, tmp_path, browser_config):
    before = portal.hits["pro_contract_pages"]
    result = run("orange-pro", portal, tmp_path, browser_config, login(orange.PRO_USER))
    assert result.outcome == "OK", result.message
    assert portal.hits["pro_contract_pages"] - before == 2  # 17 contracts, 15 a page
    assert summary(result.invoices) == [
        ("7000000001_2024-03-15", "B-1001", "2024-03-15", None, "59.9", "EUR"),
        ("7000000001_2024-02-15", "B-0901", "2024-02-15", None, "59.9", "EUR"),
        ("7000000016_2024-03-01", "B-1600", "2024-03-01", None, "120.0", "EUR"),
    ]
    # « Facture Orange févr. 2024 »…: the replica serves a PDF only under its exact name.
    assert pdf_bytes(result.invoices) == {
        "7000000001_2024-03-15": pdf("orange pro B-1001"), "7000000001_2024-02-15": pdf("orange pro B-0901"),
        "7000000016_2024-03-01": pdf("orange pro B-1600")}


@pytest.mark.parametrize("provider_id, user, password, outcome, words", [
    ("orange", orange.PARTICULIER, "not-my-password", "LOGIN_FAILED", "Mot de passe incorrect"),
    ("sosh", orange.BLOCKED, orange.PASSWORD, "LOGIN_FAILED", "temporairement bloqué"),
])
def test_orange_login_refusals(portal, tmp_path, browser_config, provider_id, user, password, outcome, words):
    result = run(provider_id, portal, tmp_path, browser_config, login(user, password))
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message


def test_a_403_block_page_is_provider_down(portal, tmp_path, browser_config):
    portal.seen["blocked_address"] = [True]
    result = run("orange", portal, tmp_path, browser_config, login(orange.PARTICULIER))
    assert (result.outcome, result.invoices) == ("PROVIDER_DOWN", [])
    assert "page 403" in result.message


def test_a_scheduled_sync_meeting_the_captcha_ends_captcha(portal, tmp_path, browser_config):
    """No window in a scheduled sync: CAPTCHA, saying how to go on; nobody got past the captcha."""
    logins = portal.hits["login"]
    result = run("orange-pro", portal, tmp_path, browser_config, login(orange.CAPTCHA))
    assert (result.outcome, result.invoices) == ("CAPTCHA", [])
    assert "Orange shows a captcha" in result.message and "Résoudre maintenant" in result.message
    assert portal.hits["login"] == logins


def test_a_person_solves_orange_s_captcha_in_the_window(portal, on_screen, tmp_path, browser_config):
    person = Person(on_screen)
    result = run("orange", portal, tmp_path, browser_config, login(orange.CAPTCHA), on_hand_over=person.on_hand_over)
    person.done()
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("9555555555_2024-03-01", "RB-240301", "2024-03-01", None, "39.99", "EUR")]
    assert [type(told) for told in person.told] == [HandOver, type(None)]
    assert person.told[0].message_en.startswith("Orange shows a captcha")
    assert portal.seen["human_checks"][-1]["trusted"] == "1"
