"""The SQLite store (WAL, versioned migrations) and the PDF files kept by content hash.

Used by the server and by the delivery worker:

    store = Store()                      # data/invoice-collector.sqlite3 under the data dir
    with store.transaction() as conn:    # BEGIN IMMEDIATE … COMMIT (ROLLBACK on error)
        conn.execute(...)
    store.get_setting("libeo", {})       # JSON values in the `settings` table
    store.put_setting("libeo", {...})
    store.pdf_path(sha256)               # data/pdf/ab/abcdef….pdf

Each thread gets its own connection, opened on first use and kept, so any thread may use the
store; a transaction() inside another one (same thread) joins the outer one."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from backend import disk, paths
from backend.core.migrations import migrate

DB_NAME = "invoice-collector.sqlite3"


class Store:
    def __init__(self, path: Path | None = None, pdf_root: Path | None = None):
        self.path = Path(path) if path else paths.data_dir() / DB_NAME
        self.pdf_root = Path(pdf_root) if pdf_root else paths.pdf_dir()
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            self.version = migrate(conn)
        finally:
            conn.close()
        os.chmod(self.path, 0o600)
        # Held open for the Store's life: when the last connection to a WAL database closes, SQLite
        # checkpoints and deletes the WAL with fsyncs, which made every short-lived write ~25× slower.
        self._keeper = self.connect()

    # ---- connections ---------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        """A new connection: autocommit mode (we issue BEGIN ourselves), rows as sqlite3.Row."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable with WAL at each checkpoint; fast commits
        return conn

    def _thread_conn(self) -> sqlite3.Connection:
        """This thread's connection, opened once: opening one (and reading the schema) cost about
        half of a panel request (bench/api_load.py)."""
        conn = getattr(self._local, "cached", None)
        if conn is None:
            conn = self._local.cached = self.connect()
        return conn

    def _drop_thread_conn(self) -> None:
        """After an error the connection may be mid-transaction: the next call opens a fresh one."""
        conn, self._local.cached = getattr(self._local, "cached", None), None
        if conn is not None:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        outer = getattr(self._local, "conn", None)
        if outer is not None:
            yield outer
            return
        conn = self._thread_conn()
        self._local.conn = conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except BaseException:
            self._drop_thread_conn()
            raise
        finally:
            self._local.conn = None

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs (a deferred transaction, never a write lock)."""
        outer = getattr(self._local, "conn", None)
        if outer is not None:
            yield outer
            return
        conn = self._thread_conn()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")
        except BaseException:
            self._drop_thread_conn()
            raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.read() as conn:
            return conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        with self.read() as conn:
            return conn.execute(sql, params).fetchone()

    # ---- settings (JSON values) ----------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    def put_setting(self, key: str, value: Any) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def enabled_destinations(self, conn: sqlite3.Connection | None = None) -> list[str]:
        """Destinations whose settings say {"enabled": true}: each new invoice gets one delivery row."""
        found = []
        for name in ("libeo", "folder"):
            if conn is not None:
                row = conn.execute("SELECT value FROM settings WHERE key = ?", (name,)).fetchone()
                value = json.loads(row["value"]) if row else None
            else:
                value = self.get_setting(name)
            if isinstance(value, dict) and value.get("enabled") is True:
                found.append(name)
        return found

    # ---- PDFs by content hash ------------------------------------------------------------
    def pdf_path(self, sha256: str) -> Path:
        return self.pdf_root / sha256[:2] / f"{sha256}.pdf"

    def keep_pdf(self, source: Path, sha256: str) -> Path:
        """Move a downloaded PDF into data/pdf/ under its hash (once: the same file is kept once)."""
        target = self.pdf_path(sha256)
        if target.exists():
            Path(source).unlink(missing_ok=True)
            return target
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_suffix(".part")
        try:
            shutil.copyfile(source, partial)
            with open(partial, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)  # rename: a crash never leaves half a PDF under a real name
        except OSError as exc:
            partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
            if disk.is_disk_full(exc):  # name the disk that is full: the PDF folder's, not the download's
                raise OSError(exc.errno, exc.strerror, str(partial)) from exc
            raise
        except BaseException:
            partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
            raise
        os.chmod(target, 0o600)
        Path(source).unlink(missing_ok=True)
        return target

    def forget_pdf(self, sha256: str) -> None:
        """Delete a PDF file unless an invoice still refers to it."""
        if self.query_one("SELECT 1 FROM invoices WHERE sha256 = ? LIMIT 1", (sha256,)):
            return
        self.pdf_path(sha256).unlink(missing_ok=True)
