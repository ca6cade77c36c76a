"""SFR recipe against the SFR replica, in real Chromium: the mobile line's bills in SFR's older
layout, the fixed line's in the newer one (#lastFacture, #historique, #plusFac)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from backend.cli import main
from tests.helpers import summary
from tests.replicas import sfr
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running, under_maintenance

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal():
    replica = sfr.create()
    yield from running(replica)


MOBILE = [
    ("2024-03-05_42.99", None, "2024-03-05", None, "42.99", "EUR"),
    ("2024-02-05_42.99", None, "2024-02-05", None, "42.99", "EUR"),
    ("2024-01-05_39.99", None, "2024-01-05", None, "39.99", "EUR"),
    ("2023-12-05_39.99", None, "2023-12-05", None, "39.99", "EUR"),
    ("2023-11-05_39.99", None, "2023-11-05", None, "39.99", "EUR"),
    ("2023-10-05_1039.99", None, "2023-10-05", None, "1039.99", "EUR"),
]
FIXE_HISTORY = [
    ("fixe_2025-02-05_32.00", None, "2025-02-05", None, "32.00", "EUR"),
    ("fixe_2025-01-05_32.00", None, "2025-01-05", None, "32.00", "EUR"),
    ("fixe_2024-12-05_29.99", None, "2024-12-05", None, "29.99", "EUR"),
]


def test_sfr_collects_both_lines_in_both_layouts_and_leaves_the_undated_last_bill(portal, tmp_path, browser_config):
    result = run("sfr", portal, tmp_path, browser_config, {"login": sfr.USER, "password": sfr.PASSWORD})
    assert result.outcome == "OK", result.message
    assert (portal.hits["more:mobile"], portal.hits["more:fixe"]) == (2, 1)  # "more" until the button went away
    # The fixed line's last bill has no date yet: not collected (its key would change once dated).
    assert summary(result.invoices) == MOBILE + FIXE_HISTORY
    # The bill itself (older layout's first link, newer layout's duplicata), never the "detailed" PDF.
    saved = pdf_bytes(result.invoices)
    assert saved["2024-02-05_42.99"] == pdf("sfr facture F240205")
    assert saved["2024-03-05_42.99"] == pdf("sfr facture F240305")
    assert saved["fixe_2025-02-05_32.00"] == pdf("sfr facture X250205")
    assert portal.hits["pdf:X250301"] == 0


def test_sfr_collects_the_last_bill_once_it_is_dated(portal, tmp_path, browser_config):
    portal.seen["last_fixe_date"] = ["05/03/2025"]
    try:
        result = run("sfr", portal, tmp_path, browser_config, {"login": sfr.USER, "password": sfr.PASSWORD},
                     known_keys={k for k, *_ in MOBILE + FIXE_HISTORY})
    finally:
        portal.seen["last_fixe_date"] = [None]
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("fixe_2025-03-05_32.00", None, "2025-03-05", None, "32.00", "EUR")]
    assert pdf_bytes(result.invoices) == {"fixe_2025-03-05_32.00": pdf("sfr facture X250301")}


def test_sfr_billing_unavailable_is_provider_down(portal, tmp_path, browser_config):
    with under_maintenance(portal):
        result = run("sfr", portal, tmp_path, browser_config, {"login": sfr.USER, "password": sfr.PASSWORD})
    assert (result.outcome, result.invoices) == ("PROVIDER_DOWN", [])
    assert "Information facture indisponible" in result.message


@pytest.mark.parametrize("login, password, outcome, words", [
    (sfr.USER, "wrong-password", "LOGIN_FAILED", "Identifiant ou mot de passe incorrect"),
    (sfr.BLOCKED, sfr.PASSWORD, "LOGIN_FAILED", "trop grand nombre de tentatives"),
    # reCAPTCHA in a scheduled sync: no window, CAPTCHA with what to do.
    (sfr.ROBOT, sfr.PASSWORD, "CAPTCHA", "confirm you are not a robot"),
])
def test_sfr_login_refusals(portal, tmp_path, browser_config, login, password, outcome, words):
    result = run("sfr", portal, tmp_path, browser_config, {"login": login, "password": password})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message


def test_recipe_verify_on_the_replica_reports_a_success_with_nothing_personal(portal, tmp_path, capsys, monkeypatch):
    """What a user with a real account runs to take the recipe out of beta, end to end."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(sfr.PASSWORD + "\n"))
    urls = [arg for name, url in portal.overrides("sfr").items() for arg in ("--url", f"{name}={url}")]
    status = main(["recipe", "verify", "sfr", "--login", sfr.USER, "--password-stdin", *urls, "--headless",
                   "--report", str(tmp_path), "--chrome", "/usr/bin/chromium", "--chromedriver", "/usr/bin/chromedriver"])
    output = "".join(capsys.readouterr())
    assert status == 0, output
    (markdown,) = tmp_path.glob("verify-sfr-*.md")
    (data,) = tmp_path.glob("verify-sfr-*.json")
    written = markdown.read_text(encoding="utf-8") + data.read_text(encoding="utf-8")
    report = json.loads(data.read_text(encoding="utf-8"))
    assert (report["outcome"], report["failed_step"]) == ("OK", None)
    assert report["invoices"] == {"listed": 9, "known": 0, "new": 9, "pdfs_saved": 2}  # at most two PDFs
    assert report["steps"][1]["name"] == "until_done" and report["steps"][1]["outcome"] == "OK"
    for personal in (sfr.USER, sfr.PASSWORD, "42,99", "42.99", "F240305"):
        assert personal not in written, personal
