"""Several locators for one target, and click_if_present on a page that has finished loading,
in real Chromium against a small portal whose hooks changed (the redesign that breaks a recipe
written against one id)."""

from __future__ import annotations

import time

import pytest
from flask import Flask, Response

from backend.collectors.language.catalog import load_file
from backend.collectors.model import CollectionError
from backend.collectors.steps.flow import wait_for
from backend.collectors.steps.inputs import click, click_if_present
from tests.helpers import make_context, make_pdf, run_recipe, serve, summary

pytestmark = pytest.mark.browser

PDF = make_pdf("alternatives FAC-1")

# After the redesign: no #login-submit any more, a data-testid button; cards instead of rows.
LOGIN = """<!doctype html><title>Connexion</title>
<form method="post" action="/login"><input name="email">
<button data-testid="submit" type="submit">Se connecter</button></form>"""

INVOICES = """<!doctype html><title>Factures</title><main id="espace">
<div class="card" data-ref="FAC-1"><span class="amount-v2">42,00 €</span>
<a class="pdf" href="/f/FAC-1.pdf">PDF</a></div></main>"""

# A consent banner the page's own script adds 300 ms after the load event, as consent managers do.
LATE_BANNER = """<!doctype html><title>Accueil</title><p id="state">banner not clicked</p>
<script>
addEventListener('load', () => setTimeout(() => {
  const button = document.createElement('button');
  button.id = 'consent-ok';
  button.textContent = 'Tout accepter';
  button.onclick = () => { document.getElementById('state').textContent = 'banner clicked'; button.remove(); };
  document.body.appendChild(button);
}, 300));
</script>"""

# Its button comes 600 ms after the page opened (waited for with a list of alternatives).
LATE_MENU = """<!doctype html><title>Espace</title><p>Chargement…</p>
<script>setTimeout(() => { document.body.insertAdjacentHTML('beforeend', '<nav class="menu-v2">Menu</nav>'); }, 600);</script>"""

RECIPE = """
id: redesign
name: Refonte
homepage: https://redesign.example
category: autre
terms: {version: "1", text: t}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login}
urls: {portal: "http://127.0.0.1:9"}
steps:
  - open: "{{ urls.portal }}/login"
  - fill: {locator: ["#email", "name=email"], value: "{{ login }}"}
  - click: ["#login-submit", "[data-testid=submit]", "text=Se connecter"]
  - wait_for: {present: ["nav.espace-client", "main#espace"]}
  - invoices:
      items: ["table.factures tr", "div.card"]
      fields:
        id: {attr: data-ref}
        amount: {css: [".montant", ".amount-v2"], amount: fr}
        pdf: {css: ["a.telecharger", "a.pdf"], attr: href}
"""


@pytest.fixture(scope="module")
def site():
    app = Flask(__name__)
    app.add_url_rule("/login", "login", lambda: LOGIN)
    app.add_url_rule("/login", "logged_in", lambda: INVOICES, methods=["POST"])
    app.add_url_rule("/f/FAC-1.pdf", "pdf", lambda: Response(PDF, mimetype="application/pdf"))
    app.add_url_rule("/late-banner", "late_banner", lambda: LATE_BANNER)
    app.add_url_rule("/late-menu", "late_menu", lambda: LATE_MENU)
    with serve(app) as url:
        yield url


def test_a_recipe_goes_on_with_the_alternatives_that_still_match(site, browser_config, tmp_path):
    path = tmp_path / "redesign.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert errors == []
    result = run_recipe(provider, browser_config, {"login": "jeanne@example.fr"}, {"portal": site},
                        out_dir=tmp_path / "pdf", default_step_timeout=5.0)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == [("FAC-1", None, None, None, "42.00", "EUR")]
    assert (tmp_path / "pdf").exists() and any(p.read_bytes() == PDF for p in (tmp_path / "pdf").rglob("*.pdf"))


def test_the_first_alternative_missing_the_second_is_clicked_and_the_log_says_so(site, browser):
    ctx = make_context(browser.driver)
    browser.driver.get(f"{site}/login")
    click(ctx, locator=["#login-submit", "[data-testid=submit]", "text=Se connecter"], timeout=5)
    wait_for(ctx, present=["nav.espace-client", "main#espace"], timeout=5)
    assert browser.driver.title == "Factures"
    assert any("'#login-submit' found nothing; alternative 2 '[data-testid=submit]' did" in line
               for line in ctx.log.lines), ctx.log.lines


def test_no_alternative_matching_is_recipe_broken_naming_them_all(site, browser):
    ctx = make_context(browser.driver)
    browser.driver.get(f"{site}/login")
    with pytest.raises(CollectionError) as raised:
        click(ctx, locator=["#login-submit", "button.primary", "text=Connexion"], timeout=1)
    assert raised.value.code == "RECIPE_BROKEN"
    assert "'#login-submit' or 'button.primary' or 'text=Connexion'" in raised.value.message


def test_a_wait_on_a_list_holds_when_any_alternative_matches(site, browser):
    ctx = make_context(browser.driver)
    browser.driver.get(f"{site}/late-menu")
    wait_for(ctx, visible=["nav.espace-client", "nav.menu-v2"], timeout=5)  # the second, once added
    wait_for(ctx, absent=["#spinner", ".loading"], timeout=1)  # absent: none of them matches
    with pytest.raises(CollectionError) as raised:
        wait_for(ctx, absent=["#spinner", "nav.menu-v2"], timeout=0.5)  # one of them is there
    assert raised.value.code == "RECIPE_BROKEN" and "absent '#spinner' or 'nav.menu-v2'" in raised.value.message


def test_click_if_present_returns_soon_after_a_loaded_page_without_the_element(site, browser):
    ctx = make_context(browser.driver)
    browser.driver.get(f"{site}/login")
    started = time.monotonic()
    click_if_present(ctx, locator=["#didomi-notice-agree-button", "#tarteaucitronPersonalize2"], timeout=6)
    assert time.monotonic() - started < 3, "click_if_present waited for its timeout on a loaded page"
    assert browser.driver.title == "Connexion"  # nothing was clicked
    assert any("not present, skipped" in line for line in ctx.log.lines), ctx.log.lines


def test_click_if_present_still_clicks_a_banner_added_just_after_load(site, browser):
    ctx = make_context(browser.driver)
    browser.driver.get(f"{site}/late-banner")
    click_if_present(ctx, locator="#consent-ok", timeout=6)
    assert browser.driver.find_element("id", "state").text == "banner clicked"
