"""Examples and advice for docs/recipes.md. Every example here is validated by the tests
(tests/test_recipe_docs.py), so the reference never shows a recipe that `recipe check` rejects.

A step added to the step table needs an example here: the docs test fails until it has one.
"""

from __future__ import annotations

# What every step example may rely on: these credentials, options, urls (see EXAMPLE_HEADER).
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

STEP_EXAMPLES: dict[str, str] = {
    "open": '- open: "{{ urls.portal }}/connexion"',
    "follow": '- follow: "link=Mes factures"',
    "back": "- back:",
    "reload": "- reload:",
    "switch_frame": '- switch_frame: "iframe#login-frame"\n'
                    '- fill: {locator: "#user", value: "{{ login }}"}\n'
                    "- switch_frame: top",
    "switch_tab": '- click: "text=Espace factures"\n'
                  "- switch_tab: new\n"
                  "- close_tab: {then: main}",
    "close_tab": "- close_tab:",
    "fill": '- fill: {locator: "#email", value: "{{ login }}"}\n'
            '- fill: {locator: "name=password", value: "{{ password }}", timeout: 20}',
    "select": '- select: {locator: "#year", option: "2024"}\n'
              '- select: {locator: "#contract", option: "value={{ options.contract }}"}',
    "check": '- check: "#remember-me"\n'
             '- check: {locator: "#newsletter", checked: false}',
    "click": '- click: "button[type=submit]"\n'
             '- click: {locator: "xpath=//button[normalize-space()=\'Se connecter\']", timeout: 15}',
    "click_if_present": '- click_if_present: "#didomi-notice-agree-button"\n'
                        '- click_if_present: {locator: "text=Plus tard", timeout: 5}',
    "submit": '- submit: "form#login"',
    "load_more": '- load_more: {locator: "button.voir-plus", items: ".facture", max_clicks: 20}',
    "press_key": '- press_key: enter\n'
                 '- press_key: {key: tab, locator: "#password"}',
    "wait_for": '- wait_for: {visible: "#dashboard"}\n'
                '- wait_for: {url: "/factures", timeout: 30}\n'
                '- wait_for: {absent: ".spinner"}',
    "wait_for_any": "- wait_for_any:\n"
                    '    - {present: "#account-menu"}\n'
                    '    - {present: ".alert-danger", fail: LOGIN_FAILED, message_from: ".alert-danger"}\n'
                    '    - {text: "maintenance", fail: PROVIDER_DOWN}\n'
                    '    - present: "#otp"\n'
                    "      then:\n"
                    '        - one_time_code: {locator: "#otp", prompt: "Code reçu par SMS", submit: "#verify"}',
    "pause": '- pause: {seconds: 2, reason: "the portal ignores clicks during its opening animation"}',
    "if": "- if:\n"
          '    present: "#choose-contract"\n'
          "    then:\n"
          '      - click: "text={{ options.contract }}"\n'
          "    else:\n"
          '      - log: "single contract account"',
    "fail_if": '- fail_if: {present: ".error-login", code: LOGIN_FAILED, message_from: ".error-login"}\n'
               '- fail_if: {url: "/maintenance", code: PROVIDER_DOWN}\n'
               '- fail_if: {text: "accepter les nouvelles conditions", code: ACTION_NEEDED,\n'
               '            message: "Accept the new terms on the portal, then sync again."}',
    "for_each": '- fetch_json: {url: "{{ urls.api }}/contracts", save_as: contracts}\n'
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
                '            pdf: {value: "{{ urls.api }}/bills/{{ item.billId }}.pdf"}',
    "store_text": "- store_text: {locator: \".client-number\", save_as: client, regex: 'N°\\s*(\\d+)'}\n"
                  '- open: "{{ urls.portal }}/clients/{{ client }}/factures"',
    "set": '- set: {name: year, value: "2024"}\n'
           '- open: "{{ urls.portal }}/factures?annee={{ year }}"',
    "log": '- log: "logged in as {{ login }}"',
    "one_time_code": "- one_time_code:\n"
                     '    locator: "#code"\n'
                     '    prompt: "Code reçu par SMS"\n'
                     "    kind: sms\n"
                     '    totp_secret: "{{ totp_secret }}"\n'
                     '    submit: "button#verify"',
    "fetch_json": "- fetch_json:\n"
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
                  "      pdf: {path: links.pdf}",
    "fetch_api": "- fetch_api:\n"
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
                 "      pdf: {path: pdf_url}",
    "store_url": "- store_url: {regex: 'access_token=([^&]+)', save_as: token, secret: true}\n"
                 '- fetch_api: {url: "{{ urls.api }}/me", headers: {Authorization: "Bearer {{ token }}"}, save_as: me}',
    "jwt_claims": "- store_url: {regex: 'id_token=([^&]+)', save_as: id_token, secret: true}\n"
                  '- jwt_claims: {token: "{{ id_token }}", save_as: claims}\n'
                  '- fetch_api: {url: "{{ urls.api }}/customers/{{ claims.sub | url }}/bills", save_as: bills}',
    "flatten": '- fetch_api: {url: "{{ urls.api }}/contracts", save_as: docs}\n'
               "- flatten: {path: docs.*.bills.*, save_as: bills}\n"
               "- invoices:\n"
               "    from: bills\n"
               "    fields:\n"
               "      id: {path: number}\n"
               "      contract: {path: parents.0.contractId}\n"
               "      amount: {path: amount}\n"
               "      pdf: {path: pdfUrl}",
    "invoices": "- invoices:\n"
                '    items: "table#factures tbody tr"\n'
                '    next_page: "a.pagination-next"\n'
                "    fields:\n"
                '      id: {css: "td.ref"}\n'
                "      number: {css: \"td.ref\", regex: 'N°\\s*(\\S+)'}\n"
                '      date: {css: "td.date", date: "%d/%m/%Y"}\n'
                '      amount: {css: "td.montant", amount: fr}\n'
                '      pdf: {css: "a.pdf", attr: href}',
}

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

# How to choose an outcome code in fail_if / wait_for_any / fetch_json fail_on.
OUTCOME_ADVICE = {
    "LOGIN_FAILED": "The portal rejected the login or password (error banner after submitting). Never retried "
                    "automatically, so that the account does not get locked.",
    "ACTION_NEEDED": "The portal wants the user to do something on its site first: accept new terms, change an "
                     "expired password, confirm contact details.",
    "OTP_REQUIRED": "Raised by one_time_code when nobody typed a code in time; rarely written by hand.",
    "OTP_WRONG": "The portal rejected the one-time code (error shown after submitting it).",
    "CAPTCHA": "The portal shows a captcha: the user must log in once by hand (a persistent profile helps).",
    "PROVIDER_DOWN": "Maintenance page, HTTP 5xx, site unreachable. Retried later with increasing delays.",
    "RECIPE_BROKEN": "The page no longer looks like the recipe expects (the default when an element never shows "
                     "up). Retried later; the trace helps fix the recipe.",
    "DOWNLOAD_FAILED": "A PDF link returned something that is not a PDF (an HTML error page…). Set by the engine.",
    "TIMEOUT": "The run went past its time limit. Set by the engine.",
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
  # 1. Log in. The cookie banner only shows on a fresh profile.
  - open: "{{ urls.portal }}/connexion"
  - click_if_present: "#tarteaucitronPersonalize2"
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
