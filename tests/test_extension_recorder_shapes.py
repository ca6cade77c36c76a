"""« Enregistrer une recette » on portals of other shapes than a form and a table (issue 21):
a single-page app whose list its script fetches from its own JSON API (tests/portals/spa.py), and
a two-step login whose invoices are cards, each PDF only on the invoice's own page, a few cards at
a time behind « Afficher plus » or « Page suivante » (tests/portals/twostep.py). Real Chromium with
the extension, the real server: the recorded recipe passes `recipe check` and its headless test
run lists every invoice that has a PDF; a recording goes on while the panel is closed and comes
back in it when it opens again; the password typed during the recording is in no file, no message
of the page recorder, no kept state, and no request but the two that carry it on purpose."""

from __future__ import annotations

import json

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.helpers import serve
from tests.portals import spa, twostep
from tests.portals.common import leaks
from tests.test_extension_panel import keep_for_docs
from tests.test_extension_recorder import (
    CARRY_CREDENTIALS,
    SPY_MESSAGES,
    pick,
    recorded,
    recording_on,
    requests_to,
)
from tests.test_extension_support import server_and_chromium, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

KEPT_STATE_JS = "chrome.storage.session.get(null).then((all) => arguments[0](JSON.stringify(all)))"


@pytest.fixture
def world(request, home, tmp_path):
    """The portal module and its State (the test's parameters), the server, Chromium logging requests."""
    module, state = request.param
    with serve(module.create_app(state)) as portal_url, \
            server_and_chromium(home, tmp_path, network_log=True) as (server, driver):
        yield server, portal_url, driver, state


def steps_shown(panel) -> list[str]:
    return [li.text for li in panel.find("ol.recorder-steps").find_elements(By.TAG_NAME, "li")]


def picking(driver) -> bool:
    """The page recorder in this page waits for the user's pick (after a page load, it is asked again)."""
    return driver.execute_script("return document.documentElement.classList.contains('invoice-collector-picking')")


def plain(text: str) -> str:
    """Text with its no-break spaces (French amounts have them) as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def stale(element) -> bool:
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True


def try_and_save(panel, driver, server, home, name: str, recipe_id: str, login: str, password: str,
                 found: str, not_yet: str | None = None) -> list[list[str]]:
    """Name the draft, try it headless with the credentials, save it: the rows the trial listed.
    not_yet: what the panel says of invoices listed without a PDF yet (None: it says nothing)."""
    panel.find(".recorder-valid", "La recette est valide.")
    panel.type(panel.field("Nom du fournisseur"), name)
    panel.click("button", "Vérifier")
    panel.find(".recorder-valid", "La recette est valide.")
    draft = driver.find_element(By.CSS_SELECTOR, "textarea.recorder-yaml").get_attribute("value")
    assert f"id: {recipe_id}\n" in draft and password not in draft and login not in draft
    panel.type(panel.field("Identifiant"), login)
    panel.type(panel.field("Mot de passe"), password)
    panel.click(".recorder-try button[type=submit]", "Essayer")
    listed = panel.find(".recorder-trial-ok", found, timeout=120)
    if not_yet:
        panel.find(".recorder-not-yet", not_yet)
    else:
        assert not driver.find_elements(By.CSS_SELECTOR, ".recorder-not-yet")
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in listed.find_elements(By.CSS_SELECTOR, "tbody tr")]
    panel.screenshot("tried")
    assert panel.cut_at(320) == []
    panel.click("button.recorder-save", "Enregistrer la recette")
    panel.find(".recorder-saved", f"« {name} » est maintenant dans vos fournisseurs")
    saved = home / "config" / "providers.d" / f"{recipe_id}.yaml"
    assert saved.read_text(encoding="utf-8") == draft
    check = server.command("recipe", "check", str(saved))
    assert check.returncode == 0, check.stdout + check.stderr
    return rows


def assert_no_leak(driver, server, home, messages: list[str], login: str, password: str,
                   panel_saw_the_login: bool = True) -> None:
    """The password, as typed or as JSON writes it (messages and request bodies are JSON), nowhere but
    in the two requests that carry it; nor the login in any message of the page recorder (the panel's
    share of them: it may have been closed during the login)."""
    spellings = {password, json.dumps(password)[1:-1]}
    if panel_saw_the_login:
        assert any('"action":"fill","kind":"password"' in m for m in messages), messages
    assert not [m for m in messages if login in m or any(s in m for s in spellings)]
    carried = [(method, path) for method, path, body in requests_to(driver, server.port)
               if any(s in body for s in spellings)]
    assert ("POST", "/api/recipes/draft/try") in carried
    assert [(method, path) for method, path in carried if path not in CARRY_CREDENTIALS] == []
    assert list(home.rglob("*.yaml")) and leaks(home, [password]) == []


@pytest.mark.parametrize("world", [(spa, spa.State())], indirect=True)
def test_recording_a_single_page_app_with_the_panel_closed_meanwhile(world, home):
    server, portal_url, driver, _ = world
    panel, tabs = recording_on(driver, server, "recorder-spa", f"{portal_url}/")
    wait_until(lambda: recorded(driver) and driver.find_elements(By.ID, "email"), what="the app's login form, recorded")
    # The panel closes (the user closed it, or it reloads): what they do on the site is still recorded.
    tabs.to_panel()
    messages = driver.execute_script("return window.recorderMessages")
    driver.get("about:blank")
    tabs.to_site()
    driver.find_element(By.ID, "email").send_keys(spa.LOGIN)
    first = driver.find_element(By.ID, "password")
    first.send_keys(spa.PASSWORD[0])
    # The app renders its form again as its bundle hydrates: the user types the password again.
    wait_until(lambda: stale(first), what="the login form rendered again")
    password = driver.find_element(By.ID, "password")
    password.clear()
    password.send_keys(spa.PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "label.switch span").click()  # « Rester connecté », a styled box
    driver.find_element(By.ID, "go").click()
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#bills tr"), what="the list the app fetched")
    assert driver.current_url == f"{portal_url}/app/factures"  # history.pushState: no page was loaded

    # Opened again, the panel goes back to the recording, with the steps done meanwhile.
    tabs.to_panel()
    panel.open()
    panel.find("h2", "Enregistrement en cours")
    panel.find("ol.recorder-steps", "(#bills)")
    assert steps_shown(panel) == [
        "Ouvrir /", "Saisir l’identifiant", "Saisir le mot de passe (jamais enregistré)", "Cocher « Rester connecté »",
        "Cliquer sur « Connexion »", "Attendre la page suivante (#bills)"]
    kept = driver.execute_async_script(KEPT_STATE_JS)
    assert "#bills" in kept and spa.PASSWORD not in kept and spa.LOGIN not in kept
    panel.screenshot("01-reopened")
    driver.execute_script(SPY_MESSAGES)

    panel.click("button", "Je suis sur la liste des factures")
    pick(tabs, panel, "Cliquez sur le numéro d’une facture", "#bills tr:nth-child(2) td.ref")
    pick(tabs, panel, "Cliquez sur sa date", "#bills tr:nth-child(2) td.issued")
    pick(tabs, panel, "Cliquez sur son montant", "#bills tr:nth-child(1) td.total")
    pick(tabs, panel, "Cliquez sur son lien PDF", "#bills tr:nth-child(3) a")
    tabs.to_panel()
    panel.find(".recorder-ask", "Cliquez sur « page suivante » ou « afficher plus »")
    samples = panel.find(".recorder-samples", "3 lignes sur cette page")
    assert [plain(td.text) for td in samples.find_elements(By.CSS_SELECTOR, "tbody tr:first-child td")] == [
        "FA 2024 03", "15/03/2024", "1 234,56 €", "/api/bills/E-2024-03/pdf"]
    panel.screenshot("03-picks")
    panel.click("button", "Pas de page suivante")

    rows = try_and_save(panel, driver, server, home, "Portail Application Enregistré", "portail-application-enregistre",
                        spa.LOGIN, spa.PASSWORD, "3 factures trouvées")
    assert [row[0] for row in rows] == ["FA 2024 03", "FA 2024 02", "FA 2024 01"]
    assert [plain(text) for text in rows[1][1:]] == ["15 févr. 2024", "87,50 €"]
    messages += driver.execute_script("return window.recorderMessages")
    assert_no_leak(driver, server, home, messages, spa.LOGIN, spa.PASSWORD, panel_saw_the_login=False)
    assert driver.execute_async_script(KEPT_STATE_JS) == "{}"  # saved: the recording is forgotten
    assert panel.console_errors() == []


# How the list shows more cards: what the user clicks for it, and what the recipe does with it.
MORE_CARDS = {"more": ("#show-more", '- load_more: {locator: ["#show-more", "text=Afficher plus de factures"]'),
              "next": ("a.page-next", '"link=Page suivante"]')}


@pytest.mark.parametrize("world", [(twostep, twostep.State(paging=paging, list_alert=False)) for paging in MORE_CARDS],
                         indirect=True, ids=list(MORE_CARDS))
def test_recording_a_two_step_login_cards_detail_pages_and_more_cards(world, home):
    server, portal_url, driver, state = world
    more, in_recipe = MORE_CARDS[state.paging]
    panel, tabs = recording_on(driver, server, f"recorder-cards-{state.paging}", f"{portal_url}/connexion")
    wait_until(lambda: recorded(driver), what="the page recorder in the identifier page")
    banner = wait_until(lambda: next((b for b in driver.find_elements(By.ID, "accept-cookies") if b.is_displayed()), None),
                        what="the cookie banner")
    banner.click()
    driver.find_element(By.ID, "identifier").send_keys(twostep.LOGIN)
    driver.find_element(By.ID, "next").click()
    wait_until(lambda: driver.current_url.endswith("/connexion/mot-de-passe") and recorded(driver),
               what="the password page, recorded")
    driver.find_element(By.ID, "pwd").send_keys(twostep.PASSWORD)
    driver.find_element(By.ID, "signin").click()
    wait_until(lambda: driver.current_url.endswith("/factures") and recorded(driver), what="the cards, recorded")

    tabs.to_panel()
    panel.find("ol.recorder-steps", "(#bills)")
    assert steps_shown(panel) == [
        "Ouvrir /connexion", "Fermer le bandeau cookies s’il s’affiche (« Tout accepter »)", "Saisir l’identifiant",
        "Cliquer sur « Continuer »", "Attendre la page suivante (/connexion/mot-de-passe)",
        "Saisir le mot de passe (jamais enregistré)", "Cliquer sur « Se connecter »", "Attendre la page suivante (#bills)"]
    panel.screenshot("01-recorded")
    kept = driver.execute_async_script(KEPT_STATE_JS)
    assert "#bills" in kept and twostep.PASSWORD not in kept and json.dumps(twostep.PASSWORD)[1:-1] not in kept
    panel.click("button", "Je suis sur la liste des factures")
    pick(tabs, panel, "Cliquez sur le numéro d’une facture", "#bills li:nth-child(2) .num")
    pick(tabs, panel, "Cliquez sur sa date", "#bills li:nth-child(2) .when")
    pick(tabs, panel, "Cliquez sur son montant", "#bills li:nth-child(1) .total")

    # No PDF link on a card: it is on each invoice's page, opened from the card.
    tabs.to_panel()
    panel.find(".recorder-ask", "Cliquez sur son lien PDF")
    if state.paging == "more":
        keep_for_docs(panel.screenshot("02-pdf"), "panel-recorder-detail")
    assert panel.cut_at(320) == []
    panel.click("button.recorder-pdf-on-detail", "Le PDF est sur la page de chaque facture")
    pick(tabs, panel, "Cliquez sur le lien qui ouvre cette facture", "#bills li:nth-child(2) a.more")
    wait_until(lambda: driver.current_url.endswith("/factures/b-7781") and picking(driver),
               what="the invoice's page, the recorder waiting for its PDF link")
    pick(tabs, panel, "Sur la page de la facture, cliquez sur son lien PDF", "#download")
    tabs.to_site()
    assert driver.current_url.endswith("/factures/b-7781")  # the pick downloaded nothing
    tabs.to_panel()
    panel.find(".recorder-ask", "Revenez à la liste des factures, puis cliquez sur « page suivante » ou « afficher plus »")
    panel.screenshot("03-next")
    assert panel.cut_at(320) == []
    tabs.to_site()
    driver.back()
    wait_until(lambda: driver.current_url.endswith("/factures") and picking(driver), what="the list, waiting for a pick")
    driver.find_element(By.CSS_SELECTOR, more).click()
    assert driver.current_url.endswith("/factures")  # a pick, not a click
    assert len(driver.find_elements(By.CSS_SELECTOR, "#bills li.bill")) == twostep.PAGE_SIZE

    tabs.to_panel()
    samples = panel.find(".recorder-samples", "2 lignes sur cette page")
    assert [plain(td.text) for td in samples.find_elements(By.CSS_SELECTOR, "tbody tr:nth-child(2) td")] == [
        "2024-0601", "5 juin 2024", "62,40 €"]  # the number as the recipe reads it
    rows = try_and_save(panel, driver, server, home, "Portail Cartes Enregistré", "portail-cartes-enregistre",
                        twostep.LOGIN, twostep.PASSWORD, "3 factures trouvées",
                        not_yet="Une autre facture est sur le site, sans PDF pour l’instant")
    # The newest card's page has no PDF yet: left for a later run; the others, from both « pages ».
    assert [row[0] for row in rows] == [number for _, number, *_ in twostep.INVOICES]
    assert [plain(text) for text in rows[1][1:]] == ["1 mai 2024", "1 080,00 €"]
    draft = (home / "config" / "providers.d" / "portail-cartes-enregistre.yaml").read_text(encoding="utf-8")
    assert in_recipe in draft and "detail:" in draft, draft
    assert ("next_page:" in draft) == (state.paging == "next")
    assert state.hits["detail:b-7902"] >= 1 and state.hits["pdf:b-7512"] == 1
    assert_no_leak(driver, server, home, driver.execute_script("return window.recorderMessages"),
                   twostep.LOGIN, twostep.PASSWORD)
    assert panel.console_errors() == []
