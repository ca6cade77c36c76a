"""The outbox's rules with a frozen clock (issue 16): which delivery is due and when the next one
is, how a failed attempt is scheduled or given up, what a restart, a hold and a manual retry do
to each status, and the ledger's word before anything is queued. Unit level: a SQLite file, no SMTP."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.core import ledger
from backend.core.clock import iso
from backend.core.store import Store
from backend.delivery import outbox
from tests.test_delivery_support import add_account, add_invoice, delivery

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(home, monkeypatch) -> Store:
    monkeypatch.setattr(outbox, "utcnow", lambda: NOW)
    return Store()


def invoice_with_delivery(store: Store, key: str, status: str = "pending", next_at: dt.datetime | None = None,
                          destination: str = "libeo", attempts: int = 0) -> int:
    invoice = add_invoice(store, add_account(store, login=f"{key}@example.com"), key, f"%PDF {key}".encode())
    with store.transaction() as conn:
        conn.execute("INSERT INTO deliveries(invoice_id, destination, status, attempts, next_attempt_at, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (invoice, destination, status, attempts, iso(next_at) if next_at else None, iso(NOW)))
    return invoice


def test_retries_wait_one_minute_then_twice_as_long_each_time_up_to_six_hours():
    backoff = outbox.Backoff()
    assert [backoff.delay(n) for n in range(11)] == [60, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600]
    assert backoff.max_attempts == 10


def test_due_are_the_waiting_rows_of_the_destinations_asked_whose_time_has_come(store):
    fresh = invoice_with_delivery(store, "fresh")
    on_time = invoice_with_delivery(store, "on-time", "retrying", NOW)
    later = invoice_with_delivery(store, "later", "retrying", NOW + dt.timedelta(seconds=1))
    for status in ("sending", "sent", "failed"):
        invoice_with_delivery(store, status, status)
    folder = invoice_with_delivery(store, "folder", destination="folder")
    assert [row["invoice_id"] for row in outbox.due(store, ["libeo"], NOW)] == [fresh, on_time]
    assert [row["invoice_id"] for row in outbox.due(store, ["libeo", "folder"], NOW)] == [fresh, on_time, folder]
    assert [row["invoice_id"] for row in outbox.due(store, ["libeo"], NOW + dt.timedelta(seconds=1))] == [
        fresh, on_time, later]
    assert outbox.due(store, [], NOW) == []


def test_the_next_due_time_is_the_earliest_of_the_destinations_asked(store):
    assert outbox.next_due(store, ["libeo"]) is None
    invoice_with_delivery(store, "sent", "sent")
    invoice_with_delivery(store, "failed", "failed", NOW - dt.timedelta(hours=1))
    assert outbox.next_due(store, ["libeo"]) is None
    invoice_with_delivery(store, "later", "retrying", NOW + dt.timedelta(hours=2))
    invoice_with_delivery(store, "sooner", "retrying", NOW + dt.timedelta(minutes=4))
    invoice_with_delivery(store, "folder", "retrying", NOW + dt.timedelta(minutes=1), destination="folder")
    assert outbox.next_due(store, ["libeo"]) == NOW + dt.timedelta(minutes=4)
    assert outbox.next_due(store, ["libeo", "folder"]) == NOW + dt.timedelta(minutes=1)
    assert outbox.next_due(store, []) is None
    invoice_with_delivery(store, "fresh")  # pending without a time: due now
    assert outbox.next_due(store, ["libeo"]) == NOW


def test_a_failed_attempt_is_retried_after_its_delay_until_the_tenth_which_gives_up(store):
    invoice = invoice_with_delivery(store, "k")
    row = delivery(store, invoice)
    backoff = outbox.Backoff()
    assert outbox.mark_failed_attempt(store, row["id"], 3, "421 busy", False, backoff) == "retrying"
    after = delivery(store, invoice)
    assert (after["status"], after["attempts"], after["last_error"], after["next_attempt_at"]) == (
        "retrying", 3, "421 busy", iso(NOW + dt.timedelta(minutes=4)))
    assert outbox.mark_failed_attempt(store, row["id"], 9, "421 busy", False, backoff) == "retrying"
    assert outbox.mark_failed_attempt(store, row["id"], 10, "421 busy", False, backoff) == "failed"
    given_up = delivery(store, invoice)
    assert (given_up["status"], given_up["attempts"], given_up["last_error"], given_up["next_attempt_at"]) == (
        "failed", 10, "gave up after 10 attempts: 421 busy", None)


def test_a_permanent_refusal_fails_at_once_with_the_servers_words(store):
    invoice = invoice_with_delivery(store, "k")
    row = delivery(store, invoice)
    assert outbox.mark_failed_attempt(store, row["id"], 1, "550 no such user", True, outbox.Backoff()) == "failed"
    failed = delivery(store, invoice)
    assert (failed["status"], failed["last_error"], failed["next_attempt_at"]) == ("failed", "550 no such user", None)


def test_a_restart_sends_again_only_what_was_being_sent(store):
    cut = invoice_with_delivery(store, "cut", "sending", attempts=2)
    waiting = invoice_with_delivery(store, "waiting", "retrying", NOW + dt.timedelta(hours=1))
    assert outbox.recover_interrupted(store) == 1
    resumed = delivery(store, cut)
    assert (resumed["status"], resumed["next_attempt_at"], resumed["last_error"], resumed["attempts"]) == (
        "pending", None, outbox.INTERRUPTED_NOTE, 2)
    assert delivery(store, waiting)["status"] == "retrying"
    assert outbox.recover_interrupted(store) == 0


def test_sending_then_sent_records_the_message_and_the_ledger(store):
    invoice = invoice_with_delivery(store, "k", "retrying", NOW, attempts=1)
    row = delivery(store, invoice)
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET last_error = '421 busy' WHERE id = ?", (row["id"],))
    outbox.mark_sending(store, row["id"], 2, "<k@invoice-collector>")
    sending = delivery(store, invoice)
    assert (sending["status"], sending["attempts"], sending["message_id"]) == ("sending", 2, "<k@invoice-collector>")
    outbox.mark_sent(store, row["id"], 2, "<k@invoice-collector>")
    sent = delivery(store, invoice)
    assert (sent["status"], sent["attempts"], sent["sent_at"], sent["message_id"], sent["last_error"],
            sent["next_attempt_at"]) == ("sent", 2, iso(NOW), "<k@invoice-collector>", None, None)
    with store.transaction() as conn:
        assert ledger.count(conn, "demo-energie", "k@example.com") == 1


def test_a_hold_explains_the_waiting_rows_of_that_destination_only(store):
    pending = invoice_with_delivery(store, "pending")
    retrying = invoice_with_delivery(store, "retrying", "retrying", NOW)
    folder = invoice_with_delivery(store, "folder", destination="folder")
    outbox.hold(store, "libeo", "Libeo sending is paused")
    assert delivery(store, pending)["last_error"] == "Libeo sending is paused"
    assert delivery(store, retrying)["last_error"] is None
    assert delivery(store, folder, "folder")["last_error"] is None


def test_a_manual_retry_sends_failed_and_waiting_deliveries_now_with_a_fresh_count(store):
    invoice = invoice_with_delivery(store, "k", "failed", attempts=10)
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET last_error = 'gave up' WHERE invoice_id = ?", (invoice,))
        conn.execute("INSERT INTO deliveries(invoice_id, destination, status, attempts, next_attempt_at, "
                     "created_at) VALUES (?, 'folder', 'retrying', 3, ?, ?)",
                     (invoice, iso(NOW + dt.timedelta(hours=1)), iso(NOW)))
    assert outbox.requeue(store, invoice) == 2
    for destination in ("libeo", "folder"):
        row = delivery(store, invoice, destination)
        assert (row["status"], row["attempts"], row["next_attempt_at"], row["last_error"]) == (
            "pending", 0, None, None)
    sent = invoice_with_delivery(store, "sent", "sent")
    assert outbox.requeue(store, sent) == 0
    assert delivery(store, sent)["status"] == "sent"


def test_an_invoice_the_ledger_has_seen_sent_is_recorded_sent_never_queued(store):
    """An account deleted and added again, or a portal renaming an invoice: no second message."""
    first = invoice_with_delivery(store, "k")
    row = delivery(store, first)
    outbox.mark_sent(store, row["id"], 1, "<k@invoice-collector>")
    again = add_account(store, login="k@example.com")
    same_key = add_invoice(store, again, "k", b"%PDF another copy")
    renamed = add_invoice(store, again, "k-renamed", b"%PDF k")  # the same PDF under another key
    new = add_invoice(store, again, "k2", b"%PDF k2")
    with store.transaction() as conn:
        assert outbox.queue(conn, same_key, "libeo", iso(NOW)) is False
        assert outbox.queue(conn, renamed, "libeo", iso(NOW)) is False
        assert outbox.queue(conn, new, "libeo", iso(NOW)) is True
        assert outbox.queue(conn, same_key, "folder", iso(NOW)) is True  # never reached that destination
    for invoice in (same_key, renamed):
        recorded = delivery(store, invoice)
        assert (recorded["status"], recorded["sent_at"], recorded["message_id"], recorded["last_error"]) == (
            "sent", iso(NOW), "<k@invoice-collector>", outbox.ALREADY_SENT)
    assert (delivery(store, new)["status"], delivery(store, same_key, "folder")["status"]) == ("pending", "pending")
    assert [row["invoice_id"] for row in outbox.due(store, ["libeo"], NOW)] == [new]


def test_waiting_are_the_new_invoices_with_a_pdf_and_no_delivery_to_that_destination(store):
    account = add_account(store)
    first = add_invoice(store, account, "a", b"%PDF a")
    add_invoice(store, account, "b", b"%PDF b", baseline=True)
    third = add_invoice(store, account, "c", b"%PDF c")
    copy = add_invoice(store, account, "c-copy", b"%PDF c copy")
    with store.transaction() as conn:
        conn.execute("UPDATE invoices SET duplicate_of = ? WHERE id = ?", (third, copy))
        conn.execute("UPDATE invoices SET sha256 = NULL WHERE key = 'a'")  # kept without its PDF
        outbox.queue(conn, third, "libeo", iso(NOW))
        assert outbox.waiting(conn, "libeo") == []
        assert outbox.waiting(conn, "folder") == [third]
        conn.execute("UPDATE invoices SET sha256 = 'x' WHERE id = ?", (first,))
        assert outbox.waiting(conn, "folder") == [first, third]
