"""Never twice: what reached Libeo is remembered whatever happens to the account. Through the
real server (`invoice-collector serve`), the real engine against the fixture portal and an SMTP
server on loopback, counting the messages it receives: an account deleted and added again with
the same login and the same « depuis le » does not send its invoices a second time."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.faults.harness import PROVIDER, Server, prepare_home, require_keyring, wait_for
from tests.faults.portal import LOGIN, FaultPortal
from tests.helpers import free_port, serve
from tests.test_delivery_support import CERT, libeo_to, start_smtp

pytestmark = [pytest.mark.browser, pytest.mark.keyring]
TODAY = dt.date.today()


def add(server: Server, portal: FaultPortal) -> dict:
    return server.api("POST", "/api/accounts", {
        "provider": PROVIDER, "terms_accepted": True, "since": (TODAY - dt.timedelta(days=60)).isoformat(),
        "credentials": {"email": LOGIN, "password": portal.password}}, expect=201).json()


def settled(server: Server, account_id: int, sent: int) -> bool:
    account = server.api("GET", f"/api/accounts/{account_id}").json()["account"]
    return account["state"] == "ok" and account["invoices_sent"] == sent


def test_an_account_deleted_and_added_again_sends_nothing_twice(tmp_path):
    require_keyring()
    portal = FaultPortal(password="Ledger-Pw!2026")
    for n in range(3):
        portal.publish(f"L-{n}", TODAY - dt.timedelta(days=5 + n))
    home = tmp_path / "ic-home"
    with serve(portal.app()) as portal_url, start_smtp(tmp_path / "inbox") as smtp:
        port = free_port()
        prepare_home(home, port, portal_url)
        server = Server(home, port, env={"SSL_CERT_FILE": str(CERT)})
        try:
            server.start()
            server.pair()
            server.api("PUT", "/api/settings/libeo", libeo_to(smtp), expect=200)
            first = add(server, portal)
            assert first["already_sent"] == 0
            wait_for(lambda: settled(server, first["account"]["id"], 3), 90, "three invoices sent")
            assert len(smtp.handler.messages()) == 3

            server.api("DELETE", f"/api/accounts/{first['account']['id']}", expect=204)
            again = add(server, portal)  # same login, same « depuis le »
            assert again["already_sent"] == 3
            account_id = again["account"]["id"]
            wait_for(lambda: settled(server, account_id, 3), 90, "the invoices known as sent")
            invoices = server.api("GET", f"/api/invoices?account={account_id}").json()["invoices"]
            assert sorted((i["key"], i["delivery"]["libeo"]["status"]) for i in invoices) == [
                ("L-0", "sent"), ("L-1", "sent"), ("L-2", "sent")]

            portal.publish("L-NEW", TODAY)  # a new one is sent, once
            server.api("POST", f"/api/accounts/{account_id}/sync", expect=202)
            wait_for(lambda: settled(server, account_id, 4), 90, "the new invoice sent")
            wait_for(lambda: not server.query("SELECT 1 FROM deliveries WHERE status <> 'sent'"), 30, "an idle outbox")
            assert len(smtp.handler.messages()) == 4
        finally:
            portal.released.set()
            server.cleanup()
