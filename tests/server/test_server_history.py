"""An account's sync history (GET /api/accounts/<id>/history) through the real app with a scripted
engine: newest first, bounded by `limit`, each outcome in both languages with its detail (never a
secret), the counts the engine made, and a jobs table that does not grow forever."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backend.errors import CODES
from backend.server import history
from tests.helpers import assert_api_error
from tests.server.conftest import PASSWORD


def days_ago(n: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=n)


def syncs(api, account_id: int, query: str = "") -> list[dict]:
    response = api.get(f"/api/accounts/{account_id}/history{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["syncs"]


def sync_now(api, account_id: int) -> None:
    assert api.post(f"/api/accounts/{account_id}/sync").status_code == 202
    api.wait_idle()


def test_the_history_lists_syncs_newest_first_with_outcomes_and_counts(api, runner):
    for n in range(3):
        runner.add(f"OLD{n}", days_ago(30 * (n + 1)))
    account_id = api.create()["account"]["id"]
    api.wait_idle()
    runner.add("NEW1", days_ago(2))
    runner.add("NEW2", days_ago(1))
    sync_now(api, account_id)
    runner.outcome, runner.message = "PROVIDER_DOWN", "the portal answered 503 Service Unavailable"
    sync_now(api, account_id)

    down, second, first = syncs(api, account_id)
    assert [s["trigger"] for s in (down, second, first)] == ["manual", "manual", "create"]
    assert down["id"] > second["id"] > first["id"]
    assert down["state"] == "failed" and down["outcome"] == {
        "code": "PROVIDER_DOWN", "message": "the portal answered 503 Service Unavailable",
        "message_fr": CODES["PROVIDER_DOWN"].fr, "message_en": CODES["PROVIDER_DOWN"].en}
    assert (down["listed"], down["known"], down["new_invoices"]) == (None, None, 0)  # it counted nothing
    assert second["outcome"]["code"] == "OK" and second["outcome"]["message_fr"] == "Synchronisation réussie."
    assert (second["listed"], second["known"], second["new_invoices"], second["baseline"]) == (5, 3, 2, 0)
    assert (first["listed"], first["known"], first["new_invoices"], first["baseline"]) == (3, 0, 0, 3)
    for sync in (down, second, first):
        assert sync["started_at"] <= sync["finished_at"] and isinstance(sync["duration_seconds"], int)
        assert 0 <= sync["duration_seconds"] < 60

    assert [s["id"] for s in syncs(api, account_id, "?limit=2")] == [down["id"], second["id"]]
    assert len(syncs(api, account_id, "?limit=100")) == 3


def test_a_failure_shows_its_detail_in_both_languages_without_the_password(api, runner):
    runner.outcome, runner.message = "LOGIN_FAILED", f"the portal refused the password {PASSWORD}"
    account_id = api.create()["account"]["id"]
    api.wait_idle()
    answer = api.get(f"/api/accounts/{account_id}/history", headers={"Accept-Language": "fr"}).get_json()
    assert PASSWORD not in json.dumps(answer)
    [failed] = answer["syncs"]
    assert failed["outcome"]["code"] == "LOGIN_FAILED" and "the portal refused the password" in failed["outcome"]["message"]
    assert failed["outcome"]["message_fr"].startswith("Identifiant ou mot de passe refusé")
    assert failed["outcome"]["message_en"].startswith("The provider rejected the login")


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "2.5"])
def test_a_bad_limit_is_a_400_naming_it(api, runner, limit):
    account_id = api.create()["account"]["id"]
    api.wait_idle()
    assert_api_error(api.get(f"/api/accounts/{account_id}/history?limit={limit}"), 400, "BAD_REQUEST", field="limit")


def test_an_unknown_account_has_no_history(api):
    error = assert_api_error(api.get("/api/accounts/999/history"), 404, "NOT_FOUND")
    assert (error["message_en"], error["message_fr"]) == ("account 999 not found", "Compte 999 introuvable")


def test_only_the_last_syncs_of_an_account_are_kept(api, runner):
    account_id = api.create()["account"]["id"]
    api.wait_idle()
    with api.services.store.transaction() as conn:  # a long past: many more syncs than are kept
        conn.executemany("INSERT INTO jobs(account_id, trigger, state, created_at, outcome_code) "
                         "VALUES (?, 'schedule', 'succeeded', '2026-01-01T00:00:00Z', 'OK')",
                         [(account_id,)] * (history.KEEP_PER_ACCOUNT + 5))
    other_id = api.create(credentials={"email": "bob@example.com", "password": PASSWORD})["account"]["id"]
    api.wait_idle()
    sync_now(api, account_id)
    count = "SELECT COUNT(*) AS n FROM jobs WHERE account_id = ?"
    assert api.services.store.query_one(count, (account_id,))["n"] == history.KEEP_PER_ACCOUNT
    assert api.services.store.query_one(count, (other_id,))["n"] == 1  # another account's syncs are its own
    newest = syncs(api, account_id, "?limit=1")[0]
    assert newest["trigger"] == "manual" and newest["outcome"]["code"] == "OK"
