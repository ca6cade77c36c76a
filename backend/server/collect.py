"""One collection job: build the engine's RunRequest for an account, store each invoice as it
arrives, and record the outcome (which also decides the next scheduled run).

Not retroactive: until an account's first successful collection, every invoice the portal
lists is *baseline* — stored as known, never delivered — unless the account has a `since`
date and the invoice is dated on or after it. Afterwards every invoice not seen before is new.
Each invoice is stored in one transaction with one pending delivery per enabled destination,
so a crash loses nothing and never sends anything twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend import disk, paths
from backend.collectors.model import BrowserConfig, Invoice, Progress, RunRequest, RunResult
from backend.core import keyring_store
from backend.core.clock import iso
from backend.delivery import outbox
from backend.errors import CODES
from backend.redact import redact
from backend.server import approval, history, recipe_check, scheduler

if TYPE_CHECKING:
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.jobs")


def store_invoice(services: Services, account_id: int, job_id: int, invoice: Invoice, baseline: bool) -> str:
    """Store one invoice (and its outbox rows) at once. Returns new | baseline | duplicate | known |
    requested (a PDF fetched because the user asked to send that invoice)."""
    store = services.store
    now = iso(services.clock())
    queued: list[str] = []
    with store.transaction() as conn:
        existing = conn.execute("SELECT id, sha256, send_requested FROM invoices WHERE account_id = ? AND key = ?",
                                (account_id, invoice.key)).fetchone()
        if existing and existing["send_requested"] and not existing["sha256"] and invoice.pdf_path and invoice.sha256:
            # « Envoyer à Libeo » on an invoice kept without its PDF: here it is; it goes now.
            store.keep_pdf(Path(invoice.pdf_path), invoice.sha256)
            conn.execute("UPDATE invoices SET sha256 = ?, size = ?, send_requested = 0 WHERE id = ?",
                         (invoice.sha256, invoice.size, existing["id"]))
            kind = "requested"
            queued = ["libeo"] if "libeo" in store.enabled_destinations(conn) and \
                outbox.queue(conn, existing["id"], "libeo", now) else []
        elif existing:
            kind = "known"  # listed again in the same run: nothing to do
        else:
            duplicate_of = None
            if invoice.sha256:
                row = conn.execute("SELECT id FROM invoices WHERE account_id = ? AND sha256 = ? AND duplicate_of "
                                   "IS NULL ORDER BY id LIMIT 1", (account_id, invoice.sha256)).fetchone()
                duplicate_of = row["id"] if row else None
            if invoice.pdf_path and invoice.sha256:
                store.keep_pdf(Path(invoice.pdf_path), invoice.sha256)  # on disk before the outbox row commits
            cursor = conn.execute(
                "INSERT INTO invoices(account_id, key, number, date, due_date, amount, currency, sha256, size, "
                "baseline, duplicate_of, extra, job_id, collected_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (account_id, invoice.key, invoice.number, invoice.date.isoformat() if invoice.date else None,
                 invoice.due_date.isoformat() if invoice.due_date else None,
                 str(invoice.amount) if invoice.amount is not None else None, invoice.currency,
                 invoice.sha256, invoice.size, int(baseline), duplicate_of,
                 json.dumps(invoice.extra, ensure_ascii=False), job_id, now))
            kind = "duplicate" if duplicate_of else "baseline" if baseline else "new"
            if kind == "new":
                assert cursor.lastrowid is not None  # the INSERT just made
                queued = [destination for destination in store.enabled_destinations(conn)
                          if outbox.queue(conn, cursor.lastrowid, destination, now)]
            conn.execute("UPDATE jobs SET new_invoices = new_invoices + ?, baseline = baseline + ?, "
                         "queued_for_libeo = queued_for_libeo + ? WHERE id = ?",
                         (int(kind == "new"), int(kind == "baseline"), int("libeo" in queued), job_id))
    if kind in ("known", "duplicate") and invoice.pdf_path:
        Path(invoice.pdf_path).unlink(missing_ok=True)
    if queued:
        services.notify_delivery()
    return kind


def browser_config(services: Services, account_id: int, job_id: int) -> BrowserConfig:
    settings = services.settings
    profile = paths.profiles_dir() / str(account_id) if settings.persistent_profiles else None
    remote = settings.remote_webdriver_url
    # A sync on a Grid records its session there: if it dies, the slot is freed (isolated.py, recovery.py).
    record = paths.grid_sessions_dir() / f"job-{job_id}.json" if remote else None
    # A Grid's browser starts with a fresh profile: the account's cookies travel in an encrypted jar
    # in its profile folder instead, with a key kept in the keyring (run/cookie_jar.py).
    key = keyring_store.cookie_key(account_id) if remote and profile else None
    return BrowserConfig(chrome_binary=settings.chrome_binary, chromedriver=settings.chromedriver,
                         headed=settings.headed, remote_url=remote, profile_dir=profile, session_record=record,
                         cookie_key=key)


def run_job(services: Services, job_id: int, account_id: int, ask_code, on_hand_over=None,
            check: bool = False) -> None:
    """One sync. on_hand_over is given only when the user started it and can attend its window.
    check: a recipe check instead (« Diagnostiquer la recette », server/recipe_check.py): the same
    login and lists, nothing stored or sent, a report written."""
    end = recipe_check.finish if check else finish  # a check leaves the account's state as it was
    store = services.store
    with store.transaction() as conn:
        account = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if account is None:
            return  # deleted while queued (the job row went with it)
        conn.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?",
                     (iso(services.clock()), job_id))
        rows = conn.execute("SELECT key, send_requested, sha256 FROM invoices WHERE account_id = ?",
                            (account_id,)).fetchall()
        # An invoice the user asked to send but kept without its PDF: listed and fetched again.
        requested = {r["key"] for r in rows if r["send_requested"] and not r["sha256"]}
        known = {r["key"] for r in rows} - requested
    provider = services.catalog.get(account["provider"])
    if provider is None:
        end(services, job_id, account_id, RunResult(
            "RECIPE_BROKEN", f"the provider '{account['provider']}' is no longer in the catalog"))
        return
    if approval.needs_approval(provider, account):  # before the keyring is even read
        fingerprint, origins = approval.current(provider)
        where = provider.source.file if provider.local and provider.source else "the bundled catalog"
        log.warning("account %s: the recipe of %s changed (%s): waiting for the user's approval",
                    account_id, provider.id, where)
        end(services, job_id, account_id, RunResult(
            "RECIPE_CHANGED", f"the recipe of {provider.name} changed ({where}); its credentials would go to "
                              f"{', '.join(origins)}: approve it in the panel to sync again"))
        return
    try:
        credentials = keyring_store.get_credentials(account_id, json.loads(account["credential_fields"]))
        browser = browser_config(services, account_id, job_id)
    except keyring_store.KeyringUnavailable as exc:
        end(services, job_id, account_id, RunResult("INTERNAL", str(exc)))
        return
    missing = [f.name for f in provider.credentials if f.required and f.name not in credentials]
    if missing:
        end(services, job_id, account_id, RunResult(
            "LOGIN_FAILED", f"the keyring holds no {', '.join(missing)} for this account: enter the credentials again"))
        return
    if check:
        recipe_check.run(services, job_id, provider, credentials, browser, ask_code, on_hand_over)
        return
    first_run = not account["baseline_done"]
    since = dt.date.fromisoformat(account["since"]) if account["since"] else None

    def is_baseline(invoice: Invoice) -> bool:
        return first_run and not (since and invoice.date and invoice.date >= since)

    def on_invoice(invoice: Invoice) -> None:
        store_invoice(services, account_id, job_id, invoice, is_baseline(invoice))

    def on_progress(progress: Progress) -> None:
        data = {"step": progress.step_index, "step_name": progress.step_name, "listed": progress.listed,
                "downloaded": progress.downloaded, "message": progress.message}
        with store.transaction() as conn:
            conn.execute("UPDATE jobs SET progress = ? WHERE id = ?", (json.dumps(data), job_id))

    out_dir = paths.data_dir() / "downloads" / f"job-{job_id}"
    request = RunRequest(
        provider=provider, credentials=credentials, out_dir=out_dir,
        options=json.loads(account["options"] or "{}"), known_keys=known,
        want_pdf=lambda invoice: invoice.key in requested or not is_baseline(invoice),
        url_overrides=services.url_overrides(provider.id),
        trace_dir=paths.traces_dir(), ask_code=ask_code, on_hand_over=on_hand_over, on_progress=on_progress,
        on_invoice=on_invoice,
        browser=browser)
    try:
        result = services.runner(request)
    except Exception as exc:
        log.exception("collection of account %s raised", account_id)
        result = RunResult("DISK_FULL" if disk.is_disk_full(exc) else "INTERNAL",
                           f"{type(exc).__name__} during the collection")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    if (result.outcome == "DISK_FULL" and not disk.folder_in(result.message)) or (
            result.outcome == "INTERNAL" and disk.nearly_full(paths.data_dir())):
        # The child, Chromium or SQLite may die of it in their own ways ("stopped unexpectedly"…):
        # say what it was, and where.
        result = RunResult("DISK_FULL", str(disk.full_message(paths.data_dir())))
    if services.jobs.was_interrupted(job_id):
        result = RunResult("INTERNAL", "the sync was interrupted: invoice-collector stopped while it waited "
                                       "for a one-time code")
    secrets = [credentials[f.name] for f in provider.credentials if f.secret and f.name in credentials]
    result.message = redact(result.message or "", secrets)
    finish(services, job_id, account_id, result)


def finish(services: Services, job_id: int, account_id: int, result: RunResult) -> None:
    """Record a job's outcome on the job and the account, and plan the account's next run."""
    now = services.clock()
    code = result.outcome
    # A failure before any invoice was listed counted nothing (the portal may not even have been
    # reached): its counts are unknown (NULL), not zero.
    counted = code == "OK" or result.listed > 0
    listed, known = (result.listed, result.known) if counted else (None, None)
    with services.store.transaction() as conn:
        conn.execute("UPDATE jobs SET state = ?, finished_at = ?, outcome_code = ?, outcome_message = ?, "
                     "trace_path = ?, prompt = NULL, listed = ?, known = ? WHERE id = ?",
                     ("succeeded" if code == "OK" else "failed", iso(now), code, result.message or None,
                      str(result.trace_path) if result.trace_path else None, listed, known, job_id))
        history.prune(conn, account_id)
        account = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if account is None:
            return
        fields: dict[str, Any] = {"last_sync_at": iso(now), "last_code": code, "last_message": result.message or None}
        interval = services.interval_hours(account)
        if code == "OK":
            fields.update(last_success_at=iso(now), baseline_done=1, failures=0, blocked_code=None,
                          next_run_at=iso(scheduler.after_success(now, interval, services.random)))
        elif not CODES[code].auto_retry:
            # Never retried on its own (a wrong password could lock the account): wait for the user.
            fields.update(blocked_code=code, failures=0, next_run_at=None)
        else:
            failures = account["failures"] + 1
            fields.update(failures=failures, blocked_code=None,
                          next_run_at=iso(scheduler.after_failure(now, failures, interval, services.random)))
        assignments = ", ".join(f"{name} = ?" for name in fields)
        conn.execute(f"UPDATE accounts SET {assignments} WHERE id = ?", (*fields.values(), account_id))
    log.info("account %s job %s: %s", account_id, job_id, code)
