"""`invoice-collector demo`: the whole job, end to end, with no real account.

The bundled demo portal and a local SMTP server standing in for the Libeo inbox run on free
loopback ports; the real server pieces (store, accounts, jobs, the engine in Chromium, the
delivery worker) run in this process. Baseline first (nothing sent), then a newly published
invoice is collected and delivered. Running it again in the same home sends nothing twice.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from backend import paths
from backend.config import DEMO_INBOX, DEMO_SENDER
from backend.config import DEMO_PROVIDER as PROVIDER
from backend.delivery import settings as dsettings
from backend.demo import keyring as demo_keyring
from backend.demo.inbox import LocalSmtpServer, MaildirHandler

JOB_TIMEOUT = 180.0
DELIVERY_TIMEOUT = 60.0


class DemoError(Exception):
    pass


@dataclass
class Tally:
    collected: int = 0
    baseline: int = 0
    delivered: int = 0
    messages: list[Path] = field(default_factory=list)


class Reporter:
    """Step-by-step lines for people; with --json they go to stderr, stdout gets only the JSON."""

    def __init__(self, as_json: bool):
        self.stream = sys.stderr if as_json else sys.stdout
        self.step = 0

    def __call__(self, text: str, numbered: bool = True) -> None:
        if numbered:
            self.step += 1
            text = f"{self.step}. {text}"
        print(text, file=self.stream, flush=True)


def demo_home() -> Path:
    """INVOICE_COLLECTOR_HOME when set; otherwise a home of its own, so real settings are never touched."""
    if os.environ.get(paths.HOME_ENV):
        return Path(os.environ[paths.HOME_ENV]).expanduser().resolve()
    return (paths.data_dir() / "demo-home").resolve()


def main(as_json: bool = False, verbose: bool = False) -> int:
    home = demo_home()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ[paths.HOME_ENV] = str(home)
    if os.environ.get(demo_keyring.INSIDE_ENV) != "1" and demo_keyring.private_session_available():
        return demo_keyring.rerun_in_private_session(home, (["-v"] if verbose else []) + ["demo"]
                                                     + (["--json"] if as_json else []))
    say = Reporter(as_json)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the portal's request log is not the story
    try:
        tally, inbox = run(home, say)
    except DemoError as exc:
        print(f"invoice-collector demo: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({"collected": tally.collected, "delivered": tally.delivered,
                          "baseline": tally.baseline, "inbox": str(inbox)}))
    else:
        say("", numbered=False)
        say(f"Summary: {tally.collected} invoice(s) collected, {tally.baseline} baseline (known before the "
            f"account was added: kept, never sent), {tally.delivered} delivered to the Libeo inbox stand-in.",
            numbered=False)
        say(f"Messages: {inbox}", numbered=False)
        say("Run it again: nothing already delivered is sent twice.", numbered=False)
    return 0


def _keyring(say: Reporter, home: Path) -> None:
    if os.environ.get(demo_keyring.INSIDE_ENV) == "1":
        demo_keyring.unlock_private_keyring()
        say(f"Keyring: a private Secret Service for the demo (its own dbus-run-session + gnome-keyring-daemon, "
            f"files in {home / 'demo-keyring'}); your own keyring is not touched.")
    else:
        demo_keyring.use_session_keyring()
        say("Keyring: no gnome-keyring / dbus-run-session here, so a session-only keyring in memory holds the "
            "demo credentials (nothing is kept after the demo); your own keyring is not touched.")


def _check_home(store) -> None:
    current = dsettings.load_libeo(store)
    if current.inbox and current.inbox != DEMO_INBOX:
        raise DemoError(f"this home ({paths.data_dir().parent}) has real Libeo settings (inbox {current.inbox}): "
                        "the demo would replace them. Run it in a fresh home, e.g. "
                        "INVOICE_COLLECTOR_HOME=/tmp/ic-demo invoice-collector demo")


def _wait_job(services, job_id: int) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = services.jobs.get(job_id)
        if job and job["state"] in ("succeeded", "failed"):
            return job
        services.jobs.wait_idle(min(5.0, max(0.1, deadline - time.monotonic())))
    raise DemoError(f"the collection did not finish within {JOB_TIMEOUT:.0f} s")


def _collect(services, account_id: int, job: dict | None, tally: Tally) -> dict:
    """Run one collection (the given job, or a new sync) to its end, through the job manager."""
    from backend.server import account_ops
    from backend.server.errors import ApiError
    if job is None:
        try:
            job = account_ops.sync_now(services, account_id)
        except ApiError as exc:
            if "job" not in exc.extra:
                raise DemoError(exc.message) from None
            _wait_job(services, exc.extra["job"]["id"])  # the scheduler had started one: let it end
            job = account_ops.sync_now(services, account_id)
    job = _wait_job(services, job["id"])
    outcome = job.get("outcome") or {}
    if job["state"] != "succeeded":
        raise DemoError(f"the collection failed: {outcome.get('code')}: "
                        f"{outcome.get('message_en') or outcome.get('message')}")
    tally.collected += job["new_invoices"] + job["baseline"]
    tally.baseline += job["baseline"]
    return job


def _sent_ids(store) -> set[int]:
    return {r["id"] for r in store.query("SELECT id FROM deliveries WHERE destination = 'libeo' AND status = 'sent'")}


def _wait_deliveries(store) -> list:
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        rows = store.query("SELECT d.*, i.number FROM deliveries d JOIN invoices i ON i.id = d.invoice_id "
                           "WHERE d.destination = 'libeo' AND d.status IN ('pending', 'sending', 'retrying', 'failed')")
        if not any(r["status"] in ("pending", "sending") for r in rows):
            return rows  # what is left is waiting to retry or failed: reported, not waited for
        time.sleep(0.1)
    raise DemoError(f"the delivery did not finish within {DELIVERY_TIMEOUT:.0f} s")


def run(home: Path, say: Reporter) -> tuple[Tally, Path]:
    from backend.collectors import load_catalog
    from backend.config import load as load_config
    from backend.core.store import Store
    from backend.demo import publish_invoice, start_demo_portal
    from backend.server import account_ops
    from backend.server.app import create_app
    from backend.server.services import EXTENSION_KEY

    tally = Tally()
    say(f"Home: {home} (everything the demo writes is under it)")
    _keyring(say, home)
    store = Store()
    _check_home(store)
    inbox_dir = home / "demo-inbox"
    smtp = LocalSmtpServer(MaildirHandler(inbox_dir)).start()
    portal_state = home / "demo-portal"
    portal = start_demo_portal(portal_state)
    services = None
    try:
        say(f"Libeo inbox stand-in: an SMTP server on 127.0.0.1:{smtp.port}; each message it accepts is "
            f"written to {inbox_dir}")
        dsettings.save_libeo(store, dsettings.merge_libeo(dsettings.load_libeo(store), {
            "enabled": True, "inbox": DEMO_INBOX, "sender": DEMO_SENDER, "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port, "smtp_security": "plain", "smtp_username": ""}))
        say(f"Libeo destination: mail from {DEMO_SENDER} to {DEMO_INBOX} through 127.0.0.1:{smtp.port} "
            "(plain SMTP is allowed only to this computer)")
        config = load_config()
        config.url_overrides = {**config.url_overrides, PROVIDER: {"portal": portal.url}}
        app = create_app(config, store=store, catalog=load_catalog())
        services = app.extensions[EXTENSION_KEY]
        services.start()
        if services.delivery is None or not services.delivery.alive:
            raise DemoError(f"another invoice-collector (a `serve`?) is running with this home ({home}): stop it, "
                            "or run the demo in a fresh home")
        say(f"Demo portal « {services.provider_name(PROVIDER)} » on {portal.url} (its invoices: {portal_state})")
        before, files_before = _sent_ids(store), set(inbox_dir.glob("*.eml"))
        account_id, job = _account(services, say)
        if job is not None:  # a new account: the first collection is the baseline
            first = _collect(services, account_id, job, tally)
            say(f"First collection: {first['baseline']} invoice(s) already on the portal → baseline (kept as "
                f"known, never sent: not retroactive); {first['new_invoices']} new")
        published = publish_invoice(portal_state)
        say(f"The portal publishes a new invoice: n° {published['number']} of {published['date']}, "
            f"{published['amount']} €")
        count = store.query_one("SELECT COUNT(*) AS n FROM invoices WHERE account_id = ?", (account_id,))
        assert count is not None  # COUNT(*) always returns a row
        known = count["n"]
        second = _collect(services, account_id, None, tally)
        say(f"Collection: {second['new_invoices']} new invoice(s): PDF downloaded, stored, queued for Libeo; "
            f"the {known} collected before are known and skipped")
        left = _wait_deliveries(store)
        newly_sent = tuple(sorted(_sent_ids(store) - before))
        tally.delivered = len(newly_sent)
        for row in store.query("SELECT d.message_id, i.number, i.date FROM deliveries d JOIN invoices i ON "
                               f"i.id = d.invoice_id WHERE d.id IN ({','.join('?' * len(newly_sent))})", newly_sent):
            say(f"Delivered: invoice n° {row['number']} of {row['date']} accepted by the inbox (Message-ID "
                f"{row['message_id']})")
        for path in sorted(set(inbox_dir.glob("*.eml")) - files_before):
            say(f"Written: {path}")
        for row in left:
            say(f"Not delivered yet: invoice n° {row['number']} ({row['status']}): {row['last_error']}")
        account = account_ops.get(services, account_id)
        say(f"Account: {account['invoices_collected']} invoice(s) known, {account['invoices_sent']} sent in all "
            "runs")
    finally:
        if services is not None:
            services.stop(timeout=10)
        portal.close()
        smtp.stop()
    return tally, inbox_dir


def _account(services, say: Reporter) -> tuple[int, dict | None]:
    """The demo account (created once per home). Returns (id, the first collection's job or None)."""
    from backend.core import keyring_store
    from backend.demo import DEMO_LOGIN, DEMO_PASSWORD
    from backend.server import account_ops
    credentials = {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}
    row = services.store.query_one("SELECT id FROM accounts WHERE provider = ? ORDER BY id LIMIT 1", (PROVIDER,))
    if row is not None:
        keyring_store.set_credentials(row["id"], credentials)  # a session-only keyring forgot them
        say(f"Demo account already here (id {row['id']}, login {DEMO_LOGIN}): its invoices so far are known")
        return row["id"], None
    account, job, _ = account_ops.create(services, {"provider": PROVIDER, "terms_accepted": True,
                                                 "credentials": credentials})
    say(f"Demo account created (id {account['id']}, login {account['login']}); its password went to the "
        "keyring. First collection (Chromium, headless)…")
    return account["id"], job
