"""3. Server at rest: time from `invoice-collector serve` starting to a healthy /api/health, then
RSS and CPU of the server over an idle minute with a few accounts that have synced once."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Report, spread
from bench.engine_vs_script import RECIPE
from bench.portal import PASSWORD, Portal
from bench.server import ServerProcess, cpu_seconds, descendants, rss_mb, status
from tests.helpers import serve


def wait_no_children(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while descendants(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server still has child processes {timeout} s after its syncs ended")
        time.sleep(0.1)


def run(args) -> Report:
    repeat = args.repeat or (0 if args.quick else 5)
    idle = 1.0 if args.quick else 60.0
    count = 1 if args.quick else 3
    portal = Portal(1, 3) if args.quick else Portal(2, 10)
    with serve(portal.app) as url, tempfile.TemporaryDirectory(prefix="bench-rest-") as tmp:
        home = Path(tmp) / "home"
        server_args = {"recipes": [RECIPE], "url_overrides": {"bench": {"portal": url}}}
        first, starts, start_cpu = None, [], []
        for round_ in range(repeat + 1 if repeat else 0):  # start 0 creates the database; the others reopen it
            with ServerProcess(home, **server_args) as server:
                elapsed = server.start()
                if round_:
                    start_cpu.append(server.start_cpu)
            if round_ == 0:
                first = elapsed
            else:
                starts.append(elapsed)
        with ServerProcess(home, **server_args) as server:
            elapsed = server.start()
            if not starts:  # --quick: this start is the only one
                first, starts, start_cpu = elapsed, [elapsed], [server.start_cpu]
            pid = server.proc.pid
            server.pair()
            fresh = rss_mb(pid)
            jobs = [server.add_account("bench", {"login": f"bench+{n}@example.com", "password": PASSWORD})["job"]["id"]
                    for n in range(count)]
            done = server.wait_jobs(jobs)
            failed = [j for j in done if j["state"] != "succeeded"]
            if failed:
                raise RuntimeError(f"a sync failed: {failed[0]['outcome']}")
            wait_no_children(pid)
            peak_during_syncs = rss_mb(pid, "VmHWM")
            cpu_before, started = cpu_seconds(pid), time.monotonic()
            samples = []
            while time.monotonic() - started < idle:
                samples.append(rss_mb(pid))
                time.sleep(min(1.0, max(0.0, idle - (time.monotonic() - started))))
            cpu = cpu_seconds(pid) - cpu_before
            window = time.monotonic() - started
            threads = int(status(pid)["Threads"])
            children = len(descendants(pid))
            invoices = server.api("GET", "/api/invoices?per_page=1")["total"]
    cpu_pct = cpu / window * 100
    report = Report(3, "Server at rest",
                    f"`invoice-collector serve` (the installed command) in a fresh INVOICE_COLLECTOR_HOME under a "
                    f"private D-Bus session + gnome-keyring; start time = from the process start to the first "
                    f"healthy GET /api/health (probed every 5 ms), {repeat} restarts on the same home after a first "
                    f"start that creates the database. Then paired with `invoice-collector pair`, {count} accounts "
                    f"added on the bench portal (user recipe in providers.d, {portal.pages * portal.per_page} invoices "
                    f"each, first sync = baseline) and, once their syncs ended and the browsers quit, VmRSS sampled "
                    f"every second and utime+stime read from /proc/<pid>/stat over {idle:.0f} s of idle.")
    report.row("start → healthy /api/health (reopen)", spread(starts, "s", 3))
    report.row("first start (creates the database)", f"{first:.3f} s")
    report.row("CPU time of the server until healthy (reopen)", spread(start_cpu, "s", 3))
    report.row("RSS just started, paired, no account", f"{fresh:.1f} MB")
    report.row(f"RSS at rest, {count} accounts synced ({invoices} invoices)",
               f"{statistics.median(samples):.1f} MB (max {max(samples):.1f})")
    report.row("RSS peak of the server process during the syncs (VmHWM)", f"{peak_during_syncs:.1f} MB")
    report.row(f"CPU over {window:.0f} s idle", f"{cpu_pct:.2f} % ({cpu:.2f} s of CPU)")
    report.row("threads / child processes at rest", f"{threads} / {children}")
    report.target("RSS at rest ≤ 60 MB", max(samples) <= 60)
    report.target("CPU at rest ~0 % (≤ 0.5 %)", cpu_pct <= 0.5)
    report.target("start → healthy ≤ 1 s (median)", statistics.median(starts) <= 1.0)
    return report
