"""Edits of a recipe file reach a running server without a restart, and a broken edit does not
take the provider away: the last good version keeps running and the account shows the problem."""

from __future__ import annotations

from backend import paths
from tests.helpers import wait_for
from tests.server.conftest import RECIPE


def edit(old: str, new: str) -> None:
    path = paths.user_recipes_dir() / RECIPE.name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def provider_names(api) -> set[str]:
    return {p["name"] for p in api.get("/api/providers").get_json()["providers"]}


def test_an_edited_recipe_is_used_at_the_next_sync_and_a_broken_one_keeps_the_last_good(make_api, runner):
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    edit("    name: Portail Test Énergie\n", "    name: Portail Test Énergie (v2)\n")
    wait_for(lambda: "Portail Test Énergie (v2)" in provider_names(api), 10, "the edit to be read")
    assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 202
    api.wait_idle()
    assert runner.requests[-1].provider.name == "Portail Test Énergie (v2)"

    edit("    steps:\n", "    steps: [\n")  # a broken edit: the YAML no longer parses
    wait_for(lambda: api.account(account["id"])["recipe"]["problem"], 10, "the problem to show")
    problem = api.account(account["id"])["recipe"]["problem"]
    assert problem.startswith(f"{paths.user_recipes_dir() / RECIPE.name}:")
    assert "Portail Test Énergie (v2)" in provider_names(api)  # still offered, still syncing
    assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 202
    api.wait_idle()
    assert runner.requests[-1].provider.name == "Portail Test Énergie (v2)"
    assert api.account(account["id"])["last_outcome"]["code"] == "OK"
