"""« Enregistrer une recette » through a login on another site (single sign-on, tests/portals/sso.py):
the supplier's « Se connecter » leads to its identity provider, another origin. The recorder
follows into it, the recipe declares that origin (the user sees it before typing a password) and
drives the login by the page's state; the headless trial lists every invoice. A site the extension
has no permission on yet is named in the panel, with a button to allow it."""

from __future__ import annotations

import contextlib

import pytest
from selenium.webdriver.common.by import By

from backend.collectors.language.catalog import load_file
from tests.helpers import serve
from tests.portals import sso
from tests.portals.common import run
from tests.test_extension_recorder import pick, recorded, recording_on
from tests.test_extension_recorder_shapes import assert_no_leak, steps_shown, try_and_save
from tests.test_extension_support import server_and_chromium, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


@contextlib.contextmanager
def sso_world(home, tmp_path, identity_host: str = "127.0.0.1"):
    """The supplier's site and its identity provider (reached as `identity_host`), the server, Chromium."""
    state = sso.State()
    with serve(sso.create_portal(state)) as portal_url, serve(sso.create_identity(state)) as identity_url:
        state.identity_url = identity_url.replace("127.0.0.1", identity_host)
        with server_and_chromium(home, tmp_path, network_log=True) as (server, driver):
            yield server, portal_url, state, driver


def test_recording_a_login_on_another_site(home, tmp_path, browser_config):
    with sso_world(home, tmp_path) as (server, portal_url, state, driver):
        identity_url = state.identity_url
        panel, tabs = recording_on(driver, server, "recorder-sso", f"{portal_url}/")
        wait_until(lambda: recorded(driver), what="the page recorder in the supplier's home page")
        driver.find_element(By.ID, "sso-login").click()
        wait_until(lambda: driver.current_url.startswith(f"{identity_url}/authorize") and recorded(driver),
                   what="the identity provider's form, recorded")
        driver.find_element(By.ID, "user").send_keys(sso.LOGIN)
        driver.find_element(By.ID, "secret").send_keys(sso.PASSWORD)
        driver.find_element(By.ID, "sign-in-button").click()
        wait_until(lambda: driver.current_url == f"{portal_url}/factures" and recorded(driver),
                   what="back on the supplier's site, the invoices recorded")

        tabs.to_panel()
        panel.find("ol.recorder-steps", "(#invoices)")
        assert steps_shown(panel) == [
            "Ouvrir /", "Cliquer sur « Se connecter »", "Attendre la page suivante (#sign-in)", "Saisir l’identifiant",
            "Saisir le mot de passe (jamais enregistré)", "Cliquer sur « Se connecter »",
            "Attendre la page suivante (#invoices)"]
        panel.absent(".form-status", "autre site")
        panel.screenshot("01-recorded")
        panel.click("button", "Je suis sur la liste des factures")
        pick(tabs, panel, "Cliquez sur le numéro d’une facture", "#invoices tr:nth-child(1) td.number")
        pick(tabs, panel, "Cliquez sur sa date", "#invoices tr:nth-child(1) td.date")
        pick(tabs, panel, "Cliquez sur son montant", "#invoices tr:nth-child(2) td.amount")
        pick(tabs, panel, "Cliquez sur son lien PDF", "#invoices tr:nth-child(2) a.pdf")
        tabs.to_panel()
        panel.click("button", "Pas de page suivante")

        rows = try_and_save(panel, driver, server, home, "Eau du Val Enregistrée", "eau-du-val-enregistree",
                            sso.LOGIN, sso.PASSWORD, "2 factures trouvées")
        assert [row[0] for row in rows] == [number for number, *_ in sso.INVOICES]
        saved = home / "config" / "providers.d" / "eau-du-val-enregistree.yaml"
        draft = saved.read_text(encoding="utf-8")
        assert f'origins: ["{identity_url}"]' in draft and "- until_done:" in draft
        # The usual form on the new provider shows the other site before any password is typed.
        panel.click("button.recorder-add-account", "Ajouter un nouveau compte")
        panel.find("fieldset.origins code", identity_url)
        assert "null" not in panel.body_text().split()  # a missing part of the form is no word on screen
        panel.screenshot("02-origins")
        assert_no_leak(driver, server, home, driver.execute_script("return window.recorderMessages"),
                       sso.LOGIN, sso.PASSWORD)
        assert panel.console_errors() == []

        # Run twice with an account's kept profile, as the server's syncs are: the second finds the
        # supplier's site logged out but the identity provider remembering the account. It clicks
        # « Se connecter », is sent straight back, and types nothing.
        (provider,), errors = load_file(saved)
        assert errors == []
        browser_config.profile_dir = tmp_path / "kept-profile"
        credentials = {"login": sso.LOGIN, "password": sso.PASSWORD}
        logins = state.hits["login"]
        first = run(provider, portal_url, tmp_path / "1", browser_config, credentials)
        second = run(provider, portal_url, tmp_path / "2", browser_config, credentials)
        assert (first.outcome, second.outcome) == ("OK", "OK"), (first.message, second.message)
        assert [i.key for i in second.invoices] == [number for number, *_ in sso.INVOICES]
        assert state.hits["login"] == logins + 1


def test_a_site_not_allowed_yet_is_named_with_a_button_to_allow_it(home, tmp_path):
    """The identity provider reached as localhost: no permission there yet (the extension holds one on
    127.0.0.1 only). Chrome's own prompt that the button opens cannot be answered in a headless test."""
    with sso_world(home, tmp_path, identity_host="localhost") as (server, portal_url, state, driver):
        identity_url = state.identity_url
        panel, tabs = recording_on(driver, server, "recorder-sso-allow", f"{portal_url}/")
        wait_until(lambda: recorded(driver), what="the page recorder in the supplier's home page")
        driver.find_element(By.ID, "sso-login").click()
        wait_until(lambda: driver.current_url.startswith(f"{identity_url}/authorize"), what="the identity provider")
        assert not recorded(driver)
        tabs.to_panel()
        host = identity_url.removeprefix("http://")
        panel.find(".form-status", f"L’enregistrement continue sur un autre site, {host}")
        panel.find("button.recorder-allow", f"Autoriser {host}")
        panel.screenshot("allow")
        assert panel.cut_at(320) == []
        assert panel.console_errors() == []
