"""Examples and advice for docs/recipes.md beyond single steps. Every example here, and each
step's own (describe(example=…) in the step table), is validated by the tests
(tests/test_recipe_docs.py), so the reference never shows a recipe that `recipe check` rejects.
"""

from __future__ import annotations

# What every step example may rely on: these credentials, options, urls.
EXAMPLE_HEADER = """\
id: example
name: Example
homepage: https://example.com
category: autre
terms: {version: "1", url: https://example.com/cgu}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login, type: email}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
  - {name: totp_secret, label_fr: Clé TOTP, label_en: TOTP key, type: totp_secret, required: false}
options:
  - {name: contract, label_fr: N° de contrat, label_en: Contract number}
urls:
  portal: https://espace-client.example.com
  api: https://api.example.com
expect_invoices: false
steps:
"""

DETAIL_EXAMPLE = """\
- invoices:
    items: ".invoice-card"
    fields:
      id: {attr: data-invoice-id}
      date: {css: ".date", date: auto}
      detail: {css: "a.see", attr: href}
    detail:
      steps:
        - click_if_present: "#cookie-ok"
      fields:
        amount: {css: ".total", amount: fr}
        pdf: {css: "a#download", attr: href}"""

PRINT_EXAMPLE = """\
- invoices:
    items: "table.factures tbody tr"
    fields:
      id: {css: "td.numero"}
      date: {css: "td.date", date: auto}
      amount: {css: "td.total", amount: fr}
      print: {css: "a.voir-facture", attr: href}"""

# A provider behind the web server's own login prompt (`http_auth:`): a whole recipe.
HTTP_AUTH_EXAMPLE = """\
id: vieux-portail
name: Vieux Portail
homepage: https://www.vieux-portail.example
category: autre
terms: {version: "1", url: https://www.vieux-portail.example/cgu}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
urls:
  extranet: https://extranet.vieux-portail.example
http_auth:
  username: "{{ login }}"
  password: "{{ password }}"
  origins: ["{{ urls.extranet }}"]
steps:
  - open: "{{ urls.extranet }}/factures/"
  - invoices:
      items: "table tr.facture"
      fields:
        id: {css: "td.numero"}
        date: {css: "td.date", date: auto}
        pdf: {css: "a[href$='.pdf']", attr: href}
"""

# How to choose an outcome code in fail_if / wait_for_any / fetch_json fail_on.
OUTCOME_ADVICE = {
    "LOGIN_FAILED": "The portal rejected the login or password (error banner after submitting). Never retried "
                    "automatically, so that the account does not get locked.",
    "ACTION_NEEDED": "The portal wants the user to do something on its site first: accept new terms, change an "
                     "expired password, confirm contact details.",
    "OTP_REQUIRED": "Raised by one_time_code when nobody typed a code in time; rarely written by hand.",
    "OTP_WRONG": "The portal rejected the one-time code (error shown after submitting it).",
    "CAPTCHA": "The portal shows a captcha: a person must solve it (`hand_over` shows them the window).",
    "PROVIDER_DOWN": "Maintenance page, HTTP 5xx, site unreachable. Retried later with increasing delays.",
    "RECIPE_BROKEN": "The page no longer looks like the recipe expects (the default when an element never shows "
                     "up). Retried later; the trace helps fix the recipe.",
    "RECIPE_UNSAFE": "Set by the engine when a step would take a secret, or the browser, outside the provider's "
                     "origins (see Security model). Never retried: the user must act.",
    "RECIPE_CHANGED": "Set by the server, never by a recipe: the recipe's origins or secret-handling steps "
                      "changed since the user approved them; the account waits for their approval.",
    "DOWNLOAD_FAILED": "A PDF link returned something that is not a PDF (an HTML error page…). Set by the engine.",
    "TIMEOUT": "The run went past its time limit. Set by the engine.",
    "DISK_FULL": "No space was left to save a PDF (or the run's own files). Set by the engine and the server; "
                 "retried later. Never written in a recipe.",
    "GRID_UNAVAILABLE": "Set by the engine when the Selenium Grid (`remote_webdriver_url`) gives no browser: down, "
                        "credentials refused, no free slot in time. Retried later. Never written in a recipe.",
    "INTERNAL": "A bug in invoice-collector itself. Never written in a recipe.",
}

# A login driven by the page's state (`until_done`): steps only, checked with EXAMPLE_HEADER.
STATE_LOGIN_EXAMPLE = """\
- open: "{{ urls.portal }}/connexion"
- until_done:
    rounds: 10
    timeout: 15
    cases:
      # Final and failing states first: the first state written that holds wins.
      - {name: logged-in, present: ["site-header >> a.logout", "#account-menu"], done: true}
      - {name: wrong-password, present: ".field-error", fail: LOGIN_FAILED, message_from: ".field-error"}
      - {name: blocked, text: "accès refusé", fail: PROVIDER_DOWN}
      - name: consent
        visible: "#consent-accept"
        then:
          - click: "#consent-accept"
          - wait_for: {absent: "#consent-accept"}
      - name: account-chooser
        present: "[data-testid=account-list]"
        then:
          - click: "[data-testid=other-account]"
      - name: identifier
        visible: "#login"
        then:
          - fill: {locator: "#login", value: "{{ login }}"}
          - click: "#next"
      - name: password  # also what a remembered account shows first
        visible: "#password"
        then:
          - fill: {locator: "#password", value: "{{ password }}"}
          - click: "#next"
      - name: keep-connected
        text: "rester connecté"
        then:
          - click: "text=Plus tard"
      - name: captcha
        present: "[id*=captcha_responseContainer]"
        then:
          - hand_over:
              until: {absent: "[id*=captcha_responseContainer]"}
              message_fr: "Résolvez le captcha dans la fenêtre ouverte."
              message_en: "Solve the captcha in the window just opened."
              fail: CAPTCHA
      - name: code-channel
        present: "input[name=channel][value=sms]"
        then:
          - click: "input[name=channel][value=sms]"
          - click: "#send-code"
      - name: code
        present: ".otp input"
        then:
          - one_time_code: {locator: ".otp input", prompt: "Code reçu par SMS", submit: "#verify"}"""

WORKED_EXAMPLE = """\
# providers.d/hydra-eau.yaml in the config folder
id: hydra-eau
name: Hydra Eau
homepage: https://www.hydra-eau.example
category: eau
terms: {version: "2024-06", url: "https://www.hydra-eau.example/conditions"}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
urls:
  portal: https://espace.hydra-eau.example
steps:
  - open: "{{ urls.portal }}/factures"  # the login page when the session has ended
  # The consent banner comes a moment after load, on a profile that never answered it.
  - click_if_present: ["#accept-cookies", "text=Tout accepter"]
  # Skipped when the account's browser profile is still logged in from the last sync.
  - login:
      logged_in: {present: "#bills"}
      form: "#identifier"
      steps:
        - fill: {locator: "#identifier", value: "{{ login }}"}
        - click: "#next"
        - fill: {locator: "#pwd", value: "{{ password }}"}
        - click: ["#signin", "button[type=submit]"]
        - wait_for_any:
            - {present: "#bills"}
            - {present: "p.error", fail: LOGIN_FAILED, message_from: "p.error"}
  # One card per invoice; the due date and the PDF are on each invoice's own page.
  - invoices:
      items: "#bills li.bill"
      fields:
        id: {attr: data-id}
        number: {css: ".num", regex: 'n°\\s*(\\S+)'}
        date: {css: ".when", date: auto}
        amount: {css: ".total", amount: fr}
        detail: {css: "a.more", attr: href}
      detail:
        fields:
          due_date: {css: "#due", date: auto}
          pdf: {css: "#download", attr: href, optional: true}  # none while the bill is being made
"""
