"""The outbox: rows of the `deliveries` table and how their status moves.

pending -> sending -> sent                   (the server accepted the message)
pending -> retrying -> ... -> sent | failed  (4xx, timeouts, dropped connections; bounded backoff)
pending -> failed                            (5xx: permanent; a manual retry puts it back to pending)

"sending" is committed just before SMTP DATA. A row still "sending" at start-up was cut off
between DATA and the recorded answer: it is the only kind that may be sent twice (see
docs/delivery.md), and it is resent with the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from backend.core import ledger
from backend.core.clock import iso, parse, utcnow
from backend.core.store import Store

DESTINATIONS = ("libeo", "folder")
ACTIVE = ("pending", "retrying")
INTERRUPTED_NOTE = ("interrupted while sending (the program stopped): sent again with the same "
                    "Message-ID; if it shows twice in Libeo, delete one")


@dataclass(frozen=True)
class Backoff:
    """1 min, 2, 4… capped at 6 h; after max_attempts failures the delivery is marked failed."""
    first: float = 60.0
    cap: float = 6 * 3600.0
    max_attempts: int = 10

    def delay(self, attempts: int) -> float:
        return min(self.first * 2 ** max(attempts - 1, 0), self.cap)


ALREADY_SENT = "already delivered earlier (the delivery ledger): not sent again"


def queue(conn: sqlite3.Connection, invoice_id: int, destination: str, now: str) -> bool:
    """Give an invoice its delivery to `destination`, in the caller's transaction. An invoice the
    ledger says reached it before (an account deleted and added again, the same PDF under another
    key) gets a delivery already 'sent', never a second message. True when one was queued."""
    row = conn.execute("SELECT a.provider, a.login, i.key, i.sha256 FROM invoices i JOIN accounts a "
                       "ON a.id = i.account_id WHERE i.id = ?", (invoice_id,)).fetchone()
    sent = ledger.earlier(conn, row["provider"], row["login"], row["key"], row["sha256"], destination)
    if sent is not None:
        conn.execute("INSERT INTO deliveries(invoice_id, destination, status, sent_at, message_id, last_error, "
                     "created_at) VALUES (?, ?, 'sent', ?, ?, ?, ?)",
                     (invoice_id, destination, sent["sent_at"], sent["message_id"], ALREADY_SENT, now))
        return False
    conn.execute("INSERT INTO deliveries(invoice_id, destination, status, created_at) VALUES (?, ?, 'pending', ?)",
                 (invoice_id, destination, now))
    return True


# Invoices with a PDF that never got a delivery to a destination: collected while it was off.
WAITING_SQL = ("SELECT i.id FROM invoices i WHERE i.sha256 IS NOT NULL AND i.baseline = 0 AND i.duplicate_of IS NULL "
               "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.destination = ?)")


def waiting(conn: sqlite3.Connection, destination: str) -> list[int]:
    return [r["id"] for r in conn.execute(WAITING_SQL + " ORDER BY i.id", (destination,))]


def due(store: Store, destinations: Iterable[str], at: dt.datetime) -> list[sqlite3.Row]:
    destinations = tuple(destinations)
    marks = ",".join("?" for _ in destinations) or "NULL"
    return store.query(f"SELECT * FROM deliveries WHERE status IN ('pending', 'retrying') "
                       f"AND destination IN ({marks}) AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                       "ORDER BY id", (*destinations, iso(at)))


def next_due(store: Store, destinations: Iterable[str]) -> dt.datetime | None:
    destinations = tuple(destinations)
    marks = ",".join("?" for _ in destinations) or "NULL"
    row = store.query_one(
        f"SELECT MIN(COALESCE(next_attempt_at, '')) FROM deliveries WHERE status IN ('pending', 'retrying') "
        f"AND destination IN ({marks})", destinations)
    if row is None or row[0] is None:
        return None
    return parse(row[0]) if row[0] else utcnow()


def recover_interrupted(store: Store) -> int:
    """At start-up: rows left 'sending' go back to pending (resent with the same Message-ID)."""
    with store.transaction() as conn:
        return conn.execute("UPDATE deliveries SET status = 'pending', next_attempt_at = NULL, last_error = ? "
                            "WHERE status = 'sending'", (INTERRUPTED_NOTE,)).rowcount


def mark_sending(store: Store, delivery_id: int, attempt: int, message_id: str | None) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET status = 'sending', attempts = ?, message_id = ? WHERE id = ?",
                     (attempt, message_id, delivery_id))


def mark_sent(store: Store, delivery_id: int, attempt: int, message_id: str | None) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET status = 'sent', attempts = ?, sent_at = ?, message_id = ?, "
                     "last_error = NULL, next_attempt_at = NULL WHERE id = ?",
                     (attempt, iso(utcnow()), message_id, delivery_id))
        ledger.record(conn, delivery_id)  # kept after the account is gone: never sent twice


def mark_failed_attempt(store: Store, delivery_id: int, attempt: int, error: str,
                        permanent: bool, backoff: Backoff) -> str:
    """Record a failed attempt: 'retrying' with the next time, or 'failed'. Returns the new status."""
    if not permanent and attempt >= backoff.max_attempts:
        error = f"gave up after {attempt} attempts: {error}"
        permanent = True
    status = "failed" if permanent else "retrying"
    next_at = None if permanent else iso(utcnow() + dt.timedelta(seconds=backoff.delay(attempt)))
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? "
                     "WHERE id = ?", (status, attempt, error, next_at, delivery_id))
    return status


def hold(store: Store, destination: str, reason: str) -> None:
    """The destination cannot send now (not configured, login refused): say so on its waiting rows."""
    with store.transaction() as conn:
        conn.execute("UPDATE deliveries SET last_error = ? WHERE destination = ? AND status = 'pending' "
                     "AND last_error IS NOT ?", (reason, destination, reason))


def requeue(store: Store, invoice_id: int) -> int:
    """Manual retry: failed deliveries of this invoice, and those waiting for their next attempt, go
    now with a fresh attempt count. Returns how many (0: nothing to retry)."""
    with store.transaction() as conn:
        return conn.execute("UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, "
                            "last_error = NULL WHERE invoice_id = ? AND status IN ('failed', 'retrying')",
                            (invoice_id,)).rowcount
