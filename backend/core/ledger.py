"""The delivery ledger: every invoice that reached a destination, by provider, login and invoice
key (and the PDF's SHA-256), kept whatever happens to the account. An invoice in Libeo twice is a
double payment risk: deleting an account and adding the same login again, or a portal that
renames an invoice it already issued, must not send it again. The ledger is written in the same
transaction that marks the delivery sent, and read when an invoice is stored."""

from __future__ import annotations

import sqlite3


def record(conn: sqlite3.Connection, delivery_id: int) -> None:
    """Remember the delivery just marked sent (in the caller's transaction)."""
    conn.execute(
        "INSERT OR IGNORE INTO ledger(provider, login, key, sha256, destination, sent_at, message_id) "
        "SELECT a.provider, a.login, i.key, i.sha256, d.destination, d.sent_at, d.message_id "
        "FROM deliveries d JOIN invoices i ON i.id = d.invoice_id JOIN accounts a ON a.id = i.account_id "
        "WHERE d.id = ?", (delivery_id,))


def earlier(conn: sqlite3.Connection, provider: str, login: str, key: str, sha256: str | None,
            destination: str) -> sqlite3.Row | None:
    """The delivery of this invoice (same key, or the same PDF) to this destination, if any."""
    return conn.execute(
        "SELECT sent_at, message_id FROM ledger WHERE provider = ? AND login = ? AND destination = ? "
        "AND (key = ? OR (sha256 IS NOT NULL AND sha256 = ?)) ORDER BY sent_at LIMIT 1",
        (provider, login, destination, key, sha256)).fetchone()


def count(conn: sqlite3.Connection, provider: str, login: str, destination: str = "libeo") -> int:
    """How many invoices of this login were already delivered there."""
    return conn.execute("SELECT COUNT(*) FROM ledger WHERE provider = ? AND login = ? AND destination = ?",
                        (provider, login, destination)).fetchone()[0]
