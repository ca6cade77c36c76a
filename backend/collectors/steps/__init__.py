"""The step table: every step a recipe may use, by name. It also feeds the schema and docs.

Each entry says everything about its step: the handler (its arguments), the arguments it needs
one of, its `check` for what the schema cannot say, and its example in docs/recipes.md (the docs
tests check every example).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend.collectors.steps import api, extract, flow, http, human, inputs, navigation, otp, portal_data, session
from backend.collectors.steps.registry import StepSpec, as_arguments, describe, nested_steps

STEPS: dict[str, StepSpec] = {s.name: s for s in (
    # navigation
    describe("open", navigation.open_url, "navigation", shorthand="url", check=navigation.check_web_address,
             example='- open: "{{ urls.portal }}/connexion"'),
    describe("follow", navigation.follow, "navigation", shorthand="locator",
             example='- follow: "link=Mes factures"'),
    describe("back", navigation.back, "navigation",
             example="- back:"),
    describe("reload", navigation.reload, "navigation",
             example="- reload:"),
    describe("switch_frame", navigation.switch_frame, "navigation", shorthand="frame",
             example='- switch_frame: "iframe#login-frame"\n'
                     '- fill: {locator: "#user", value: "{{ login }}"}\n'
                     "- switch_frame: top"),
    describe("switch_tab", navigation.switch_tab, "navigation", shorthand="to", check=navigation.check_switch_tab,
             example='- click: "text=Espace factures"\n'
                     "- switch_tab: new\n"
                     "- close_tab: {then: main}"),
    describe("close_tab", navigation.close_tab, "navigation",
             example="- close_tab:"),
    # input
    describe("fill", inputs.fill, "input",
             example='- fill: {locator: "#email", value: "{{ login }}"}\n'
                     '- fill: {locator: "name=password", value: "{{ password }}", timeout: 20}'),
    describe("select", inputs.select, "input",
             example='- select: {locator: "#year", option: "2024"}\n'
                     '- select: {locator: "#contract", option: "value={{ options.contract }}"}'),
    describe("check", inputs.check, "input", shorthand="locator",
             example='- check: "#remember-me"\n'
                     '- check: {locator: "#newsletter", checked: false}'),
    describe("click", inputs.click, "input", shorthand="locator",
             example='- click: "button[type=submit]"\n'
                     '- click: {locator: "xpath=//button[normalize-space()=\'Se connecter\']", timeout: 15}\n'
                     '- click: ["#login-submit", "button[type=submit]", "text=Se connecter"]  # the first that matches'),
    describe("click_if_present", inputs.click_if_present, "input", shorthand="locator",
             example='- click_if_present: "#didomi-notice-agree-button"\n'
                     '- click_if_present: {locator: "text=Plus tard", timeout: 5}'),
    describe("submit", inputs.submit, "input", shorthand="locator",
             example='- submit: "form#login"'),
    describe("press_key", inputs.press_key, "input", shorthand="key",
             example='- press_key: enter\n'
                     '- press_key: {key: tab, locator: "#password"}'),
    # waiting
    describe("wait_for", flow.wait_for, "waiting", any_of=flow.CONDITIONS,
             example='- wait_for: {visible: "#dashboard"}\n'
                     '- wait_for: {url: "/factures", timeout: 30}\n'
                     '- wait_for: {absent: ".spinner"}'),
    describe("wait_for_any", flow.wait_for_any, "waiting", shorthand="cases", check=flow.check_cases,
             example="- wait_for_any:\n"
                     '    - {present: "#account-menu"}\n'
                     '    - {present: ".alert-danger", fail: LOGIN_FAILED, message_from: ".alert-danger"}\n'
                     '    - {text: "maintenance", fail: PROVIDER_DOWN}\n'
                     '    - present: "#otp"\n'
                     "      then:\n"
                     '        - one_time_code: {locator: "#otp", prompt: "Code reçu par SMS", submit: "#verify"}'),
    describe("until_done", flow.until_done, "waiting", shorthand="cases", check=flow.check_states,
             example="- until_done:\n"
                     "    rounds: 8\n"
                     "    cases:\n"
                     '      - {name: logged-in, present: "a.logout", done: true}\n'
                     '      - {name: wrong-password, present: ".error", fail: LOGIN_FAILED, message_from: ".error"}\n'
                     "      - name: remembered-account\n"
                     '        present: "#password"\n'
                     "        absent: \"#login\"\n"
                     "        then:\n"
                     '          - fill: {locator: "#password", value: "{{ password }}"}\n'
                     '          - click: "#submit"\n'
                     "      - name: keep-connected\n"
                     '        text: "rester connecté"\n'
                     "        then:\n"
                     '          - click: "text=Oui"'),
    describe("pause", flow.pause, "waiting",
             example='- pause: {seconds: 2, reason: "the portal ignores clicks during its opening animation"}'),
    # conditions and variables
    describe("if", flow.if_, "conditions", any_of=flow.CONDITIONS,
             example="- if:\n"
                     '    present: "#choose-contract"\n'
                     "    then:\n"
                     '      - click: "text={{ options.contract }}"\n'
                     "    else:\n"
                     '      - log: "single contract account"'),
    describe("login", session.login, "conditions",
             example="- login:\n"
                     '    logged_in: {present: "a.logout"}\n'
                     '    form: "form#login"\n'
                     "    steps:\n"
                     '      - fill: {locator: "#email", value: "{{ login }}"}\n'
                     '      - fill: {locator: "#password", value: "{{ password }}"}\n'
                     '      - click: "form#login button[type=submit]"\n'
                     '      - fail_if: {present: ".alert-danger", code: LOGIN_FAILED, message_from: ".alert-danger"}'),
    describe("hand_over", human.hand_over, "conditions",
             example="- wait_for_any:\n"
                     '    - {present: "a.logout"}\n'
                     '    - present: "#captcha"\n'
                     "      then:\n"
                     "        - hand_over:\n"
                     '            until: {present: "a.logout"}\n'
                     '            message_fr: "Cochez « Je ne suis pas un robot », puis validez."\n'
                     '            message_en: "Tick “I am not a robot”, then submit."\n'
                     "            fail: CAPTCHA"),
    describe("fail_if", flow.fail_if, "conditions", any_of=flow.CONDITIONS,
             example='- fail_if: {present: ".error-login", code: LOGIN_FAILED, message_from: ".error-login"}\n'
                     '- fail_if: {url: "/maintenance", code: PROVIDER_DOWN}\n'
                     '- fail_if: {text: "accepter les nouvelles conditions", code: ACTION_NEEDED,\n'
                     '            message: "Accept the new terms on the portal, then sync again."}'),
    describe("for_each", flow.for_each, "conditions",
             example='- fetch_json: {url: "{{ urls.api }}/contracts", save_as: contracts}\n'
                     "- for_each:\n"
                     "    in: contracts.items\n"
                     "    steps:\n"
                     '      - fetch_json: {url: "{{ urls.api }}/contracts/{{ item.id | url }}/bills", save_as: bills}\n'
                     "      - invoices:\n"
                     "          from: bills\n"
                     "          fields:\n"
                     "            id: {path: billId}\n"
                     "            date: {path: date}\n"
                     "            amount: {path: amount}\n"
                     '            pdf: {value: "{{ urls.api }}/bills/{{ item.billId }}.pdf"}'),
    describe("store_text", flow.store_text, "variables",
             example="- store_text: {locator: \".client-number\", save_as: client, regex: 'N°\\s*(\\d+)'}\n"
                     '- open: "{{ urls.portal }}/clients/{{ client }}/factures"'),
    describe("set", flow.set_, "variables",
             example='- set: {name: year, value: "2024"}\n'
                     '- open: "{{ urls.portal }}/factures?annee={{ year }}"'),
    describe("log", flow.log, "variables", shorthand="message",
             example='- log: "logged in as {{ login }}"'),
    # one-time codes, HTTP, invoices
    describe("one_time_code", otp.one_time_code, "one-time codes",
             example="- one_time_code:\n"
                     '    locator: "#code"\n'
                     '    prompt: "Code reçu par SMS"\n'
                     "    kind: sms\n"
                     '    totp_secret: "{{ totp_secret }}"\n'
                     '    submit: "button#verify"'),
    describe("fetch_json", http.fetch_json, "http", check=navigation.check_web_address,
             example="- fetch_json:\n"
                     '    url: "{{ urls.api }}/v2/bills"\n'
                     "    method: POST\n"
                     '    body: {contract: "{{ options.contract }}", page: 1}\n'
                     '    headers: {X-Requested-With: XMLHttpRequest}\n'
                     "    fail_on: {401: LOGIN_FAILED, 503: PROVIDER_DOWN}\n"
                     "    save_as: bills\n"
                     "- invoices:\n"
                     "    from: bills.data\n"
                     "    fields:\n"
                     "      id: {path: id}\n"
                     "      date: {path: issuedAt, date: auto}\n"
                     "      amount: {path: total.value}\n"
                     "      currency: {path: total.currency}\n"
                     "      pdf: {path: links.pdf}"),
    describe("fetch_api", api.fetch_api, "http", check=navigation.check_web_address,
             example="- fetch_api:\n"
                     '    url: "{{ urls.api }}/invoices"\n'
                     '    params: {contract: "{{ options.contract }}", since: ""}\n'
                     '    headers: {X-API-KEY: "{{ password }}"}\n'
                     "    pages: {param: page, items: data, size: 20}\n"
                     '    fail_on: {"401": LOGIN_FAILED, "403:429": PROVIDER_DOWN}\n'
                     "    save_as: bills\n"
                     "- invoices:\n"
                     "    from: bills\n"
                     "    fields:\n"
                     "      id: {path: id}\n"
                     "      date: {path: issued_at, local_date: Europe/Paris}\n"
                     "      amount: {path: amount_cents, divide: 100}\n"
                     "      pdf: {path: pdf_url}"),
    describe("wait_for_response", portal_data.wait_for_response, "http",
             example='- click: "text=Mes factures"\n'
                     "- wait_for_response: {url: '/api/v2/bills(\\?|$)', method: GET, save_as: bills,\n"
                     '                      fail_on: {"401": LOGIN_FAILED}}\n'
                     "- invoices:\n"
                     "    from: bills.items\n"
                     "    fields:\n"
                     "      id: {path: id}\n"
                     "      date: {path: issuedAt, date: auto}\n"
                     "      amount: {path: total}\n"
                     "      pdf: {path: pdfUrl, absolute_url: true}"),
    describe("store_url", api.store_url, "variables",
             example="- store_url: {regex: 'access_token=([^&]+)', save_as: token, secret: true}\n"
                     '- fetch_api: {url: "{{ urls.api }}/me", headers: {Authorization: "Bearer {{ token }}"}, save_as: me}'),
    describe("store_storage", portal_data.store_storage, "variables",
             example="- store_storage: {area: session, key: a360-access_token, save_as: token, secret: true}\n"
                     "- store_storage: {area: local, key: user, path: customer.id, save_as: customer}\n"
                     '- fetch_api: {url: "{{ urls.api }}/customers/{{ customer }}/bills", '
                     'headers: {Authorization: "Bearer {{ token }}"}, save_as: bills}'),
    describe("jwt_claims", api.jwt_claims, "variables",
             example="- store_url: {regex: 'id_token=([^&]+)', save_as: id_token, secret: true}\n"
                     '- jwt_claims: {token: "{{ id_token }}", save_as: claims}\n'
                     '- fetch_api: {url: "{{ urls.api }}/customers/{{ claims.sub | url }}/bills", save_as: bills}'),
    describe("flatten", api.flatten, "variables",
             example='- fetch_api: {url: "{{ urls.api }}/contracts", save_as: docs}\n'
                     "- flatten: {path: docs.*.bills.*, save_as: bills}\n"
                     "- invoices:\n"
                     "    from: bills\n"
                     "    fields:\n"
                     "      id: {path: number}\n"
                     "      contract: {path: parents.0.contractId}\n"
                     "      amount: {path: amount}\n"
                     "      pdf: {path: pdfUrl}"),
    describe("load_more", api.load_more, "input", shorthand="locator",
             example='- load_more: {locator: "button.voir-plus", items: ".facture", max_clicks: 20}'),
    describe("invoices", extract.invoices, "invoices", check=extract.check_invoices,
             example="- invoices:\n"
                     '    items: "table#factures tbody tr"\n'
                     '    next_page: "a.pagination-next"\n'
                     "    fields:\n"
                     '      id: {css: "td.ref"}\n'
                     "      number: {css: \"td.ref\", regex: 'N°\\s*(\\S+)'}\n"
                     '      date: {css: "td.date", date: "%d/%m/%Y"}\n'
                     '      amount: {css: "td.montant", amount: fr}\n'
                     '      pdf: {css: "a.pdf", attr: href}'),
)}


def walk_steps(steps: Any) -> Iterator[dict]:
    """Every step of a list, each followed by the steps nested in it (then, else, steps,
    cases[].then, detail.steps), in the order written. Only a step written as a mapping of
    arguments is looked into; what is not a step is skipped (validation reports it)."""
    if not isinstance(steps, list):
        return
    for step in steps:
        if not (isinstance(step, dict) and len(step) == 1):
            continue
        yield step
        (name, args), = step.items()
        arguments = as_arguments(STEPS[name], args) if name in STEPS else None
        if arguments:
            for _, inner in nested_steps(STEPS[name], arguments):
                yield from walk_steps(inner)
