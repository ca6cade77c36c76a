"""The demo from the panel, through the real app (Flask test client, real keyring, real SQLite) and
the real demo child (portal and test inbox), with a scripted engine: started on demand, hidden from
the catalog otherwise, new invoices published, the test inbox used and given up, stopped with the
last demo account."""

from __future__ import annotations

import datetime as dt

import requests

from backend.config import DEMO_INBOX, DEMO_LOGIN, DEMO_PASSWORD, DEMO_PROVIDER
from tests.helpers import assert_api_error
from tests.server.conftest import wait_for

DEMO = {"provider": DEMO_PROVIDER, "terms_accepted": True,
        "credentials": {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}}


def listed(api) -> set[str]:
    return {p["id"] for p in api.get("/api/providers").get_json()["providers"]}


def test_the_demo_starts_on_demand_and_stops_with_its_last_account(api, runner):
    assert DEMO_PROVIDER not in listed(api)  # not a real supplier
    assert api.get("/api/demo").get_json()["demo"]["running"] is False

    started = api.post("/api/demo").get_json()
    demo, url = started["demo"], started["demo"]["portal_url"]
    assert demo["running"] and url.startswith("http://127.0.0.1:")
    assert started["provider"]["id"] == DEMO_PROVIDER and started["provider"]["terms"]["version"]
    assert started["credentials"] == {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}
    assert demo["test_inbox"] == {"address": DEMO_INBOX, "in_use": False, "available": True, "messages": []}
    assert requests.get(f"{url}/connexion", timeout=5).status_code == 200  # the real portal answers
    assert DEMO_PROVIDER not in listed(api)  # still only through the demo flow
    with_demo = api.get("/api/providers?demo=1").get_json()["providers"]  # to show a demo account's provider
    assert DEMO_PROVIDER in {p["id"] for p in with_demo}
    assert_api_error(api.get("/api/providers?demo=yes"), 400, "BAD_REQUEST", "demo")

    account = api.create(**DEMO)["account"]
    assert account["demo"] is True
    api.wait_idle()
    assert runner.requests[-1].url_overrides == {"portal": url}  # the sync went to the running portal

    published = api.post("/api/demo/publish")
    assert published.status_code == 201
    body = published.get_json()
    assert body["invoice"]["number"].startswith("FA") and body["job"]["account_id"] == account["id"]
    numbers = [i["number"] for i in requests.get(f"{url}/admin/invoices", timeout=5).json()["invoices"]]
    assert body["invoice"]["number"] in numbers
    api.wait_idle()

    assert api.delete(f"/api/accounts/{account['id']}").status_code == 204
    assert api.get("/api/demo").get_json()["demo"] | {"test_inbox": None} == {
        "provider": DEMO_PROVIDER, "running": False, "portal_url": None, "test_inbox": None}
    wait_for(lambda: not _answers(url), what="the demo portal to stop")


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
        return True
    except requests.ConnectionError:
        return False


def test_the_test_inbox_receives_what_libeo_would_and_goes_with_the_demo(api, runner):
    assert_api_error(api.post("/api/demo/publish"), 409, "NO_DEMO_ACCOUNT")
    api.post("/api/demo")
    account = api.create(**DEMO)["account"]
    api.wait_idle()

    demo = api.post("/api/demo/inbox").get_json()["demo"]
    assert demo["test_inbox"]["in_use"] is True
    libeo = api.get("/api/settings/libeo").get_json()["libeo"]
    assert libeo["enabled"] and libeo["inbox"] == DEMO_INBOX and libeo["smtp_host"] == "127.0.0.1"
    assert libeo["smtp_security"] == "plain" and libeo["smtp_port"] != 25

    # The demo account's new invoice is delivered to the test inbox through the real worker.
    api.services.start()
    runner.add("ED-000099", dt.date.today())
    api.post(f"/api/accounts/{account['id']}/sync")
    api.wait_idle()
    messages = wait_for(lambda: api.get("/api/demo").get_json()["demo"]["test_inbox"]["messages"],
                        what="the test inbox to receive the invoice")
    assert messages[0]["to"] == DEMO_INBOX and messages[0]["attachments"][0].endswith(".pdf")

    # A real supplier's account: the test inbox is given up (its invoices must reach the real Libeo).
    api.create()
    assert api.get("/api/settings/libeo").get_json()["libeo"]["inbox"] == ""
    assert_api_error(api.post("/api/demo/inbox"), 409, "TEST_INBOX_UNAVAILABLE")


def test_deleting_the_demo_gives_back_an_unset_libeo_delivery(api):
    api.post("/api/demo")
    account = api.create(**DEMO)["account"]
    api.wait_idle()
    api.post("/api/demo/inbox")
    api.delete(f"/api/accounts/{account['id']}")
    libeo = api.get("/api/settings/libeo").get_json()["libeo"]
    assert (libeo["enabled"], libeo["inbox"], libeo["smtp_host"]) == (False, "", "")


def test_a_demo_portal_of_the_developers_keeps_the_provider_listed(make_api, runner):
    from backend.config import Settings
    from tests.server.conftest import PORT
    api = make_api(runner=runner, settings=Settings(port=PORT, url_overrides={
        DEMO_PROVIDER: {"portal": "http://127.0.0.1:9"}}))
    assert DEMO_PROVIDER in listed(api)
    assert api.post("/api/demo").get_json()["demo"]["portal_url"] == "http://127.0.0.1:9"
    assert api.services.demo.running is False  # no child of ours
