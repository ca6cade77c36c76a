"""The engine against realistic fixture portals in real Chromium: exact invoices, real PDFs.

Portals and recipes live in tests/portals/. One portal server per module; one browser per run."""

from __future__ import annotations

import pytest

from backend.collectors.language.catalog import load_file
from backend.collectors.language.docexamples import WORKED_EXAMPLE
from tests.helpers import summary
from tests.portals import classic, otp, spa, twostep
from tests.portals.common import RECIPES, leaks, load_recipe, run, sha256

pytestmark = pytest.mark.browser

CLASSIC_CREDENTIALS = {"login": classic.LOGIN, "password": classic.PASSWORD}
CLASSIC_EXPECTED = [(number, number, iso, None, amount, "EUR") for number, _, _, iso, amount in classic.INVOICES]


def assert_pdfs(invoices, served: dict[str, bytes]) -> None:
    """Each invoice's saved file is exactly the PDF the portal served, with its hash and size."""
    for invoice in invoices:
        data = invoice.pdf_path.read_bytes()
        assert data == served[invoice.key], invoice.key
        assert invoice.sha256 == sha256(data) and invoice.size == len(data)


# ---- (1) classic form login, paginated table, inline and attachment PDFs ---------------------

def test_classic_portal_lists_three_pages_and_saves_every_pdf(classic_portal, browser_config, tmp_path):
    delivered, progress = [], []

    def on_invoice(invoice):  # called as soon as the PDF is on disk
        assert invoice.pdf_path.is_file()
        delivered.append(invoice.key)

    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS, on_invoice=on_invoice, on_progress=progress.append)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert (result.listed, result.known) == (10, 0)  # FAC-2024-008 is on pages 2 and 3: counted once
    assert delivered == [number for number, *_ in classic.INVOICES]
    assert_pdfs(result.invoices, classic.PDFS)
    hits = classic_portal.state.hits
    assert all(hits[f"pdf:{n}"] == 1 for n in classic.PDFS)  # the duplicate is fetched once
    assert hits["login"] == 1
    assert any("page 3" in p.message for p in progress)
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == sorted(i.pdf_path.name for i in result.invoices)


def test_known_invoices_are_not_downloaded_again(classic_portal, browser_config, tmp_path):
    known = {number for number, *_ in classic.INVOICES[:7]}
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS, known_keys=known)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED[7:]
    assert (result.listed, result.known) == (10, 7)
    hits = classic_portal.state.hits
    assert [hits[f"pdf:{n}"] for n, *_ in classic.INVOICES] == [0] * 7 + [1] * 3


def test_want_pdf_false_keeps_the_invoice_without_its_pdf(classic_portal, browser_config, tmp_path):
    progress = []
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS, want_pdf=lambda invoice: invoice.amount > 0, on_progress=progress.append)
    assert result.outcome == "OK", result.message
    # The panel's « téléchargées » counts PDFs fetched, not invoices remembered without one.
    assert progress[-1].downloaded == len(CLASSIC_EXPECTED) - 1
    assert summary(result.invoices) == CLASSIC_EXPECTED
    credit_note = next(i for i in result.invoices if i.key == "FAC-2024-004")
    assert (credit_note.pdf_path, credit_note.sha256, credit_note.size) == (None, None, None)
    assert classic_portal.state.hits["pdf:FAC-2024-004"] == 0
    assert_pdfs([i for i in result.invoices if i.key != "FAC-2024-004"], classic.PDFS)


def test_browser_download_mode_saves_the_same_pdfs(classic_portal, browser_config, tmp_path):
    result = run(load_recipe("classic", "classic-browser"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert_pdfs(result.invoices, classic.PDFS)


def test_persistent_profile_keeps_the_remember_me_cookie(classic_portal, browser_config, tmp_path):
    browser_config.profile_dir = tmp_path / "profile"
    first = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / "1", browser_config,
                CLASSIC_CREDENTIALS, known_keys={n for n, *_ in classic.INVOICES[1:]})
    second = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / "2", browser_config,
                 CLASSIC_CREDENTIALS, known_keys={n for n, *_ in classic.INVOICES[1:]})
    assert (first.outcome, second.outcome) == ("OK", "OK"), (first.message, second.message)
    assert [i.key for i in first.invoices] == [i.key for i in second.invoices] == ["FAC-2024-001"]
    hits = classic_portal.state.hits
    assert (hits["login"], hits["remembered"]) == (1, 1)  # the second run skipped the login form
    assert (first.session_reused, second.session_reused) == (False, True)


# ---- (2) two-step login, cookie banner, PDFs on detail pages ---------------------------------

TWOSTEP_EXPECTED = [(bill, number, iso, due, amount, "EUR")
                    for bill, number, _, _, _, iso, due, amount in twostep.INVOICES]


def test_two_step_login_cookie_banner_alert_and_pdfs_on_detail_pages(twostep_portal, browser_config,
                                                                        tmp_path):
    result = run(load_recipe("twostep"), twostep_portal.url, tmp_path, browser_config,
                 {"login": twostep.LOGIN, "password": twostep.PASSWORD})
    assert result.outcome == "OK", result.message
    # The bill still being made (no PDF on its page yet) is left for a later run, not returned.
    assert summary(result.invoices) == TWOSTEP_EXPECTED
    assert (result.listed, result.known) == (4, 0)
    assert_pdfs(result.invoices, twostep.PDFS)
    hits = twostep_portal.state.hits
    assert [hits[f"detail:{row[0]}"] for row in [twostep.PENDING] + twostep.INVOICES] == [1, 1, 1, 1]


def test_detail_pages_of_known_invoices_are_not_visited(twostep_portal, browser_config, tmp_path):
    result = run(load_recipe("twostep"), twostep_portal.url, tmp_path, browser_config,
                 {"login": twostep.LOGIN, "password": twostep.PASSWORD}, known_keys={"b-7650", "b-7512"})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == TWOSTEP_EXPECTED[:1]
    hits = twostep_portal.state.hits
    assert [hits[f"detail:{row[0]}"] for row in twostep.INVOICES] == [1, 0, 0]
    assert [hits[f"pdf:{row[0]}"] for row in twostep.INVOICES] == [1, 0, 0]


def test_the_worked_example_of_the_docs_runs_twice_with_a_kept_profile(twostep_portal, browser_config, tmp_path):
    """docs/recipes.md's worked example, end to end: the first sync accepts the late cookie banner
    and logs in; the second, with the account's kept profile, neither sees a banner nor logs in."""
    path = tmp_path / "hydra-eau.yaml"
    path.write_text(WORKED_EXAMPLE, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert errors == []
    browser_config.profile_dir = tmp_path / "profile"
    credentials = {"login": twostep.LOGIN, "password": twostep.PASSWORD}
    first = run(provider, twostep_portal.url, tmp_path / "1", browser_config, credentials)
    second = run(provider, twostep_portal.url, tmp_path / "2", browser_config, credentials,
                 known_keys={"b-7650", "b-7512"})
    assert (first.outcome, second.outcome) == ("OK", "OK"), (first.message, second.message)
    assert summary(first.invoices) == TWOSTEP_EXPECTED
    assert_pdfs(first.invoices, twostep.PDFS)
    assert summary(second.invoices) == TWOSTEP_EXPECTED[:1]
    assert twostep_portal.state.hits["login"] == 1
    assert (first.session_reused, second.session_reused) == (False, True)


# ---- (3) single-page app reading a JSON API --------------------------------------------------

def test_single_page_app_invoices_come_from_its_json_api(spa_portal, browser_config, tmp_path):
    result = run(load_recipe("spa"), spa_portal.url, tmp_path, browser_config,
                 {"login": spa.LOGIN, "password": spa.PASSWORD})
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [
        ("E-2024-03", "FA 2024 03", "2024-03-15", "2024-03-30", "1234.56", "EUR"),
        ("E-2024-02", "FA 2024 02", "2024-02-15", "2024-02-29", "87.5", "EUR"),
        ("E-2024-01", "FA 2024 01", "2024-01-15", None, "-20.00", "EUR"),
    ]
    assert_pdfs(result.invoices, spa.PDFS)
    assert spa_portal.state.hits["stay:True"] == 1  # the hidden, styled checkbox was ticked


def test_spa_wrong_password_shows_the_portal_message(spa_portal, browser_config, tmp_path):
    result = run(load_recipe("spa"), spa_portal.url, tmp_path, browser_config,
                 {"login": spa.LOGIN, "password": "not-the-password"})
    assert (result.outcome, result.message) == ("LOGIN_FAILED", "Adresse e-mail ou mot de passe invalide.")
    assert spa_portal.state.hits["api:bills"] == 0


# ---- (4) login inside an iframe, then a one-time code ----------------------------------------

OTP_EXPECTED = [("OTP-0002", None, "2024-02-02", None, "19.99", "EUR"),
                ("OTP-0001", None, "2024-01-02", None, "19.99", "EUR")]


def test_asked_code_is_typed_on_the_code_page(otp_portal, browser_config, tmp_path):
    asked = []

    def ask_code(prompt, kind):  # the user reads the SMS the portal just sent
        asked.append((prompt, kind))
        return otp_portal.state.sent_codes[otp.SMS_LOGIN]

    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.SMS_LOGIN, "password": otp.PASSWORD}, ask_code=ask_code)
    assert result.outcome == "OK", result.message
    assert asked == [("Code reçu par SMS", "sms")]
    assert summary(result.invoices) == OTP_EXPECTED
    assert_pdfs(result.invoices, otp.PDFS)


def test_totp_secret_computes_the_code_without_asking(otp_portal, browser_config, tmp_path):
    def ask_code(prompt, kind):
        raise AssertionError("nobody should be asked when a TOTP key is saved")

    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.TOTP_LOGIN, "password": otp.PASSWORD, "totp_secret": otp.TOTP_SECRET},
                 ask_code=ask_code)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == OTP_EXPECTED
    assert otp_portal.state.hits[f"login:{otp.TOTP_LOGIN}"] == 1


def test_no_code_typed_is_otp_required(otp_portal, browser_config, tmp_path):
    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.SMS_LOGIN, "password": otp.PASSWORD}, ask_code=lambda prompt, kind: None)
    assert (result.outcome, result.invoices) == ("OTP_REQUIRED", [])


def test_wrong_code_is_otp_wrong_with_the_portal_message(otp_portal, browser_config, tmp_path):
    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.SMS_LOGIN, "password": otp.PASSWORD}, ask_code=lambda prompt, kind: "987654",
                 trace_dir=tmp_path / "traces")
    assert (result.outcome, result.message) == ("OTP_WRONG", "Code incorrect ou expiré. Veuillez réessayer.")
    assert otp_portal.state.hits["otp_refused"] == 1
    assert "one-time code received" in (result.trace_path / "log.txt").read_text(encoding="utf-8")
    assert leaks(result.trace_path, ["987654", otp.PASSWORD]) == []  # the typed code is a secret too


def test_wrong_password_inside_the_iframe_is_login_failed(otp_portal, browser_config, tmp_path):
    result = run(load_recipe("otp"), otp_portal.url, tmp_path, browser_config,
                 {"login": otp.SMS_LOGIN, "password": "wrong"}, ask_code=lambda prompt, kind: None)
    assert (result.outcome, result.message) == ("LOGIN_FAILED", "Identifiants invalides.")


def test_a_profile_in_use_is_reported_as_such(classic_portal, browser_config, tmp_path):
    from backend.collectors.run.browser import Browser
    browser_config.profile_dir = tmp_path / "profile"
    with Browser(browser_config, tmp_path):  # another run of the same account holds the profile
        result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, browser_config,
                     CLASSIC_CREDENTIALS)
    assert (result.outcome, result.message) == (
        "INTERNAL", f"cannot start Chromium: the browser profile {tmp_path / 'profile'} is in use by another "
                    "Chromium (another collection for this account, or a window left open)")


def test_next_page_by_link_opens_each_next_address_and_lists_the_same(classic_portal, browser_config, tmp_path):
    text = (RECIPES / "classic.yaml").read_text(encoding="utf-8")
    assert text.count('next_page: "a[rel=next]"\n') == 2
    variant = tmp_path / "classic-link.yaml"
    variant.write_text(text.replace('next_page: "a[rel=next]"\n',
                                    'next_page: "a[rel=next]"\n          next_page_by: link\n'), encoding="utf-8")
    providers, errors = load_file(variant)
    assert errors == []
    result = run(next(p for p in providers if p.id == "classic"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert (result.listed, result.known) == (10, 0)


def test_next_page_by_link_on_a_button_says_to_click_instead(classic_portal, browser_config, tmp_path):
    text = (RECIPES / "classic.yaml").read_text(encoding="utf-8")
    variant = tmp_path / "classic-button.yaml"
    # The page number in the navigation is no link: as if "Suivant" were a <button>.
    variant.write_text(text.replace('next_page: "a[rel=next]"\n', 'next_page: "nav"\n          next_page_by: link\n'),
                       encoding="utf-8")
    providers, errors = load_file(variant)
    assert errors == []
    result = run(next(p for p in providers if p.id == "classic"), classic_portal.url, tmp_path, browser_config,
                 CLASSIC_CREDENTIALS)
    assert (result.outcome, result.message) == (
        "RECIPE_BROKEN", "next_page_by: link needs 'nav' to be an <a> with an address (it has ''); "
                         "use next_page_by: click")
