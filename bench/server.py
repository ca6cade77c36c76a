"""Run `invoice-collector serve` as a user would, for the server benchmarks (3–5).

ServerProcess is the tests' ServeProcess (its own INVOICE_COLLECTOR_HOME, pairing with
`invoice-collector pair` + POST /api/pair, a requests session with the token) with the
benchmarks' recipes, workers and start-up figures. The /proc helpers read RSS, CPU ticks and the PSS of a process tree.

The server refuses to start without a Secret Service keyring: bench/run.py re-executes itself
under a private dbus-run-session with an unlocked gnome-keyring (as scripts/test.sh does)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import chrome_bin, chromedriver_bin
from tests.serve import ServeProcess

KEYRING_MARK = "INVOICE_COLLECTOR_BENCH_KEYRING"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def keyring_session_argv(argv: list[str]) -> list[str]:
    """argv run inside a throwaway D-Bus session with an unlocked gnome-keyring (see scripts/test.sh)."""
    script = ('set -e; home=$(mktemp -d); trap \'rm -rf "$home"\' EXIT; '
              'export HOME="$home/home" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" '
              'XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/runtime"; '
              # its own runtime folder too: the daemon's control socket lives there, and one shared with
              # an outer session's daemon (scripts/test.sh's) would take that daemon's place
              'mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"; '
              'chmod 700 "$XDG_RUNTIME_DIR"; '
              'eval "$(printf %s bench-keyring-pw | gnome-keyring-daemon --unlock --components=secrets)"; '
              'export GNOME_KEYRING_CONTROL; "$@"')
    return ["dbus-run-session", "--", "env", f"{KEYRING_MARK}=1", "bash", "-c", script, "_", *argv]


class ServerProcess(ServeProcess):
    """The shared serve process (tests/serve.py), set up for a benchmark: its recipes in providers.d/,
    Debian's Chromium, a number of workers; `start()` also records the CPU it took to get healthy."""

    def __init__(self, home: Path, workers: int = 2, recipes: list[Path] = (),
                 url_overrides: dict[str, dict[str, str]] | None = None):
        super().__init__(home, env={"CHROME_BIN": chrome_bin(), "CHROMEDRIVER": chromedriver_bin(),
                                    "SE_OFFLINE": "true", "SE_AVOID_STATS": "true"})
        self.url = self.base
        (self.home / "config" / "providers.d").mkdir(parents=True, exist_ok=True)
        for recipe in recipes:
            shutil.copy(recipe, self.home / "config" / "providers.d" / Path(recipe).name)
        self.configure(port=self.port, workers=workers, url_overrides=url_overrides or {},
                       chrome_binary=chrome_bin(), chromedriver=chromedriver_bin())
        self.start_cpu: float | None = None

    @property
    def proc(self) -> subprocess.Popen:
        assert self.process is not None, "not started"
        return self.process

    def start(self, timeout: float = 30.0, new_session: bool = False, probe_every: float = 0.005) -> float:
        """Seconds from the process start to the first healthy /api/health, probed every 5 ms (the
        figure is measured to that resolution); start_cpu: the CPU used to get there."""
        elapsed = super().start(timeout, new_session, probe_every)
        self.start_cpu = cpu_seconds(self.proc.pid)
        return elapsed

    def api(self, method: str, path: str, **kwargs) -> dict:
        answer = self.http.request(method, f"{self.url}{path}", timeout=60, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else {}

    def add_account(self, provider: str, credentials: dict[str, str], since: str | None = None) -> dict:
        body = {"provider": provider, "terms_accepted": True, "credentials": credentials}
        if since:
            body["since"] = since
        return self.api("POST", "/api/accounts", json=body)

    def wait_accounts_idle(self, timeout: float = 900.0, poll: float = 0.2) -> list[dict]:
        """Poll GET /api/accounts (one request for all) until no account has a job running."""
        deadline = time.monotonic() + timeout
        while True:
            accounts = self.api("GET", "/api/accounts")["accounts"]
            if all(a["job"] is None and a["last_sync_at"] for a in accounts):
                return accounts
            if time.monotonic() > deadline:
                raise RuntimeError(f"syncs still running after {timeout} s")
            time.sleep(poll)

    def wait_jobs(self, job_ids: list[int], timeout: float = 600.0) -> list[dict]:
        """Poll until every job has ended; returns the jobs (an unfinished one raises)."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = [self.api("GET", f"/api/jobs/{job_id}")["job"] for job_id in job_ids]
            if all(job["state"] in ("succeeded", "failed") for job in jobs):
                return jobs
            if time.monotonic() > deadline:
                raise RuntimeError(f"jobs still running after {timeout} s: {[j['state'] for j in jobs]}")
            time.sleep(0.05)


# ---- /proc ------------------------------------------------------------------------------------
def status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as handle:
        return dict(line.rstrip("\n").split(":\t", 1) for line in handle if ":\t" in line)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    return int(status(pid)[field].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (its threads included), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    """CPU of the process plus its children that have ended and been waited for (cutime + cstime):
    after a sync, its chromedriver and Chromium processes are counted there."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time every core spent not idle since boot (/proc/stat). Chromium's processes are
    reaped by no one in our tree (chromedriver does not wait for them), so tree_cpu_seconds
    misses most of a browser's CPU; on an otherwise quiet machine, this does not."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / CLK_TCK


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def pss_mb(pids: list[int]) -> float:
    """Sum of Pss over processes (from /proc/<pid>/smaps_rollup): shared pages counted once."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue  # the process ended between the listing and the read
    return total / 1024
