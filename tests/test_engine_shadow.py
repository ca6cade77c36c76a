"""Web components: a locator `host >> inner` reaches into open shadow roots, for a login form, a
logged-in marker two components deep and a bill list, in real Chromium. (Orange's header, for
one, keeps its log-out link in a shadow root.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, Response, request

from backend.collectors.language.catalog import load_file
from tests.helpers import make_pdf, run_recipe, serve, summary

PDF = make_pdf("shadow FAC-S-1")
COMPONENTS = """<script>
function define(name, html) {
  customElements.define(name, class extends HTMLElement {
    connectedCallback() { this.attachShadow({mode: 'open'}).innerHTML = html; }
  });
}
define('app-login', '<form method="post" action="/login"><input name="email"><input name="password" type="password">'
                    + '<button>Se connecter</button></form>');
define('user-menu', '<a class="logout" href="/logout">Se déconnecter</a>');
define('site-header', '<header><user-menu></user-menu></header>');
define('invoice-list', '<table><tr class="row"><td class="numero">FAC-S-1</td><td class="date">05/03/2024</td>'
                       + '<td class="montant">42,00 €</td><td><a class="pdf" href="/f/FAC-S-1.pdf">PDF</a></td></tr></table>');
</script>"""

RECIPE = """providers:
  - id: shadow
    name: Composants
    homepage: https://shadow.example
    category: énergie
    terms: {version: "1", text: "t"}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "http://127.0.0.1:9"}
    steps:
      - open: "{{ urls.portal }}/login"
      - fill: {locator: "app-login >> input[name=email]", value: "{{ login }}"}
      - fill: {locator: "app-login >> input[name=password]", value: "{{ password }}"}
      - click: "app-login >> button"
      - wait_for: {present: "site-header >> user-menu >> a.logout"}
      - invoices:
          items: "invoice-list >> tr.row"
          fields:
            id: {css: "td.numero"}
            date: {css: "td.date", date: "%d/%m/%Y"}
            amount: {css: "td.montant", amount: fr}
            pdf: {css: "a.pdf", attr: href}
"""


def shadow_app(seen: list[tuple[str, str]]) -> Flask:
    app = Flask("shadow")

    @app.get("/login")
    def login_page() -> str:
        return COMPONENTS + "<app-login></app-login>"

    @app.post("/login")
    def login() -> str:
        seen.append((request.form.get("email", ""), request.form.get("password", "")))
        return COMPONENTS + "<site-header></site-header><invoice-list></invoice-list>"

    @app.get("/f/FAC-S-1.pdf")
    def pdf() -> Response:
        return Response(PDF, mimetype="application/pdf")

    return app


@pytest.mark.browser
def test_a_recipe_logs_in_and_lists_bills_inside_web_components(tmp_path, browser_config):
    path = tmp_path / "shadow.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert not errors
    seen: list[tuple[str, str]] = []
    with serve(shadow_app(seen)) as portal:
        result = run_recipe(provider, browser_config, {"login": "alice", "password": "S3cret!"}, {"portal": portal},
                            out_dir=tmp_path / "out", default_step_timeout=5.0)
    assert result.outcome == "OK", result.message
    assert seen == [("alice", "S3cret!")]
    assert summary(result.invoices) == [("FAC-S-1", None, "2024-03-05", None, "42.00", "EUR")]
    assert Path(result.invoices[0].pdf_path).read_bytes() == PDF


def test_recipe_check_says_what_a_shadow_chain_cannot_hold(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(RECIPE.replace('click: "app-login >> button"', 'click: "app-login >> xpath=//button"')
                    .replace('wait_for: {present: "site-header >> user-menu >> a.logout"}',
                             'wait_for: {present: "site-header >>  >> a.logout"}'), encoding="utf-8")
    providers, errors = load_file(path)
    assert providers == []
    assert [(e.line, e.message) for e in errors] == [
        (15, "click: locator: 'xpath=//button': inside a shadow root (after '>>') only CSS selectors work"),
        (16, "wait_for: present: 'site-header >>  >> a.logout': an empty part around '>>'")]
