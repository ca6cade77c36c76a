"""A recipe recorded in the panel: checking the draft, trying it with credentials held in memory
only, saving it into providers.d/ (never over another provider without the user's word)."""

from __future__ import annotations

import datetime as dt

from backend import paths
from tests.server.conftest import wait_for

DRAFT = """id: mon-fournisseur
name: Mon fournisseur
homepage: http://127.0.0.1:9
category: autre
terms: {version: "1", url: "http://127.0.0.1:9"}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
urls:
  portal: http://127.0.0.1:9
steps:
  - open: "{{ urls.portal }}/login"
  - fill: {locator: ["#email", "name=email"], value: "{{ login }}"}
  - fill: {locator: ["name=password"], value: "{{ password }}"}
  - click: ["button[type=submit]", "text=Se connecter"]
  - invoices:
      items: "#factures > tbody > tr"
      fields:
        id: {css: "td.numero"}
        pdf: {css: "a.pdf", attr: href}
"""
SECRET = "S3cr3t-typed-once"


def test_a_valid_draft_is_checked_and_its_origins_shown(api):
    response = api.post("/api/recipes/draft/check", {"yaml": DRAFT})
    assert response.status_code == 200, response.get_json()
    provider = response.get_json()["provider"]
    assert provider["id"] == "mon-fournisseur"
    assert provider["origins"] == ["http://127.0.0.1:9"]
    assert "steps" not in provider


def test_a_broken_draft_names_each_problem_at_its_line_and_column_in_both_languages(api):
    broken = DRAFT.replace("  - click:", "  - clik:").replace("{{ password }}", "{{ passwd }}")
    response = api.post("/api/recipes/draft/check", {"yaml": broken}, headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "RECIPE_INVALID"
    problems = response.get_json()["problems"]
    texts = [p["text"] for p in problems]
    assert any(t.startswith("draft.yaml:15:5: unknown step 'clik'") for t in texts), texts
    assert any(t.startswith("draft.yaml:14:") and "passwd" in t for t in texts), texts
    assert error["message"].startswith("la recette a 2 problème(s) ; le premier : draft.yaml:14:")
    assert error["message_en"].startswith("the recipe has 2 problem(s); the first: draft.yaml:14:")
    assert error["fields"]["yaml"] == texts[0]
    assert [(p["line"], p["column"]) for p in problems][0][0] == 14


def test_yaml_that_does_not_parse_is_told_with_its_position(api):
    response = api.post("/api/recipes/draft/check", {"yaml": "id: x\nsteps: [open: \n  - : :\n"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "RECIPE_INVALID"
    assert body["problems"] and body["problems"][0]["text"].startswith("draft.yaml:")
    assert body["problems"][0]["line"] >= 2


def test_a_draft_body_is_checked_like_any_request(api):
    assert api.post("/api/recipes/draft/check", {}).get_json()["error"]["fields"] == {
        "yaml": "required: the recipe's YAML text"}
    response = api.post("/api/recipes/draft/check", {"yaml": DRAFT, "password": "x"})
    assert response.status_code == 400 and "password" in response.get_json()["error"]["fields"]
    one = "\n".join("    " + line if line else line for line in DRAFT.splitlines())
    listed = "providers:\n" + one.replace("    id:", "  - id:", 1)
    assert api.post("/api/recipes/draft/check", {"yaml": listed}).status_code == 200
    second = one.replace("    id: mon-fournisseur", "  - id: autre-fournisseur", 1)
    two = listed + "\n" + second
    response = api.post("/api/recipes/draft/check", {"yaml": two})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"yaml": "a draft holds exactly one provider, not 2"}


def test_saving_writes_providers_d_and_the_catalog_offers_it(api):
    response = api.post("/api/recipes", {"yaml": DRAFT})
    assert response.status_code == 201, response.get_json()
    target = paths.user_recipes_dir() / "mon-fournisseur.yaml"
    assert response.get_json()["file"] == str(target)
    assert target.read_text(encoding="utf-8") == DRAFT
    assert response.get_json()["provider"]["local"] is True
    listed = wait_for(lambda: api.get("/api/providers?q=mon fournisseur").get_json()["providers"],
                      what="the saved recipe in the catalog")
    assert listed[0]["id"] == "mon-fournisseur" and listed[0]["local"] is True


def test_saving_over_an_existing_recipe_needs_the_users_word(api):
    assert api.post("/api/recipes", {"yaml": DRAFT}).status_code == 201
    wait_for(lambda: api.services.catalog.get("mon-fournisseur"), what="the saved recipe loaded")
    edited = DRAFT.replace("name: Mon fournisseur", "name: Mon fournisseur (2)")
    refused = api.post("/api/recipes", {"yaml": edited})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "PROVIDER_EXISTS"
    target = paths.user_recipes_dir() / "mon-fournisseur.yaml"
    assert target.read_text(encoding="utf-8") == DRAFT
    assert api.post("/api/recipes", {"yaml": edited, "overwrite": True}).status_code == 201
    assert "Mon fournisseur (2)" in target.read_text(encoding="utf-8")


def test_a_bundled_provider_is_never_replaced_silently(api):
    bundled = DRAFT.replace("id: mon-fournisseur", "id: orange")
    response = api.post("/api/recipes", {"yaml": bundled}, headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "PROVIDER_EXISTS" and error["fields"] == {"id": "existe déjà"}
    assert "fournisseur fourni" in error["message"] and "bundled provider" in error["message_en"]
    assert not (paths.user_recipes_dir() / "orange.yaml").exists()


def test_a_broken_draft_is_never_saved(api):
    response = api.post("/api/recipes", {"yaml": DRAFT.replace("- click:", "- clik:")})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "RECIPE_INVALID"
    assert not (paths.user_recipes_dir() / "mon-fournisseur.yaml").exists()


def test_a_trial_runs_the_draft_with_credentials_kept_for_the_run_only(api, runner):
    runner.add("FAC-1", dt.date(2024, 1, 5), amount="44.20")
    runner.add("FAC-2", dt.date(2024, 2, 5), amount="1234.56")
    response = api.post("/api/recipes/draft/try",
                        {"yaml": DRAFT, "credentials": {"login": "me@example.com", "password": SECRET}})
    assert response.status_code == 202, response.get_json()
    trial_id = response.get_json()["trial"]["id"]
    trial = wait_for(lambda: (t := api.get(f"/api/recipes/draft/try/{trial_id}").get_json()["trial"])["state"]
                     != "running" and t, what="the trial's end")
    assert trial["state"] == "succeeded" and trial["outcome"] == "OK"
    assert [(i["number"], i["date"], i["amount"]) for i in trial["invoices"]] == [
        ("NFAC-1", "2024-01-05", "44.20"), ("NFAC-2", "2024-02-05", "1234.56")]
    request = runner.requests[0]
    assert request.provider.id == "mon-fournisseur" and request.browser.profile_dir is None
    assert request.credentials == {}  # dropped once the run ended
    assert not request.out_dir.exists()  # its PDFs too
    everything = [p for p in paths.data_dir().rglob("*") if p.is_file()] + \
        [p for p in paths.config_dir().rglob("*") if p.is_file()]
    assert not [p for p in everything if SECRET.encode() in p.read_bytes()]
    assert api.get("/api/recipes/draft/try/999").status_code == 404


def test_a_trial_needs_the_recipes_credentials(api, runner):
    response = api.post("/api/recipes/draft/try", {"yaml": DRAFT, "credentials": {"login": "me"}})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"credentials.password": "required"}
    assert runner.requests == []


def test_a_failed_trial_says_why_without_the_password(api, runner):
    runner.outcome, runner.message = "LOGIN_FAILED", f"the portal said: wrong password {SECRET}"
    response = api.post("/api/recipes/draft/try",
                        {"yaml": DRAFT, "credentials": {"login": "me", "password": SECRET}})
    trial_id = response.get_json()["trial"]["id"]
    trial = wait_for(lambda: (t := api.get(f"/api/recipes/draft/try/{trial_id}").get_json()["trial"])["state"]
                     != "running" and t, what="the trial's end")
    assert trial["state"] == "failed" and trial["outcome"] == "LOGIN_FAILED"
    assert SECRET not in trial["message"] and "wrong password" in trial["message"]


def test_a_trial_asks_for_the_one_time_code_the_portal_wants(api, runner):
    runner.add("FAC-1", dt.date(2024, 1, 5))
    runner.ask = ("Code reçu par SMS", "sms")
    response = api.post("/api/recipes/draft/try",
                        {"yaml": DRAFT, "credentials": {"login": "me", "password": SECRET}})
    trial_id = response.get_json()["trial"]["id"]
    assert api.post(f"/api/recipes/draft/try/{trial_id}/code", {"code": " "}).status_code == 400
    waiting = wait_for(lambda: (t := api.get(f"/api/recipes/draft/try/{trial_id}").get_json()["trial"])["state"]
                       == "waiting_for_code" and t, what="the trial to ask for a code")
    assert waiting["prompt"] == {"text": "Code reçu par SMS", "kind": "sms"}
    assert api.post(f"/api/recipes/draft/try/{trial_id}/code", {"code": " 424242 "}).status_code == 200
    trial = wait_for(lambda: (t := api.get(f"/api/recipes/draft/try/{trial_id}").get_json()["trial"])["state"]
                     not in ("running", "waiting_for_code") and t, what="the trial's end")
    assert runner.codes == ["424242"] and trial["state"] == "succeeded" and trial["prompt"] is None
    refused = api.post(f"/api/recipes/draft/try/{trial_id}/code", {"code": "1"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "CONFLICT"
