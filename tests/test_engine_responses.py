"""The portal's own data, in real Chromium against the single-page portal (tests/portals/spa.py):
the answers its script fetched (`wait_for_response`, over our own DevTools connection) and what it
keeps in sessionStorage / localStorage (`store_storage`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask, jsonify

from backend.collectors.language.catalog import load_file
from tests.helpers import run_recipe, serve, summary
from tests.portals import spa

HEADER = """providers:
  - id: spa-answers
    name: Portail application
    homepage: https://spa.example
    category: eau
    terms: {version: "1", text: "t"}
    credentials:
      - {name: login, label_fr: Adresse e-mail, label_en: E-mail address, type: email}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "http://127.0.0.1:9"}
    expect_invoices: false
    steps:
      - open: "{{ urls.portal }}/"
      - fill: {locator: "#email", value: "{{ login }}"}
      - fill: {locator: "#password", value: "{{ password }}"}
      - click: "#go"
"""
INVOICES = """
      - invoices:
          from: bills.items
          fields:
            id: {path: billId}
            number: {path: reference}
            date: {path: issued, date: auto}
            amount: {path: total, amount: auto}
            pdf: {path: links.pdf, absolute_url: true}
"""
CREDENTIALS = {"login": spa.LOGIN, "password": spa.PASSWORD}


def collect(tmp_path: Path, browser_config, portal_url: str, steps: str):
    path = tmp_path / "spa-answers.yaml"
    path.write_text(HEADER + steps, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert not errors, errors
    return run_recipe(provider, browser_config, CREDENTIALS, {"portal": portal_url}, out_dir=tmp_path / "pdf",
                      default_step_timeout=5.0, trace_dir=tmp_path / "traces")


EXPECTED = [("E-2024-03", "FA 2024 03", "2024-03-15", "2024-03-30", "1234.56", "EUR"),
            ("E-2024-02", "FA 2024 02", "2024-02-15", "2024-02-29", "87.5", "EUR"),
            ("E-2024-01", "FA 2024 01", "2024-01-15", None, "-20.00", "EUR")]


@pytest.mark.browser
def test_the_bills_the_page_fetched_itself_are_read_from_its_answer(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - wait_for_response: {url: '{{ urls.portal }}/api/bills$', method: GET, save_as: bills}\n"
                     + INVOICES.replace("            amount:", "            due_date: {path: due, date: auto, "
                                                           "optional: true}\n            amount:"))
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == EXPECTED
    assert spa_portal.state.hits["api:bills"] == 1  # read from the page's own call, not fetched again


@pytest.mark.browser
def test_an_answer_that_came_before_the_step_ran_is_still_found(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     '      - wait_for: {present: "table#bills tr"}\n'  # the page has its bills: the answer came
                     '      - log: "the bills are on screen"\n'
                     "      - wait_for_response: {url: '/api/bills', save_as: bills}\n" + INVOICES)
    assert result.outcome == "OK", result.message
    assert [i.key for i in result.invoices] == [e[0] for e in EXPECTED]
    assert spa_portal.state.hits["api:bills"] == 1


@pytest.mark.browser
def test_an_error_the_page_got_before_the_login_does_not_hide_the_answer_after_it(spa_portal, tmp_path,
                                                                                  browser_config):
    # The page asks /api/me as it opens (401: not logged in yet), then /api/bills once logged in.
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - wait_for_response: {url: '/api/(me|bills)$', save_as: bills}\n" + INVOICES)
    assert result.outcome == "OK", result.message
    assert [i.key for i in result.invoices] == [e[0] for e in EXPECTED]


@pytest.mark.browser
def test_when_only_an_error_came_its_status_decides_the_outcome(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - wait_for_response: {url: '/api/me$', save_as: me, timeout: 1,\n"
                     "                            fail_on: {'401': LOGIN_FAILED}}\n")
    assert (result.outcome, result.message) == ("LOGIN_FAILED", f"{spa_portal.url}/api/me answered HTTP 401")


@pytest.mark.browser
def test_a_pattern_nothing_matches_gives_up_naming_it(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - wait_for_response: {url: '/api/invoices', save_as: bills, timeout: 2}\n")
    assert result.outcome == "RECIPE_BROKEN"
    assert result.message == "gave up waiting for the page's own request to a URL matching '/api/invoices'"


@pytest.mark.browser
def test_an_answer_that_is_not_json_says_so(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - wait_for_response: {url: '/app/factures$|/$', save_as: page}\n")
    assert result.outcome == "RECIPE_BROKEN"
    assert result.message == (f"{spa_portal.url}/ did not answer JSON (HTTP 200): use as: text to keep it as text")


@pytest.mark.browser
def test_an_answer_from_an_origin_the_provider_did_not_declare_is_refused(spa_portal, tmp_path, browser_config):
    elsewhere = Flask("widgets")

    @elsewhere.get("/widgets.json")
    def widgets():
        answer = jsonify(visitor={"name": "someone else's data"})
        answer.headers["Access-Control-Allow-Origin"] = "*"
        return answer

    with serve(elsewhere) as other:
        spa_portal.state.widgets_from = other
        try:
            result = collect(tmp_path, browser_config, spa_portal.url,
                             "      - wait_for_response: {url: '/widgets\\.json', save_as: widgets}\n")
        finally:
            spa_portal.state.widgets_from = None
    assert result.outcome == "RECIPE_UNSAFE"
    assert result.message.startswith(f"reading the answer of {other}/widgets.json: not one of the origins approved "
                                     "for this provider (")
    log = (result.trace_path / "log.txt").read_text(encoding="utf-8")
    assert "someone else" not in log


@pytest.mark.browser
def test_values_the_portal_keeps_in_its_storage_are_read_and_a_secret_one_is_masked(spa_portal, tmp_path,
                                                                                     browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - store_storage: {key: spa-access_token, save_as: token, secret: true}\n"
                     "      - store_storage: {area: local, key: spa-user, path: customer.id, save_as: customer}\n"
                     '      - log: "customer {{ customer }}, token {{ token }}"\n'
                     '      - fetch_api: {url: "{{ urls.portal }}/api/bills", headers: {Authorization: '
                     '"Bearer {{ token }}"}, save_as: bills}\n'
                     '      - fail_if: {url: ".", code: RECIPE_BROKEN, message: "stop here, token {{ token }}"}\n')
    assert (result.outcome, result.message) == ("RECIPE_BROKEN", "stop here, token ••••••")
    log = (result.trace_path / "log.txt").read_text(encoding="utf-8")
    assert f"customer {spa.CUSTOMER}, token ••••••" in log
    assert spa.TOKEN not in log and spa.TOKEN not in json.dumps(result.message)
    assert spa_portal.state.hits["api:bills"] >= 1


@pytest.mark.browser
def test_a_storage_key_that_never_comes_names_it(spa_portal, tmp_path, browser_config):
    result = collect(tmp_path, browser_config, spa_portal.url,
                     "      - store_storage: {area: local, key: missing-key, save_as: x, timeout: 1}\n")
    assert (result.outcome, result.message) == ("RECIPE_BROKEN", "gave up waiting for localStorage to hold "
                                                                 "'missing-key'")


@pytest.mark.browser
def test_on_a_selenium_grid_the_answers_come_through_its_devtools_forwarding(spa_portal, grid, grid_browser,
                                                                             tmp_path):
    result = collect(tmp_path, grid_browser, spa_portal.url,
                     '      - wait_for: {present: "table#bills tr"}\n'
                     "      - wait_for_response: {url: '/api/bills', save_as: bills}\n"
                     "      - store_storage: {area: local, key: spa-user, path: customer.id, save_as: customer}\n"
                     '      - log: "customer {{ customer }}"\n' + INVOICES)
    assert result.outcome == "OK", result.message
    assert [i.key for i in result.invoices] == [e[0] for e in EXPECTED]
    assert spa_portal.state.hits["api:bills"] == 1
