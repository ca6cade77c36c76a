"""End to end with the real engine: Chromium + chromedriver against the fixture portal, the real
keyring, the real app. One portal server for the module, one browser per sync."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.config import Settings
from backend.server.app import create_app
from tests.server.conftest import PASSWORD, PORT, Api, pair, wait_for

pytestmark = pytest.mark.browser
TODAY = dt.date.today()


def settings_for(portal) -> Settings:
    return Settings(port=PORT, url_overrides={"test-portal": {"portal": portal.url}})


def test_baseline_first_then_exactly_the_new_invoice(make_api, portal):
    for n, days in enumerate((95, 65, 35)):
        portal.publish(f"F2026-{n}", TODAY - dt.timedelta(days=days))
    api = make_api(portal_url=portal.url)
    api.services.store.put_setting("libeo", {"enabled": True})
    created = api.create()
    api.wait_idle(90)
    job = api.job(created["job"]["id"])
    assert job["state"] == "succeeded", job
    assert job["baseline"] == 3 and job["new_invoices"] == 0 and job["progress"]["listed"] == 3
    assert portal.pdf_downloads == 0  # baseline PDFs are not fetched
    assert all(inv["baseline"] for inv in api.invoices()) and len(api.invoices()) == 3

    fresh = portal.publish("F2026-NEW", TODAY, amount="61,37 €")
    sync = api.post(f"/api/accounts/{created['account']['id']}/sync")
    assert sync.status_code == 202
    api.wait_idle(90)
    job = api.job(sync.get_json()["job"]["id"])
    assert job["state"] == "succeeded" and job["new_invoices"] == 1 and job["progress"]["queued_for_libeo"] == 1
    [new] = api.invoices(status="new")
    assert new["key"] == "F2026-NEW" and new["number"] == "N° F2026-NEW" and new["amount"] == "61.37"
    assert new["date"] == TODAY.isoformat() and new["delivery"]["libeo"]["status"] == "pending"
    assert api.get(new["pdf_url"]).data == fresh.pdf
    assert portal.pdf_downloads == 1
    account = api.account(created["account"]["id"])
    assert account["invoices_collected"] == 4 and account["last_outcome"]["code"] == "OK"


def test_demo_provider_baseline_then_one_published_invoice(make_api, tmp_path):
    from backend.demo.portal import DEMO_LOGIN, DEMO_PASSWORD, start_demo_portal
    with start_demo_portal(tmp_path / "demo-state") as demo:
        api = make_api(settings=Settings(port=PORT, url_overrides={"demo-energie": {"portal": demo.url}}))
        api.services.store.put_setting("libeo", {"enabled": True})
        created = api.create(provider="demo-energie", credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
        api.wait_idle(90)
        first = api.job(created["job"]["id"])
        assert first["state"] == "succeeded", first
        baseline = api.invoices()
        assert first["baseline"] == len(baseline) > 0 and all(inv["baseline"] for inv in baseline)
        published = demo_publish(demo.url)
        sync = api.post(f"/api/accounts/{created['account']['id']}/sync").get_json()["job"]
        api.wait_idle(90)
        second = api.job(sync["id"])
        assert second["state"] == "succeeded" and second["new_invoices"] == 1 and second["baseline"] == 0
        new = api.invoices(status="new")
        assert len(new) == 1 and new[0]["number"] == published["number"]
        assert new[0]["delivery"]["libeo"]["status"] == "pending"
        assert api.get(new[0]["pdf_url"]).data.startswith(b"%PDF-")
        assert len(api.invoices()) == len(baseline) + 1


def demo_publish(url: str) -> dict:
    import requests
    response = requests.post(f"{url}/admin/publish", json={}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_wrong_password_is_tried_exactly_once_until_it_is_updated(home, recipes, keyring_ready, portal):
    portal.publish("W1", TODAY - dt.timedelta(days=3))
    app = create_app(settings_for(portal))
    api = Api(app, pair(app))
    try:
        account = api.create(credentials={"email": "alice@example.com", "password": "wrong password"})["account"]
        api.wait_idle(90)
        state = api.account(account["id"])
        assert portal.login_posts == 1 and state["blocked"]
        assert state["last_outcome"]["code"] == "LOGIN_FAILED"
        assert "incorrect" in state["last_outcome"]["message"]
        for days in (1, 2, 7):  # the scheduler, days later
            assert api.services.scheduler.tick(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)) == []
        for _ in range(3):  # the user hammering "sync now"
            assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 409
        api.services.start()  # the scheduler thread too
        api.services.stop()
    finally:
        api.services.stop()
    restarted = create_app(settings_for(portal))  # a restart of the server
    api = Api(restarted, api.token)
    try:
        restarted.extensions["invoice_collector"].start()
        assert api.services.scheduler.tick(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)) == []
        assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 409
        assert api.services.jobs.wait_idle(5)
        assert portal.login_posts == 1  # still exactly one attempt

        api.put(f"/api/accounts/{account['id']}/credentials", {"credentials": {"password": PASSWORD}})
        # The running scheduler picks the account up by itself.
        wait_for(lambda: api.account(account["id"])["state"] == "ok", 90, "a sync with the new password")
        assert portal.login_posts == 2
    finally:
        api.services.stop()


def test_a_one_time_code_typed_in_the_panel_reaches_the_portal(make_api, portal):
    portal.otp_code = "482910"
    portal.publish("OTP1", TODAY - dt.timedelta(days=1))
    api = make_api(portal_url=portal.url)
    job = api.create()["job"]
    wait_for(lambda: api.job(job["id"])["state"] == "waiting_for_code", 60, "the code prompt")
    assert api.job(job["id"])["prompt"] == {"text": "Code reçu par SMS", "kind": "sms"}
    assert api.post(f"/api/jobs/{job['id']}/code", {"code": "482910"}).status_code == 200
    api.wait_idle(90)
    done = api.job(job["id"])
    assert done["state"] == "succeeded" and done["baseline"] == 1
