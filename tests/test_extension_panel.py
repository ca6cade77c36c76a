"""The side panel in real Chromium, against a real `invoice-collector serve`, a real keyring, the
demo portal and a loopback SMTP server: what a user sees, screen after screen."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import serve
from tests.test_delivery_support import SMTP_PASSWORD, SMTP_USER, start_smtp
from tests.test_extension_portal import CodePortal, DemoEnergie
from tests.test_extension_support import (
    CHROMIUM_HAS_FRENCH,
    OPTIONS_URL,
    PANEL_URL,
    SCREENSHOTS,
    Panel,
    ServerProcess,
    launch_chromium,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

FR = {"add": "Ajouter un nouveau compte", "search": "Rechercher un fournisseur", "submit": "Ajouter le compte",
      "terms": "J’ai lu et j’accepte les conditions d’utilisation de la collecte {name}.",
      "added": "Compte {name} ajouté", "lang": "fr",
      "since_toggle": "Récupérer aussi les factures émises depuis une date", "since": "Depuis le", "date_keys": "%d%m%Y"}
EN = {"add": "Add a new account", "search": "Search for a provider", "submit": "Add the account",
      "terms": "I have read and accept the terms of use of the {name} collection.",
      "added": "{name} account added", "lang": "en",
      "since_toggle": "Also collect invoices issued since a date", "since": "Since", "date_keys": "%m%d%Y"}


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


def choose_provider(panel: Panel, portal, words=FR, listed_as: str = ""):
    """Searches the catalog; once the list shows only this provider (with `listed_as` in its
    entry), picks it."""
    panel.type(panel.field(words["search"]), portal.search)
    def only_this_one():
        listed = panel.driver.find_elements(By.CSS_SELECTOR, ".provider-choice")
        return len(listed) == 1 and portal.name in listed[0].text and listed_as in listed[0].text
    wait_until(only_this_one, what=f"the search to list only {portal.name}")
    choice = panel.find(".provider-choice", portal.name)
    tag = [e.text for e in choice.find_elements(By.CSS_SELECTOR, ".tag-beta")]
    choice.click()
    return tag


def add_account(panel: Panel, portal, words=FR, screenshots: bool = False, since: dt.date | None = None,
                listed_as: str = "", shows: tuple[str, ...] = ()) -> None:
    """« Ajouter un nouveau compte »: the submit button stays disabled until the terms are accepted.
    `since`: also collect (and send) the invoices issued since that day. `listed_as` (in the
    search list) and `shows` (in the form): the catalog's texts, in the panel's language."""
    panel.click("#add-account", words["add"])
    panel.find("h2", words["add"])
    choose_provider(panel, portal, words, listed_as)
    for text in shows:
        panel.find("#view", text)
    submit = panel.find("#add-submit", words["submit"])
    assert not submit.is_enabled()  # the terms gate
    for label, value in portal.credentials(words["lang"]).items():
        panel.type(panel.field(label), value)
    assert not submit.is_enabled()
    login = panel.field(portal.login_label(words["lang"]))
    # The login as typed: never type=email, whose value turns jean@exämple.fr into punycode.
    assert login.get_attribute("type") == "text"
    if "mail" in portal.login_label(words["lang"]).lower():
        assert login.get_attribute("inputmode") == "email"  # the phone's e-mail keyboard still
    secret = panel.field(portal.password_label(words["lang"]))
    assert secret.get_attribute("type") == "password" and secret.get_attribute("autocomplete") == "off"
    if screenshots:
        panel.screenshot("05-add-account-terms")
    if since:
        panel.field(words["since_toggle"]).click()
        date = panel.field(words["since"])
        date.send_keys(since.strftime(words["date_keys"]))
        assert date.get_attribute("value") == since.isoformat()
    terms = panel.field(words["terms"].format(name=portal.name))
    # Back up to the terms, as the user does: it sits at the top of a form now scrolled past it.
    panel.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", terms)
    terms.click()
    assert submit.is_enabled()
    if screenshots:
        keep_for_docs(panel.screenshot("06-add-account-form"), "panel-add-account")
    submit.click()
    panel.find(".notice", words["added"].format(name=portal.name))


def test_the_whole_journey_in_french(server, demo, browser, tmp_path):
    smtp = start_smtp(tmp_path / "libeo-inbox")
    try:
        journey(server, demo, browser("fr"), smtp, tmp_path / "factures")
    finally:
        smtp.stop()


def journey(server, demo, driver, smtp, folder):
    panel = open_panel(driver, "fr", server.port)

    # Not connected: the server is not running — say so, and show the commands that set it up (no
    # native host in this profile: no « Démarrer le serveur » button).
    panel.find("h2", "Le serveur invoice-collector ne répond pas")
    panel.find("code", "invoice-collector setup")
    keep_for_docs(panel.screenshot("01-offline"), "panel-offline")

    # The panel notices the server by itself; then it must be paired.
    server.start()
    panel.find("h2", "Associer ce navigateur", timeout=15)
    panel.find("#pair-why", "Association automatique impossible ici")  # no native host in this profile
    panel.find("code", "invoice-collector pair")
    code_field = panel.field("Code d’association")
    panel.type(code_field, "000-000")
    panel.click("#pair-submit", "Associer")
    # The server's own message, next to the field, telling what to do.
    wait_until(lambda: "invoice-collector pair" in panel.field_error(code_field), what="the pairing error")
    assert code_field.get_attribute("aria-invalid") == "true"
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
    # Corrected: the error under the field goes as the user types, not at the next save.
    assert panel.field_error(inbox) == "" and inbox.get_attribute("aria-invalid") is None
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
    # A refused password: the server's words in French, next to the field, and nothing saved.
    panel.type(password, "not-the-smtp-password")
    panel.click("#libeo-test", "Tester la connexion")
    wait_until(lambda: "a refusé l'identification" in panel.field_error(password), 30, "the refusal")
    panel.find("#smtp-password-state", "Aucun mot de passe")
    panel.type(password, SMTP_PASSWORD)
    panel.click("#libeo-test", "Tester la connexion")
    panel.find("#libeo-form .form-status-success", "Connexion réussie", timeout=30)
    assert password.get_attribute("value") == ""  # write-only: never shown again
    assert panel.field("Mot de passe SMTP").get_attribute("placeholder").startswith("Enregistré")
    panel.find("#smtp-password-state", "Mot de passe enregistré")
    # « Options avancées », closed while no CA is set: text that is no certificate is refused next
    # to its field; emptied, the settings save again.
    details = panel.find("#libeo-advanced")
    assert details.get_attribute("open") is None
    panel.click("#libeo-advanced summary", "Options avancées")
    ca = panel.field("Certificat d’autorité (CA) de votre serveur SMTP")
    panel.find("#smtp-ca-file", "Choisir un fichier…")
    panel.type(ca, "pas un certificat")
    panel.click("#libeo-save", "Enregistrer")
    wait_until(lambda: "ce n'est pas un certificat PEM" in panel.field_error(ca), what="the CA field error")
    ca.clear()
    panel.click("#libeo-save", "Enregistrer")
    panel.find("#libeo-form .form-status-success", "Réglages enregistrés.")
    keep_for_docs(panel.screenshot("04-settings"), "panel-settings")
    assert panel.cut_at(320) == []  # the narrowest side panel: nothing cut off
    # And a copy in a local folder.
    panel.field("Copier les nouvelles factures dans un dossier").click()
    panel.type(panel.field("Dossier"), str(folder))
    panel.click("#folder-save", "Enregistrer")
    panel.find("#folder-form .form-status-success", "Réglages enregistrés.")

    # Ajouter un compte: search, terms gate, the provider's own fields; the first collection starts.
    panel.click("[role=tab]", "Comptes")
    add_account(panel, demo, screenshots=True)
    panel.find("li.account .summary", f"{demo.initial_count} factures existantes mémorisées", timeout=60)
    account = card(panel, demo.name)
    assert "À jour" in account.text
    last_sync = account.find_element(By.CSS_SELECTOR, ".fact dd").text
    assert re.fullmatch(r"\d{1,2} [a-zéû]+\.? \d{4}(,| à) \d{2}:\d{2}", last_sync), last_sync
    keep_for_docs(panel.screenshot("07-accounts-baseline"), "panel-accounts")

    # A new invoice on the portal, « Synchroniser maintenant » from the gear menu; the SMTP server
    # refuses the first message for good (5xx).
    smtp.handler.replies.append("554 5.7.1 Sender address rejected by policy")
    number = demo.publish_new()
    gear(panel, demo.name, "Synchroniser maintenant")
    panel.find("li.account .summary", "1 nouvelle facture", timeout=60)
    panel.screenshot("08-accounts-synced")
    assert panel.cut_at(320) == []

    # Factures: the failure with the server's reason and « Réessayer »; then sent to Libeo.
    panel.click("[role=tab]", "Factures")
    row = panel.find("li.invoice", number)
    assert "57,30 €" in row.text
    invoice_id = row.get_attribute("data-invoice-id")
    in_row = f"li.invoice[data-invoice-id='{invoice_id}']"
    panel.find(f"{in_row} .state", "Échec de l’envoi", timeout=60)
    panel.find(f"{in_row} .invoice-detail", "Sender address rejected by policy")
    panel.screenshot("09-invoice-failed")
    panel.click(f"{in_row} button", "Réessayer")
    panel.find(f"{in_row} .state", "Envoyée à Libeo", timeout=60)
    assert len(smtp.handler.messages()) == 1
    assert [path.name for path in folder.glob("*.pdf")] and number in next(folder.glob("*.pdf")).name
    panel.find("li.invoice", "Antérieure : non envoyée")  # the baseline is not sent on its own…
    keep_for_docs(panel.screenshot("10-invoices"), "panel-invoices")
    assert panel.cut_at(320) == []
    tabs_before = set(driver.window_handles)
    panel.click(f"{in_row} button[aria-label^='Ouvrir le PDF']")
    new_tab = wait_until(lambda: set(driver.window_handles) - tabs_before, what="the PDF tab").pop()
    panel_tab = driver.current_window_handle
    driver.switch_to.window(new_tab)
    assert driver.current_url.startswith("blob:chrome-extension://")
    driver.close()
    driver.switch_to.window(panel_tab)
    # …unless the user asks: « Envoyer à Libeo » fetches its PDF with a sync started now, then sends it.
    oldest = panel.find("li.invoice", "Antérieure : non envoyée").get_attribute("data-invoice-id")
    panel.click(f"li.invoice[data-invoice-id='{oldest}'] button.send", "Envoyer à Libeo")
    panel.find(".notice", "Son PDF sera récupéré à la synchronisation lancée maintenant")
    wait_until(lambda: len(smtp.handler.messages()) == 2, 60, "the baseline invoice's message")
    panel.click("[role=tab]", "Comptes")
    panel.click("[role=tab]", "Factures")
    panel.find(f"li.invoice[data-invoice-id='{oldest}'] .state", "Envoyée à Libeo", timeout=30)
    panel.find(f"li.invoice[data-invoice-id='{oldest}'] .invoice-detail", "onglet « Contrôler »")

    # Modifier mes identifiants: a wrong password blocks the account with a message saying what to do.
    panel.click("[role=tab]", "Comptes")
    gear(panel, demo.name, "Modifier mes identifiants")
    panel.find("h2", f"Modifier mes identifiants {demo.name}")
    assert "null" not in panel.find("main#view").text
    assert panel.field(demo.login_label()).get_attribute("value") == demo.login
    secret = panel.field(demo.password_label())
    assert secret.get_attribute("value") == "" and secret.get_attribute("placeholder")
    panel.type(secret, "not-the-password")
    keep_for_docs(panel.screenshot("11-edit-credentials"), "panel-edit-credentials")
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find(".notice", "mis à jour")
    panel.find("li.account .state-error", "Action requise", timeout=60)
    panel.find("li.account .state-detail", "Corrigez vos identifiants")
    panel.screenshot("12-account-blocked")
    # The gear menu does not offer a sync the server would refuse (409) until the password is fixed.
    panel.click(f"button[aria-label='Actions pour {demo.name}']")
    offered = [e.text for e in panel.driver.find_elements(By.CSS_SELECTOR, "[role=menu] [role=menuitem]")]
    assert "Synchroniser maintenant" not in offered and "Modifier mes identifiants" in offered, offered
    panel.driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # the focus is in the open menu
    card(panel, demo.name).find_element(By.CSS_SELECTOR, ".account-state button").click()
    panel.type(panel.field(demo.password_label()), demo.password)
    panel.click("#credentials-submit", "Mettre à jour")
    panel.find("li.account .state-ok", "À jour", timeout=60)

    # Mettre en pause, reprendre.
    gear(panel, demo.name, "Mettre en pause")
    panel.find("li.account .state-muted", "En pause")
    panel.find("li.account .fact", "Aucune (en pause)")  # no « Prochaine synchro » date while paused
    gear(panel, demo.name, "Reprendre la collecte")
    panel.find("li.account .state-ok", "À jour")

    # Supprimer, with a confirmation (cancel first: nothing happens).
    gear(panel, demo.name, "Supprimer")
    dialog = panel.find("dialog[open]", f"Supprimer le compte {demo.name} ?")
    panel.screenshot("13-delete-confirm")
    dialog.find_element(By.XPATH, ".//button[normalize-space()='Annuler']").click()
    assert card(panel, demo.name)
    gear(panel, demo.name, "Supprimer")
    panel.find("dialog[open]").find_element(By.XPATH, ".//button[normalize-space()='Supprimer']").click()
    panel.find(".notice", f"Compte {demo.name} supprimé.")
    panel.absent("li.account")
    panel.find(".empty", "Aucun compte fournisseur")

    # Added again with « depuis » today: the invoice Libeo already has is remembered, not sent twice.
    today = dt.date.today()
    others = sum(1 for i in demo.invoices() if i["date"] >= today.isoformat() and i["number"] != number)
    add_account(panel, demo, since=today)
    panel.find(".notice", "2 factures déjà envoyées à Libeo ne seront pas renvoyées.")
    panel.find("li.account .state-ok", "À jour", timeout=60)
    panel.click("[role=tab]", "Factures")
    sent = panel.find("li.invoice", number).get_attribute("data-invoice-id")
    panel.find(f"li.invoice[data-invoice-id='{sent}'] .state", "Envoyée à Libeo")
    assert len(smtp.handler.messages()) == 2 + others
    # The server restarts (an update, a crash): back online, the panel is where the user was.
    server.stop()
    panel.find("h2", "Le serveur invoice-collector ne répond pas", timeout=20)
    server.start()
    panel.find("[role=tab][aria-selected=true]", "Factures", timeout=20)
    panel.find("li.invoice", number)
    panel.click("[role=tab]", "Comptes")
    gear(panel, demo.name, "Supprimer")
    panel.find("dialog[open]", "elles ne seront pas renvoyées").find_element(
        By.XPATH, ".//button[normalize-space()='Supprimer']").click()
    panel.absent("li.account")

    # The pairing is revoked on the server: the panel asks for a new code, saying why.
    server.revoke()
    panel.find("#pairing .banner-warning", "a expiré ou a été révoquée", timeout=20)
    assert "token" not in panel.storage()

    # The server stops: the panel says so, with the command, without any click.
    server.stop()
    panel.find("h2", "Le serveur invoice-collector ne répond pas", timeout=20)
    panel.find("code", "invoice-collector autostart enable")
    panel.screenshot("14-offline-again")
    assert panel.console_errors() == []


def test_a_one_time_code_is_asked_for_prominently(server, browser):
    portal = CodePortal(server)
    try:
        server.start()
        panel = open_panel(browser("fr"), "otp", server.port)
        pair(panel, server)
        # A beta provider is marked as such in the list and says why on its form.
        panel.click("#add-account", FR["add"])
        assert [tag.title() for tag in choose_provider(panel, portal)] == ["Bêta"]
        panel.find(".banner-warning", portal.beta_note)
        panel.screenshot("beta-provider")
        panel.click(".back", "Changer de fournisseur")
        panel.click(".back", "Comptes")
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


def test_a_refused_password_is_said_in_the_add_form(server, demo, browser):
    """The add form waits for the portal's answer to the first login: « refusés » by the password
    field, then the corrected password is tried on the same account."""
    server.start()
    panel = open_panel(browser("fr"), "refused", server.port)
    pair(panel, server)
    panel.click("#add-account", FR["add"])
    choose_provider(panel, demo)
    panel.type(panel.field(demo.login_label()), demo.login)
    secret = panel.field(demo.password_label())
    panel.type(secret, "not-the-password")
    panel.field(FR["terms"].format(name=demo.name)).click()
    panel.click("#add-submit", FR["submit"])
    wait_until(lambda: "Identifiants refusés par Énergie Démo" in panel.field_error(secret), 60, "the refusal")
    assert secret.get_attribute("aria-invalid") == "true"
    panel.find("#add-submit", "Réessayer avec ces identifiants")
    panel.screenshot("add-refused")
    panel.type(secret, demo.password)
    panel.click("#add-submit", "Réessayer")
    panel.find(".notice", FR["added"].format(name=demo.name), timeout=60)
    panel.find("li.account .state-ok", "À jour", timeout=60)
    assert len(panel.driver.find_elements(By.CSS_SELECTOR, "li.account")) == 1  # the same account, not a second
    assert panel.console_errors() == []


def test_paired_browsers_are_listed_and_each_can_be_revoked(server, browser):
    server.start()
    server.pair()  # another client first, as a script would (no browser in its User-Agent)
    panel = open_panel(browser("fr"), "pairings", server.port)
    pair(panel, server)
    panel.click("[role=tab]", "Réglages")
    mine = panel.find("#paired-browsers li.pairing", "Ce navigateur")
    assert "Chrome sur Linux" in mine.text and "Associé le" in mine.text and "Dernier usage" in mine.text
    other = panel.find("#paired-browsers li.pairing", "navigateur inconnu")
    assert "Ce navigateur" not in other.text
    panel.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", mine)
    panel.screenshot("paired-browsers")
    panel.click("button[aria-label='Révoquer navigateur inconnu']")
    panel.find("dialog[open]", "Révoquer « navigateur inconnu » ?").find_element(
        By.XPATH, ".//button[normalize-space()='Révoquer']").click()
    panel.find("#paired-browsers .form-status-success", "Association « navigateur inconnu » révoquée.")
    panel.absent("#paired-browsers li.pairing", "navigateur inconnu")
    assert server.http.get(f"{server.base}/api/accounts", timeout=10).status_code == 401
    # Its own: the panel asks for a new code.
    panel.click("button[aria-label='Révoquer Chrome sur Linux']")
    panel.find("dialog[open]", "C’est ce navigateur").find_element(
        By.XPATH, ".//button[normalize-space()='Révoquer']").click()
    panel.find("#pairing h2", "Associer ce navigateur")
    assert "token" not in panel.storage()
    # « Oublier l’association » in the options revokes the pairing on the server too.
    pair(panel, server)
    wait_until(lambda: "token" in panel.storage(), what="the new token")
    panel.open(OPTIONS_URL)
    panel.click("#unpair", "Oublier l’association")
    wait_until(lambda: "token" not in panel.storage(), what="the token to be forgotten")
    assert "No browser is paired" in server.command("pair", "--list", "--lang", "en").stdout
    assert panel.console_errors() == []


def test_english_then_french_through_the_options(server, demo, browser, tmp_path):
    server.start()
    driver = browser("en")
    panel = open_panel(driver, "en", server.port, language="en")
    panel.find("h2", "Pair this browser")
    panel.screenshot("01-pairing")

    # Pairing from the options page instead: the panel follows.
    options = Panel(driver, "en-options").open(OPTIONS_URL)
    panel.find("#server-state", "Connected to invoice-collector")
    pair(options, server, label="Pairing code", button="Pair")
    options.find("#paired", "This browser is paired with invoice-collector")
    options.screenshot("options")
    panel.open(PANEL_URL)
    panel.find("h2", "Manage existing accounts")
    assert [tab.text for tab in driver.find_elements(By.CSS_SELECTOR, "[role=tab]")] == \
        ["Accounts", "Invoices", "Settings"]
    # Also the invoices of the last two months (otherwise only new invoices are sent).
    since = (dt.date.today().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    recent = sum(1 for invoice in demo.invoices() if invoice["date"] >= since.isoformat())
    assert 0 < recent < demo.initial_count
    # The catalog's own texts in English too: the category, the description and the terms.
    add_account(panel, demo, words=EN, since=since, listed_as="Energy",
                shows=("A fictitious electricity supplier", "its invoices are samples generated on this computer"))
    panel.find("li.account .summary", f"{recent} new invoices · {demo.initial_count - recent} existing invoices "
               "remembered (not sent)", timeout=60)
    last_sync = panel.find("li.account .fact dd").text
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M", last_sync), last_sync
    panel.screenshot("02-accounts")

    # Keyboard: the gear menu and the tabs.
    gear_button = panel.find(f"button[aria-label='Actions for {demo.name}']")
    gear_button.send_keys(Keys.ENTER)
    active = driver.switch_to.active_element
    assert active.get_attribute("role") == "menuitem" and active.text == "Sync now"
    active.send_keys(Keys.ARROW_DOWN)
    assert driver.switch_to.active_element.text == "Edit my credentials"
    # The list refreshes every few seconds while the menu is open: the focus must stay in it.
    # Two reads of /api/accounts: the first one's answer is then surely rendered.
    driver.execute_script("""
        window.accountReads = 0;
        const original = window.fetch;
        window.fetch = (url, ...rest) => original(url, ...rest).then(answer => {
          if (/\\/api\\/accounts(\\?|$)/.test(String(url))) window.accountReads += 1;
          return answer;
        });""")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.accountReads") >= 2)
    assert driver.switch_to.active_element.text == "Edit my credentials"
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert driver.switch_to.active_element == gear_button
    assert gear_button.get_attribute("aria-expanded") == "false"
    panel.find("[role=tab]", "Accounts").send_keys(Keys.ARROW_RIGHT)
    assert driver.switch_to.active_element.text == "Invoices"
    assert driver.switch_to.active_element.get_attribute("aria-selected") == "true"
    row = panel.find("li.invoice", "Earlier invoice: not sent")
    assert re.search(r"€[\d,]+\.\d{2}", row.text), row.text  # amounts formatted the English way
    panel.screenshot("03-invoices")

    # Search, filters, and the PDFs of a selection as one ZIP (only invoices with a PDF can be picked).
    def shown_invoices():
        return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.invoice")]
    wanted = max((i for i in demo.invoices() if i["date"] >= since.isoformat()), key=lambda i: i["date"])
    search = panel.field("Search")
    panel.type(search, wanted["number"][-5:])
    wait_until(lambda: len(shown_invoices()) == 1 and wanted["number"] in shown_invoices()[0], what="the search")
    search.send_keys(Keys.CONTROL + "a", Keys.BACKSPACE)  # erased as a person does (clear() fires no input)
    wait_until(lambda: len(shown_invoices()) == demo.initial_count, what="the whole list again")
    panel.click("details.filters summary", "Filters")
    low = panel.field("Minimum amount (€)")
    panel.type(low, "a lot")
    wait_until(lambda: "amount" in panel.field_error(low), what="the amount's error under its field")
    low.send_keys(Keys.CONTROL + "a", Keys.BACKSPACE)
    assert panel.field_error(low) == ""
    panel.find("#view p[role=status]", f"{demo.initial_count} invoices")  # the list's count, not the error
    panel.click(".selection-bar label", "Select all")
    panel.find(".selection-bar", f"{recent} selected")
    downloads = tmp_path / "downloads"
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    panel.click(".selection-bar button", "Download (ZIP)")
    panel.find(".notice", f"{recent} invoices in the downloaded ZIP file.")
    archive = wait_until(lambda: next(downloads.glob("*.zip"), None),
                         what="the ZIP in the downloads folder")
    with zipfile.ZipFile(archive) as zipped:
        assert len(zipped.namelist()) == recent and all(n.endswith(".pdf") for n in zipped.namelist())
    panel.screenshot("03b-invoices-selected")
    assert panel.cut_at(320) == []  # the filters, the selection bar and the list at the narrowest panel

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
        # The toolbar button opens the side panel (set by the service worker).
        behavior = wait_until(lambda: panel.driver.execute_async_script(
            "chrome.sidePanel.getPanelBehavior().then(arguments[0])").get("openPanelOnActionClick"),
            what="the service worker to set the panel behaviour")
        assert behavior is True
