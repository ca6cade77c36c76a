"""4. API under load: latency of the panel's main reads (accounts, invoices, a job) with 20
concurrent clients, each a thread with its own requests.Session (keep-alive), against
`invoice-collector serve` holding a few synced accounts."""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import Report, percentile
from bench.engine_vs_script import RECIPE
from bench.portal import PASSWORD, Portal
from bench.server import ServerProcess, cpu_seconds
from tests.helpers import serve

CLIENTS = 20


def hammer(url: str, token: str, paths: list[str], per_client: int, think: float,
           start: threading.Barrier, out: dict[str, list[float]], errors: list[str], offset: int) -> None:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    mine: dict[str, list[float]] = {p: [] for p in paths}
    pace = random.Random(offset)  # independent panels: random, not synchronised, pauses
    start.wait()
    if think:
        time.sleep(pace.uniform(0, think))
    for n in range(per_client):
        path = paths[(n + offset) % len(paths)]
        began = time.perf_counter()
        try:
            answer = http.get(url + path, timeout=10)
        except requests.RequestException as exc:
            errors.append(f"{path}: {type(exc).__name__}")
            return
        elapsed = time.perf_counter() - began
        if answer.status_code != 200:
            errors.append(f"{path}: HTTP {answer.status_code}")
        mine[path].append(elapsed * 1000)
        if think:
            time.sleep(pace.uniform(0, 2 * think))  # mean `think`
    with start_lock:
        for path, values in mine.items():
            out[path] += values


start_lock = threading.Lock()


def load(url: str, token: str, paths: list[str], per_client: int, think: float) -> tuple[dict, float, list]:
    out: dict[str, list[float]] = {p: [] for p in paths}
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)
    threads = [threading.Thread(target=hammer, args=(url, token, paths, per_client, think, barrier, out, errors, i))
               for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return out, time.perf_counter() - began, errors


def run(args) -> Report:
    repeat = args.repeat or (1 if args.quick else 3)
    per_client = 5 if args.quick else 150
    accounts = 1 if args.quick else 3
    portal = Portal(1 if args.quick else 5, 4 if args.quick else 20)
    with serve(portal.app) as url, tempfile.TemporaryDirectory(prefix="bench-api-") as tmp, \
            ServerProcess(Path(tmp) / "home", recipes=[RECIPE], url_overrides={"bench": {"portal": url}}) as server:
        server.start()
        server.pair()
        jobs = [server.add_account("bench", {"login": f"bench+{n}@example.com", "password": PASSWORD})["job"]["id"]
                for n in range(accounts)]
        server.wait_jobs(jobs)
        total = server.api("GET", "/api/invoices?per_page=1")["total"]
        token = server.http.headers["Authorization"].split()[1]
        paths = ["/api/accounts", "/api/invoices", f"/api/jobs/{jobs[0]}"]
        load(server.url, token, paths, 3, 0)  # warm-up: connections, caches
        runs = {}
        for mode, think in (("back-to-back", 0.0), ("panel-like polling (0.25 s mean pause)", 0.25)):
            per_run = []
            for _ in range(repeat):
                cpu0 = cpu_seconds(server.proc.pid)
                out, wall, errors = load(server.url, token, paths, per_client if not think else per_client // 5,
                                         think)
                if errors:
                    raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
                per_run.append((out, wall, cpu_seconds(server.proc.pid) - cpu0))
            runs[mode] = per_run
    report = Report(4, "API under load",
                    f"`invoice-collector serve` (waitress, 8 threads) with {accounts} bench accounts synced "
                    f"({total} invoices); {CLIENTS} client threads in one process, each with its own "
                    f"requests.Session (keep-alive), cycling GET /api/accounts, GET /api/invoices (first page, 50) "
                    f"and GET /api/jobs/<id>; latency measured client-side per request (so it includes the "
                    f"client's own Python time on this {__import__('os').cpu_count()}-core machine shared with the "
                    f"server). Two loads: back-to-back (each client sends its next request as soon as the "
                    f"previous answer arrives: saturation) and panel-like polling (each client pauses a random "
                    f"0–0.5 s between requests, 0.25 s on average, 4× more often than the panel's 1 s job polling; "
                    f"start times staggered, so the 20 clients are not synchronised). {repeat} runs each; figures "
                    f"are the median over runs (min–max).")
    met = True
    for mode, per_run in runs.items():
        for path in paths + ["all"]:
            p50s, p99s = [], []
            for out, _, _ in per_run:
                values = sum(out.values(), []) if path == "all" else out[path]
                p50s.append(percentile(values, 50))
                p99s.append(percentile(values, 99))
            label = path if path != f"/api/jobs/{jobs[0]}" else "/api/jobs/<id>"
            report.row(f"{mode}: {label} p50 / p99",
                       f"{statistics.median(p50s):.1f} / {statistics.median(p99s):.1f} ms "
                       f"(p99 {min(p99s):.1f}–{max(p99s):.1f})")
            if path == "all" and mode.startswith("panel"):
                met = statistics.median(p99s) <= 20
        counts = [sum(len(v) for v in out.values()) for out, _, _ in per_run]
        report.row(f"{mode}: throughput",
                   f"{statistics.median([c / w for c, (_, w, _) in zip(counts, per_run, strict=False)]):.0f} requests/s")
        report.row(f"{mode}: server CPU per request",
                   f"{statistics.median([cpu / c * 1000 for c, (_, _, cpu) in zip(counts, per_run, strict=False)]):.2f} ms")
    report.target("p99 ≤ 20 ms, all reads, panel-like polling by 20 clients", met)
    return report
