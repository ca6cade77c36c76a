"""Storing what a portal lists, once (issue 16, dedup and baseline): a new invoice gets one
delivery per enabled destination in the same transaction; a baseline one none; an invoice listed
again, or the same PDF under another key, is neither stored twice nor sent twice, and its
download is removed; an invoice the user asked to send gets its PDF and goes. Unit level: the
server's store_invoice on a SQLite file, the services reduced to what it uses."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend.collectors.model import Invoice
from backend.core.store import Store
from backend.delivery import outbox
from backend.server.collect import store_invoice
from tests.test_delivery_support import add_account, delivery

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def services(home, monkeypatch):
    monkeypatch.setattr(outbox, "utcnow", lambda: NOW)
    store = Store()
    store.put_setting("libeo", {"enabled": True})
    notified = []
    return SimpleNamespace(store=store, clock=lambda: NOW, notify_delivery=lambda: notified.append(1),
                           notified=notified)


@pytest.fixture
def account(services) -> int:
    return add_account(services.store)


@pytest.fixture
def job(services, account) -> int:
    with services.store.transaction() as conn:
        return conn.execute("INSERT INTO jobs(account_id, trigger, state, created_at) VALUES (?, 'manual', "
                            "'running', '2026-12-01T09:00:00Z')", (account,)).lastrowid


def downloaded(tmp_path: Path, key: str, content: bytes | None = None, **fields) -> Invoice:
    pdf = content or f"%PDF-1.4 {key}".encode()
    path = tmp_path / f"download-{key}.pdf"
    path.write_bytes(pdf)
    return Invoice(key=key, pdf_path=path, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), **fields)


def counters(services, job: int) -> tuple[int, int, int]:
    row = services.store.query_one("SELECT new_invoices, baseline, queued_for_libeo FROM jobs WHERE id = ?", (job,))
    return row["new_invoices"], row["baseline"], row["queued_for_libeo"]


def stored(services, key: str):
    return services.store.query_one("SELECT * FROM invoices WHERE key = ?", (key,))


def test_a_new_invoice_is_stored_with_its_fields_and_queued_for_each_enabled_destination(services, account, job,
                                                                                         tmp_path):
    services.store.put_setting("folder", {"enabled": True})
    invoice = downloaded(tmp_path, "F-1", number="F 1", date=dt.date(2026, 11, 30), due_date=dt.date(2026, 12, 15),
                         amount=Decimal("42.50"), currency="EUR", extra={"contrat": "Électricité"})
    assert store_invoice(services, account, job, invoice, baseline=False) == "new"
    row = stored(services, "F-1")
    assert (row["number"], row["date"], row["due_date"], row["amount"], row["currency"], row["sha256"],
            row["size"], row["baseline"], row["duplicate_of"], row["job_id"], row["collected_at"]) == (
        "F 1", "2026-11-30", "2026-12-15", "42.50", "EUR", invoice.sha256, invoice.size, 0, None, job,
        "2026-12-01T09:00:00Z")
    assert row["extra"] == '{"contrat": "Électricité"}'
    assert services.store.pdf_path(invoice.sha256).read_bytes() == b"%PDF-1.4 F-1"
    assert [delivery(services.store, row["id"], d)["status"] for d in ("libeo", "folder")] == ["pending", "pending"]
    assert counters(services, job) == (1, 0, 1)
    assert services.notified == [1]


def test_an_invoice_without_date_due_date_or_amount_stores_none_for_them(services, account, job, tmp_path):
    assert store_invoice(services, account, job, downloaded(tmp_path, "bare"), baseline=False) == "new"
    row = stored(services, "bare")
    assert (row["date"], row["due_date"], row["amount"], row["extra"]) == (None, None, None, "{}")


def test_a_baseline_invoice_is_remembered_never_sent(services, account, job, tmp_path):
    invoice = downloaded(tmp_path, "old")
    assert store_invoice(services, account, job, invoice, baseline=True) == "baseline"
    row = stored(services, "old")
    assert row["baseline"] == 1
    assert services.store.query("SELECT * FROM deliveries") == []
    assert counters(services, job) == (0, 1, 0)
    assert services.notified == []


def test_an_invoice_listed_again_is_known_and_its_new_download_removed(services, account, job, tmp_path):
    store_invoice(services, account, job, downloaded(tmp_path, "F-1"), baseline=False)
    again = downloaded(tmp_path, "F-1", b"%PDF-1.4 F-1 fetched again")
    assert store_invoice(services, account, job, again, baseline=False) == "known"
    assert not again.pdf_path.exists()
    assert len(services.store.query("SELECT * FROM invoices")) == 1
    assert len(services.store.query("SELECT * FROM deliveries")) == 1
    assert counters(services, job) == (1, 0, 1)


def test_the_same_pdf_under_another_key_is_a_duplicate_of_the_first(services, account, job, tmp_path):
    store_invoice(services, account, job, downloaded(tmp_path, "F-1", b"%PDF same"), baseline=False)
    store_invoice(services, account, job, downloaded(tmp_path, "F-2", b"%PDF other"), baseline=False)
    renamed = downloaded(tmp_path, "F-1-bis", b"%PDF same")
    assert store_invoice(services, account, job, renamed, baseline=False) == "duplicate"
    assert stored(services, "F-1-bis")["duplicate_of"] == stored(services, "F-1")["id"]
    assert delivery(services.store, stored(services, "F-1-bis")["id"]) is None
    assert not renamed.pdf_path.exists()
    assert counters(services, job) == (2, 0, 2)
    third = downloaded(tmp_path, "F-1-ter", b"%PDF same")  # a duplicate of the first, not of the duplicate
    assert store_invoice(services, account, job, third, baseline=False) == "duplicate"
    assert stored(services, "F-1-ter")["duplicate_of"] == stored(services, "F-1")["id"]


def test_the_same_pdf_in_another_account_is_not_a_duplicate(services, account, job, tmp_path):
    store_invoice(services, account, job, downloaded(tmp_path, "F-1", b"%PDF same"), baseline=False)
    other = add_account(services.store, login="other@example.com")
    assert store_invoice(services, other, job, downloaded(tmp_path, "F-9", b"%PDF same"), baseline=False) == "new"


def test_an_invoice_without_a_pdf_is_stored_without_one(services, account, job):
    listed = Invoice(key="no-pdf", number="N1")
    assert store_invoice(services, account, job, listed, baseline=False) == "new"
    assert stored(services, "no-pdf")["sha256"] is None
    assert store_invoice(services, account, job, Invoice(key="no-pdf-2"), baseline=False) == "new"  # no sha: no dup


def test_an_invoice_the_ledger_sent_before_is_stored_but_not_queued_again(services, account, job, tmp_path):
    store_invoice(services, account, job, downloaded(tmp_path, "F-1"), baseline=False)
    first = delivery(services.store, stored(services, "F-1")["id"])
    outbox.mark_sent(services.store, first["id"], 1, "<F-1@invoice-collector>")
    with services.store.transaction() as conn:
        conn.execute("DELETE FROM accounts")  # the user deletes the account, then adds it again
    again = add_account(services.store)
    services.notified.clear()
    assert store_invoice(services, again, job, downloaded(tmp_path, "F-1"), baseline=False) == "new"
    [row] = services.store.query("SELECT id FROM invoices WHERE account_id = ?", (again,))
    assert delivery(services.store, row["id"])["status"] == "sent"
    assert services.notified == []


def test_an_invoice_the_user_asked_to_send_gets_its_pdf_and_goes(services, account, job, tmp_path):
    store_invoice(services, account, job, Invoice(key="F-1"), baseline=True)  # remembered without its PDF
    with services.store.transaction() as conn:
        conn.execute("UPDATE invoices SET send_requested = 1 WHERE key = 'F-1'")
    fetched = downloaded(tmp_path, "F-1")
    assert store_invoice(services, account, job, fetched, baseline=True) == "requested"
    row = stored(services, "F-1")
    assert (row["sha256"], row["size"], row["send_requested"]) == (fetched.sha256, fetched.size, 0)
    assert services.store.pdf_path(fetched.sha256).exists()
    assert delivery(services.store, row["id"])["status"] == "pending"
    assert services.notified == [1]
    assert store_invoice(services, account, job, downloaded(tmp_path, "F-1"), baseline=True) == "known"


def test_a_requested_invoice_waits_when_libeo_is_off(services, account, job, tmp_path):
    store_invoice(services, account, job, Invoice(key="F-1"), baseline=True)
    with services.store.transaction() as conn:
        conn.execute("UPDATE invoices SET send_requested = 1 WHERE key = 'F-1'")
    services.store.put_setting("libeo", {"enabled": False})
    assert store_invoice(services, account, job, downloaded(tmp_path, "F-1"), baseline=True) == "requested"
    assert delivery(services.store, stored(services, "F-1")["id"]) is None
    assert services.notified == []
