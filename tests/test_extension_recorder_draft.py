"""The recorder's draft builder (extension/js/recorder/draft.js), run by node on recorded events:
what the page recorder sends becomes a recipe the catalog's validator accepts, whatever the
page's texts hold, with no secret in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.collectors.language.catalog import load_text

DRAFT_JS = Path(__file__).resolve().parent.parent / "extension" / "js" / "recorder" / "draft.js"
BUILD = """
const { addEvent, recipeYaml, slug } = await import(process.argv[1]);
const input = JSON.parse(process.argv[2]);
let steps = [], previous = null;
for (const event of input.events) {
  steps = addEvent(steps, event, previous);
  if (event.action === 'page') previous = event;
}
process.stdout.write(recipeYaml({ id: slug(input.name), name: input.name, startUrl: input.start, steps, list: input.list }));
"""
LIST = {"items": ["#bills > tbody > tr"], "next_page": None, "samples": {"amount": ["44,20 €"]},
        "fields": {"id": {"locators": ["td.n"]}, "amount": {"locators": ["td.a"]}, "pdf": {"locators": ["a.pdf"]}}}
HOSTILE = 'Ça: "x" \'y\' - [z] #w\nnext'


def build(events: list[dict], name: str = "Mon Fournisseur", start: str = "https://espace.example.fr/connexion",
          invoice_list: dict | None = None) -> str:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    payload = json.dumps({"events": events, "name": name, "start": start, "list": invoice_list or LIST})
    result = subprocess.run([node, "--input-type=module", "-e", BUILD, DRAFT_JS.as_uri(), payload],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def valid(text: str):
    providers, errors = load_text(text, "draft.yaml")
    assert errors == [], [str(e) for e in errors] + [text]
    return providers[0]


def page(url: str, *landmarks: str) -> dict:
    return {"action": "page", "url": url, "landmarks": [[css] for css in landmarks], "frame": None}


def test_a_page_text_never_changes_the_recipes_structure():
    text = build([
        {"action": "fill", "kind": "text", "locators": ["input[name='client']"], "value": HOSTILE, "frame": None},
        {"action": "click", "banner": False, "locators": [f"text={HOSTILE[:20]}", "#go"], "text": HOSTILE, "frame": None},
        {"action": "select", "locators": ["#year"], "option": HOSTILE, "frame": None},
    ], name=HOSTILE)
    provider = valid(text)
    assert provider.name == HOSTILE and provider.id == "ca-x-y-z-w-next"
    assert provider.steps[1]["fill"]["value"] == HOSTILE
    assert provider.steps[2]["click"] == [f"text={HOSTILE[:20]}", "#go"]
    assert provider.steps[3]["select"]["option"] == HOSTILE


def test_secret_fields_become_templates_and_the_login_is_wrapped():
    events = [
        page("https://espace.example.fr/connexion", "#login", "h1"),
        {"action": "click", "banner": True, "locators": ["#didomi-notice-agree-button"], "text": "OK", "frame": None},
        {"action": "fill", "kind": "login", "locators": ["#email"], "frame": None},
        {"action": "fill", "kind": "password", "locators": ["#pwd"], "value": "leaked?", "frame": None},
        {"action": "click", "banner": False, "locators": ["#signin"], "text": "Se connecter", "frame": None},
        page("https://espace.example.fr/factures", "#bills", "h1"),
    ]
    text = build(events)
    assert "leaked?" not in text
    steps = valid(text).steps
    assert steps[0] == {"open": "{{ urls.portal }}/connexion"}
    assert steps[1] == {"click_if_present": "#didomi-notice-agree-button"}
    login = steps[2]["login"]
    assert login["logged_in"] == {"present": "#bills"} and login["form"] == "#email"
    assert login["steps"][:3] == [{"fill": {"locator": "#email", "value": "{{ login }}"}},
                                  {"fill": {"locator": "#pwd", "value": "{{ password }}"}}, {"click": "#signin"}]
    waited = login["steps"][3]["wait_for_any"]
    assert waited[0] == {"present": "#bills"} and waited[1]["fail"] == "LOGIN_FAILED"
    assert steps[3]["invoices"]["fields"]["amount"] == {"css": "td.a", "amount": "fr"}


def test_a_login_in_a_frame_then_a_code_page():
    frame = ["iframe#auth"]
    text = build([
        page("https://espace.example.fr/", "h1"),
        {"action": "fill", "kind": "login", "locators": ["#user"], "frame": frame},
        {"action": "fill", "kind": "password", "locators": ["#pwd"], "frame": frame},
        {"action": "click", "banner": False, "locators": ["#ok"], "text": "OK", "frame": frame},
        page("https://espace.example.fr/otp", "form", "h1"),
        {"action": "fill", "kind": "code", "locators": ["#code"], "frame": None},
        {"action": "click", "banner": False, "locators": ["#verify"], "text": "Vérifier", "frame": None},
        page("https://espace.example.fr/factures", "#bills", "h1"),
    ], start="https://espace.example.fr/")
    steps = valid(text).steps
    assert steps[0] == {"open": "{{ urls.portal }}"}
    login = steps[1]["login"]
    assert login["form"] == "iframe#auth" and login["logged_in"] == {"present": "#bills"}
    names = [next(iter(step)) for step in login["steps"]]
    assert names == ["switch_frame", "fill", "fill", "click", "switch_frame", "wait_for", "one_time_code", "click",
                     "wait_for_any"]
    assert login["steps"][4] == {"switch_frame": "top"} and login["steps"][5] == {"wait_for": {"present": "form"}}


def test_a_single_page_apps_view_is_waited_for_by_the_landmark_its_script_renders():
    """history.pushState then a list fetched from the app's API: the address changes first (the
    view still says « Chargement »), the table comes a moment later as an update of that page."""
    text = build([
        page("https://app.example.fr/", "#login"),
        {"action": "fill", "kind": "login", "locators": ["#email"], "frame": None},
        {"action": "fill", "kind": "password", "locators": ["#password"], "frame": None},
        {"action": "click", "banner": False, "locators": ["#go"], "text": "Connexion", "frame": None},
        page("https://app.example.fr/app/factures"),
        {**page("https://app.example.fr/app/factures", "#bills", "h1"), "update": True},
    ], start="https://app.example.fr/")
    login = valid(text).steps[1]["login"]
    assert login["logged_in"] == {"present": "#bills"}
    assert login["steps"][-1]["wait_for_any"][0] == {"present": "#bills"}

    # A page's landmark, once found, stays: what its scripts add later (a chat widget) is not waited for.
    text = build([
        page("https://espace.example.fr/connexion", "#login"),
        {"action": "click", "banner": False, "locators": ["#go"], "text": "Entrer", "frame": None},
        page("https://espace.example.fr/factures", "#bills"),
        {**page("https://espace.example.fr/factures", "form#chat", "#bills"), "update": True},
    ])
    assert valid(text).steps[2] == {"wait_for": {"present": "#bills"}}


def test_a_view_with_no_new_landmark_is_waited_for_by_its_address_and_hash_route():
    text = build([
        page("https://app.example.fr/#/connexion", "#main"),
        {"action": "click", "banner": False, "locators": ["#bills-link"], "text": "Factures", "frame": None},
        page("https://app.example.fr/#/factures?annee=2024", "#main"),
        {**page("https://app.example.fr/autre", "#other"), "update": True},  # another address: not this wait's
    ], start="https://app.example.fr/")
    steps = valid(text).steps
    assert steps[2] == {"wait_for": {"url": "/#/factures\\?annee=2024"}}


CARDS = {"items": ["#bills > li.bill"], "next_page": ["#show-more", "text=Afficher plus"], "next_mode": "more",
         "samples": {"id": ["Facture n° 2024-0701", "Facture N° 2024-0601"], "amount": ["71,10 €"]},
         "fields": {"id": {"locators": ["span.num"]}, "amount": {"locators": ["span.total"]},
                    "detail": {"locators": ["a.more"]}, "detail_pdf": {"locators": ["#download", "main > a"]}}}


def test_cards_whose_pdf_is_on_each_invoices_page_with_show_more():
    steps = valid(build([page("https://espace.example.fr/connexion", "form")], invoice_list=CARDS)).steps
    assert steps[1] == {"load_more": {"locator": ["#show-more", "text=Afficher plus"], "items": "#bills > li.bill"}}
    listing = steps[2]["invoices"]
    assert "next_page" not in listing
    assert listing["fields"]["number"] == {"css": "span.num", "regex": "(?i)(?:n°|no\\.|numéro)\\s*(\\S+)"}
    assert listing["fields"]["detail"] == {"css": "a.more", "attr": "href"}
    assert "pdf" not in listing["fields"]
    assert listing["detail"] == {"fields": {"pdf": {"css": ["#download", "main > a"], "attr": "href", "optional": True}}}


def test_a_next_page_link_stays_the_lists_next_page():
    steps = valid(build([page("https://espace.example.fr/connexion", "form")],
                        invoice_list={**CARDS, "next_page": ["a.page-next"], "next_mode": "next"})).steps
    assert steps[1]["invoices"]["next_page"] == "a.page-next"


def test_a_login_on_another_site_is_driven_by_the_pages_state_and_its_origin_declared():
    """Single sign-on: « Se connecter » leads to the identity provider's form, on another origin."""
    provider = valid(build([
        page("https://eau.example.fr/", "main"),
        {"action": "click", "banner": False, "locators": ["#sso-login", "link=Se connecter"], "text": "Se connecter",
         "frame": None},
        page("https://id.example.com/authorize?return=x", "#sign-in"),
        {"action": "fill", "kind": "login", "locators": ["#user"], "frame": None},
        {"action": "fill", "kind": "password", "locators": ["#secret"], "frame": None},
        {"action": "click", "banner": False, "locators": ["#sign-in-button"], "text": "Se connecter", "frame": None},
        page("https://eau.example.fr/factures", "#invoices", "main"),
    ], start="https://eau.example.fr/"))
    assert sorted(provider.trust["origins"]) == ["https://eau.example.fr", "https://id.example.com"]
    text = build([page("https://eau.example.fr/", "main")], start="https://eau.example.fr/")
    assert "origins:" not in text  # one site: nothing more to declare
    cases = provider.steps[1]["until_done"]["cases"]
    assert cases[0] == {"name": "logged-in", "present": "#invoices", "done": True}
    assert cases[1]["name"] == "refused" and cases[1]["fail"] == "LOGIN_FAILED"
    assert cases[2] == {"name": "sign-in", "present": "#user", "then": [
        {"fill": {"locator": "#user", "value": "{{ login }}"}}, {"fill": {"locator": "#secret", "value": "{{ password }}"}},
        {"click": "#sign-in-button"}]}
    assert cases[3] == {"name": "sign-in-link", "present": ["#sso-login", "link=Se connecter"],
                        "then": [{"click": ["#sso-login", "link=Se connecter"]}]}
    assert provider.steps[2]["invoices"]
