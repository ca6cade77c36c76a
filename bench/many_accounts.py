"""5. Many accounts: 10 accounts on the demo portal (Énergie Démo) synced by `invoice-collector
serve` with 1 worker, then with 2: wall time of the whole round and peak memory of the browsers."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import yaml

from bench.common import ROOT, Report, spread
from bench.server import ServerProcess, descendants, machine_busy_seconds, pss_mb, rss_mb, tree_cpu_seconds

DEMO_ID = "demo-energie"


def demo_copies(count: int, folder: Path) -> tuple[Path, list[str]]:
    """The bundled demo recipe, copied under `count` provider ids (an account is unique per provider
    and login, and the demo portal knows one login): a user recipe file for providers.d/."""
    catalog = yaml.safe_load((ROOT / "providers.yaml").read_text(encoding="utf-8"))
    demo = next(p for p in catalog["providers"] if p["id"] == DEMO_ID)
    copies = [dict(demo, id=f"{DEMO_ID}-{n}", name=f"{demo['name']} {n}") for n in range(1, count + 1)]
    path = folder / "demo-bench.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "providers": copies}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    from backend.collectors.language.catalog import load_file
    _, errors = load_file(path)
    if errors:
        raise RuntimeError("the demo recipe copies do not validate: " + "; ".join(map(str, errors)))
    return path, [c["id"] for c in copies]


class PeakMemory(threading.Thread):
    """Samples the PSS of the server's descendants (chromedriver + Chromium) every 0.25 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_browsers, self.server_peak = pid, 0.0, 0, 0.0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.25):
            children = descendants(self.pid)
            total = pss_mb(children)
            if total > self.peak:
                self.peak = total
                self.peak_browsers = sum(1 for c in children if _name(c) == "chromedriver")
            try:
                self.server_peak = max(self.server_peak, rss_mb(self.pid))
            except OSError:
                return


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def one_round(tmp: Path, workers: int, portal_url: str, recipe: Path, ids: list[str],
              remote_url: str | None = None, browsers_of: int | None = None) -> dict:
    """One round of syncs; with remote_url the browsers run on that Selenium Grid, whose process
    (browsers_of) is then the one whose descendants' memory is sampled."""
    from backend.demo.portal import DEMO_LOGIN, DEMO_PASSWORD
    home = tmp / f"home-{workers}-{time.monotonic_ns()}"
    since = (dt.date.today() - dt.timedelta(days=3650)).isoformat()  # every demo invoice is new: PDFs fetched
    with ServerProcess(home, workers=workers, recipes=[recipe],
                       url_overrides={pid: {"portal": portal_url} for pid in ids}) as server:
        if remote_url:
            server.configure(remote_webdriver_url=remote_url)
        server.start()
        server.pair()
        sampler = PeakMemory(browsers_of or server.proc.pid)
        sampler.start()
        cpu_server, cpu_here = tree_cpu_seconds(server.proc.pid), time.process_time()
        busy = machine_busy_seconds()
        started = time.perf_counter()
        for provider in ids:
            server.add_account(provider, {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, since=since)
        accounts = server.wait_accounts_idle()
        wall = time.perf_counter() - started
        busy = machine_busy_seconds() - busy
        sampler.halt.set()
        while descendants(server.proc.pid):  # browsers quit: their CPU is then in cutime
            time.sleep(0.05)
        cpu = tree_cpu_seconds(server.proc.pid) - cpu_server + time.process_time() - cpu_here
        sampler.join()
        bad = [a for a in accounts if a["last_outcome"]["code"] != "OK"]
        if bad:
            raise RuntimeError(f"{len(bad)} syncs failed, e.g. {bad[0]['last_outcome']}")
        collected = sum(a["invoices_collected"] for a in accounts)
    return {"wall": wall, "cpu": cpu, "busy": busy, "peak": sampler.peak, "browsers": sampler.peak_browsers,
            "server": sampler.server_peak, "invoices": collected}


def run(args) -> Report:
    from backend.demo.portal import start_demo_portal
    count = 1 if args.quick else 10
    repeat = args.repeat or (1 if args.quick else 3)
    results: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-accounts-") as tmp_name:
        tmp = Path(tmp_name)
        recipe, ids = demo_copies(count, tmp)
        with start_demo_portal(tmp / "demo-state") as portal:
            for round_ in range(repeat):
                for workers in ((1, 2) if round_ % 2 == 0 else (2, 1)):
                    results[workers].append(one_round(tmp, workers, portal.url, recipe, ids))
    walls = {w: [r["wall"] for r in rs] for w, rs in results.items()}
    ratios = [two / one for one, two in zip(walls[1], walls[2], strict=False)]
    invoices = results[1][0]["invoices"]
    report = Report(5, "Many accounts: workers 1 vs 2",
                    f"{count} accounts on the demo portal (backend/demo, served in the bench process; the bundled "
                    f"demo-energie recipe copied under {count} provider ids, since an account is unique per provider "
                    f"and login), added one after the other to a fresh `invoice-collector serve` (Settings.workers "
                    f"1 or 2, persistent profiles) with `since` 10 years back so every invoice's PDF is fetched "
                    f"({invoices} invoices in all); wall time from the first POST /api/accounts to no sync left "
                    f"(GET /api/accounts polled every 0.2 s); memory = PSS sum (/proc/*/smaps_rollup) of the "
                    f"server's descendants (chromedriver + Chromium) sampled every 0.25 s. {repeat} rounds, "
                    f"the order of the two settings alternating.")
    for workers in (1, 2):
        rs = results[workers]
        report.row(f"workers={workers}: wall time, {count} accounts", spread(walls[workers]))
        report.row(f"workers={workers}: per account", spread([w / count for w in walls[workers]]))
        report.row(f"workers={workers}: CPU per account, reaped processes (server, collection, chromedriver)",
                   spread([r["cpu"] / count for r in rs]))
        report.row(f"workers={workers}: CPU per account, whole machine busy time (Chromium included)",
                   spread([r["busy"] / count for r in rs]))
        report.row(f"workers={workers}: cores busy on average", spread([r["busy"] / r["wall"] for r in rs], "cores", 2))
        report.row(f"workers={workers}: browsers' peak PSS", spread([r["peak"] for r in rs], "MB", 0) +
                   f", {max(r['browsers'] for r in rs)} browser(s) at once")
        report.row(f"workers={workers}: server RSS peak", spread([r["server"] for r in rs], "MB", 0))
    report.row("wall time workers=2 / workers=1 (paired)", spread(ratios, "×"))
    # What a second worker can win at best: half the time, and no less than the round's CPU spread
    # over every core of an otherwise idle machine.
    cores = os.cpu_count() or 1
    bound = [max(r2["busy"] / cores, r1["wall"] / 2) / r1["wall"] for r1, r2 in zip(results[1], results[2], strict=False)]
    report.row(f"best ratio possible on {cores} cores: max(machine busy time of the workers=2 round / {cores}, "
               f"half the workers=1 wall) / workers=1 wall", spread(bound, "×"))
    report.target("workers=2 / workers=1 wall time ≤ 0.6", statistics.median(ratios) <= 0.6)
    return report
