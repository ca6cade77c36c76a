"""The Libeo destination against a real SMTP server on loopback (aiosmtpd, AUTH + STARTTLS)."""

from __future__ import annotations

import hashlib
import logging

import pytest

from backend.core.store import Store
from backend.delivery import outbox, settings
from backend.delivery.facts import InvoiceFacts, message_id
from backend.delivery.smtp import SmtpFailure, check_login
from backend.delivery.worker import DeliveryWorker
from backend.demo.inbox import free_port
from tests.helpers import make_pdf
from tests.test_delivery_support import (
    SMTP_PASSWORD,
    SMTP_USER,
    add_account,
    add_invoice,
    delivery,
    start_smtp,
    trust_test_cert,
    wait_for,
)

pytestmark = pytest.mark.keyring
FAST = outbox.Backoff(first=1, cap=2, max_attempts=10)
NAMES = {"demo-energie": "Démo Énergie"}.get
__all__ = ["trust_test_cert"]


@pytest.fixture
def store(home) -> Store:
    return Store()


@pytest.fixture
def password():
    settings.set_password(SMTP_PASSWORD)
    yield SMTP_PASSWORD
    settings.set_password(None)


def configure(store: Store, port: int, security: str = "starttls", enabled: bool = True) -> settings.LibeoSettings:
    value = settings.merge_libeo(settings.LibeoSettings(), {
        "enabled": enabled, "inbox": "acme-sarl@box.libeo.io", "sender": "jeanne@acme.fr",
        "smtp_host": "localhost", "smtp_port": port, "smtp_security": security, "smtp_username": SMTP_USER})
    settings.save_libeo(store, value)
    return value


def worker_for(store: Store) -> DeliveryWorker:
    return DeliveryWorker(store, backoff=FAST, provider_name=lambda pid: NAMES(pid, pid))


def test_delivered_message_structure(store, password, trust_test_cert, tmp_path):
    pdf = make_pdf("facture 2026-0042")
    with start_smtp(tmp_path / "inbox") as server:
        configure(store, server.port)
        account = add_account(store)
        invoice = add_invoice(store, account, "inv-42", pdf, number="FA/2026 0042", date="2026-11-03")
        worker = worker_for(store)
        assert worker.run_once() == 1
    [msg] = server.handler.parsed()
    assert msg["From"] == "jeanne@acme.fr"
    assert msg["To"] == "acme-sarl@box.libeo.io"
    assert msg["Subject"] == "Facture Démo Énergie n° FA/2026 0042 du 03/11/2026"
    expected_id = "<" + hashlib.sha256(f"{account}|demo-energie|inv-42".encode()).hexdigest()[:32] \
        + "@invoice-collector.local>"
    assert msg["Message-ID"] == expected_id
    pdf_parts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdf_parts) == 1
    assert pdf_parts[0].get_content() == pdf
    assert pdf_parts[0].get_filename() == "2026-11-03_demo-energie_FA-2026-0042.pdf"
    assert pdf_parts[0].get_content_disposition() == "attachment"
    text = msg.get_body(("plain",)).get_content()
    assert text.index("Fournisseur : Démo Énergie") < text.index("Supplier: Démo Énergie")
    assert "Montant : 42,50 EUR" in text and "Amount: 42.50 EUR" in text
    row = delivery(store, invoice)
    assert (row["status"], row["attempts"], row["message_id"]) == ("sent", 1, expected_id)
    assert row["sent_at"] and row["last_error"] is None


def test_message_id_is_stable_per_invoice_key():
    one = InvoiceFacts(id=1, account_id=3, provider="edf", provider_name="EDF", key="A1", pdf_path=None)
    again = InvoiceFacts(id=9, account_id=3, provider="edf", provider_name="EDF", key="A1", pdf_path=None)
    other = InvoiceFacts(id=1, account_id=3, provider="edf", provider_name="EDF", key="A2", pdf_path=None)
    assert message_id(one) == message_id(again) != message_id(other)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_check_good_and_bad_password(security, trust_test_cert, tmp_path):
    with start_smtp(tmp_path / "inbox", tls=security) as server:
        good = settings.LibeoSettings(inbox="x@box.libeo.io", sender="a@b.fr", smtp_host="localhost",
                                      smtp_port=server.port, smtp_security=security, smtp_username=SMTP_USER)
        check_login(good, SMTP_PASSWORD)
        with pytest.raises(SmtpFailure) as refused:
            check_login(good, "wrong-password")
    assert refused.value.auth and refused.value.permanent
    assert "535" in refused.value.text and "Authentication credentials invalid" in refused.value.text
    assert server.handler.messages() == []  # a check never sends anything


def test_login_check_untrusted_certificate(tmp_path):
    with start_smtp(tmp_path / "inbox") as server:  # no trust_test_cert: the system CAs only
        cfg = settings.LibeoSettings(smtp_host="localhost", smtp_port=server.port, smtp_username=SMTP_USER)
        with pytest.raises(SmtpFailure) as failure:
            check_login(cfg, SMTP_PASSWORD)
    assert failure.value.field == "smtp_ca_cert" and "not trusted" in failure.value.text


def test_server_down_then_back_each_invoice_once(store, password, trust_test_cert, tmp_path):
    port = free_port()
    configure(store, port)
    account = add_account(store)
    invoices = [add_invoice(store, account, f"k{n}", make_pdf(f"down {n}"), number=f"N{n}") for n in range(3)]
    worker = worker_for(store).start()
    try:
        wait_for(lambda: all(delivery(store, i)["status"] == "retrying" for i in invoices), what="retrying")
        row = delivery(store, invoices[0])
        assert row["next_attempt_at"] and "refused the connection" in row["last_error"]
        with start_smtp(tmp_path / "inbox", port=port) as server:
            wait_for(lambda: all(delivery(store, i)["status"] == "sent" for i in invoices), what="sent")
    finally:
        worker.stop()
    ids = sorted(m["Message-ID"] for m in server.handler.parsed())
    assert len(ids) == 3 and len(set(ids)) == 3


def test_temporary_4xx_then_success(store, password, trust_test_cert, tmp_path):
    with start_smtp(tmp_path / "inbox") as server:
        server.handler.replies = ["451 4.3.0 Mailbox temporarily unavailable"]
        configure(store, server.port)
        invoice = add_invoice(store, add_account(store), "k1", make_pdf("4xx"))
        worker = worker_for(store)
        worker.run_once()
        row = delivery(store, invoice)
        assert row["status"] == "retrying" and row["attempts"] == 1 and row["next_attempt_at"]
        assert "451 4.3.0 Mailbox temporarily unavailable" in row["last_error"]
        worker.start()
        try:
            wait_for(lambda: delivery(store, invoice)["status"] == "sent", what="sent after retry")
        finally:
            worker.stop()
    assert len(server.handler.messages()) == 1 and delivery(store, invoice)["attempts"] == 2


def test_permanent_5xx_is_failed_with_server_text_then_manual_retry(store, password, trust_test_cert, tmp_path):
    with start_smtp(tmp_path / "inbox") as server:
        server.handler.replies = ["554 5.7.1 Attachment type refused by policy"]
        configure(store, server.port)
        invoice = add_invoice(store, add_account(store), "k1", make_pdf("5xx"))
        worker = worker_for(store)
        worker.run_once()
        row = delivery(store, invoice)
        assert row["status"] == "failed" and row["next_attempt_at"] is None
        assert "554 5.7.1 Attachment type refused by policy" in row["last_error"]
        assert worker.run_once() == 0 and server.handler.data_count == 1  # never retried by itself
        assert outbox.requeue(store, invoice) == 1
        assert worker.run_once() == 1
    assert delivery(store, invoice)["status"] == "sent" and len(server.handler.messages()) == 1


def test_wrong_password_pauses_sending_without_retrying(store, trust_test_cert, tmp_path):
    settings.set_password("not-the-password")
    try:
        with start_smtp(tmp_path / "inbox") as server:
            configure(store, server.port)
            account = add_account(store)
            invoices = [add_invoice(store, account, f"k{n}", make_pdf(f"pw {n}")) for n in range(2)]
            worker = worker_for(store)
            worker.run_once()
            worker.run_once()
            assert server.authenticator.attempts == 1  # one refused login, never repeated
            for invoice in invoices:
                row = delivery(store, invoice)
                assert row["status"] == "pending" and "535" in row["last_error"]
            assert "535" in settings.paused_reason(store)
            settings.set_password(SMTP_PASSWORD)
            settings.save_libeo(store, settings.load_libeo(store))  # the user saves the settings again
            assert worker.run_once() == 2
    finally:
        settings.set_password(None)


def test_baseline_invoices_are_never_sent(store, password, trust_test_cert, tmp_path):
    with start_smtp(tmp_path / "inbox") as server:
        configure(store, server.port)
        account = add_account(store)
        old = add_invoice(store, account, "old", make_pdf("old"), number="OLD-1", baseline=True)
        new = add_invoice(store, account, "new", make_pdf("new"), number="NEW-1")
        worker_for(store).run_once()
    assert [m["Subject"] for m in server.handler.parsed()] == ["Facture Démo Énergie n° NEW-1 du 01/11/2026"]
    assert delivery(store, old) is None and delivery(store, new)["status"] == "sent"


def test_secrets_never_in_database_or_logs(store, password, trust_test_cert, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with start_smtp(tmp_path / "inbox") as server:
        configure(store, server.port)
        add_invoice(store, add_account(store), "k1", make_pdf("secret"))
        worker_for(store).run_once()
        assert len(server.handler.messages()) == 1
    for path in store.path.parent.glob(store.path.name + "*"):  # the database, its WAL and SHM
        assert SMTP_PASSWORD.encode() not in path.read_bytes()
    assert SMTP_PASSWORD not in caplog.text
    assert "password" not in store.get_setting("libeo")


def test_one_worker_per_database(store):
    first = worker_for(store).start()
    second = worker_for(store).start()  # e.g. the demo started in the home of a running server
    try:
        assert first.alive and not second.alive
    finally:
        second.stop()
        first.stop()
    third = worker_for(store).start()
    try:
        assert third.alive  # the lock went with the first worker
    finally:
        third.stop()
