"""An account's sync history: its last jobs, newest first, as GET /api/accounts/<id>/history shows
them (when, how long, what started it, the outcome in both languages, the counts), and the rule
that keeps the jobs table bounded: the last KEEP_PER_ACCOUNT finished syncs of each account."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from backend.core.clock import parse
from backend.server.account_ops import require_account
from backend.server.records import ACTIVE_JOB_STATES, outcome_json

if TYPE_CHECKING:
    from backend.server.services import Services

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
KEEP_PER_ACCOUNT = 200  # a sync every 6 hours is 200 in seven weeks: enough to see a pattern


def duration_seconds(row: sqlite3.Row) -> int | None:
    started, finished = parse(row["started_at"]), parse(row["finished_at"])
    if started is None or finished is None:
        return None  # not finished, or failed before it started (interrupted while queued)
    return max(0, round((finished - started).total_seconds()))


def history_entry(row: sqlite3.Row) -> dict[str, Any]:
    # outcome_message was redacted before it was stored (collect.run_job): no secret reaches here.
    return {
        "id": row["id"], "trigger": row["trigger"], "state": row["state"], "created_at": row["created_at"],
        "started_at": row["started_at"], "finished_at": row["finished_at"], "duration_seconds": duration_seconds(row),
        "outcome": outcome_json(row["outcome_code"], row["outcome_message"]),
        "listed": row["listed"], "known": row["known"], "new_invoices": row["new_invoices"],
        "baseline": row["baseline"], "queued_for_libeo": row["queued_for_libeo"],
    }


def account_history(services: Services, account_id: int, limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    require_account(services, account_id)
    rows = services.store.query("SELECT * FROM jobs WHERE account_id = ? ORDER BY id DESC LIMIT ?",
                                (account_id, limit))  # read straight from the jobs_by_account index
    return [history_entry(row) for row in rows]


def prune(conn: sqlite3.Connection, account_id: int, keep: int = KEEP_PER_ACCOUNT) -> int:
    """Forget the account's finished syncs older than its last `keep` (an active one is never
    touched); returns how many went. Invoices keep their job_id: it only says which sync found them."""
    return conn.execute(
        f"DELETE FROM jobs WHERE account_id = ? AND state NOT IN {ACTIVE_JOB_STATES} AND id < "
        "(SELECT MIN(id) FROM (SELECT id FROM jobs WHERE account_id = ? ORDER BY id DESC LIMIT ?))",
        (account_id, account_id, keep)).rowcount
