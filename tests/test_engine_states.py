"""`until_done`: a login driven by the page's state, in real Chromium, against a portal that shows
its pages in an order the recipe does not fix: an identifier page or a remembered account's
password page, an optional « rester connecté ? » interstitial, the account page, an error banner."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, redirect, request

from backend.collectors.language.catalog import load_file
from tests.helpers import run_recipe, serve

LOGIN, PASSWORD = "camille@example.com", "St4tes&Rounds<1>"

RECIPE = """providers:
  - id: states
    name: États
    homepage: https://states.example
    category: télécom
    terms: {version: "1", text: "t"}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "http://127.0.0.1:9"}
    expect_invoices: false
    steps:
      - open: "{{ urls.portal }}/login"
      - until_done:
          rounds: 4
          cases:
            - {name: logged-in, present: "a.logout", done: true}
            - {name: wrong-password, present: ".error", fail: LOGIN_FAILED, message_from: ".error"}
            - name: identifier
              present: "#email"
              then:
                - fill: {locator: "#email", value: "{{ login }}"}
                - click: "#next"
            - name: password
              present: "#password"
              then:
                - fill: {locator: "#password", value: "{{ password }}"}
                - click: "#signin"
            - name: keep-connected
              text: "rester connecté ?"
              then:
                - click: "#yes"
"""

PAGE = "<!doctype html><html><head><title>Portail</title></head><body>{}</body></html>"


@dataclass
class Portal:
    remembered: bool = False  # the portal knows the account: it asks only for the password
    stuck: bool = False  # the « Oui » button of the interstitial does nothing
    lost: bool = False  # after the identifier, a page none of the states describes
    slow_submit: bool = False  # the password page animates a second before it posts
    hits: list[str] = field(default_factory=list)


def states_app(portal: Portal) -> Flask:
    app = Flask("states")
    form = ('<form method="post" action="/password"><input id="password" name="password" type="password">'
            '<input type="hidden" id="attempts" name="attempts" value="0">'
            '<button id="signin">Se connecter</button></form>')
    # A portal that shows a spinner for a second before it posts the form: its page stays on
    # screen meanwhile. Each submission counts itself, so a second one would show.
    slow = ("<script>document.forms[0].addEventListener('submit', (event) => { event.preventDefault();"
            " const form = event.target; form.attempts.value = Number(form.attempts.value) + 1;"
            " setTimeout(() => HTMLFormElement.prototype.submit.call(form), 1000); });</script>")

    def password_page() -> str:
        return PAGE.format(form + (slow if portal.slow_submit else ""))

    @app.get("/login")
    def login_page() -> str:
        if portal.remembered:
            return password_page()
        return PAGE.format('<form method="post" action="/identify"><input id="email" name="email">'
                           '<button id="next">Suivant</button></form>')

    @app.post("/identify")
    def identify() -> str:
        portal.hits.append("identify")
        return PAGE.format("<p>Page inconnue</p>") if portal.lost else password_page()

    @app.post("/password")
    def password():
        portal.hits.append("password" + (f" (submitted {request.form['attempts']} times)"
                                         if portal.slow_submit else ""))
        if request.form.get("password") != PASSWORD:
            return PAGE.format('<p class="error">Mot de passe incorrect ×</p>' + form)
        return redirect("/keep")

    @app.get("/keep")
    def keep() -> str:
        button = '<button id="yes" type="button">Oui</button>' if portal.stuck else \
            '<form method="post" action="/keep"><button id="yes">Oui</button></form>'
        return PAGE.format(f"<h1>Rester connecté ?</h1>{button}")

    @app.post("/keep")
    def kept():
        portal.hits.append("keep")
        return redirect("/account")

    @app.get("/account")
    def account() -> str:
        return PAGE.format('<a class="logout" href="/logout">Déconnexion</a>')

    return app


def collect(tmp_path: Path, browser_config, portal: Portal, password: str = PASSWORD, **options):
    path = tmp_path / "states.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert not errors
    with serve(states_app(portal)) as url:
        return run_recipe(provider, browser_config, {"login": LOGIN, "password": password}, {"portal": url},
                          out_dir=tmp_path / "out", default_step_timeout=4.0, trace_dir=tmp_path / "traces", **options)


@pytest.mark.browser
def test_the_login_follows_the_pages_the_portal_shows_until_the_account_page(tmp_path, browser_config):
    portal = Portal()
    result = collect(tmp_path, browser_config, portal, diagnose=True)
    assert result.outcome == "OK", result.message
    assert portal.hits == ["identify", "password", "keep"]
    # What `recipe verify` reports of it: the state of each round, by name.
    until_done = result.diagnosis["steps"][1]
    assert (until_done["name"], until_done["states"]) == (
        "until_done", ["identifier", "password", "keep-connected", "logged-in"])


@pytest.mark.browser
def test_a_remembered_account_goes_straight_to_its_password(tmp_path, browser_config):
    portal = Portal(remembered=True)
    result = collect(tmp_path, browser_config, portal)
    assert result.outcome == "OK", result.message
    assert portal.hits == ["password", "keep"]


@pytest.mark.browser
def test_a_state_is_not_acted_on_twice_while_its_page_is_still_on_its_way_out(tmp_path, browser_config):
    portal = Portal(slow_submit=True)
    result = collect(tmp_path, browser_config, portal)
    assert result.outcome == "OK", result.message
    assert portal.hits == ["identify", "password (submitted 1 times)", "keep"]


@pytest.mark.browser
def test_a_fail_state_ends_the_run_with_its_code_and_the_portals_words(tmp_path, browser_config):
    portal = Portal()
    result = collect(tmp_path, browser_config, portal, password="wrong-one")
    assert (result.outcome, result.message) == ("LOGIN_FAILED", "Mot de passe incorrect")
    assert portal.hits == ["identify", "password"]


@pytest.mark.browser
def test_a_state_that_does_not_move_on_ends_when_the_rounds_run_out_and_says_so(tmp_path, browser_config):
    portal = Portal(stuck=True)
    result = collect(tmp_path, browser_config, portal)
    assert result.outcome == "RECIPE_BROKEN"
    assert result.message == ("the page went round 4 times without a done state: identifier, password, "
                              "keep-connected, keep-connected (the last 2 rounds all met 'keep-connected': "
                              "its steps did not change the page)")
    assert result.failed_line == 14


@pytest.mark.browser
def test_a_page_no_state_describes_names_the_states_met_before_it(tmp_path, browser_config):
    portal = Portal(lost=True)
    result = collect(tmp_path, browser_config, portal)
    assert result.outcome == "RECIPE_BROKEN"
    assert result.message.startswith("gave up waiting for present 'a.logout' or present '.error' or present "
                                     "'#email' or present '#password' or text 'rester connecté ?'")
    assert result.message.endswith(", after 1 round: identifier")
    trace = (result.trace_path / "log.txt").read_text(encoding="utf-8")
    assert "round 1: identifier" in trace and PASSWORD not in trace


def test_a_hand_over_inside_a_state_gets_an_attended_sync_its_window(tmp_path, monkeypatch):
    from backend.collectors.model import RunRequest
    from backend.collectors.run.runner import browser_for
    monkeypatch.setenv("DISPLAY", ":99")
    path = tmp_path / "states.yaml"
    path.write_text(RECIPE.replace('''                - click: "#yes"''', '''                - click: "#yes"
            - name: captcha
              present: "#captcha"
              then:
                - hand_over: {until: {absent: "#captcha"}, message_fr: "Captcha", message_en: "Captcha"}'''),
                    encoding="utf-8")
    (provider,), errors = load_file(path)
    assert not errors
    attended = browser_for(RunRequest(provider, {}, tmp_path, on_hand_over=print))
    assert (attended.headed, attended.hidden_window) == (True, True)
    assert browser_for(RunRequest(provider, {}, tmp_path)).headed is False  # a scheduled sync shows nothing
