"""Versioned schema migrations. PRAGMA user_version holds the number of migrations applied.

Append new migrations at the end; never edit one that has shipped. Each runs in one
transaction, so a crash leaves the database at the previous version."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[list[str]] = [
    # 1: accounts, jobs, invoices, deliveries (the outbox), settings
    [
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            login TEXT NOT NULL DEFAULT '',          -- the non-secret identifier shown to the user
            credential_fields TEXT NOT NULL DEFAULT '[]',  -- names of fields kept in the keyring, never values
            options TEXT NOT NULL DEFAULT '{}',
            interval_hours REAL,                     -- NULL: the provider's default
            enabled INTEGER NOT NULL DEFAULT 1,
            since TEXT,                              -- backfill: invoices dated on/after it are new
            terms_version TEXT NOT NULL,
            terms_accepted_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            baseline_done INTEGER NOT NULL DEFAULT 0,  -- 1 after the first successful collection
            blocked_code TEXT,                       -- an outcome that waits for the user (LOGIN_FAILED…)
            failures INTEGER NOT NULL DEFAULT 0,     -- consecutive failures that back off
            last_sync_at TEXT,
            last_success_at TEXT,
            last_code TEXT,
            last_message TEXT,
            next_run_at TEXT
        )""",
        """CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            trigger TEXT NOT NULL,                   -- create | manual | schedule | retry
            state TEXT NOT NULL,                     -- queued | running | waiting_for_code | waiting_for_user | succeeded | failed
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            progress TEXT NOT NULL DEFAULT '{}',
            prompt TEXT,
            outcome_code TEXT,
            outcome_message TEXT,
            new_invoices INTEGER NOT NULL DEFAULT 0,
            baseline INTEGER NOT NULL DEFAULT 0,
            queued_for_libeo INTEGER NOT NULL DEFAULT 0,
            trace_path TEXT
        )""",
        "CREATE INDEX jobs_by_account ON jobs(account_id, id)",
        "CREATE INDEX jobs_by_state ON jobs(state)",
        """CREATE TABLE invoices (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            key TEXT NOT NULL,                       -- the provider's invoice id
            number TEXT,
            date TEXT,
            due_date TEXT,
            amount TEXT,
            currency TEXT,
            sha256 TEXT,                             -- NULL when the PDF was not fetched (baseline)
            size INTEGER,
            baseline INTEGER NOT NULL DEFAULT 0,
            duplicate_of INTEGER REFERENCES invoices(id) ON DELETE SET NULL,  -- same PDF, other id
            extra TEXT NOT NULL DEFAULT '{}',
            job_id INTEGER,
            collected_at TEXT NOT NULL,
            UNIQUE(account_id, key)
        )""",
        "CREATE INDEX invoices_by_sha ON invoices(account_id, sha256)",
        "CREATE INDEX invoices_by_date ON invoices(date, id)",
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
            destination TEXT NOT NULL CHECK(destination IN ('libeo','folder')),
            status TEXT NOT NULL DEFAULT 'pending',  -- pending | sending | sent | retrying | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            created_at TEXT NOT NULL,
            UNIQUE(invoice_id, destination)
        )""",
        "CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    # 2: the panel's invoice list of one account, newest first, read from an index (bench/growth.py)
    [
        "CREATE INDEX invoices_by_account_date ON invoices(account_id, duplicate_of, date, id)",
    ],
    # 3: what the user approved of the account's recipe (server/approval.py): NULL = from before
    [
        "ALTER TABLE accounts ADD COLUMN approved_recipe TEXT",
        "ALTER TABLE accounts ADD COLUMN approved_origins TEXT",
    ],
    # 4: the delivery ledger: what reached each destination, by provider + login + invoice key (and
    # the PDF's SHA-256), kept whatever happens to the account (core/ledger.py)
    [
        """CREATE TABLE ledger (
            provider TEXT NOT NULL,
            login TEXT NOT NULL,
            key TEXT NOT NULL,
            sha256 TEXT,
            destination TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            message_id TEXT,
            PRIMARY KEY (provider, login, key, destination)
        )""",
        "CREATE INDEX ledger_by_pdf ON ledger(provider, login, sha256, destination)",
        """INSERT OR IGNORE INTO ledger(provider, login, key, sha256, destination, sent_at, message_id)
           SELECT a.provider, a.login, i.key, i.sha256, d.destination, d.sent_at, d.message_id
           FROM deliveries d JOIN invoices i ON i.id = d.invoice_id JOIN accounts a ON a.id = i.account_id
           WHERE d.status = 'sent'""",
    ],
    # 5: « Envoyer à Libeo » on an invoice kept without its PDF: fetched at the next sync, then sent
    [
        "ALTER TABLE invoices ADD COLUMN send_requested INTEGER NOT NULL DEFAULT 0",
    ],
    # 6: a sync's history (server/history.py): how many invoices the portal listed and how many were
    # known already, as the engine counted them (NULL for syncs from before, or that never ran)
    [
        "ALTER TABLE jobs ADD COLUMN listed INTEGER",
        "ALTER TABLE jobs ADD COLUMN known INTEGER",
    ],
    # 7: « Diagnostiquer la recette »: a check run's report (its file name under data/reports/)
    [
        "ALTER TABLE jobs ADD COLUMN report TEXT",
    ],
]


class SchemaTooNew(RuntimeError):
    pass


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to the latest version; returns that version."""
    conn.execute("BEGIN IMMEDIATE")  # one process migrates; others wait, then find nothing to do
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise SchemaTooNew(f"the database is at schema version {version}, newer than this "
                               f"invoice-collector knows ({len(MIGRATIONS)}): update invoice-collector")
        for number in range(version + 1, len(MIGRATIONS) + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)
