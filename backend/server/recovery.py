"""Crash recovery, in one place: what a server killed mid-run (kill -9, power cut, OOM killer)
leaves behind, put right by `recover()` when the next server starts, before it listens. Only the
process that holds the jobs lock recovers, so no live server's job or browser is touched.

- jobs still queued or running can never finish: failed as interrupted, their accounts rescheduled
  (jobs.py), and an account created just before the crash gets a next run;
- the Chromium it was driving, still holding the account's persistent profile (every later
  collection of that account would fail "profile in use"), and the chromedriver that started it;
- half-written files (*.part), the downloads folders of jobs that never finished, and the
  temporary files of their collection processes (data/tmp: throwaway profiles, download folders);
- PDFs moved into data/pdf/ whose invoice row never committed (no invoice refers to them:
  the next collection downloads that invoice again);
- the sessions its syncs held on a Selenium Grid (data/grid-sessions), ended through the Grid so that
  their slots are free at once.

Processes are found with psutil, so this works the same on Linux, macOS and Windows."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from backend import paths
from backend.collectors.run import grid
from backend.core.clock import iso
from backend.core.store import Store

if TYPE_CHECKING:
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.server")
STOP_WAIT = 5.0  # seconds a left-over browser gets to exit on SIGTERM before SIGKILL


def recover(services: Services) -> dict[str, int]:
    """Put right what a crashed server left, if this process is the one that runs jobs; returns
    what was done, by kind (for the log and tests)."""
    if not services.jobs.claim():
        log.info("another invoice-collector process runs jobs on this database: nothing to recover")
        return {}
    done = {"interrupted_jobs": len(services.jobs.fail_interrupted()),
            "rescheduled_accounts": _reschedule_orphans(services)}
    done |= clean(services.store)
    # Sessions a killed server's syncs held on the Selenium Grid: freed now, not at the Grid's timeout.
    done["grid_sessions"] = grid.release_all(paths.grid_sessions_dir(), services.settings.remote_webdriver_url)
    return done


def _reschedule_orphans(services: Services) -> int:
    """An account created just before a crash may have neither a job nor a next run: give it one."""
    with services.store.transaction() as conn:
        return conn.execute("UPDATE accounts SET next_run_at = ? WHERE next_run_at IS NULL AND blocked_code IS NULL "
                            "AND enabled = 1", (iso(services.clock()),)).rowcount


def clean(store: Store) -> dict[str, int]:
    """Remove the processes and files a crashed server left; returns what was removed, by kind."""
    done = {"browsers": stop_left_browsers(paths.profiles_dir()),
            "partial_files": _remove_partial_files(store.pdf_root),
            "downloads": _remove_tree_files(paths.data_dir() / "downloads"),
            "temporary_files": _remove_tree_files(paths.data_dir() / "tmp"),
            "orphan_pdfs": _remove_orphan_pdfs(store)}
    if any(done.values()):
        log.warning("cleaned up after an interrupted run: %s", ", ".join(f"{n} {k}" for k, n in done.items() if n))
    return done


# ---- browsers ------------------------------------------------------------------------------------
def lock_owner(profile: Path) -> int | None:
    """The pid Chromium wrote in the profile's SingletonLock ("host-pid"), if it is this host's.
    (On Windows Chromium keeps a lockfile instead, and the profile's users are found by command line.)"""
    try:
        target = os.readlink(profile / "SingletonLock")
    except OSError:
        return None
    host, _, pid = target.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return int(pid)


def is_running(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting for its parent."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _uses_profile(process: psutil.Process, profile: Path) -> bool:
    # Chromium rewrites its process title: the arguments may come as one space-joined string.
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return re.search(rf"(^|\s)--user-data-dir={re.escape(str(profile))}(\s|$)", command) is not None


def _browsers_on(profile: Path) -> list[psutil.Process]:
    """The browser holding the profile: the SingletonLock's pid when there is one, else (Windows)
    any process whose command line names the profile. Only a process naming that very profile is
    returned, so a reused pid is never hit."""
    pid = lock_owner(profile)
    if pid is not None:
        try:
            candidates = [psutil.Process(pid)]
        except psutil.NoSuchProcess:
            return []
    else:
        candidates = list(psutil.process_iter())
    own = os.getpid()
    return [p for p in candidates if p.pid != own and _uses_profile(p, profile) and not _parent_uses(p, profile)]


def _parent_uses(process: psutil.Process, profile: Path) -> bool:
    """True for Chromium's helper processes (renderers…): their parent, the browser, is the one to end."""
    try:
        parent = process.parent()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return parent is not None and _uses_profile(parent, profile)


def _stop(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(processes, timeout=STOP_WAIT)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def stop_left_browsers(profiles: Path) -> int:
    """End each Chromium still running on one of our persistent profiles, and the chromedriver
    that started it."""
    if not profiles.is_dir():
        return 0
    stopped = 0
    for profile in sorted(p for p in profiles.iterdir() if p.is_dir()):
        for browser in _browsers_on(profile):
            try:
                driver = browser.parent()
                driver_name = driver.name() if driver else ""
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                driver, driver_name = None, ""
            log.warning("a browser (pid %s) left by an interrupted run still holds %s: stopping it", browser.pid, profile)
            targets = [browser]
            if driver is not None and driver_name.startswith("chromedriver") and driver.pid != os.getpid():
                targets.append(driver)
            _stop(targets)
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
