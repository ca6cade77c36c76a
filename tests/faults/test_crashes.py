"""kill -9 of the real `invoice-collector serve` at seeded random points of a collection (real
Chromium against the fault portal) and of a delivery run (real SMTP with STARTTLS + AUTH on
loopback), then a restart that is left to finish on its own.

After every crash: each invoice the portal published is stored exactly once with its PDF; each new
invoice reached the SMTP server exactly once, except a message whose delivery row was 'sending'
when the process died (the one window SMTP leaves, docs/delivery.md), which may arrive twice with
the same Message-ID; no orphan or half-written file; no job left running; PRAGMA integrity_check ok.

The crash points come from FAULT_SEED (printed in the test ids); one home, one portal and one SMTP
server serve every point in turn, so the database carries the history of all earlier crashes."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

import pytest

from backend import paths
from backend.core.store import Store
from backend.delivery.facts import InvoiceFacts, message_id
from backend.server import recovery
from tests.faults.harness import (
    FIGURES,
    PROVIDER,
    REPO,
    Server,
    integrity,
    prepare_home,
    problems,
    require_keyring,
    wait_for,
)
from tests.faults.portal import LOGIN, FaultPortal
from tests.helpers import free_port, make_pdf, serve
from tests.test_delivery_support import CERT, add_account, add_invoice, libeo_to, start_smtp

pytestmark = [pytest.mark.keyring, pytest.mark.browser]

SEED = int(os.environ.get("FAULT_SEED", "20261124"))
PER_CYCLE = 4  # new invoices per crash point
COLLECTION_EVENTS = ["login", "list", "pdf", "pdf-mid", "pdf-done", "stored"]
DELIVERY_EVENTS = ["smtp-data", "smtp-stored", "sent"]
TODAY = dt.date.today()


@dataclass(frozen=True)
class Point:
    kind: str  # collection | delivery
    event: str
    nth: int  # the nth such event of the cycle (PDF, message…)

    def __str__(self) -> str:
        return f"{self.kind}-{self.event}-{self.nth}"


def crash_points(seed: int, collections: int = 8, deliveries: int = 12) -> list[Point]:
    rng = random.Random(seed)
    points = []
    for _ in range(collections):
        event = rng.choice(COLLECTION_EVENTS)
        points.append(Point("collection", event, 1 if event in ("login", "list") else rng.randint(1, PER_CYCLE)))
    for _ in range(deliveries):
        points.append(Point("delivery", rng.choice(DELIVERY_EVENTS), rng.randint(1, PER_CYCLE)))
    return points


POINTS = crash_points(SEED)


class World:
    """One user's machine: a home, the fault portal, the SMTP server that stands for Libeo."""

    def __init__(self, home, portal: FaultPortal, smtp, server: Server, account_id: int):
        self.home, self.portal, self.smtp, self.server, self.account_id = home, portal, smtp, server, account_id
        self.expected: dict[str, bytes] = {inv.key: inv.pdf for inv in portal.invoices}
        self.baseline = set(self.expected)
        self.allowed_twice: set[str] = set()  # invoice keys caught in the SMTP window by a crash
        self.cycle = 0

    def message_ids(self) -> dict[str, str]:
        return {message_id(InvoiceFacts(id=0, account_id=self.account_id, provider=PROVIDER, provider_name="",
                                        key=key, pdf_path=None)): key for key in self.expected}

    def received(self) -> collections.Counter:
        ids = self.message_ids()
        return collections.Counter(ids.get(m["Message-ID"], m["Message-ID"]) for m in self.smtp.handler.parsed())

    def sending_now(self) -> set[str]:
        rows = self.server.query("SELECT i.key FROM deliveries d JOIN invoices i ON i.id = d.invoice_id "
                                 "WHERE d.status = 'sending'")
        return {row["key"] for row in rows}

    def settled(self) -> bool:
        rows = self.server.query("SELECT COUNT(*) AS n FROM invoices WHERE account_id = ?", (self.account_id,))
        if rows[0]["n"] != len(self.expected):
            return False
        if self.server.query("SELECT 1 FROM jobs WHERE state IN ('queued', 'running', 'waiting_for_code')"):
            return False
        return not self.server.query("SELECT 1 FROM deliveries WHERE status <> 'sent'")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_keyring()
    root = tmp_path_factory.mktemp("crashes")
    home = root / "ic-home"
    portal = FaultPortal(password="Crash-Test-Pw!4471")
    portal.publish("OLD-1", TODAY - dt.timedelta(days=500))  # known before the account: baseline
    with serve(portal.app()) as portal_url, start_smtp(root / "inbox") as smtp:
        portal.url = portal_url
        port = free_port()
        prepare_home(home, port, portal_url, workers=1)
        server = Server(home, port, env={"SSL_CERT_FILE": str(CERT)})
        try:
            server.start()
            server.pair()
            server.api("PUT", "/api/settings/libeo", libeo_to(smtp), expect=200)
            created = server.api("POST", "/api/accounts", {
                "provider": PROVIDER, "terms_accepted": True, "since": (TODAY - dt.timedelta(days=400)).isoformat(),
                "credentials": {"email": LOGIN, "password": portal.password}}, expect=201).json()
            account_id = created["account"]["id"]
            wait_for(lambda: server.api("GET", f"/api/accounts/{account_id}").json()["account"]["state"] == "ok",
                     60, "the first (baseline) sync")
            world = World(home, portal, smtp, server, account_id)
            yield world
            FIGURES["crash suite: collections run by serve"] += len(server.query("SELECT id FROM jobs"))
            FIGURES["crash suite: messages received by the SMTP server"] += len(smtp.handler.messages())
            FIGURES["crash suite: invoices stored"] += len(world.expected)
            FIGURES["crash suite: duplicates, all in the documented SMTP window"] += \
                sum(n - 1 for n in world.received().values())
        finally:
            portal.released.set()
            server.cleanup()


def publish_new(world: World) -> list[str]:
    world.cycle += 1
    keys = []
    for n in range(PER_CYCLE):
        key = f"C{world.cycle:02d}-{n}"
        invoice = world.portal.publish(key, TODAY - dt.timedelta(days=n), amount=f"{10 + n},{world.cycle:02d} €")
        world.expected[key] = invoice.pdf
        keys.append(key)
    return keys


def queue_new_directly(world: World) -> list[str]:
    """New invoices stored as a collection stores them (PDF by hash, invoice and outbox row in one
    transaction) whose first delivery attempt failed (a 451 from the SMTP server); then "Retry"
    in the panel (POST /api/invoices/<id>/retry) wakes the running server's worker, which sends
    every due row in one batch: a delivery run without a browser."""
    world.cycle += 1
    store = Store(path=world.server.db_path, pdf_root=world.home / "data" / "pdf")
    keys, ids = [], []
    for n in range(PER_CYCLE):
        key = f"D{world.cycle:02d}-{n}"
        pdf = make_pdf(f"delivery crash {key}")
        world.portal.publish(key, TODAY - dt.timedelta(days=n), pdf=pdf)  # the portal has it too
        ids.append(add_invoice(store, world.account_id, key, pdf, number=key, date=TODAY.isoformat()))
        world.expected[key] = pdf
        keys.append(key)
    with store.transaction() as conn:
        conn.execute(f"UPDATE deliveries SET status = 'retrying', attempts = 1, last_error = '451 4.3.0 try later', "
                     f"next_attempt_at = '2000-01-01T00:00:00Z' WHERE invoice_id IN ({','.join('?' * len(ids))})",
                     ids)
    world.server.api("POST", f"/api/invoices/{ids[0]}/retry", expect=200)
    return keys


class Trap:
    """Blocks the nth matching event in a fault hook (portal or SMTP) until the test has killed
    the server: the crash happens exactly there."""

    def __init__(self, event: str, nth: int, block: bool = True):
        self.event, self.nth, self.block = event, nth, block
        self.count = 0
        self.reached = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, event: str, key: str = "") -> None:
        if event != self.event:
            return
        with self.lock:
            self.count += 1
            hit = self.count == self.nth and not self.reached.is_set()
        if hit:
            self.reached.set()
            if self.block:
                self.release.wait(30)


def crash_at(world: World, point: Point) -> None:
    server = world.server
    trap = None
    if point.event in ("login", "list", "pdf", "pdf-mid", "pdf-done"):
        trap = Trap(point.event, point.nth, block=point.event != "pdf-done")
        world.portal.hook = trap
    elif point.event == "smtp-data":
        trap = Trap("data", point.nth)
        world.smtp.handler.on_data = lambda: trap("data")
    elif point.event == "smtp-stored":
        trap = Trap("data", point.nth)
        world.smtp.handler.after_store = lambda: trap("data")
    try:
        if point.kind == "collection":  # the server is up and idle: new invoices, "sync now"
            keys = publish_new(world)
            server.api("POST", f"/api/accounts/{world.account_id}/sync", expect=202)
        else:  # invoices waiting to be sent, and the user presses "Retry"
            keys = queue_new_directly(world)
        if trap is not None:
            wait_for(trap.reached.is_set, 60, f"crash point {point}")
        elif point.event == "stored":
            marks = ",".join("?" * len(keys))
            wait_for(lambda: server.query(f"SELECT COUNT(*) AS n FROM invoices WHERE key IN ({marks})",
                                          tuple(keys))[0]["n"] >= point.nth, 60, f"{point.nth} invoices stored")
        elif point.event == "sent":
            marks = ",".join("?" * len(keys))
            wait_for(lambda: server.query(
                f"SELECT COUNT(*) AS n FROM deliveries d JOIN invoices i ON i.id = d.invoice_id "
                f"WHERE d.status = 'sent' AND i.key IN ({marks})", tuple(keys))[0]["n"] >= point.nth,
                60, f"{point.nth} deliveries sent")
        server.kill()
    finally:
        world.portal.hook = None
        world.smtp.handler.on_data = world.smtp.handler.after_store = None
        if trap is not None:
            trap.release.set()
    assert integrity(server) == "ok", "the database a crash left is damaged"
    caught = world.sending_now()
    if point.event == "smtp-stored":
        assert caught, "the message held after it was stored must be recorded as 'sending'"
    world.allowed_twice |= caught
    FIGURES["crash suite: messages caught in the SMTP window by a kill"] += len(caught)


@pytest.mark.parametrize("point", POINTS, ids=str)
def test_kill_9_then_restart_loses_and_doubles_nothing(world, point):
    crash_at(world, point)
    server = world.server
    server.start()  # the restart: interrupted jobs are rescheduled, 'sending' rows resent
    wait_for(world.settled, 90, "the restarted server to finish the collection and the deliveries",
             explain=server.diagnose)
    assert server.orphans() == [], "a browser left by the killed server is still running"
    assert problems(server, world.expected, world.account_id) == []
    assert integrity(server) == "ok"
    received = world.received()
    new = [key for key in world.expected if key not in world.baseline]
    wrong = {key: received[key] for key in new
             if not (received[key] == 1 or (received[key] == 2 and key in world.allowed_twice))}
    assert wrong == {}, f"messages per invoice (1 expected; 2 allowed for {sorted(world.allowed_twice)})"
    assert set(received) <= set(new), "a baseline invoice or an unknown message reached the inbox"
    if point.event == "smtp-stored":
        assert sum(received[key] == 2 for key in world.allowed_twice) >= 1  # the window really was hit
    FIGURES[f"crash points ({point.kind})"] += 1


ORPHAN_BROWSER = """
import sys, time
from pathlib import Path
from backend.collectors.run.browser import Browser
from backend.collectors.model import BrowserConfig
browser = Browser(BrowserConfig(profile_dir=Path(sys.argv[1])), Path(sys.argv[2]))
print(browser.driver.service.process.pid, flush=True)
time.sleep(120)
"""


def test_the_next_start_ends_the_browser_a_killed_server_left_and_its_half_files(home):
    """What a kill -9 leaves, one of each: a Chromium on an account's profile (its chromedriver
    dies with the killed process; the collection process normally ends its browser itself, but
    the OOM killer may take it first), a half-written PDF, a killed job's download, a collection
    process's temporary file, a PDF whose invoice never committed. The next start removes exactly those, and keeps a referenced PDF."""
    store = Store()
    kept = add_invoice(store, add_account(store), "KEPT", make_pdf("kept"))
    kept_sha = store.query_one("SELECT sha256 FROM invoices WHERE id = ?", (kept,))["sha256"]
    profile = paths.profiles_dir() / "7"
    process = subprocess.Popen([sys.executable, "-c", ORPHAN_BROWSER, str(profile), str(home / "dl")], cwd=REPO,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        driver = int(process.stdout.readline())
        owner = wait_for(lambda: recovery.lock_owner(profile), 30, "Chromium to lock the profile")
        process.kill()  # the "server" dies; its chromedriver follows it, its Chromium does not
        process.wait(10)
        wait_for(lambda: not recovery.is_running(driver), 10, "chromedriver to die with its parent")
        assert recovery.is_running(owner), "Chromium outlives the killed process"
        half = store.pdf_root / "ab" / ("ab" * 32 + ".part")
        orphan = store.pdf_root / "cd" / ("cd" * 32 + ".pdf")
        download = paths.data_dir() / "downloads" / "job-9" / "F1-0123456789ab.pdf"
        scratch = paths.data_dir() / "tmp" / "ic-downloads-x1" / "facture.pdf.crdownload"
        for path in (half, orphan, download, scratch):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4 partial")
        assert recovery.clean(store) == {"browsers": 1, "partial_files": 1, "downloads": 1, "temporary_files": 1,
                                          "orphan_pdfs": 1}
        wait_for(lambda: not recovery.is_running(owner), 10, "the left-over Chromium to end")
        assert not any(path.exists() for path in (half, orphan, download, scratch))
        assert store.pdf_path(kept_sha).read_bytes() == make_pdf("kept")
        assert recovery.clean(store) == {"browsers": 0, "partial_files": 0, "downloads": 0, "temporary_files": 0,
                                          "orphan_pdfs": 0}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
