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
from tests.test_extension_portal import CodePortal, DemoEnergie
from tests.test_extension_support import (CHROMIUM_HAS_FRENCH, OPTIONS_URL, PANEL_URL, SCREENSHOTS, Panel,
                                          ServerProcess, launch_chromium, wait_until)

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

FR = {"add": "Ajouter un nouveau compte", "search": "Rechercher un fournisseur", "submit": "Ajouter le compte",
      "terms": "J’ai lu et j’accepte les conditions d’utilisation de la collecte {name}.",
      "added": "Compte {name} ajouté", "lang": "fr"}
EN = {"add": "Add a new account", "search": "Search for a provider", "submit": "Add the account",
      "terms": "I have read and accept the terms of use of the {name} collection.",
      "added": "{name} account added", "lang": "en"}


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


@pytest.fixture
def demo(server, tmp_path):
    portal = DemoEnergie(server, tmp_path / "demo-portal")
    yield portal
    portal.stop()


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


def keep_for_docs(shot, name: str) -> None:
    """UPDATE_DOCS_SCREENSHOTS=1 copies a screenshot into docs/screenshots/ for the README."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")


def add_account(panel: Panel, portal, words=FR, screenshots: bool = False) -> None:
    """« Ajouter un nouveau compte »: the submit button stays disabled until the terms are accepted."""
    panel.click("#add-account", words["add"])
    panel.find("h2", words["add"])
    panel.type(panel.field(words["search"]), portal.search)
    panel.click(".provider-choice", portal.name)
    submit = panel.find("#add-submit", words["submit"])
    assert not submit.is_enabled()  # the terms gate
    for label, value in portal.credentials(words["lang"]).items():
        panel.type(panel.field(label), value)
    assert not submit.is_enabled()
    secret = panel.field(portal.password_label(words["lang"]))
    assert secret.get_attribute("type") == "password" and secret.get_attribute("autocomplete") == "off"
    if screenshots:
        panel.screenshot("05-add-account-terms")
    panel.field(words["terms"].format(name=portal.name)).click()
    assert submit.is_enabled()
    if screenshots:
        keep_for_docs(panel.screenshot("06-add-account-form"), "panel-add-account")
    submit.click()
    panel.find(".notice", words["added"].format(name=portal.name))


def test_the_whole_journey_in_french(server, demo, browser, tmp_path):
    smtp = start_smtp(tmp_path / "libeo-inbox")
    try:
        journey(server, demo, browser("fr"), smtp)
    finally:
        smtp.stop()


def journey(server, demo, driver, smtp):
    panel = open_panel(driver, "fr", server.port)

    # Not connected: the server is not running — say so, and show the command that starts it.
    panel.find("h2", "Le serveur invoice-collector ne répond pas")
    panel.find("code", f"invoice-collector serve --port {server.port}")
    keep_for_docs(panel.screenshot("01-offline"), "panel-offline")

    # The panel notices the server by itself; then it must be paired.
    server.start()
    panel.find("h2", "Associer ce navigateur", timeout=15)
    panel.find("code", "invoice-collector pair")
    panel.type(panel.field("Code d’association"), "000-000")
    panel.click("#pair-submit", "Associer")
    assert "invoice-collector pair" in panel.find("#pair-form .form-status-error").text  # the server's message
    keep_for_docs(panel.screenshot("02-pairing"), "panel-pairing")
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
    Select(panel.field("Sécurité")).select_by_value("starttls")
    panel.type(panel.field("Port"), str(smtp.port))
    panel.type(panel.field("Identifiant SMTP"), SMTP_USER)
    password = panel.field("Mot de passe SMTP")
    assert password.get_attribute("type") == "password"
    panel.type(password, SMTP_PASSWORD)
    panel.click("#libeo-test", "Tester la connexion")
    panel.find("#libeo-form .form-status-success", "Connexion réussie", timeout=30)
    assert password.get_attribute("value") == ""  # write-only: never shown again
    assert panel.field("Mot de passe SMTP").get_attribute("placeholder").startswith("Enregistré")
    panel.find("#smtp-password-state", "Mot de passe enregistré")
    keep_for_docs(panel.screenshot("04-settings"), "panel-settings")

    # Ajouter un compte: search, terms gate, the provider's own fields; the first collection starts.
    panel.click("[role=tab]", "Comptes")
    add_account(panel, demo, screenshots=True)
    panel.find("li.account .summary", f"{demo.initial_count} factures existantes mémorisées", timeout=60)
    account = card(panel, demo.name)
    assert "À jour" in account.text
    last_sync = account.find_element(By.CSS_SELECTOR, ".fact dd").text
    assert re.fullmatch(r"\d{1,2} [a-zéû]+\.? \d{4}(,| à) \d{2}:\d{2}", last_sync), last_sync
    keep_for_docs(panel.screenshot("07-accounts-baseline"), "panel-accounts")

    # A new invoice on the portal, « Synchroniser maintenant » from the gear menu.
    number = demo.publish_new()
    gear(panel, demo.name, "Synchroniser maintenant")
    panel.find("li.account .summary", "1 nouvelle facture", timeout=60)
    panel.screenshot("08-accounts-synced")

    # Factures: the new invoice, sent to Libeo (the loopback SMTP server got it), its PDF opens.
    panel.click("[role=tab]", "Factures")
    row = panel.find("li.invoice", number)
    assert "57,30 €" in row.text
    invoice_id = row.get_attribute("data-invoice-id")
    panel.find(f"li.invoice[data-invoice-id='{invoice_id}'] .state", "Envoyée à Libeo", timeout=60)
    assert len(smtp.handler.messages()) == 1
    panel.find("li.invoice", "Antérieure : non envoyée")  # the baseline is never sent
    keep_for_docs(panel.screenshot("09-invoices"), "panel-invoices")
    tabs_before = set(driver.window_handles)
    panel.click(f"li.invoice[data-invoice-id='{invoice_id}'] button[aria-label^='Ouvrir le PDF']")
    new_tab = wait_until(lambda: set(driver.window_handles) - tabs_before, what="the PDF tab").pop()
    panel_tab = driver.current_window_handle
    driver.switch_to.window(new_tab)
    assert driver.current_url.startswith("blob:chrome-extension://")
    driver.close()
    driver.switch_to.window(panel_tab)

    # Modifier mes identifiants: a wrong password blocks the account with a message saying what to do.
    panel.click("[role=tab]", "Comptes")
    gear(panel, demo.name, "Modifier mes identifiants")
    panel.find("h2", f"Modifier mes identifiants {demo.name}")
    assert panel.field(demo.login_label()).get_attribute("value") == demo.login
    secret = panel.field(demo.password_label())
    assert secret.get_attribute("value") == "" and secret.get_attribute("placeholder")
    panel.type(secret, "not-the-password")
    keep_for_docs(panel.screenshot("10-edit-credentials"), "panel-edit-credentials")
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find(".notice", "mis à jour")
    panel.find("li.account .state-error", "Action requise", timeout=60)
    panel.find("li.account .state-detail", "Corrigez vos identifiants")
    panel.screenshot("11-account-blocked")
    card(panel, demo.name).find_element(By.CSS_SELECTOR, ".account-state button").click()
    panel.type(panel.field(demo.password_label()), demo.password)
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find("li.account .state-ok", "À jour", timeout=60)

    # Supprimer, with a confirmation (cancel first: nothing happens).
    gear(panel, demo.name, "Supprimer")
    dialog = panel.find("dialog[open]", f"Supprimer le compte {demo.name} ?")
    panel.screenshot("12-delete-confirm")
    dialog.find_element(By.XPATH, ".//button[normalize-space()='Annuler']").click()
    assert card(panel, demo.name)
    gear(panel, demo.name, "Supprimer")
    panel.find("dialog[open]").find_element(By.XPATH, ".//button[normalize-space()='Supprimer']").click()
    panel.find(".notice", f"Compte {demo.name} supprimé.")
    panel.absent("li.account")
    panel.find(".empty", "Aucun compte fournisseur")

    # The server stops: the panel says so, with the command, without any click.
    server.stop()
    panel.find("h2", "Le serveur invoice-collector ne répond pas", timeout=20)
    panel.find("code", "invoice-collector serve")
    panel.screenshot("13-offline-again")
    assert panel.console_errors() == []


def test_a_one_time_code_is_asked_for_prominently(server, browser):
    portal = CodePortal(server)
    try:
        server.start()
        panel = open_panel(browser("fr"), "otp", server.port)
        pair(panel, server)
        add_account(panel, portal)
        prompt = panel.find(".code-prompt", f"Code demandé par {portal.name}", timeout=60)
        assert "Code reçu par SMS" in prompt.text  # the provider's own prompt
        code = panel.field("Code à usage unique", within=prompt)
        wait_until(lambda: panel.driver.switch_to.active_element == code, what="the code field to get the focus")
        panel.find("li.account .state-warning", "Code à usage unique demandé")
        keep_for_docs(panel.screenshot("code-prompt"), "panel-code-prompt")
        prompt.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert panel.field_error(code) == "Ce champ est obligatoire."
        code.send_keys(portal.code, Keys.ENTER)
        panel.absent(".code-prompt")
        panel.find("li.account .summary", f"{portal.initial_count} factures existantes mémorisées", timeout=60)
        assert panel.console_errors() == []
    finally:
        portal.stop()


def test_english_then_french_through_the_options(server, demo, browser):
    server.start()
    driver = browser("en")
    panel = open_panel(driver, "en", server.port, language="en")
    panel.find("h2", "Pair this browser")
    panel.screenshot("01-pairing")
    pair(panel, server, label="Pairing code", button="Pair")
    panel.find("h2", "Manage existing accounts")
    assert [tab.text for tab in driver.find_elements(By.CSS_SELECTOR, "[role=tab]")] == \
        ["Accounts", "Invoices", "Settings"]
    add_account(panel, demo, words=EN)
    panel.find("li.account .summary", f"{demo.initial_count} existing invoices remembered (not sent)", timeout=60)
    last_sync = panel.find("li.account .fact dd").text
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M", last_sync), last_sync
    panel.screenshot("02-accounts")
    panel.click("[role=tab]", "Invoices")
    row = panel.find("li.invoice", "Earlier invoice: not sent")
    assert re.search(r"€[\d,]+\.\d{2}", row.text), row.text  # amounts formatted the English way
    panel.screenshot("03-invoices")

    # The language override of the options page: the panel follows.
    panel.open(OPTIONS_URL)
    panel.find("h1", "Collect invoices: options")
    Select(panel.field("Panel language")).select_by_value("fr")
    panel.find("h1", "Collecte de factures : options")
    panel.open(PANEL_URL)
    panel.find("h2", "Gérer les comptes existants")
    last_sync = panel.find("li.account .fact dd").text
    assert re.fullmatch(r"\d{1,2} [a-zéû]+\.? \d{4}(,| à) \d{2}:\d{2}", last_sync), last_sync
    assert panel.console_errors() == []


def test_another_program_on_the_port(browser):
    """Something else answers on the port: the panel says so instead of "offline"."""
    other = Flask("other")
    other.get("/api/health")(lambda: {"app": "something-else"})
    with serve(other) as url:
        panel = open_panel(browser("fr"), "wrong-server", int(url.rsplit(":", 1)[1]))
        panel.find("h2", "Un autre programme répond sur ce port")
        panel.find("code", "invoice-collector serve --port")
