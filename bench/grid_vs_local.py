"""8. Selenium Grid vs local browsers: the same accounts synced by `invoice-collector serve` with k workers
whose browsers run locally, then on a real Selenium Grid of k slots on the same machine (tests/grid.py:
Grid 4 standalone, Debian's Java, chromium and chromedriver). Then, on paper, how many Grid nodes
1,000 accounts a day need, from the measured cost of one sync.

The Grid is the session's own (BENCH_GRID_URL and BENCH_GRID_PID, as the smoke test passes them) or one
this benchmark starts and stops (the jar scripts/grid-jar.sh fetched)."""

from __future__ import annotations

import math
import os
import statistics
import tempfile
from pathlib import Path

from bench.common import Report, spread
from bench.many_accounts import demo_copies, one_round

SLOTS = 2  # tests/grid.py's node: one slot per core of the two-core test machine
NODE_UTILISATION = 0.7  # a node's cores kept busy on average, leaving room for bursts
ACCOUNTS_A_DAY = 1000
SYNC_WINDOW_HOURS = 8  # syncs of the day spread over a night's window, not the whole day


def _grid(tmp: Path):
    """(url, pid of the process whose children are the browsers, stop)."""
    if os.environ.get("BENCH_GRID_URL"):
        return os.environ["BENCH_GRID_URL"], int(os.environ["BENCH_GRID_PID"]), lambda: None
    from tests.grid import SLOTS as TEST_SLOTS
    from tests.grid import start_grid, stop_grid, unavailable
    assert TEST_SLOTS == SLOTS
    reason = unavailable()
    if reason:
        raise RuntimeError(f"no Selenium Grid can run here: {reason}")
    started = start_grid(tmp)
    return started.url, started.process.pid, lambda: stop_grid(started)


def run(args) -> Report:
    from backend.demo.portal import start_demo_portal
    count = 1 if args.quick else 6
    repeat = args.repeat or (1 if args.quick else 3)
    results: dict[str, list[dict]] = {"local": [], "grid": []}
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as tmp_name:
        tmp = Path(tmp_name)
        recipe, ids = demo_copies(count, tmp)
        url, grid_pid, stop = _grid(tmp)
        try:
            with start_demo_portal(tmp / "demo-state") as portal:
                for round_ in range(repeat):
                    for where in (("local", "grid") if round_ % 2 == 0 else ("grid", "local")):
                        remote = {"remote_url": url, "browsers_of": grid_pid} if where == "grid" else {}
                        results[where].append(one_round(tmp, SLOTS, portal.url, recipe, ids, **remote))
        finally:
            stop()
    report = Report(8, "Selenium Grid vs local browsers",
                    f"{count} accounts on the demo portal (as benchmark 5: the demo-energie recipe copied under "
                    f"{count} provider ids, every invoice's PDF fetched), synced by a fresh `invoice-collector "
                    f"serve` with workers={SLOTS}: browsers started locally, or on a Selenium Grid 4.48 standalone "
                    f"with one node of {SLOTS} slots on the same machine (Debian's Java 17, chromium and "
                    f"chromedriver; tests/grid.py's configuration), the Grid started once before the rounds. Wall "
                    f"time from the first POST /api/accounts to no sync left; machine busy time from /proc/stat "
                    f"(the Grid's JVM included); browsers' PSS sampled every 0.25 s under the server (local) or "
                    f"the Grid's process (grid). {repeat} rounds, the order alternating.")
    for where, rs in results.items():
        report.row(f"{where}: wall time, {count} accounts", spread([r["wall"] for r in rs]))
        report.row(f"{where}: per account", spread([r["wall"] / count for r in rs]))
        report.row(f"{where}: machine busy time per account (cores × s)", spread([r["busy"] / count for r in rs]))
        report.row(f"{where}: browsers' peak PSS", spread([r["peak"] for r in rs], "MB", 0) +
                   f", {max(r['browsers'] for r in rs)} chromedriver(s) at once")
    ratios = [g["wall"] / loc["wall"] for loc, g in zip(results["local"], results["grid"], strict=False)]
    report.row("wall time grid / local (paired)", spread(ratios, "×"))
    # On paper: nodes for 1,000 accounts a day, from what one sync cost on the Grid here.
    busy = statistics.median(r["busy"] / count for r in results["grid"])
    wall = statistics.median(r["wall"] / count for r in results["grid"]) * SLOTS  # one slot's time per sync
    peak = max(r["peak"] for r in results["grid"]) / max(1, min(SLOTS, count))
    by_cpu = ACCOUNTS_A_DAY * busy / (SLOTS * NODE_UTILISATION * SYNC_WINDOW_HOURS * 3600)
    by_slots = ACCOUNTS_A_DAY * wall / (SLOTS * SYNC_WINDOW_HOURS * 3600)
    report.row(f"on paper: {SLOTS}-core nodes ({SLOTS} slots, ~{peak:.0f} MB per browser) for {ACCOUNTS_A_DAY} "
               f"accounts synced once each in a {SYNC_WINDOW_HOURS} h window",
               f"{max(1, math.ceil(max(by_cpu, by_slots)))} (CPU: {by_cpu:.2f} nodes at "
               f"{NODE_UTILISATION:.0%} busy; slot time: {by_slots:.2f} nodes)")
    report.notes.append(f"The estimate scales the measured cost of one demo sync ({busy:.1f} core-seconds, "
                        f"{wall:.1f} s of a slot): a real portal's sync is slower (network, bigger pages, "
                        "one-time codes), so measure one of yours and scale the same way.")
    report.target("the Grid costs at most 25 % more wall time than local browsers on the same machine",
                  statistics.median(ratios) <= 1.25)
    return report
