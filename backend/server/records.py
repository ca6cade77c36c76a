"""Database rows as the API shows them: Account, Job and Invoice JSON (see the API contract)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, overload

from backend import disk, paths
from backend.config import DEMO_PROVIDER
from backend.errors import CODES
from backend.server import approval

ACTIVE_JOB_STATES = ("queued", "running", "waiting_for_code", "waiting_for_user")
OK_MESSAGES = ("Synchronisation réussie.", "Sync succeeded.")
DESTINATIONS = ("libeo", "folder")
# The outbox's internal "sending" is shown as "pending": the panel only needs to know it is not done.
DELIVERY_STATUS_SHOWN = {"pending": "pending", "sending": "pending", "sent": "sent", "retrying": "retrying",
                         "failed": "failed"}

ProviderName = Callable[[str], str]


def outcome_json(code: str | None, message: str | None) -> dict[str, str] | None:
    if not code:
        return None
    if code == "OK":
        fr, en = OK_MESSAGES
    elif code == "DISK_FULL":  # which disk to clear, and how much is free now
        said = disk.full_message(disk.folder_in(message) or paths.data_dir())
        fr, en = said.fr[0].upper() + said.fr[1:] + ".", said[0].upper() + said[1:] + "."
    elif code in CODES:
        fr, en = CODES[code].fr, CODES[code].en
    else:  # pragma: no cover — the engine only returns known codes
        fr = en = code
    return {"code": code, "message": message or en, "message_fr": fr, "message_en": en}


@overload
def job_json(row: sqlite3.Row) -> dict[str, Any]: ...


@overload
def job_json(row: None) -> None: ...


def job_json(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    progress = {"step": 0, "step_name": "", "listed": 0, "downloaded": 0, "queued_for_libeo": 0, "message": ""}
    progress.update(json.loads(row["progress"] or "{}"))
    progress["queued_for_libeo"] = row["queued_for_libeo"]
    return {
        "id": row["id"], "account_id": row["account_id"], "state": row["state"], "trigger": row["trigger"],
        "created_at": row["created_at"], "started_at": row["started_at"], "finished_at": row["finished_at"],
        "progress": progress, "prompt": json.loads(row["prompt"]) if row["prompt"] else None,
        "outcome": outcome_json(row["outcome_code"], row["outcome_message"]),
        "new_invoices": row["new_invoices"], "baseline": row["baseline"],
        "report": bool(row["report"]),  # a recipe check's report: GET /api/jobs/<id>/report
    }


ACCOUNT_SQL = """
SELECT a.*,
  (SELECT COUNT(*) FROM invoices i WHERE i.account_id = a.id AND i.duplicate_of IS NULL) AS invoices_collected,
  (SELECT COUNT(DISTINCT d.invoice_id) FROM deliveries d JOIN invoices i ON i.id = d.invoice_id
     WHERE i.account_id = a.id AND d.status = 'sent') AS invoices_sent,
  (SELECT j.id FROM jobs j WHERE j.account_id = a.id AND j.state IN ('queued','running','waiting_for_code','waiting_for_user')
     ORDER BY j.id DESC LIMIT 1) AS active_job_id
FROM accounts a
"""


def account_state(row: sqlite3.Row, job: dict[str, Any] | None) -> str:
    if job is not None:
        return job["state"] if job["state"] in ("waiting_for_code", "waiting_for_user") else "syncing"
    if row["blocked_code"]:
        return "blocked"
    if not row["last_code"]:
        return "new"
    return "ok" if row["last_code"] == "OK" else "error"


def account_json(conn: sqlite3.Connection, row: sqlite3.Row, provider_name: ProviderName,
                 default_interval: Callable[[str], float], provider_of: Callable[[str], Any]) -> dict[str, Any]:
    job = None
    if row["active_job_id"] is not None:
        job = job_json(conn.execute("SELECT * FROM jobs WHERE id = ?", (row["active_job_id"],)).fetchone())
    return {
        "id": row["id"], "provider": row["provider"], "provider_name": provider_name(row["provider"]),
        "login": row["login"], "options": json.loads(row["options"] or "{}"),
        "interval_hours": row["interval_hours"] if row["interval_hours"] is not None
        else default_interval(row["provider"]),
        "enabled": bool(row["enabled"]), "created_at": row["created_at"],
        "terms_version": row["terms_version"], "terms_accepted_at": row["terms_accepted_at"],
        "since": row["since"], "state": account_state(row, job),
        "last_sync_at": row["last_sync_at"], "last_success_at": row["last_success_at"],
        "last_outcome": outcome_json(row["last_code"], row["last_message"]),
        "invoices_collected": row["invoices_collected"], "invoices_sent": row["invoices_sent"],
        "next_run_at": row["next_run_at"], "blocked": bool(row["blocked_code"]), "job": job,
        "recipe": approval.recipe_json(provider_of(row["provider"]), row),
        "demo": row["provider"] == DEMO_PROVIDER,  # the panel offers « Publier une nouvelle facture »
    }


def load_accounts(conn: sqlite3.Connection, account_id: int | None = None) -> list[sqlite3.Row]:
    if account_id is None:
        return conn.execute(ACCOUNT_SQL + " ORDER BY a.id").fetchall()
    return conn.execute(ACCOUNT_SQL + " WHERE a.id = ?", (account_id,)).fetchall()


# ---- invoices ----------------------------------------------------------------------------
STATUS_FILTERS = {
    "baseline": "i.baseline = 1",
    "new": "i.baseline = 0",
    "pending": "EXISTS (SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.status IN ('pending','sending'))",
    "retrying": "EXISTS (SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.status = 'retrying')",
    "failed": "EXISTS (SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.status = 'failed')",
    "sent": "EXISTS (SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.status = 'sent') AND NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.invoice_id = i.id AND d.status <> 'sent')",
}


def delivery_json(row: sqlite3.Row | None, baseline: bool, enabled: bool) -> dict[str, Any] | None:
    if row is None:
        if baseline and enabled:  # known before the account was added: never sent, by design
            return {"status": "skipped", "attempts": 0, "next_attempt_at": None, "last_error": None, "sent_at": None}
        return None
    return {"status": DELIVERY_STATUS_SHOWN.get(row["status"], row["status"]), "attempts": row["attempts"],
            "next_attempt_at": row["next_attempt_at"], "last_error": row["last_error"], "sent_at": row["sent_at"]}


def invoice_json(conn: sqlite3.Connection, row: sqlite3.Row, provider: str, provider_name: ProviderName,
                 enabled: list[str]) -> dict[str, Any]:
    deliveries = {d["destination"]: d for d in
                  conn.execute("SELECT * FROM deliveries WHERE invoice_id = ?", (row["id"],)).fetchall()}
    baseline = bool(row["baseline"])
    return {
        "id": row["id"], "account_id": row["account_id"], "provider": provider,
        "provider_name": provider_name(provider), "key": row["key"], "number": row["number"],
        "date": row["date"], "due_date": row["due_date"], "amount": row["amount"], "currency": row["currency"],
        "sha256": row["sha256"], "size": row["size"], "baseline": baseline, "collected_at": row["collected_at"],
        "send_requested": bool(row["send_requested"]),  # « Envoyer à Libeo » waits for its PDF
        "pdf_url": f"/api/invoices/{row['id']}/pdf" if row["sha256"] else None,
        "extra": json.loads(row["extra"] or "{}"),
        "delivery": {name: delivery_json(deliveries.get(name), baseline, name in enabled) for name in DESTINATIONS},
    }
