"""The real `invoice-collector serve` as a child process, and what a fault test checks afterwards.

    server = Server(home, port)          # config.json (url overrides) and recipes under home
    server.start(); server.pair()        # waits for /api/health; pairs like the extension
    server.api("POST", "/api/accounts", {...})
    server.kill()                        # SIGKILL: the crash (only the serve process, by its pid)
    problems(store_report(home, ...))    # stored once, no orphan file, no stuck job, integrity ok

serve runs in its own process group, so that a test can clean up the browsers a killed server
left behind (by that group's id, never by name)."""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from backend import config
from backend.core.store import DB_NAME
from backend.server import pairing
from tests.helpers import wait_for as shared_wait_for
from tests.serve import ServeProcess

REPO = Path(__file__).resolve().parents[2]
FIGURES: collections.Counter = collections.Counter()  # what the suite did, printed at its end (conftest)
RECIPES = Path(__file__).resolve().parent / "recipes"
PROVIDER = "fault-portal"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition",
             every: float = 0.02, explain: Callable[[], str] | None = None) -> Any:
    """The shared poll (tests/helpers.py), with this suite's longer default: servers restart here."""
    return shared_wait_for(condition, timeout, what, every, explain)


def require_keyring() -> None:
    """Skip (with the command that provides one) when no unlocked Secret Service keyring answers."""
    import pytest

    from backend.core.keyring_store import KeyringUnavailable, check_backend
    try:
        check_backend()
    except KeyringUnavailable as exc:
        pytest.skip(f"needs an unlocked Secret Service keyring (run bash scripts/test.sh): {exc}")


def prepare_home(home: Path, port: int, portal_url: str, **settings: Any) -> None:
    """The settings and recipes a user would have: our fixture provider pointed at the portal."""
    home.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("INVOICE_COLLECTOR_HOME")
    os.environ["INVOICE_COLLECTOR_HOME"] = str(home)
    try:
        config.save(config.Settings(port=port, url_overrides={PROVIDER: {"portal": portal_url}}, **settings))
        recipes = home / "config" / "providers.d"
        recipes.mkdir(parents=True, exist_ok=True)
        for recipe in RECIPES.glob("*.yaml"):
            shutil.copyfile(recipe, recipes / recipe.name)
    finally:
        if previous is None:
            os.environ.pop("INVOICE_COLLECTOR_HOME", None)
        else:
            os.environ["INVOICE_COLLECTOR_HOME"] = previous


class Server(ServeProcess):
    """The shared serve process (tests/serve.py) in its own process group, with what the fault
    suite needs on top: kill -9, the processes a killed server left, the database and the log."""

    def __init__(self, home: Path, port: int, env: dict[str, str] | None = None):
        super().__init__(home, port, env)
        self.groups: list[int] = []  # every process group we started (browsers may outlive a kill)
        self.starts = 0
        self.kills = 0

    # ---- life and death ----------------------------------------------------------------------
    def start(self, timeout: float = 30.0, new_session: bool = True, probe_every: float = 0.05) -> float:
        try:
            return super().start(timeout, new_session=True, probe_every=probe_every)
        finally:
            if self.process is not None and self.process.pid not in self.groups:
                self.groups.append(self.process.pid)
                self.starts += 1

    def kill(self) -> None:
        """kill -9 of the serve process only, as a crash or the OOM killer would."""
        assert self.process is not None and self.process.poll() is None, "not running"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1
        FIGURES["kill -9 of serve"] += 1

    def cleanup(self) -> None:
        """End whatever we started: the server, then the groups (browsers a killed server left)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        self.groups.clear()

    def orphans(self) -> list[str]:
        """Processes left by servers that are dead: alive in their process groups, or using this
        home (a browser's profile or a collection's folders) without descending from the live server."""
        alive = []
        current = self.process.pid if self.process and self.process.poll() is None else None
        parents: dict[int, int] = {}
        found: list[tuple[int, int, str]] = []
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
                command = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if fields[0] == "Z":
                continue
            parents[int(pid_dir.name)] = int(fields[1])
            found.append((int(pid_dir.name), int(fields[2]), command))

        def from_live_server(pid: int) -> bool:
            while pid > 1:
                if pid == current:
                    return True
                pid = parents.get(pid, 1)
            return False
        for pid, pgid, command in found:
            ours = (pgid in self.groups and pgid != current) or str(self.home) in command
            if ours and pid != os.getpid() and not from_live_server(pid):
                alive.append(f"{pid}: {command[:100]}")
        return alive

    # ---- the API -----------------------------------------------------------------------------
    def pair(self) -> str:
        previous = os.environ.get("INVOICE_COLLECTOR_HOME")
        os.environ["INVOICE_COLLECTOR_HOME"] = str(self.home)
        try:
            code, _ = pairing.open_window()
        finally:
            if previous is None:
                os.environ.pop("INVOICE_COLLECTOR_HOME", None)
            else:
                os.environ["INVOICE_COLLECTOR_HOME"] = previous
        answer = requests.post(f"{self.base}/api/pair", json={"code": code}, timeout=10)
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["token"]
        return self.token

    def api(self, method: str, path: str, body: Any = None, expect: int | tuple[int, ...] | None = None,
            **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {})
        if body is not None:
            kwargs["json"] = body
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = {}
        response = requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        if expect is not None:
            wanted = expect if isinstance(expect, tuple) else (expect,)
            assert response.status_code in wanted, f"{method} {path}: {response.status_code} {response.text}"
        return response

    # ---- the files ---------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.home / "data" / DB_NAME

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db_path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def diagnose(self) -> str:
        """What a failing test prints: jobs, accounts, deliveries and the end of the log."""
        parts = []
        for table, columns in (("jobs", "id, state, trigger, outcome_code, outcome_message"),
                               ("accounts", "id, blocked_code, last_code, last_message, next_run_at, failures"),
                               ("deliveries", "id, invoice_id, status, attempts, last_error")):
            try:
                parts += [f"{table}: {tuple(row)}" for row in self.query(f"SELECT {columns} FROM {table}")]
            except sqlite3.Error as exc:
                parts.append(f"{table}: {exc}")
        parts.append(self.log_text()[-4000:])
        return "\n".join(parts)

    def log_text(self) -> str:
        logs = self.home / "logs"
        return "".join(p.read_text(errors="replace") for p in sorted(logs.glob("*.log*"))) if logs.exists() else ""


# ---- what must hold after any crash or fault ------------------------------------------------------
def problems(server: Server, expected: dict[str, bytes], account_id: int) -> list[str]:
    """Every broken promise, as text: an empty list means nothing lost, doubled, orphaned or stuck.

    expected: every invoice key the portal published (with its PDF) that must be stored once."""
    found: list[str] = []
    rows = server.query("SELECT key, sha256, size, baseline FROM invoices WHERE account_id = ?", (account_id,))
    stored = {}
    for row in rows:
        if row["key"] in stored:
            found.append(f"invoice {row['key']} stored twice")
        stored[row["key"]] = row
    for key, pdf in expected.items():
        row = stored.get(key)
        if row is None:
            found.append(f"invoice {key} lost")
            continue
        if row["baseline"]:
            continue
        path = server.home / "data" / "pdf" / row["sha256"][:2] / f"{row['sha256']}.pdf" if row["sha256"] else None
        if path is None or row["size"] in (None, 0):
            found.append(f"invoice {key} stored without its PDF")
        elif not path.is_file() or path.read_bytes() != pdf:
            found.append(f"invoice {key}: the kept PDF is missing or not the portal's")
    for key in set(stored) - set(expected):
        found.append(f"invoice {key} stored but never published")
    found += file_problems(server)
    stuck = server.query("SELECT id, state FROM jobs WHERE state IN ('queued', 'running', 'waiting_for_code')")
    found += [f"job {row['id']} stuck '{row['state']}'" for row in stuck]
    return found


def file_problems(server: Server) -> list[str]:
    """Orphan PDFs (no invoice refers to them), half-written files, leftovers of killed jobs."""
    found = []
    referenced = {row["sha256"] for row in server.query("SELECT DISTINCT sha256 FROM invoices WHERE sha256 IS NOT NULL")}
    data = server.home / "data"
    for path in sorted((data / "pdf").rglob("*")) if (data / "pdf").exists() else []:
        if path.is_file() and not (path.suffix == ".pdf" and path.stem in referenced):
            found.append(f"orphan file {path.relative_to(server.home)}")
    for path in sorted(data.rglob("*.part")):
        found.append(f"half-written file {path.relative_to(server.home)}")
    downloads = data / "downloads"
    if downloads.exists():
        found += [f"leftover download {p.relative_to(server.home)}" for p in sorted(downloads.rglob("*")) if p.is_file()]
    return found


def integrity(server: Server) -> str:
    conn = sqlite3.connect(server.db_path, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
