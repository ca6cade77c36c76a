"""What the user approves of a recipe (language/trust.py): its origins and the steps that handle a
secret. An edit of either changes the fingerprint (the account then waits for the user's
approval); any other edit keeps it, so that nobody is asked to approve what cannot reach a secret."""

from __future__ import annotations

import dataclasses
import datetime as dt

from backend.collectors.language.catalog import load_text
from backend.collectors.language.trust import fingerprint, origins, secret_steps
from backend.collectors.model import CredentialField, Provider, Terms

LOGIN = {"fill": {"locator": "#login", "value": "{{ login }}"}}
PASSWORD = {"fill": {"locator": "#password", "value": "{{ password }}"}}
BILLS = {"open": "{{ urls.portal }}/factures"}


def provider(steps: list, **changes) -> Provider:
    return dataclasses.replace(Provider(
        id="water", name="Water", homepage="https://www.example.fr/accueil", category="eau",
        terms=Terms(version="1"), steps=steps, urls={"portal": "https://espace.example.fr/"},
        credentials=[CredentialField("login", "Identifiant", "Login"),
                     CredentialField("password", "Mot de passe", "Password", type="password"),
                     CredentialField("seed", "Graine", "Seed", type="totp_secret"),
                     CredentialField("pin", "Code", "PIN", type="text")]), **changes)


def test_the_origins_are_the_homepage_the_urls_and_the_listed_ones():
    assert origins(provider([], origins=["https://*.Auth.example.fr/"])) == [
        "https://*.auth.example.fr", "https://espace.example.fr", "https://www.example.fr"]


def test_a_step_using_a_secret_field_by_its_name_or_under_credentials_handles_a_secret():
    steps = [LOGIN, PASSWORD,
             {"fill": {"locator": "#seed", "value": "{{ credentials.seed | totp }}"}},
             {"fill": {"locator": "#pin", "value": "{{ pin }}"}},  # a text field: not a secret
             {"fill": {"locator": "#who", "value": "{{ credentials.login }}"}},
             {"fill": {"locator": "#all", "value": "{{ credentials }}"}},  # no field named
             {"fill": {"locator": "#x", "value": "{{ passwords }}"}},  # another name
             {"one_time_code": {"locator": "#otp", "prompt": "Code"}},  # the user types a code: a secret too
             BILLS]
    assert secret_steps(provider(steps)) == [steps[1], steps[2], steps[7]]


def test_a_secret_step_nested_in_another_counts_and_so_does_the_step_around_it():
    inner = {"fill": {"locator": "#password", "value": "{{password}}"}}
    around = {"if": {"present": "#login", "then": [LOGIN, inner], "else": [BILLS]}}
    assert secret_steps(provider([BILLS, around])) == [around, inner]


def test_an_edit_of_the_origins_or_of_a_secret_step_changes_the_fingerprint():
    approved = fingerprint(provider([LOGIN, PASSWORD, BILLS]))
    assert fingerprint(provider([LOGIN, PASSWORD, BILLS], origins=["https://sso.example.fr"])) != approved
    assert fingerprint(provider([LOGIN, PASSWORD, BILLS], homepage="https://evil.test/")) != approved
    moved = {"fill": {"locator": "#password", "value": "{{ password }}", "submit": "#go"}}
    assert fingerprint(provider([LOGIN, moved, BILLS])) != approved
    assert fingerprint(provider([LOGIN, PASSWORD, BILLS],
                                http_auth={"username": "{{ login }}", "password": "{{ password }}"})) != approved


def test_an_edit_that_cannot_reach_a_secret_keeps_the_fingerprint():
    approved = fingerprint(provider([LOGIN, PASSWORD, BILLS]))
    assert fingerprint(provider([{"fill": {"locator": "#user", "value": "{{ login }}"}}, PASSWORD,
                                 {"open": "{{ urls.portal }}/bills"}, {"wait_for": {"present": "table"}}],
                                name="Water (new)", interval_hours=12)) == approved
    # the same step written with its arguments in another order; no http_auth written either way
    reordered = {"fill": {"value": "{{ password }}", "locator": "#password"}}
    assert fingerprint(provider([LOGIN, reordered, BILLS], http_auth={})) == approved


def test_the_fingerprint_is_a_sha256_in_hex():
    found = fingerprint(provider([PASSWORD]))
    assert len(found) == 64 and set(found) <= set("0123456789abcdef")


def test_a_template_spaced_with_non_breaking_spaces_still_handles_the_secret():
    """The engine fills `{{ password }}` whatever Unicode spaces surround the name (\\s matches
    U+00A0): a recipe cannot hide a secret step from the approval by spelling it so."""
    hidden = {"fill": {"locator": "#password", "value": "{{\u00a0password\u00a0}}"}}
    assert secret_steps(provider([LOGIN, hidden, BILLS])) == [hidden]


SESSION_WITH_A_DATE = """providers:
  - id: water
    name: Water
    homepage: https://www.example.fr
    category: eau
    terms: {version: "1", text: "ok"}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    steps:
      - open: "https://www.example.fr/login"
      - fetch_json: {url: "https://www.example.fr/api", method: POST, save_as: session,
                     body: {since: 2024-01-01, secret: "{{ password }}"}}
"""


def test_a_step_holding_a_date_loads_and_counts_as_handling_the_secret():
    """YAML reads an unquoted 2024-01-01 as a date, which a request body may hold."""
    (loaded,), errors = load_text(SESSION_WITH_A_DATE, "water.yaml")
    assert errors == []
    assert [next(iter(step)) for step in secret_steps(loaded)] == ["fetch_json"]
    assert loaded.trust["fingerprint"] == fingerprint(loaded)


def test_the_fingerprint_of_an_unchanged_recipe_stays_the_one_accounts_stored():
    """Each account stores the fingerprint it approved: a version of the program computing it
    otherwise (another spelling of its parts, non-ASCII characters escaped) would hold every
    account for an approval of a recipe that did not change."""
    steps = [LOGIN, {"fill": {"locator": "input[aria-label='Mot de passe sécurisé']", "value": "{{ password }}"}},
             {"fetch_json": {"url": "https://espace.example.fr/api/session", "method": "POST",
                             "body": {"depuis": dt.date(2024, 1, 1), "clé": "{{ password }}"}, "save_as": "session"}},
             BILLS]
    assert fingerprint(provider(steps)) == "ef3e3b814421ba8d67fc9aa737ec6f5fc8b68df54654d39b14ba6a1813fcbac0"
