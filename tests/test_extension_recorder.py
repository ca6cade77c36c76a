"""« Enregistrer une recette »: a user whose supplier is missing records a recipe in the panel by
logging in to the supplier's site and clicking an invoice's number, date, amount, PDF link and
« Suivant ». Real Chromium with the extension, the real server, the classic fixture portal
(tests/portals/classic.py: a form login, a paginated table): the recorded recipe passes
`recipe check`, its test run lists every invoice, and the password typed during the recording is
nowhere — not in a file, a message of the page recorder, the draft, nor any request but the two
that carry it on purpose (the test run's and the new account's)."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from tests.helpers import serve
from tests.portals import classic, otp
from tests.test_extension_panel import keep_for_docs, open_panel, pair
from tests.test_extension_support import PANEL_URL, Panel, server_and_chromium, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

NAME = "Mon Énergie Classique"
RECIPE_ID = "mon-energie-classique"
# Every message the page recorder sends, as the panel receives it (a listener added by the test).
SPY_MESSAGES = """
window.recorderMessages = [];
chrome.runtime.onMessage.addListener((message) => { window.recorderMessages.push(JSON.stringify(message)); });
"""
# The requests that carry the password on purpose: the recipe's test run, and the new account.
CARRY_CREDENTIALS = ("/api/recipes/draft/try", "/api/accounts")


@pytest.fixture
def world(home, tmp_path):
    state = classic.State(login_alert=False)
    with serve(classic.create_app(state)) as portal_url, \
            server_and_chromium(home, tmp_path, network_log=True) as (server, driver):
        yield server, portal_url, driver


def go_to_recorder(panel: Panel) -> None:
    panel.click("#add-account", "Ajouter un nouveau compte")
    panel.click(".record-recipe-block summary", "Mon fournisseur n’est pas dans la liste")
    panel.click("button.record-recipe", "Enregistrer une recette")
    panel.find("h2", "Enregistrer une recette")


def start_recording(panel: Panel, address: str) -> None:
    panel.type(panel.field("Adresse de la page de connexion"), address)
    panel.click(".recorder-start button[type=submit]", "Commencer l’enregistrement")


def recorded(driver) -> bool:
    """The page recorder is in the page (its style for the invoice picks is its one visible trace)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('style')].some(s => s.textContent.includes('invoice-collector-picking'))")


class Tabs:
    """The panel's tab and the supplier's, as the user goes from one to the other."""

    def __init__(self, driver, panel_handle: str):
        self.driver, self.panel = driver, panel_handle
        self.site = wait_until(lambda: [h for h in driver.window_handles if h != panel_handle], what="the site's tab")[0]

    def to_site(self) -> None:
        self.driver.switch_to.window(self.site)

    def to_panel(self) -> None:
        self.driver.switch_to.window(self.panel)


def recording_on(driver, server, name: str, address: str) -> tuple[Panel, Tabs]:
    """The panel opened and paired, its messages spied on, the recording started at `address`;
    the supplier's tab in front."""
    panel = open_panel(driver, name, server.port)
    pair(panel, server)
    driver.execute_script(SPY_MESSAGES)
    go_to_recorder(panel)
    start_recording(panel, address)
    tabs = Tabs(driver, driver.current_window_handle)
    tabs.to_site()
    return panel, tabs


def pick(tabs: Tabs, panel: Panel, asked: str, css: str) -> None:
    """The panel asks for a part of an invoice; the user clicks it on the site."""
    tabs.to_panel()
    panel.find(".recorder-ask", asked)
    tabs.to_site()
    tabs.driver.find_element(By.CSS_SELECTOR, css).click()


def requests_to(driver, port: int) -> list[tuple[str, str, str]]:
    """(method, path, body) of every request the browser sent to our server."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        prefix = f"http://127.0.0.1:{port}"
        if request["url"].startswith(prefix):
            sent.append((request["method"], request["url"][len(prefix):].split("?")[0], request.get("postData", "")))
    return sent


def test_recording_a_recipe_for_a_form_login_and_a_table(world, home):
    server, portal_url, driver = world
    panel = open_panel(driver, "recorder", server.port)
    pair(panel, server)
    driver.execute_script(SPY_MESSAGES)
    go_to_recorder(panel)
    panel.screenshot("01-start")
    assert panel.cut_at(320) == []

    # Only web pages: not the browser's own pages, files or the extension's.
    for address, scheme in (("chrome://settings", "chrome"), ("file:///etc/passwd", "file"), (PANEL_URL, "chrome-extension")):
        start_recording(panel, address)
        control = panel.field("Adresse de la page de connexion")
        wait_until(lambda control=control, scheme=scheme: f"adresse « {scheme} »" in panel.field_error(control),
                   what=f"{address} refused")
    assert len(driver.window_handles) == 1
    panel.screenshot("02-refused")

    start_recording(panel, f"{portal_url}/login")
    tabs = Tabs(driver, driver.current_window_handle)
    tabs.to_site()
    wait_until(lambda: recorded(driver), what="the page recorder in the login page")
    # Wandering to a browser page mid-recording: nothing is recorded there, and the panel says so.
    driver.get("chrome://version")
    tabs.to_panel()
    panel.find(".form-status", "L’enregistrement est suspendu sur cette page")
    tabs.to_site()
    driver.get(f"{portal_url}/login")
    wait_until(lambda: recorded(driver), what="the page recorder in the login page again")
    driver.find_element(By.NAME, "email").send_keys(classic.LOGIN)
    driver.find_element(By.NAME, "password").send_keys(classic.PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    wait_until(lambda: "/factures" in driver.current_url and recorded(driver), what="the invoice list, recorded")

    tabs.to_panel()
    steps = panel.find("ol.recorder-steps", "Attendre la page suivante")
    panel.absent(".form-status", "L’enregistrement est suspendu")
    assert [li.text for li in steps.find_elements(By.TAG_NAME, "li")] == [
        "Ouvrir /login", "Saisir l’identifiant", "Saisir le mot de passe (jamais enregistré)",
        "Cliquer sur « Se connecter »", "Attendre la page suivante (#factures)"]
    keep_for_docs(panel.screenshot("03-recording"), "panel-recorder-recording")
    assert panel.cut_at(320) == []
    panel.click("button", "Je suis sur la liste des factures")

    pick(tabs, panel, "Cliquez sur le numéro d’une facture", "#factures tbody tr:nth-child(2) td.numero")
    pick(tabs, panel, "Cliquez sur sa date", "#factures tbody tr:nth-child(2) td.date")
    tabs.to_panel()
    panel.find(".recorder-samples td", "05/01/2024")
    panel.screenshot("04-pick-amount")
    assert panel.cut_at(320) == []
    pick(tabs, panel, "Cliquez sur son montant", "#factures tbody tr:nth-child(3) td.montant")
    pick(tabs, panel, "Cliquez sur son lien PDF", "#factures tbody tr:nth-child(1) a.pdf")
    pick(tabs, panel, "Cliquez sur « page suivante »", "a[rel=next]")
    tabs.to_site()
    assert driver.current_url.endswith("/factures")  # the picks clicked nothing for real

    tabs.to_panel()
    panel.find(".recorder-valid", "La recette est valide.")
    samples = panel.find(".recorder-samples", "4 lignes sur cette page")
    assert [td.text for td in samples.find_elements(By.CSS_SELECTOR, "tbody tr:first-child td")] == [
        "FAC-2024-001", "05/01/2024", "44,20 €", "/factures/FAC-2024-001/pdf"]
    name = panel.field("Nom du fournisseur")
    panel.type(name, NAME)
    panel.click("button", "Vérifier")
    panel.find(".recorder-valid", "La recette est valide.")
    draft = driver.find_element(By.CSS_SELECTOR, "textarea.recorder-yaml").get_attribute("value")
    assert f"id: {RECIPE_ID}\n" in draft and '"{{ password }}"' in draft and "login:" in draft

    panel.type(panel.field("Identifiant"), classic.LOGIN)
    panel.type(panel.field("Mot de passe"), classic.PASSWORD)
    panel.click(".recorder-try button[type=submit]", "Essayer")
    found = panel.find(".recorder-trial-ok", "10 factures trouvées", timeout=120)
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in found.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert [row[0] for row in rows] == [number for number, *_ in classic.INVOICES]
    assert rows[1][:2] == ["FAC-2024-002", "5 févr. 2024"] and "234,56" in rows[1][2]
    keep_for_docs(panel.screenshot("05-tried"), "panel-recorder")
    assert panel.cut_at(320) == []

    panel.click("button.recorder-save", "Enregistrer la recette")
    panel.find(".recorder-saved", f"« {NAME} » est maintenant dans vos fournisseurs")
    saved = home / "config" / "providers.d" / f"{RECIPE_ID}.yaml"
    assert saved.read_text(encoding="utf-8") == draft
    check = server.command("recipe", "check", str(saved))
    assert check.returncode == 0, check.stdout + check.stderr

    # « Ajouter un compte » as usual: the form opens on the new provider, its origin shown.
    panel.click("button.recorder-add-account", "Ajouter un nouveau compte")
    panel.find("fieldset.origins code", portal_url)
    panel.type(panel.field("Identifiant"), classic.LOGIN)
    panel.type(panel.field("Mot de passe"), classic.PASSWORD)
    panel.field(f"J’ai lu et j’accepte les conditions d’utilisation de la collecte {NAME}.").click()
    panel.click("#add-submit", "Ajouter le compte")
    panel.find("li.account .state-ok", "À jour", timeout=120)

    password = classic.PASSWORD
    messages = driver.execute_script("return window.recorderMessages")
    assert any('"action":"fill","kind":"password"' in m for m in messages), messages
    assert not [m for m in messages if password in m or classic.LOGIN in m]
    assert password not in draft
    carried = [(method, path) for method, path, body in requests_to(driver, server.port) if password in body]
    assert ("POST", "/api/recipes/draft/try") in carried  # the log does see request bodies
    assert [(method, path) for method, path in carried if path not in CARRY_CREDENTIALS] == []
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files and not [p for p in files if password.encode() in p.read_bytes()]
    assert panel.console_errors() == []


@pytest.fixture
def otp_world(home, tmp_path):
    state = otp.State()
    with serve(otp.create_app(state)) as portal_url, server_and_chromium(home, tmp_path) as (server, driver):
        yield server, portal_url, driver, state


def test_recording_a_login_in_an_iframe_then_a_one_time_code(otp_world, home):
    """tests/portals/otp.py: the login form in an iframe, then a code « sent by SMS » (read from the
    portal's state, as the user reads their phone), then a table."""
    server, portal_url, driver, state = otp_world
    panel, tabs = recording_on(driver, server, "recorder-otp", f"{portal_url}/")
    wait_until(lambda: recorded(driver), what="the page recorder in the page")
    driver.switch_to.frame(driver.find_element(By.ID, "auth"))
    wait_until(lambda: recorded(driver), what="the page recorder in the login frame")
    driver.find_element(By.ID, "username").send_keys(otp.SMS_LOGIN)
    driver.find_element(By.ID, "password").send_keys(otp.PASSWORD)
    driver.find_element(By.ID, "login-btn").click()
    driver.switch_to.default_content()
    wait_until(lambda: driver.current_url.endswith("/otp") and recorded(driver), what="the code page, recorded")
    sms = state.sent_codes[otp.SMS_LOGIN]
    driver.find_element(By.ID, "code").send_keys(sms)
    driver.find_element(By.ID, "verify").click()
    wait_until(lambda: "/compte/factures" in driver.current_url and recorded(driver), what="the list, recorded")

    tabs.to_panel()
    steps = panel.find("ol.recorder-steps", "(#invoices)")
    assert [li.text for li in steps.find_elements(By.TAG_NAME, "li")] == [
        "Ouvrir /", "Saisir l’identifiant", "Saisir le mot de passe (jamais enregistré)", "Cliquer sur « Valider »",
        "Attendre la page suivante (form)", "Demander le code à usage unique", "Cliquer sur « Vérifier »",
        "Attendre la page suivante (#invoices)"]
    panel.click("button", "Je suis sur la liste des factures")
    pick(tabs, panel, "Cliquez sur le numéro d’une facture", "#invoices tr:first-child td.n")
    pick(tabs, panel, "Cliquez sur sa date", "#invoices tr:first-child td.d")
    pick(tabs, panel, "Cliquez sur son montant", "#invoices tr:first-child td.a")
    pick(tabs, panel, "Cliquez sur son lien PDF", "#invoices tr:last-child a.dl")
    tabs.to_panel()
    panel.find(".recorder-ask", "Cliquez sur « page suivante »")
    panel.click("button", "Pas de page suivante")

    panel.find(".recorder-valid", "La recette est valide.")
    panel.type(panel.field("Nom du fournisseur"), "Portail Sécurisé Enregistré")
    panel.click("button", "Vérifier")
    panel.find(".recorder-valid", "La recette est valide.")
    draft = driver.find_element(By.CSS_SELECTOR, "textarea.recorder-yaml").get_attribute("value")
    assert '- switch_frame: ["iframe#auth"' in draft and "- switch_frame: top" in draft and "one_time_code:" in draft
    assert sms not in draft and otp.PASSWORD not in draft

    panel.type(panel.field("Identifiant"), otp.SMS_LOGIN)
    panel.type(panel.field("Mot de passe"), otp.PASSWORD)
    state.sent_codes.clear()
    panel.click(".recorder-try button[type=submit]", "Essayer")
    panel.find(".recorder-code", "Le site demande un code à usage unique", timeout=120)  # a browser starts first
    code = panel.field("Code reçu par SMS ou e-mail")
    panel.type(code, wait_until(lambda: state.sent_codes.get(otp.SMS_LOGIN), what="the trial's SMS"))
    panel.screenshot("otp-code")
    assert panel.cut_at(320) == []
    panel.click(".recorder-code button[type=submit]", "Valider le code")
    found = panel.find(".recorder-trial-ok", "2 factures trouvées", timeout=120)
    assert [tr.find_element(By.TAG_NAME, "td").text for tr in found.find_elements(By.CSS_SELECTOR, "tbody tr")] == [
        number for number, *_ in otp.INVOICES]

    panel.click("button.recorder-save", "Enregistrer la recette")
    panel.find(".recorder-saved", "« Portail Sécurisé Enregistré » est maintenant dans vos fournisseurs")
    saved = home / "config" / "providers.d" / "portail-securise-enregistre.yaml"
    check = server.command("recipe", "check", str(saved))
    assert check.returncode == 0, check.stdout + check.stderr
    assert panel.console_errors() == []


def test_the_recorder_in_english_refuses_the_browsers_own_pages(home, tmp_path):
    with server_and_chromium(home, tmp_path, "en") as (server, driver):
        panel = open_panel(driver, "recorder-en", server.port, language="en")
        pair(panel, server, "Pairing code", "Pair")
        panel.click("#add-account", "Add a new account")
        panel.click(".record-recipe-block summary", "My supplier is not in the list")
        panel.click("button.record-recipe", "Record a recipe")
        panel.type(panel.field("Address of the login page"), "chrome://extensions")
        panel.click(".recorder-start button[type=submit]", "Start recording")
        control = panel.field("Address of the login page")
        wait_until(lambda: "Cannot record on a “chrome” address" in panel.field_error(control), what="the refusal")
        assert len(driver.window_handles) == 1
        panel.screenshot("refused-en")
        assert panel.cut_at(320) == []
        assert panel.console_errors() == []
