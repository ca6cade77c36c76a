"""What a server killed mid-run (kill -9, power cut, OOM killer) leaves behind, cleaned at the
next start by the process that runs jobs (it holds data/jobs.lock, so no live job is touched):

- the Chromium it was driving, still holding the account's persistent profile: every later
  collection of that account would fail "profile in use" until the user found and killed it;
  the chromedriver that started it is ended too;
- half-written files (*.part), the downloads folders of jobs that never finished, and the
  temporary files of their collection processes (data/tmp: throwaway profiles, download folders);
- PDFs moved into data/pdf/ whose invoice row never committed (no invoice refers to them:
  the next collection downloads that invoice again)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import time
from pathlib import Path

from backend import paths
from backend.server.store import Store

log = logging.getLogger("invoice_collector.server")
STOP_WAIT = 5.0  # seconds a left-over browser gets to exit on SIGTERM before SIGKILL


def clean(store: Store) -> dict[str, int]:
    """Clean after a crashed server; returns what was removed, by kind (for the log and tests)."""
    done = {"browsers": stop_left_browsers(paths.profiles_dir()),
            "partial_files": _remove_partial_files(store.pdf_root),
            "downloads": _remove_tree_files(paths.data_dir() / "downloads"),
            "temporary_files": _remove_tree_files(paths.data_dir() / "tmp"),
            "orphan_pdfs": _remove_orphan_pdfs(store)}
    if any(done.values()):
        log.warning("cleaned up after an interrupted run: %s", ", ".join(f"{n} {k}" for k, n in done.items() if n))
    return done


# ---- browsers ------------------------------------------------------------------------------------
def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _lock_owner(profile: Path) -> int | None:
    """The pid Chromium wrote in the profile's SingletonLock ("host-pid"), if it is this host's."""
    try:
        target = os.readlink(profile / "SingletonLock")
    except OSError:
        return None
    host, _, pid = target.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return int(pid)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_WAIT
    while time.monotonic() < deadline:
        if _cmdline(pid) is None or _state(pid) == "Z":
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def stop_left_browsers(profiles: Path) -> int:
    """End each Chromium still running on one of our persistent profiles (Linux: /proc), and the
    chromedriver that started it. Only a process whose command line names that very profile is
    touched, so a reused pid is never hit."""
    if not Path("/proc/self/cmdline").exists() or not profiles.is_dir():
        return 0
    stopped = 0
    for profile in sorted(p for p in profiles.iterdir() if p.is_dir()):
        pid = _lock_owner(profile)
        if pid is None or pid == os.getpid():
            continue
        args = _cmdline(pid)
        # Chromium rewrites its process title: the arguments may come as one space-joined string.
        if not args or not re.search(rf"(^|\s)--user-data-dir={re.escape(str(profile))}(\s|$)", " ".join(args)):
            continue
        driver = _parent(pid)
        driver_args = _cmdline(driver) if driver else None
        log.warning("a browser (pid %s) left by an interrupted run still holds %s: stopping it", pid, profile)
        _stop(pid)
        if driver and driver_args and Path(driver_args[0]).name.startswith("chromedriver") and driver != os.getpid():
            _stop(driver)
        stopped += 1
    return stopped


# ---- files ---------------------------------------------------------------------------------------
def _remove_partial_files(pdf_root: Path) -> int:
    count = 0
    for path in pdf_root.rglob("*.part") if pdf_root.is_dir() else []:
        path.unlink(missing_ok=True)
        count += 1
    return count


def _remove_tree_files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    return count


def _remove_orphan_pdfs(store: Store) -> int:
    root = store.pdf_root
    if not root.is_dir():
        return 0
    referenced = {row["sha256"] for row in store.query("SELECT DISTINCT sha256 FROM invoices WHERE sha256 IS NOT NULL")}
    count = 0
    for path in root.glob("*/*.pdf"):
        if path.stem not in referenced:
            path.unlink(missing_ok=True)
            count += 1
    return count
