"""Failures a user must understand: each maps to its outcome code with the portal's own words,
and leaves a trace folder (step, YAML line, screenshot, redacted HTML, step log) without secrets."""

from __future__ import annotations

import json

import pytest

from tests.helpers import free_port, summary
from tests.portals import broken, classic, otp
from tests.portals.common import RECIPES, leaks, load_recipe, run

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "Wr0ng&<Pa$$>\"w0rd'_73519"  # distinctive, with characters pages escape


def trace_files(result) -> dict:
    folder = result.trace_path
    assert folder and folder.is_dir(), "a failed run leaves a trace folder"
    assert (folder / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return {"step": json.loads((folder / "step.json").read_text(encoding="utf-8")),
            "html": (folder / "page.html").read_text(encoding="utf-8"),
            "log": (folder / "log.txt").read_text(encoding="utf-8")}


# ---- (5) wrong password, maintenance, new terms, unreachable portal --------------------------

def test_wrong_password_is_login_failed_tried_once_and_never_leaks(classic_portal, browser_config, tmp_path):
    progress = []
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 {"login": classic.LOGIN, "password": WRONG_PASSWORD}, trace_dir=tmp_path / "traces",
                 on_progress=progress.append)
    assert result.outcome == "LOGIN_FAILED"
    assert result.message == "Identifiant ou mot de passe incorrect. Il vous reste 2 essais."
    assert classic_portal.state.hits["login_refused"] == 1  # never retried
    trace = trace_files(result)
    assert trace["step"]["outcome"] == "LOGIN_FAILED" and trace["step"]["step"] == "wait_for_any"
    # The portal echoed the attempt into its page; the dump shows the mask instead.
    assert "data-last-attempt=\"••••••\"" in trace["html"]
    assert "fill 'input[name=password]' with ••••••" in trace["log"]
    assert leaks(result.trace_path, [WRONG_PASSWORD]) == []
    assert WRONG_PASSWORD not in repr(progress) + result.message


def test_maintenance_page_is_provider_down_with_its_message(classic_portal, browser_config, tmp_path):
    classic_portal.state.maintenance = True
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 {"login": classic.LOGIN, "password": classic.PASSWORD})
    assert result.outcome == "PROVIDER_DOWN"
    assert result.message == "Notre espace client est en maintenance jusqu'à 14h. Merci de votre patience."
    assert classic_portal.state.hits["login"] == 0


def test_new_terms_interstitial_is_action_needed(classic_portal, browser_config, tmp_path):
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 {"login": classic.TERMS_LOGIN, "password": classic.PASSWORD})
    assert result.outcome == "ACTION_NEEDED"
    assert result.message == ("Nos conditions générales évoluent : acceptez les nouvelles conditions générales "
                              "d'utilisation pour accéder à votre espace.")


def test_unreachable_portal_is_provider_down(browser_config, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run(load_recipe("classic", "classic"), url, tmp_path, browser_config,
                 {"login": classic.LOGIN, "password": classic.PASSWORD}, trace_dir=tmp_path / "traces")
    assert result.outcome == "PROVIDER_DOWN"
    assert result.message == f"cannot reach {url}/login"
    assert (result.failed_step, result.failed_line) == (1, load_recipe("classic", "classic").steps[0].pos.line)


# ---- (6) an HTML page instead of a PDF; a recipe the page no longer matches ------------------

def test_html_error_page_instead_of_a_pdf_is_download_failed_never_an_invoice(broken_portal, browser_config,
                                                                           tmp_path):
    delivered = []
    result = run(load_recipe("broken", "broken"), broken_portal.url, tmp_path, browser_config,
                 {"login": broken.LOGIN, "password": broken.PASSWORD}, on_invoice=delivered.append,
                 trace_dir=tmp_path / "traces")
    assert result.outcome == "DOWNLOAD_FAILED"
    assert result.message == "invoice DOC-2: the link returned an HTML page, not a PDF"
    # The good invoices still come (and were handed over as they arrived); the bad one never does.
    assert summary(result.invoices) == [("DOC-3", None, "2024-03-03", None, "30.00", "EUR"),
                                        ("DOC-1", None, "2024-01-03", None, "10.00", "EUR")]
    assert [i.key for i in delivered] == ["DOC-3", "DOC-1"]
    assert sorted(p.name.split("-")[0] + "-" + p.name.split("-")[1] for p in (tmp_path / "pdf").iterdir()) == \
        ["DOC-1", "DOC-3"]
    assert trace_files(result)["step"]["step"] == "invoices"
    assert broken_portal.state.hits["pdf:DOC-2"] == 1


def test_list_selector_matching_nothing_is_recipe_broken_with_a_trace(classic_portal, browser_config, tmp_path):
    provider = load_recipe("classic", "classic-stale")
    result = run(provider, classic_portal.url, tmp_path, browser_config,
                 {"login": classic.LOGIN, "password": classic.PASSWORD}, trace_dir=tmp_path / "traces")
    assert result.outcome == "RECIPE_BROKEN"
    assert result.message == "gave up waiting for invoice items 'table#bills tbody tr'"
    trace = trace_files(result)
    line = provider.steps[-1].pos.line
    assert trace["step"]["step"] == "invoices" and trace["step"]["line"] == line == result.failed_line
    assert (RECIPES / "classic.yaml").read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- invoices:"
    assert trace["step"]["recipe"].endswith("classic.yaml")
    assert "FAC-2024-001" in trace["html"]  # the page the recipe no longer understands
    assert leaks(result.trace_path, [classic.PASSWORD]) == []
    assert "fill 'input[name=password]' with ••••••" in trace["log"]


def test_wrong_one_time_code_and_totp_key_never_reach_the_trace(otp_portal, browser_config, tmp_path):
    other_key = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # valid base32, not the account's key
    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.TOTP_LOGIN, "password": otp.PASSWORD, "totp_secret": other_key},
                 trace_dir=tmp_path / "traces")
    assert (result.outcome, result.message) == ("OTP_WRONG", "Code incorrect ou expiré. Veuillez réessayer.")
    trace = trace_files(result)
    assert leaks(result.trace_path, [other_key, otp.PASSWORD]) == []
    assert "one-time code computed from the TOTP secret" in trace["log"]


def test_invalid_selector_names_the_locator(broken_portal, browser_config, tmp_path):
    provider = load_recipe("broken", "broken-selector")
    result = run(provider, broken_portal.url, tmp_path, browser_config, {"login": "x"})
    assert (result.outcome, result.message) == ("RECIPE_BROKEN", "'#docs .doc[' is not a valid CSS selector")
    assert result.failed_line == provider.steps[1].pos.line


def test_missing_browser_programs_are_named_with_the_fix(tmp_path, browser_config):
    provider = load_recipe("classic", "classic")
    browser_config.chromedriver = str(tmp_path / "no-chromedriver")
    result = run(provider, "http://127.0.0.1:9", tmp_path, browser_config, {})
    assert result.outcome == "INTERNAL"
    assert result.message == (f"cannot start Chromium: chromedriver not found at {tmp_path / 'no-chromedriver'}: "
                              "install it (Debian/Ubuntu: apt install chromium-driver) or give its path in the "
                              "settings or $CHROMEDRIVER")
