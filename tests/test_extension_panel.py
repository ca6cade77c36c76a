"""The side panel in real Chromium, against a real `invoice-collector serve`, a real keyring, the
demo portal and a loopback SMTP server: what a user sees, screen after screen."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from tests.helpers import serve
from tests.test_delivery_support import SMTP_PASSWORD, SMTP_USER, start_smtp
from tests.test_extension_support import (CHROMIUM_HAS_FRENCH, OPTIONS_URL, PANEL_URL, SCREENSHOTS, Panel,
                                          ServerProcess, launch_chromium, wait_until)
from tests.test_extension_portal import DemoPortal

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


@pytest.fixture
def server(home):
    process = ServerProcess(home)
    yield process
    process.stop()


@pytest.fixture
def browser(tmp_path):
    drivers = []

    def launch(language: str = "fr"):
        driver = launch_chromium(tmp_path / f"profile-{len(drivers)}", language)
        drivers.append(driver)
        return driver
    yield launch
    for driver in drivers:
        driver.quit()


def open_panel(driver, name: str, port: int, language: str = "fr") -> Panel:
    """The panel as a tab, talking to the test server's port (set as the options page would)."""
    panel = Panel(driver, name)
    panel.open(OPTIONS_URL)
    values = {"port": port}
    if language == "fr" and not CHROMIUM_HAS_FRENCH:
        values["language"] = "fr"  # no French UI files in this Chromium: use the panel's own setting
    panel.set_storage(**values)
    return panel.open(PANEL_URL)


def pair(panel: Panel, server: ServerProcess, label: str = "Code d’association", button: str = "Associer") -> None:
    panel.type(panel.field(label), server.pair_code())
    panel.click("#pair-submit", button)


def gear(panel: Panel, provider_name: str, item: str, label: str = "Actions pour") -> None:
    panel.click(f"button[aria-label='{label} {provider_name}']")
    panel.click("[role=menu] [role=menuitem]", item)


def card(panel: Panel, provider_name: str):
    return panel.find("li.account", provider_name)


def keep_for_docs(panel: Panel, shot, name: str) -> None:
    """UPDATE_DOCS_SCREENSHOTS=1 copies the screenshot into docs/screenshots/ for the README."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")


FR = {"add": "Ajouter un nouveau compte", "search": "Rechercher un fournisseur", "submit": "Ajouter le compte",
      "terms": "J’ai lu et j’accepte les conditions d’utilisation de la collecte {name}.",
      "added": "Compte {name} ajouté"}
EN = {"add": "Add a new account", "search": "Search for a provider", "submit": "Add the account",
      "terms": "I have read and accept the terms of use of the {name} collection.",
      "added": "{name} account added"}


def add_account(panel: Panel, portal, words=FR, screenshots: bool = False) -> None:
    """« Ajouter un nouveau compte »: the submit button stays disabled until the terms are accepted."""
    panel.click("#add-account", words["add"])
    panel.find("h2", words["add"])
    panel.type(panel.field(words["search"]), portal.search)
    panel.click(".provider-choice", portal.name)
    submit = panel.find("#add-submit", words["submit"])
    assert not submit.is_enabled()  # the terms gate
    credentials = portal.credentials_fr if words is FR else portal.credentials_en
    for label, value in credentials.items():
        panel.type(panel.field(label), value)
    assert not submit.is_enabled()
    for label in (portal.secret_labels_fr if words is FR else portal.secret_labels_en):
        assert panel.field(label).get_attribute("type") == "password"
        assert panel.field(label).get_attribute("autocomplete") == "off"
    if screenshots:
        panel.screenshot("05-add-account-terms")
    panel.field(words["terms"].format(name=portal.name)).click()
    assert submit.is_enabled()
    if screenshots:
        keep_for_docs(panel, panel.screenshot("06-add-account-form"), "panel-add-account")
    submit.click()
    panel.find(".notice", words["added"].format(name=portal.name))


def test_the_whole_journey_in_french(server, browser, tmp_path):
    portal = DemoPortal.start(server)
    smtp = start_smtp(tmp_path / "libeo-inbox")
    try:
        journey(server, browser, portal, smtp)
    finally:
        smtp.stop()
        portal.stop()


def journey(server, browser, portal, smtp):
    driver = browser("fr")
    panel = open_panel(driver, "fr", server.port)

    # Not connected: the server is not running — say so, and show the command that starts it.
    panel.find("h2", "Le serveur invoice-collector ne répond pas")
    panel.find("code", f"invoice-collector serve --port {server.port}")
    keep_for_docs(panel, panel.screenshot("01-offline"), "panel-offline")

    # The panel notices the server by itself; then it must be paired.
    server.start()
    panel.find("h2", "Associer ce navigateur", timeout=15)
    panel.find("code", "invoice-collector pair")
    code_field = panel.field("Code d’association")
    panel.type(code_field, "000-000")
    panel.click("#pair-submit", "Associer")
    status = panel.find("#pair-form .form-status-error")
    assert "pair" in status.text  # the server's own message, telling what to do
    keep_for_docs(panel, panel.screenshot("02-pairing"), "panel-pairing")
    pair(panel, server)
    panel.find("h2", "Gérer les comptes existants")
    panel.find(".empty", "Aucun compte fournisseur pour l’instant")
    assert panel.storage()["token"]
    panel.screenshot("03-accounts-empty")

    # Réglages: the Libeo inbox through the loopback SMTP server; a bad field is shown next to it.
    panel.click("[role=tab]", "Réglages")
    inbox = panel.field("Adresse de réception Libeo")
    panel.type(inbox, "acme@example.com")
    panel.click("#libeo-save", "Enregistrer")
    wait_until(lambda: "box.libeo.io" in panel.field_error(inbox), what="the inbox field error")
    assert inbox.get_attribute("aria-invalid") == "true"
    panel.type(inbox, "acme@box.libeo.io")
    enabled = panel.field("Envoyer les nouvelles factures à Libeo")
    if not enabled.is_selected():
        enabled.click()
    panel.type(panel.field("Adresse d’expédition"), "jeanne@acme.fr")
    panel.type(panel.field("Serveur SMTP"), "localhost")
    panel.type(panel.field("Port"), str(smtp.port))
    Select(panel.field("Sécurité")).select_by_value("starttls")
    panel.type(panel.field("Identifiant SMTP"), SMTP_USER)
    password = panel.field("Mot de passe SMTP")
    assert password.get_attribute("type") == "password"
    panel.type(password, SMTP_PASSWORD)
    panel.click("#libeo-test", "Tester la connexion")
    panel.find("#libeo-form .form-status-success", "Connexion réussie", timeout=30)
    assert password.get_attribute("value") == ""  # write-only: never shown again
    assert panel.field("Mot de passe SMTP").get_attribute("placeholder").startswith("Enregistré")
    panel.find("#smtp-password-state", "Mot de passe enregistré")
    keep_for_docs(panel, panel.screenshot("04-settings"), "panel-settings")

    # Ajouter un compte: search, terms gate, the provider's own fields; the first collection starts.
    portal.publish_initial()
    panel.click("[role=tab]", "Comptes")
    add_account(panel, portal, screenshots=True)
    baseline = len(portal.initial_keys)
    panel.find("li.account .summary", f"{baseline} factures existantes mémorisées", timeout=60)
    account = card(panel, portal.name)
    assert "À jour" in account.text
    assert "Jamais" not in account.find_element(By.CSS_SELECTOR, ".fact").text  # last sync date shown
    keep_for_docs(panel, panel.screenshot("07-accounts-baseline"), "panel-accounts")

    # A new invoice on the portal, « Synchroniser maintenant » from the gear menu.
    new_key = portal.publish_new()
    gear(panel, portal.name, "Synchroniser maintenant")
    panel.find("li.account .summary", "1 nouvelle facture", timeout=60)
    panel.screenshot("08-accounts-synced")

    # Factures: the new invoice, sent to Libeo (the loopback SMTP server got it), its PDF opens.
    panel.click("[role=tab]", "Factures")
    row = panel.find("li.invoice", portal.number_of(new_key))
    panel.find(f"li.invoice[data-invoice-id='{row.get_attribute('data-invoice-id')}'] .state", "Envoyée à Libeo",
               timeout=60)
    assert len(smtp.handler.messages()) == 1
    assert panel.find("li.invoice", "Antérieure : non envoyée")  # baseline invoices are not sent
    keep_for_docs(panel, panel.screenshot("09-invoices"), "panel-invoices")
    tabs_before = set(driver.window_handles)
    row = panel.find("li.invoice", portal.number_of(new_key))
    row.find_element(By.CSS_SELECTOR, "button[aria-label^='Ouvrir le PDF']").click()
    new_tab = wait_until(lambda: set(driver.window_handles) - tabs_before, what="the PDF tab")
    panel_tab = driver.current_window_handle
    driver.switch_to.window(new_tab.pop())
    assert driver.current_url.startswith(f"blob:chrome-extension://")
    driver.close()
    driver.switch_to.window(panel_tab)

    # Modifier mes identifiants: a wrong password blocks the account with a message saying what to do.
    panel.click("[role=tab]", "Comptes")
    gear(panel, portal.name, "Modifier mes identifiants")
    panel.find("h2", f"Modifier mes identifiants {portal.name}")
    login = panel.field(portal.login_label_fr)
    assert login.get_attribute("value") == portal.login
    secret = panel.field(portal.password_label_fr)
    assert secret.get_attribute("value") == "" and secret.get_attribute("placeholder")
    panel.type(secret, "not-the-password")
    keep_for_docs(panel, panel.screenshot("10-edit-credentials"), "panel-edit-credentials")
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find(".notice", "mis à jour")
    panel.find("li.account .state-error", "Action requise", timeout=60)
    panel.find("li.account .state-detail", "Corrigez vos identifiants")
    panel.screenshot("11-account-blocked")
    card(panel, portal.name).find_element(By.CSS_SELECTOR, ".account-state button").click()
    panel.type(panel.field(portal.password_label_fr), portal.password)
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find("li.account .state-ok", "À jour", timeout=60)

    # Supprimer, with a confirmation (cancel first: nothing happens).
    gear(panel, portal.name, "Supprimer")
    dialog = panel.find("dialog[open]", f"Supprimer le compte {portal.name} ?")
    panel.screenshot("12-delete-confirm")
    dialog.find_element(By.XPATH, ".//button[normalize-space()='Annuler']").click()
    assert card(panel, portal.name)
    gear(panel, portal.name, "Supprimer")
    panel.find("dialog[open]").find_element(By.XPATH, ".//button[normalize-space()='Supprimer']").click()
    panel.find(".notice", f"Compte {portal.name} supprimé.")
    panel.absent("li.account")
    panel.find(".empty", "Aucun compte fournisseur")

    # The server stops: the panel says so, with the command, without any click.
    server.stop()
    panel.find("h2", "Le serveur invoice-collector ne répond pas", timeout=20)
    panel.find("code", "invoice-collector serve")
    panel.screenshot("13-offline-again")
    assert panel.console_errors() == []


def test_a_one_time_code_is_asked_for_prominently(server, browser):
    portal = DemoPortal.start(server, otp_code="424242")
    try:
        portal.publish_initial()
        server.start()
        panel = open_panel(browser("fr"), "otp", server.port)
        pair(panel, server)
        add_account(panel, portal)
        prompt = panel.find(".code-prompt", f"Code demandé par {portal.name}", timeout=60)
        assert "Code reçu par SMS" in prompt.text  # the provider's own prompt
        code = panel.field("Code à usage unique", within=prompt)
        wait_until(lambda: panel.driver.switch_to.active_element == code, what="the code field to get the focus")
        panel.find("li.account .state-warning", "Code à usage unique demandé")
        keep_for_docs(panel, panel.screenshot("code-prompt"), "panel-code-prompt")
        prompt.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert panel.field_error(code) == "Ce champ est obligatoire."
        code.send_keys("424242", Keys.ENTER)
        panel.absent(".code-prompt")
        panel.find("li.account .summary", f"{len(portal.initial_keys)} factures existantes mémorisées", timeout=60)
        assert panel.console_errors() == []
    finally:
        portal.stop()


def test_english_then_french_through_the_options(server, browser):
    portal = DemoPortal.start(server)
    try:
        portal.publish_initial()
        server.start()
        driver = browser("en")
        panel = open_panel(driver, "en", server.port, language="en")
        panel.find("h2", "Pair this browser")
        panel.screenshot("01-pairing")
        pair(panel, server, label="Pairing code", button="Pair")
        panel.find("h2", "Manage existing accounts")
        assert [tab.text for tab in driver.find_elements(By.CSS_SELECTOR, "[role=tab]")] == \
            ["Accounts", "Invoices", "Settings"]
        add_account(panel, portal, words=EN)
        panel.find("li.account .summary", f"{len(portal.initial_keys)} existing invoices remembered (not sent)",
                   timeout=60)
        last_sync = panel.find("li.account .fact dd").text
        assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M", last_sync), last_sync
        panel.screenshot("02-accounts")
        panel.click("[role=tab]", "Invoices")
        panel.find("li.invoice", "Earlier invoice: not sent")
        panel.screenshot("03-invoices")

        # The language override of the options page: the panel follows at once.
        panel.open(OPTIONS_URL)
        panel.find("h1", "Collect invoices: options")
        Select(panel.field("Panel language")).select_by_value("fr")
        panel.find("h1", "Collecte de factures : options")
        panel.open(PANEL_URL)
        panel.find("h2", "Gérer les comptes existants")
        last_sync = panel.find("li.account .fact dd").text
        assert re.fullmatch(r"\d{1,2} [a-zéû]+\.? \d{4}(,| à) \d{2}:\d{2}", last_sync), last_sync
    finally:
        portal.stop()


def test_another_program_on_the_port(browser):
    """Something else answers on the port: the panel says so instead of "offline"."""
    other = Flask("other")
    other.get("/api/health")(lambda: {"app": "something-else"})
    with serve(other) as url:
        panel = open_panel(browser("fr"), "wrong-server", int(url.rsplit(":", 1)[1]))
        panel.find("h2", "Un autre programme répond sur ce port")
        panel.find("code", "invoice-collector serve --port")
