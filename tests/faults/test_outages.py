"""Outages, through the real app and the real engine: the portal refuses connections, answers a
maintenance page or a bare 503 from its proxy, never finishes a page or a PDF; the SMTP server is
down for a while; the disk fills up while a PDF is saved. Each ends in the outcome a user can act
on (retried automatically where it makes sense), in bounded time, and recovers once it is over."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import subprocess
import time

import pytest

from backend.delivery import settings as delivery_settings
from backend.delivery.outbox import Backoff
from backend.delivery.worker import DeliveryWorker
from tests.faults.conftest import RUN_TIMEOUT, TODAY, quick_engine
from tests.faults.harness import FIGURES, PROVIDER, wait_for
from tests.helpers import free_port, make_pdf
from tests.test_delivery_support import SMTP_PASSWORD, SMTP_USER, start_smtp

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


def publish(portal, *keys: str, pdf: bytes | None = None) -> None:
    for n, key in enumerate(keys):
        portal.publish(key, TODAY - dt.timedelta(days=n + 1), pdf=pdf)


def retried_later(account: dict) -> bool:
    return account["state"] == "error" and not account["blocked"] and account["next_run_at"] is not None


def test_a_portal_that_refuses_connections_is_provider_down_then_recovers(collector):
    c = collector()
    publish(c.portal, "P1")
    nowhere = f"http://127.0.0.1:{free_port()}"
    c.services.settings.url_overrides[PROVIDER]["portal"] = nowhere
    job = c.add_account()
    assert (job["outcome"]["code"], job["outcome"]["message"]) == ("PROVIDER_DOWN", f"cannot reach {nowhere}/login")
    assert job["outcome"]["message_fr"].startswith("Le site du fournisseur est indisponible")
    account = c.account()
    assert retried_later(account)
    next_run = dt.datetime.fromisoformat(account["next_run_at"].replace("Z", "+00:00"))
    assert dt.timedelta(minutes=12) < next_run - dt.datetime.now(dt.timezone.utc) < dt.timedelta(minutes=18)

    c.services.settings.url_overrides[PROVIDER]["portal"] = c.portal.url  # the portal is back
    job = c.sync()
    assert job["outcome"]["code"] == "OK" and list(c.invoices()) == ["P1"]
    FIGURES["outages"] += 1


@pytest.mark.parametrize("kind", ["known", "generic"])
def test_a_503_maintenance_page_is_provider_down_and_nothing_is_typed(collector, kind):
    """known: the portal's own page (the recipe names it); generic: a bare 503 from a proxy,
    which no recipe describes — still the portal being down, not a broken recipe."""
    c = collector()
    publish(c.portal, "M1")
    c.portal.maintenance = kind
    job = c.add_account()
    assert job["outcome"]["code"] == "PROVIDER_DOWN", job
    if kind == "known":
        assert job["outcome"]["message"] == "Notre espace client est en maintenance jusqu'à 6h."
    assert c.portal.hits["login_post"] == 0  # no password was sent to a page in maintenance
    assert retried_later(c.account())
    c.portal.maintenance = None
    assert c.sync()["outcome"]["code"] == "OK" and list(c.invoices()) == ["M1"]
    FIGURES["outages"] += 1


def test_a_login_page_that_never_finishes_loading_is_timeout_in_bounded_time(collector):
    c = collector()
    publish(c.portal, "H1")
    c.portal.hang_login = True
    started = time.monotonic()
    job = c.add_account()
    elapsed = time.monotonic() - started
    assert job["outcome"]["code"] == "TIMEOUT", job
    assert elapsed < RUN_TIMEOUT, f"the run took {elapsed:.1f}s"
    assert retried_later(c.account()) and c.portal.hits["login_post"] == 0
    FIGURES["outages"] += 1


def test_a_pdf_that_never_finishes_is_timeout_within_the_run_limit(collector):
    c = collector(runner=lambda request: quick_engine(dataclasses.replace(request, run_timeout=6.0)))
    publish(c.portal, "T1", "T2")
    c.portal.pdf_faults = {"T1": "trickle"}  # one byte every 0.2 s, forever
    started = time.monotonic()
    job = c.add_account()
    elapsed = time.monotonic() - started
    assert job["outcome"]["code"] == "TIMEOUT", job
    assert job["outcome"]["message"] == "invoice T1: the download did not finish within the run's time limit"
    # 6 s of run, plus Chromium's start and stop on a busy machine; without a limit it never ends.
    assert elapsed < 6.0 + 14, f"the run took {elapsed:.1f}s"
    assert "T1" not in c.invoices()
    c.portal.pdf_faults = {}
    assert c.sync()["outcome"]["code"] == "OK" and sorted(c.invoices()) == ["T1", "T2"]
    FIGURES["outages"] += 1


def test_smtp_down_during_a_collection_then_back_each_invoice_delivered_once(collector, tmp_path, trust_test_cert):
    c = collector()
    smtp_port = free_port()
    store = c.services.store
    delivery_settings.set_password(SMTP_PASSWORD)
    try:
        delivery_settings.save_libeo(store, delivery_settings.merge_libeo(delivery_settings.LibeoSettings(), {
            "enabled": True, "inbox": "acme@box.libeo.io", "sender": "compta@acme.fr", "smtp_host": "localhost",
            "smtp_port": smtp_port, "smtp_username": SMTP_USER}))
        worker = DeliveryWorker(store, backoff=Backoff(first=0.3, cap=1.0), provider_name=c.services.provider_name)
        c.services.delivery = worker.start()  # as the server starts it, with a short backoff
        publish(c.portal, "MAIL-1", "MAIL-2", "MAIL-3")
        job = c.add_account()
        assert job["outcome"]["code"] == "OK" and job["new_invoices"] == 3
        wait_for(lambda: {i["delivery"]["libeo"]["status"] for i in c.invoices().values()} == {"retrying"}, 20,
                 "every delivery to wait for the SMTP server")
        shown = next(iter(c.invoices().values()))["delivery"]["libeo"]
        assert "refused the connection" in shown["last_error"] and shown["next_attempt_at"]
        wait_for(lambda: all(i["delivery"]["libeo"]["attempts"] >= 3 for i in c.invoices().values()), 20,
                 "a few attempts while it is down")
        with start_smtp(tmp_path / "inbox", port=smtp_port) as server:  # back, on the same port
            wait_for(lambda: {i["delivery"]["libeo"]["status"] for i in c.invoices().values()} == {"sent"}, 20,
                     "every delivery sent once the SMTP server is back")
            received = collections.Counter(m["Message-ID"] for m in server.handler.parsed())
        assert len(received) == 3 and set(received.values()) == {1}
        FIGURES["outages"] += 1
        worker.stop()
    finally:
        delivery_settings.set_password(None)


# ---- disk full ---------------------------------------------------------------------------------------
def _mount_tiny_fs(path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.fixture
def tiny_pdf_disk(home):
    """data/pdf on a 64 KiB tmpfs (root only: skipped elsewhere). Unmounted after the test."""
    target = home / "data" / "pdf"
    if not _mount_tiny_fs(target, "64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield target
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_disk_full_while_saving_a_pdf_is_a_clear_error_nothing_half_written_then_recovers(collector, tiny_pdf_disk):
    c = collector()
    small = [make_pdf(f"small {n}") for n in range(2)]
    big = make_pdf("big") + b"%" + b"0" * 200_000 + b"\n%%EOF\n"  # larger than the whole disk
    c.portal.publish("SMALL-1", TODAY - dt.timedelta(days=3), pdf=small[0])
    c.portal.publish("BIG", TODAY - dt.timedelta(days=2), pdf=big)
    c.portal.publish("SMALL-2", TODAY - dt.timedelta(days=1), pdf=small[1])
    job = c.add_account()
    # « Disque plein », naming the disk that is full (the PDF folder's), retried later on its own.
    assert job["outcome"]["code"] == "DISK_FULL", job["outcome"]
    assert job["outcome"]["message"].startswith(f"the disk holding {tiny_pdf_disk}")
    assert job["outcome"]["message_fr"].startswith("Disque plein (0 Mo libres)")
    stored = c.invoices()
    assert "BIG" not in stored and all(inv["sha256"] for inv in stored.values())
    on_disk = [p.name for p in tiny_pdf_disk.rglob("*") if p.is_file()]
    assert not [name for name in on_disk if not name.endswith(".pdf")], f"half-written files: {on_disk}"
    assert sorted(p.stem for p in tiny_pdf_disk.rglob("*.pdf")) == sorted(i["sha256"] for i in stored.values())
    assert retried_later(c.account())

    subprocess.run(["mount", "-o", "remount,size=10m", str(tiny_pdf_disk)], check=True)  # space is back
    job = c.sync()
    assert job["outcome"]["code"] == "OK", job
    assert sorted(c.invoices()) == ["BIG", "SMALL-1", "SMALL-2"]
    assert c.stored_pdf("BIG") == big
    FIGURES["outages"] += 1
