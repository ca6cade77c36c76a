"""The folder destination: YYYY-MM-DD_provider_number.pdf, atomic, never overwriting another file."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from backend.core.store import Store
from backend.delivery import outbox, settings
from backend.delivery.facts import InvoiceFacts, file_name
from backend.delivery.folder import write_invoice
from backend.delivery.worker import DeliveryWorker
from tests.helpers import make_pdf
from tests.test_delivery_support import (
    SMTP_PASSWORD,
    SMTP_USER,
    add_account,
    add_invoice,
    delivery,
    start_smtp,
    trust_test_cert,
)

__all__ = ["trust_test_cert"]


@pytest.fixture
def store(home) -> Store:
    return Store()


def enable_folder(store: Store, path) -> None:
    settings.save_folder(store, settings.merge_folder(settings.FolderSettings(), {"enabled": True, "path": str(path)}))


def worker(store: Store) -> DeliveryWorker:
    return DeliveryWorker(store, backoff=outbox.Backoff(first=1), provider_name=lambda p: p)


def facts(**kw) -> InvoiceFacts:
    base = {"id": 1, "account_id": 1, "provider": "edf", "provider_name": "EDF", "key": "K1", "pdf_path": None,
                "number": "123", "date": dt.date(2026, 11, 3)}
    return InvoiceFacts(**(base | kw))


@pytest.mark.parametrize("kw, expected", [
    ({}, "2026-11-03_edf_123.pdf"),
    ({"number": "FA/2026/../0042"}, "2026-11-03_edf_FA-2026-0042.pdf"),
    ({"number": "Facture n°12 été"}, "2026-11-03_edf_Facture-n-12-ete.pdf"),
    ({"provider": "../../etc", "number": "../passwd"}, "2026-11-03_etc_passwd.pdf"),
    ({"number": None, "key": "inv:9"}, "2026-11-03_edf_inv-9.pdf"),
    ({"date": None, "collected_at": "2026-11-24T05:00:00Z"}, "2026-11-24_edf_123.pdf"),
    ({"number": "////"}, f"2026-11-03_edf_{hashlib.sha256(b'K1').hexdigest()[:12]}.pdf"),
])
def test_file_names_are_clean(kw, expected):
    name = file_name(facts(**kw))
    assert name == expected
    assert "/" not in name and not name.startswith(".")


def test_write_never_overwrites_a_different_file_and_is_idempotent(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"someone else's file")
    first = write_invoice(tmp_path, "a.pdf", b"%PDF one")
    assert first.name == "a_2.pdf" and first.read_bytes() == b"%PDF one"
    assert (tmp_path / "a.pdf").read_bytes() == b"someone else's file"
    assert write_invoice(tmp_path, "a.pdf", b"%PDF one") == first  # a resend finds its own file
    assert write_invoice(tmp_path, "a.pdf", b"%PDF two").name == "a_3.pdf"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "a_2.pdf", "a_3.pdf"]  # no temp files left


def test_worker_copies_new_invoices_to_the_folder(store, tmp_path):
    target = tmp_path / "Factures"
    enable_folder(store, target)
    account = add_account(store, provider="edf")
    pdf_a, pdf_b = make_pdf("a"), make_pdf("b")
    a = add_invoice(store, account, "A", pdf_a, number="123", date="2026-11-03")
    b = add_invoice(store, account, "B", pdf_b, number="123", date="2026-11-03")  # same name, other invoice
    old = add_invoice(store, account, "OLD", make_pdf("old"), number="9", baseline=True)
    assert worker(store).run_once() == 2
    assert (target / "2026-11-03_edf_123.pdf").read_bytes() == pdf_a
    assert (target / "2026-11-03_edf_123_2.pdf").read_bytes() == pdf_b
    assert sorted(p.name for p in target.iterdir()) == ["2026-11-03_edf_123.pdf", "2026-11-03_edf_123_2.pdf"]
    assert delivery(store, a, "folder")["status"] == delivery(store, b, "folder")["status"] == "sent"
    assert delivery(store, old, "folder") is None


def test_unwritable_folder_waits_to_retry(store, tmp_path):
    blocker = tmp_path / "not-a-dir"
    enable_folder(store, tmp_path / "ok")
    settings.save_folder(store, settings.FolderSettings(enabled=True, path=str(blocker / "sub")))
    blocker.write_text("a file where the folder should be")
    invoice = add_invoice(store, add_account(store), "A", make_pdf("a"))
    worker(store).run_once()
    row = delivery(store, invoice, "folder")
    assert row["status"] == "retrying" and row["next_attempt_at"] and "cannot write to" in row["last_error"]


@pytest.mark.keyring
def test_both_destinations_at_once(store, trust_test_cert, tmp_path):
    settings.set_password(SMTP_PASSWORD)
    try:
        with start_smtp(tmp_path / "inbox") as server:
            enable_folder(store, tmp_path / "copies")
            settings.save_libeo(store, settings.merge_libeo(settings.LibeoSettings(), {
                "enabled": True, "inbox": "acme@box.libeo.io", "sender": "j@acme.fr", "smtp_host": "localhost",
                "smtp_port": server.port, "smtp_username": SMTP_USER}))
            invoice = add_invoice(store, add_account(store), "A", make_pdf("both"), number="7")
            assert worker(store).run_once() == 2
        assert len(server.handler.messages()) == 1
        assert [p.name for p in (tmp_path / "copies").iterdir()] == ["2026-11-01_demo-energie_7.pdf"]
        assert delivery(store, invoice, "libeo")["status"] == delivery(store, invoice, "folder")["status"] == "sent"
    finally:
        settings.set_password(None)
