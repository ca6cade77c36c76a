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
    "INTERNAL": "A bug in invoice-collector itself. Never written in a recipe.",
}

WORKED_EXAMPLE = """\
# A user recipe: save it as providers.d/hydra-eau.yaml under the config folder.
# yaml-language-server: $schema=recipe.schema.json
id: hydra-eau
name: Hydra Eau
homepage: https://www.hydra-eau.example
category: eau
status: beta
status_note: "Recette communautaire : signalez tout problème."
interval_hours: 24
terms:
  version: "2024-06"
  url: https://www.hydra-eau.example/conditions
credentials:
  - {name: login, label_fr: Adresse e-mail, label_en: Email address, type: email}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
  - name: totp_secret
    label_fr: Clé de l'application d'authentification (facultative)
    label_en: Authenticator app key (optional)
    type: totp_secret
    required: false
options:
  - {name: contract, label_fr: N° de contrat, label_en: Contract number, required: false}
urls:
  portal: https://espace.hydra-eau.example
steps:
  # 1. Log in, unless the account's browser profile is still logged in from the last sync
  #    (profiles persist). The cookie banner only shows on a fresh profile.
  - open: "{{ urls.portal }}/connexion"
  - click_if_present: "#tarteaucitronPersonalize2"
  - login:
      logged_in: {present: "nav.espace-client"}
      form: "#email"
      timeout: 30
      steps:
        - fill: {locator: "#email", value: "{{ login }}"}
        - fill: {locator: "#password", value: "{{ password }}"}
        - click: "button[type=submit]"
        # 2. Whatever page comes next says how the login went.
        - wait_for_any:
            timeout: 30
            cases:
              - {present: "nav.espace-client"}
              - {present: ".alert-error", fail: LOGIN_FAILED, message_from: ".alert-error"}
              - {url: "/maintenance", fail: PROVIDER_DOWN}
              - {text: "nouvelles conditions générales", fail: ACTION_NEEDED,
                 message: "Acceptez les nouvelles conditions sur hydra-eau.example, puis relancez."}
              - present: "#code-2fa"
                then:
                  - one_time_code:
                      locator: "#code-2fa"
                      prompt: "Code reçu par e-mail"
                      kind: email
                      totp_secret: "{{ totp_secret }}"
                      submit: "#valider-code"
                  - wait_for_any:
                      - {present: "nav.espace-client"}
                      - {present: ".code-invalide", fail: OTP_WRONG}
  # 3. Accounts with several contracts choose one first.
  - if:
      present: "#choix-contrat"
      then:
        - select: {locator: "#choix-contrat select", option: "value={{ options.contract }}"}
        - submit: "#choix-contrat select"
  # 4. The invoice list: a paginated table; the PDF link is on each row.
  - follow: "link=Mes factures"
  - invoices:
      items: "table.factures tbody tr"
      next_page: "a[rel=next]"
      max_pages: 10
      empty_marker: ".aucune-facture"
      fields:
        id: {css: "td.reference"}
        number: {css: "td.reference", regex: 'FAC-(\\d+)'}
        date: {css: "td.date", date: auto}
        due_date: {css: "td.echeance", date: auto, optional: true}
        amount: {css: "td.montant", amount: fr}
        status: {css: "td.statut", map: {"Payée": paid, "À payer": due}, optional: true}
        pdf: {css: "a.telecharger", attr: href}
"""
