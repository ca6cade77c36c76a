"""Free (Freebox) and Free Mobile recipes against the Free replicas, in real Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import free
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal():
    yield from running(free.create())


def test_freebox_collects_the_bill_list_in_latin1(portal, tmp_path, browser_config):
    result = run("free", portal, tmp_path, browser_config, {"login": free.BOX_USER, "password": free.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("fbx12345678_7301", "7301", "2024-03-01", None, "29.99", "EUR"),
        ("fbx12345678_7201", "7201", "2024-02-01", None, "29.99", "EUR"),
        ("fbx12345678_7101", "7101", "2024-01-01", None, "44.98", "EUR"),
    ]
    assert pdf_bytes(result.invoices) == {f"fbx12345678_{n}": pdf(f"free {n}") for n in ("7301", "7201", "7101")}


@pytest.mark.parametrize("login", ["fbx11111111", "fbx33333333"], ids=["console.pl", "empty-list"])
def test_freebox_accounts_with_nothing_to_collect_end_ok(portal, tmp_path, browser_config, login):
    """console.pl (webmail only; suivi.pl, a Freebox being set up, takes the same way) and an
    inactive account's empty list: not a TIMEOUT."""
    result = run("free", portal, tmp_path, browser_config, {"login": login, "password": free.PASSWORD})
    assert (result.outcome, result.invoices, result.listed) == ("OK", [], 0), result.message


def test_free_mobile_collects_the_line_bills(portal, tmp_path, browser_config):
    result = run("free-mobile", portal, tmp_path, browser_config,
                 {"login": free.MOBILE_USER, "password": free.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("12345678_20240310", None, "2024-03-10", None, "19.99", "EUR"),
        ("12345678_20240210", None, "2024-02-10", None, "19.99", "EUR"),
    ]
    assert pdf_bytes(result.invoices) == {"12345678_20240310": pdf("free mobile 20240310"),
                                          "12345678_20240210": pdf("free mobile 20240210")}


@pytest.mark.parametrize("provider_id, login, password, outcome, words", [
    ("free", free.BOX_USER, "bad-password", "LOGIN_FAILED", "mot de passe incorrect"),
    ("free", free.BOX_BLOCKED, free.PASSWORD, "LOGIN_FAILED", "trop de tentatives"),
    ("free", free.BOX_DOWN, free.PASSWORD, "PROVIDER_DOWN", "indisponible"),
    ("free-mobile", free.MOBILE_USER, "bad-password", "LOGIN_FAILED", "mot de passe incorrect"),
    ("free-mobile", free.MOBILE_BLOCKED, free.PASSWORD, "LOGIN_FAILED", "Trop de tentatives"),
])
def test_free_login_refusals(portal, tmp_path, browser_config, provider_id, login, password, outcome, words):
    result = run(provider_id, portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message
