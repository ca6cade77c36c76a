"""Never forgotten, never twice: invoices collected while sending to Libeo was off are offered
(« Envoyer les N factures en attente ») once it is on; one kept without its PDF (known before the
account was added) is fetched at a sync started by « Envoyer à Libeo », then sent. A real SMTP
server on loopback counts the messages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import assert_api_error, wait_for
from tests.test_delivery_support import libeo_to, start_smtp, trust_test_cert

pytestmark = pytest.mark.keyring
__all__ = ["trust_test_cert"]
TODAY = dt.date.today()


def libeo_on(api, smtp) -> None:
    answer = api.put("/api/settings/libeo", libeo_to(smtp))
    assert answer.status_code == 200, answer.get_json()


def test_waiting_invoices_and_a_baseline_one_are_sent_once(make_api, runner, tmp_path, trust_test_cert):
    runner.add("OLD", TODAY - dt.timedelta(days=90))  # before « depuis le »: kept without its PDF
    runner.add("A", TODAY - dt.timedelta(days=3))
    runner.add("B", TODAY - dt.timedelta(days=2))
    api = make_api(runner=runner)
    account = api.create(since=(TODAY - dt.timedelta(days=10)).isoformat())["account"]
    api.wait_idle()
    by_key = {i["key"]: i for i in api.invoices()}
    assert [by_key[k]["delivery"]["libeo"] for k in ("A", "B")] == [None, None]  # sending was off
    assert_api_error(api.post("/api/invoices/send-waiting"), 409, "LIBEO_OFF")

    with start_smtp(tmp_path / "inbox") as smtp:
        libeo_on(api, smtp)
        api.services.start()  # the delivery worker, as `serve` runs it
        assert api.get("/api/settings/libeo").get_json()["libeo"]["waiting"] == 2
        assert api.post("/api/invoices/send-waiting").get_json() == {"queued": 2, "already_sent": 0}
        wait_for(lambda: len(smtp.handler.messages()) == 2, 30, "two messages")
        assert api.post("/api/invoices/send-waiting").get_json() == {"queued": 0, "already_sent": 0}
        assert_api_error(api.post(f"/api/invoices/{by_key['A']['id']}/send"), 409, "ALREADY_QUEUED")

        old = by_key["OLD"]
        assert old["baseline"] and old["pdf_url"] is None
        sent = api.post(f"/api/invoices/{old['id']}/send")
        assert sent.status_code == 202 and sent.get_json()["invoice"]["send_requested"] is True
        api.wait_idle()
        assert "OLD" not in runner.requests[-1].known_keys  # fetched again, with its PDF this time
        wait_for(lambda: len(smtp.handler.messages()) == 3, 30, "the third message")
        old = next(i for i in api.invoices() if i["key"] == "OLD")
        assert (old["send_requested"], old["delivery"]["libeo"]["status"]) == (False, "sent")
        assert api.account(account["id"])["invoices_sent"] == 3
        assert len(smtp.handler.messages()) == 3
