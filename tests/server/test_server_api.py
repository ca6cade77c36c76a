"""The API through the real app (Flask test client, real keyring, real SQLite), with a scripted
engine: accounts, validation, jobs, the non-retroactive rule, invoices and their PDFs."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import keyring
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from backend import paths
from backend.core.keyring_store import service
from backend.server import openapi
from tests.helpers import assert_api_error, make_pdf
from tests.server.conftest import PASSWORD

TODAY = dt.date.today()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_health_needs_no_token(api):
    response = api.client.get("/api/health", base_url="http://127.0.0.1:47311")
    assert response.status_code == 200
    assert response.get_json() == {"app": "invoice-collector", "version": "0.1.0", "api_version": 1}


def test_openapi_documents_exactly_the_routes(api):
    document = api.get("/api/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    served = openapi.routes(api.app)
    assert served - documented == set(), "routes missing from their module's OPENAPI_PATHS"
    assert documented - served == set(), "documented routes that the app does not serve"
    assert document["openapi"].startswith("3.")
    for ops in document["paths"].values():
        for op in ops.values():
            assert op["summary"] and "default" in op["responses"]


def test_providers_are_listed_without_steps_and_filtered_without_accents(api):
    providers = api.get("/api/providers").get_json()["providers"]
    test = next(p for p in providers if p["id"] == "test-portal")
    assert "steps" not in test and test["terms"]["version"] == "2026-01"
    assert test["logo_url"] is None
    found = api.get("/api/providers?q=PORTAIL%20TEST%20ENERGIE").get_json()["providers"]
    assert [p["id"] for p in found] == ["test-portal"]  # "Portail Test Énergie": case and accents ignored
    names = [p["name"] for p in providers]
    assert names == sorted(names, key=lambda n: n.casefold().replace("é", "e").replace("É", "e"))
    assert api.get("/api/providers?q=nothing-like-this").get_json()["providers"] == []
    assert api.get("/api/providers/test-portal/logo").status_code == 404


VALID = {"provider": "test-portal", "terms_accepted": True,
         "credentials": {"email": "alice@example.com", "password": PASSWORD}}


@pytest.mark.parametrize("change, field", [
    ({"provider": None}, "provider"),
    ({"provider": "nope"}, "provider"),
    ({"terms_accepted": False}, "terms_accepted"),
    ({"terms_accepted": "true"}, "terms_accepted"),
    ({"terms_accepted": None}, "terms_accepted"),
    ({"credentials": {"email": "not-an-email", "password": "x"}}, "credentials.email"),
    ({"credentials": {"email": "alice@example.com"}}, "credentials.password"),
    ({"credentials": {"email": "alice@example.com", "password": 12}}, "credentials.password"),
    ({"credentials": {"email": "a@example.com", "password": "x", "pin": "1"}}, "credentials.pin"),
    ({"credentials": "alice"}, "credentials"),
    ({"options": {"colour": "blue"}}, "options.colour"),
    ({"options": {"contract": 5}}, "options.contract"),
    ({"options": []}, "options"),
    ({"since": "2024-13-01"}, "since"),
    ({"since": "01/02/2024"}, "since"),
    ({"since": (TODAY + dt.timedelta(days=3)).isoformat()}, "since"),
    ({"interval_hours": 0}, "interval_hours"),
    ({"interval_hours": True}, "interval_hours"),
    ({"interval_hours": "24"}, "interval_hours"),
    ({"colour": "blue"}, "colour"),
])
def test_create_account_rejects_bad_input_naming_the_field(api, change, field):
    body = {k: v for k, v in (VALID | change).items() if v is not None}
    response = api.post("/api/accounts", body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "BAD_REQUEST" and field in error["fields"], error
    assert api.get("/api/accounts").get_json()["accounts"] == []
    assert keyring.get_password(service(), "account:1:password") is None


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\"text\"", b"", b"\xff\xfe"])
def test_malformed_bodies_are_400_not_500(api, raw):
    response = api.call("POST", "/api/accounts", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "body" in response.get_json()["error"]["fields"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                             st.sampled_from(["provider", "terms_accepted", "credentials", "options", "since",
                                              "interval_hours", "email", "password", "x"]), inner, max_size=5),
                         max_leaves=12))
def test_no_input_makes_a_500(api, body):
    for method, path in (("POST", "/api/accounts"), ("PUT", "/api/accounts/1/credentials"),
                         ("PATCH", "/api/accounts/1"), ("POST", "/api/jobs/1/code"), ("POST", "/api/pair")):
        response = api.call(method, path, json=body)
        assert response.status_code < 500, (method, path, body, response.get_json())
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "message_en", "message_fr", "fields"}


def test_create_account_keeps_secrets_out_of_the_answer_and_the_database(api, runner, home):
    runner.add("A1", days_ago(40))
    created = api.create(options={"contract": "C-42"}, interval_hours=12)
    account, job = created["account"], created["job"]
    assert account["login"] == "alice@example.com" and account["provider_name"] == "Portail Test Énergie"
    assert account["terms_version"] == "2026-01" and account["terms_accepted_at"]
    assert account["options"] == {"contract": "C-42"} and account["interval_hours"] == 12
    assert job["account_id"] == account["id"] and job["state"] in ("queued", "running", "succeeded")
    assert PASSWORD not in json.dumps(created)
    api.wait_idle()
    assert keyring.get_password(service(), f"account:{account['id']}:password") == PASSWORD
    assert runner.requests[0].credentials == {"email": "alice@example.com", "password": PASSWORD}
    assert runner.requests[0].options == {"contract": "C-42"}
    dump = "\n".join(sqlite3.connect(paths.data_dir() / "invoice-collector.sqlite3").iterdump())
    assert PASSWORD not in dump and "alice@example.com" in dump
    listed = api.get("/api/accounts").get_json()["accounts"]
    assert PASSWORD not in json.dumps(listed)


def test_entries_left_under_a_reused_id_do_not_leak_into_a_new_account(api, runner):
    keyring.set_password(service(), "account:1:customer_number", "from an older database")
    account = api.create()["account"]
    api.wait_idle()
    assert account["id"] == 1 and "customer_number" not in runner.requests[0].credentials
    assert keyring.get_password(service(), "account:1:customer_number") is None


def test_same_login_twice_is_a_conflict(api):
    api.create()
    response = api.post("/api/accounts", VALID)
    assert_api_error(response, 409, "ACCOUNT_EXISTS")


def test_first_sync_is_baseline_and_later_only_new_invoices_are_sent(api, runner):
    api.services.store.put_setting("libeo", {"enabled": True})
    for n in range(3):
        runner.add(f"OLD{n}", days_ago(30 * (n + 1)))
    account = api.create()["account"]
    api.wait_idle()
    assert runner.requests[0].want_pdf is not None
    state = api.account(account["id"])
    assert state["state"] == "ok" and state["last_outcome"]["code"] == "OK"
    assert state["last_success_at"] and state["next_run_at"] and state["invoices_collected"] == 3
    baseline = api.invoices()
    assert len(baseline) == 3 and all(inv["baseline"] for inv in baseline)
    assert all(inv["pdf_url"] is None and inv["sha256"] is None for inv in baseline)  # never downloaded
    assert all(inv["delivery"]["libeo"]["status"] == "skipped" for inv in baseline)
    assert api.services.store.query("SELECT * FROM deliveries") == []

    runner.add("NEW1", days_ago(1))
    job = api.post(f"/api/accounts/{account['id']}/sync").get_json()["job"]
    api.wait_idle()
    job = api.job(job["id"])
    assert job["state"] == "succeeded" and job["new_invoices"] == 1 and job["baseline"] == 0
    assert job["progress"]["queued_for_libeo"] == 1
    assert runner.requests[1].known_keys == {"OLD0", "OLD1", "OLD2"}
    new = api.invoices(status="new")
    assert [inv["key"] for inv in new] == ["NEW1"]
    assert new[0]["delivery"]["libeo"]["status"] == "pending" and new[0]["delivery"]["folder"] is None
    pdf = api.get(new[0]["pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == runner.pdfs["NEW1"]
    assert api.get(f"/api/invoices/{baseline[0]['id']}/pdf").status_code == 404


def test_since_makes_recent_invoices_of_the_first_sync_new(api, runner):
    api.services.store.put_setting("libeo", {"enabled": True})
    api.services.store.put_setting("folder", {"enabled": True, "path": "/tmp/x"})
    runner.add("OLD", days_ago(90))
    runner.add("RECENT", days_ago(10))
    runner.add("EDGE", days_ago(20))
    api.create(since=days_ago(20).isoformat())
    api.wait_idle()
    by_key = {inv["key"]: inv for inv in api.invoices()}
    assert by_key["OLD"]["baseline"] and not by_key["RECENT"]["baseline"] and not by_key["EDGE"]["baseline"]
    assert by_key["RECENT"]["delivery"]["libeo"]["status"] == "pending"
    assert by_key["RECENT"]["delivery"]["folder"]["status"] == "pending"
    rows = api.services.store.query("SELECT destination FROM deliveries ORDER BY id")
    assert sorted(r["destination"] for r in rows) == ["folder", "folder", "libeo", "libeo"]


def test_same_pdf_under_two_ids_is_stored_once(api, runner):
    api.services.store.put_setting("libeo", {"enabled": True})
    account = api.create()["account"]
    api.wait_idle()
    same = make_pdf("one and the same")
    runner.add("X1", days_ago(2), pdf=same)
    runner.add("X2", days_ago(1), pdf=same)
    api.post(f"/api/accounts/{account['id']}/sync")
    api.wait_idle()
    assert [inv["key"] for inv in api.invoices()] == ["X1"]
    assert len(api.services.store.query("SELECT * FROM deliveries")) == 1
    runner.requests.clear()
    api.post(f"/api/accounts/{account['id']}/sync")
    api.wait_idle()
    assert runner.requests[0].known_keys == {"X1", "X2"}  # never downloaded again


def test_invoice_list_filters_and_pages(api, runner):
    for n in range(5):
        runner.add(f"K{n}", dt.date(2026, 1, n + 1))
    account = api.create()["account"]
    api.wait_idle()
    page = api.get("/api/invoices?per_page=2&page=2").get_json()
    assert page["total"] == 5 and page["page"] == 2 and page["per_page"] == 2
    assert [inv["key"] for inv in page["invoices"]] == ["K2", "K1"]  # newest first
    ranged = api.get("/api/invoices?from=2026-01-02&to=2026-01-03").get_json()
    assert sorted(inv["key"] for inv in ranged["invoices"]) == ["K1", "K2"]
    assert api.get(f"/api/invoices?account={account['id']}&status=baseline").get_json()["total"] == 5
    assert api.get(f"/api/invoices?account={account['id'] + 1}").get_json()["total"] == 0
    assert api.get("/api/invoices?status=sent").get_json()["total"] == 0


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=1000", "per_page"), ("from=2026-02-30", "from"),
    ("to=yesterday", "to"), ("from=2026-03-01&to=2026-01-01", "to"), ("status=lost", "status"),
    ("account=me", "account"),
])
def test_invoice_list_rejects_bad_parameters(api, query, field):
    response = api.get(f"/api/invoices?{query}")
    assert_api_error(response, 400, field=field)


def test_unknown_things_are_json_404s(api):
    for path in ("/api/accounts/999", "/api/jobs/999", "/api/invoices/999", "/api/invoices/999/pdf",
                 "/api/nothing-here"):
        response = api.get(path)
        assert_api_error(response, 404, "NOT_FOUND")
    for path in ("/api/accounts/99999999999999999999999999", "/api/jobs/0", "/api/invoices/-1"):
        assert api.get(path).status_code == 404
        assert api.post(path.replace("/api/jobs/0", "/api/jobs/0/code"), {"code": "1"}).status_code in (404, 405)
    too_big = api.delete("/api/accounts/9223372036854775808")
    assert too_big.status_code in (404, 405) and too_big.get_json()["error"]["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED")
    response = api.call("PUT", "/api/health")
    assert response.status_code == 405 and response.get_json()["error"]["message"]


def test_retry_puts_a_failed_delivery_back_in_the_queue(api, runner):
    api.services.store.put_setting("libeo", {"enabled": True})
    account = api.create()["account"]
    api.wait_idle()
    runner.add("F1", days_ago(1))
    api.post(f"/api/accounts/{account['id']}/sync")
    api.wait_idle()
    [invoice] = api.invoices()
    assert api.post(f"/api/invoices/{invoice['id']}/retry").status_code == 409  # pending: nothing to retry
    with api.services.store.transaction() as conn:
        conn.execute("UPDATE deliveries SET status = 'failed', attempts = 3, last_error = '550 mailbox unavailable'")
    shown = api.get(f"/api/invoices/{invoice['id']}").get_json()["invoice"]["delivery"]["libeo"]
    assert shown["status"] == "failed" and shown["last_error"] == "550 mailbox unavailable"
    retried = api.post(f"/api/invoices/{invoice['id']}/retry").get_json()["invoice"]["delivery"]["libeo"]
    assert retried["status"] == "pending" and retried["attempts"] == 0


def test_delete_removes_keyring_entries_profile_invoices_and_files(api, runner):
    runner.add("D1", days_ago(1))
    keep = api.create(since=days_ago(5).isoformat())["account"]
    api.wait_idle()
    other = api.create(credentials={"email": "bob@example.com", "password": "bob-secret"},
                       since=days_ago(5).isoformat())["account"]
    api.wait_idle()
    invoices = api.invoices(account=other["id"])
    sha = invoices[0]["sha256"]
    assert sha and api.services.store.pdf_path(sha).exists()
    profile = paths.profiles_dir() / str(other["id"])
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "Cookies").write_text("x")
    response = api.delete(f"/api/accounts/{other['id']}")
    assert response.status_code == 204
    assert api.get(f"/api/accounts/{other['id']}").status_code == 404
    assert keyring.get_password(service(), f"account:{other['id']}:password") is None
    assert keyring.get_password(service(), f"account:{other['id']}:email") is None
    assert not profile.exists()
    assert api.invoices(account=other["id"]) == []
    assert api.services.store.pdf_path(sha).exists()  # the other account's invoice still uses this file
    api.delete(f"/api/accounts/{keep['id']}")
    assert not api.services.store.pdf_path(sha).exists()


def test_one_job_per_account_and_sync_now_conflict_returns_it(api, runner):
    import threading
    release = threading.Event()
    runner.before = lambda request: release.wait(30)
    account = api.create()["account"]
    response = api.post(f"/api/accounts/{account['id']}/sync")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "SYNC_RUNNING" and body["job"]["account_id"] == account["id"]
    assert api.account(account["id"])["state"] == "syncing"
    assert api.delete(f"/api/accounts/{account['id']}").status_code == 409
    release.set()
    api.wait_idle()
    assert len(runner.requests) == 1


def test_patch_options_interval_and_enabled(api, runner):
    account = api.create()["account"]
    api.wait_idle()
    for body, field in (({"enabled": "no"}, "enabled"), ({"interval_hours": 10_000}, "interval_hours"),
                        ({"options": {"unknown": "x"}}, "options.unknown"), ({}, "body"), ({"login": "x"}, "login")):
        response = api.patch(f"/api/accounts/{account['id']}", body)
        assert_api_error(response, 400, field=field)
    updated = api.patch(f"/api/accounts/{account['id']}",
                        {"options": {"contract": "C-9"}, "interval_hours": 6, "enabled": False}).get_json()["account"]
    assert updated["options"] == {"contract": "C-9"} and updated["interval_hours"] == 6 and not updated["enabled"]
    assert api.services.scheduler.due_accounts(api.services.clock() + dt.timedelta(days=30)) == []


def test_update_credentials_validates_and_never_echoes(api, runner):
    account = api.create()["account"]
    api.wait_idle()
    bad = api.put(f"/api/accounts/{account['id']}/credentials", {"credentials": {"email": "nope"}})
    assert_api_error(bad, 400, field="credentials.email")
    empty = api.put(f"/api/accounts/{account['id']}/credentials", {"credentials": {}})
    assert empty.status_code == 400
    good = api.put(f"/api/accounts/{account['id']}/credentials", {"credentials": {"password": "new pass 2"}})
    assert good.status_code == 200 and "new pass 2" not in good.get_data(as_text=True)
    assert keyring.get_password(service(), f"account:{account['id']}:password") == "new pass 2"
    assert good.get_json()["account"]["login"] == "alice@example.com"
