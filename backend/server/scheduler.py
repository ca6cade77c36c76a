"""Runs each account on its interval, with jitter, and catches up after the machine slept.

Due times are wall-clock timestamps in the database (`accounts.next_run_at`), so a restart or a
suspend loses nothing: the first tick after either starts every overdue account. The loop waits
on a threading.Event with a timeout of at most `poll_seconds` — monotonic time stops while the
machine sleeps, so this cap is what notices the wall clock has jumped.

Outcomes decide the next run (see collect.finish): OK → the interval with jitter; an outcome
that may be retried (PROVIDER_DOWN, TIMEOUT…) → exponential backoff, capped by the interval;
an outcome that needs the user (LOGIN_FAILED, ACTION_NEEDED, OTP_*, CAPTCHA) → no next run
until the user updates the credentials or options (or, except for LOGIN_FAILED, syncs by hand)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from typing import TYPE_CHECKING

from backend.core.clock import iso, parse

if TYPE_CHECKING:
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.scheduler")

JITTER_FRACTION = 0.1
MAX_JITTER = dt.timedelta(hours=1)
BACKOFF_FIRST = dt.timedelta(minutes=15)


def _jitter(span: dt.timedelta, rng: random.Random) -> dt.timedelta:
    """± up to 10 % of the span (at most an hour): accounts drift apart instead of firing together."""
    limit = min(span * JITTER_FRACTION, MAX_JITTER).total_seconds()
    return dt.timedelta(seconds=rng.uniform(-limit, limit))


def after_success(now: dt.datetime, interval_hours: float, rng: random.Random) -> dt.datetime:
    span = dt.timedelta(hours=interval_hours)
    return now + span + _jitter(span, rng)


def after_failure(now: dt.datetime, failures: int, interval_hours: float, rng: random.Random) -> dt.datetime:
    """15 min, 30 min, 1 h, 2 h… never later than the normal interval."""
    span = min(BACKOFF_FIRST * (2 ** max(0, min(failures - 1, 16))), dt.timedelta(hours=interval_hours))
    return now + span + _jitter(span, rng)


class Scheduler:
    def __init__(self, services: Services, poll_seconds: float = 60.0):
        self.services = services
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def due_accounts(self, now: dt.datetime) -> list[int]:
        rows = self.services.store.query(
            "SELECT id FROM accounts WHERE enabled = 1 AND blocked_code IS NULL AND next_run_at IS NOT NULL "
            "AND next_run_at <= ? ORDER BY next_run_at, id", (iso(now),))
        return [row["id"] for row in rows]

    def tick(self, now: dt.datetime | None = None) -> list[int]:
        """Start a job for every due account (one per account: a running one is left alone)."""
        started = []
        for account_id in self.due_accounts(now or self.services.clock()):
            job, created = self.services.jobs.submit(account_id, "schedule")
            if created:
                started.append(job["id"])
        return started

    def seconds_to_next(self) -> float:
        row = self.services.store.query_one(
            "SELECT MIN(next_run_at) AS next FROM accounts WHERE enabled = 1 AND blocked_code IS NULL")
        upcoming = parse(row["next"]) if row and row["next"] else None
        if upcoming is None:
            return self.poll_seconds
        wait = (upcoming - self.services.clock()).total_seconds()
        return min(self.poll_seconds, max(1.0, wait))

    def wake(self) -> None:
        """Look again now (an account was added, unblocked or changed)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping:
            try:
                self.tick()
                delay = self.seconds_to_next()
            except Exception:
                log.exception("scheduler tick failed")
                delay = self.poll_seconds
            self._wake.wait(delay)
            self._wake.clear()

    def start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="ic-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
