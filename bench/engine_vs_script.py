"""1. Recipe engine vs hand-written Selenium: the same collection (login, list, every PDF) on the
bench portal, same Chromium flags, runs alternating so both sides see the same machine state."""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

from bench import handwritten
from bench.common import Report, browser_config, spread
from bench.portal import LOGIN, PASSWORD, Portal
from tests.helpers import serve

RECIPE = Path(__file__).resolve().parent / "recipes" / "bench.yaml"


def load_bench_recipe():
    from backend.collectors.language.catalog import load_file
    providers, errors = load_file(RECIPE)
    if errors:
        raise SystemExit("bench recipe invalid:\n" + "\n".join(map(str, errors)))
    return providers[0]


def run_engine(provider, url: str, out: Path, download: str = "session"):
    from backend.collectors import RunRequest, run_collection
    request = RunRequest(provider=provider, credentials={"login": LOGIN, "password": PASSWORD}, out_dir=out,
                         url_overrides={"portal": url}, browser=browser_config())
    result = run_collection(request)
    if not result.ok:
        raise RuntimeError(f"engine run failed: {result.outcome} {result.message}")
    return {i.key: i.sha256 for i in result.invoices}


def run_script(url: str, out: Path, reads: str, pages: int, turn: str = "url"):
    invoices = handwritten.collect(url, out, reads, pages, turn)
    return {i["number"]: hashlib.sha256((out / f"{i['number']}.pdf").read_bytes()).hexdigest() for i in invoices}


def clicking_variant(provider):
    """The bench recipe with its pages turned by clicking "Suivant" (next_page_by: click)."""
    import copy
    variant = copy.deepcopy(provider)
    for step in variant.steps:
        if isinstance(step, dict) and "invoices" in step:
            step["invoices"]["next_page_by"] = "click"
    return variant


class CommandCounter:
    """Counts WebDriver commands (each one a round trip to chromedriver): a figure load cannot skew."""

    def __init__(self):
        from selenium.webdriver.remote.remote_connection import RemoteConnection
        self.count, self._cls, self._original = 0, RemoteConnection, RemoteConnection.execute
        counter = self

        def counted(connection, command, params):
            counter.count += 1
            return counter._original(connection, command, params)
        RemoteConnection.execute = counted

    def close(self) -> None:
        self._cls.execute = self._original


def run(args) -> Report:
    pages, per_page = (1, 4) if args.quick else (5, 20)
    repeat = args.repeat or (1 if args.quick else 5)
    portal = Portal(pages, per_page)
    provider = load_bench_recipe()
    clicker = clicking_variant(provider)
    sides = {"engine": lambda url, out: run_engine(provider, url, out),
             "engine clicking Next": lambda url, out: run_engine(clicker, url, out),
             "script": lambda url, out: run_script(url, out, "script", pages),
             "script clicking Next": lambda url, out: run_script(url, out, "script", pages, "click"),
             "script (element reads)": lambda url, out: run_script(url, out, "elements", pages)}
    if args.quick:
        del sides["script (element reads)"], sides["script clicking Next"], sides["engine clicking Next"]
    times: dict[str, list[float]] = {name: [] for name in sides}
    commands: dict[str, int] = {}
    counter = CommandCounter()
    with serve(portal.app) as url, tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        names = list(sides)
        for round_ in range(repeat + (0 if args.quick else 1)):  # round 0 warms Chromium's caches
            order = names[round_ % len(names):] + names[:round_ % len(names)]
            for name in order:
                out = Path(tmp) / f"{round_}-{names.index(name)}"
                counter.count = 0
                started = time.perf_counter()
                got = sides[name](url, out)
                elapsed = time.perf_counter() - started
                commands[name] = counter.count
                if got != portal.digests:
                    raise RuntimeError(f"{name}: collected {len(got)} PDFs, not the portal's {len(portal.digests)}")
                if round_ or args.quick:
                    times[name].append(elapsed)
    counter.close()
    ratios = [e / s for e, s in zip(times["engine"], times["script"], strict=False)]
    plain = [e / s for e, s in zip(times["engine"], times.get("script (element reads)", []), strict=False)]
    clicking = [e / s for e, s in zip(times.get("engine clicking Next", []), times.get("script clicking Next", []), strict=False)]
    report = Report(1, "Engine vs hand-written Selenium",
                    f"bench portal (bench/portal.py, {pages} pages × {per_page} invoices, ~56 KB PDFs) served by "
                    "werkzeug in-process; each side starts Chromium (same BASE_FLAGS), logs in, lists every page, "
                    f"saves every PDF and quits; {repeat} rounds after a warm-up round, the order rotating each "
                    "round; each run's PDFs are checked against the portal's SHA-256. Script = bench/handwritten.py "
                    "(one execute_script per page, pages 2–5 opened by their URL, PDFs with requests and the "
                    "browser's cookies): the target's baseline. The recipe (bench/recipes/bench.yaml) turns pages "
                    "with `next_page_by: link`, opening the address of the portal's plain \"Suivant\" link as the "
                    "script does. For context: the same recipe and the same script both clicking \"Suivant\" "
                    "(what a single-page app needs), and a script reading each cell with find_element/.text as "
                    "most scripts do. WebDriver commands are counted by "
                    "wrapping RemoteConnection.execute (load-independent).")
    for name in sides:
        report.row(f"{name}: wall time", spread(times[name]))
        report.row(f"{name}: WebDriver commands (round trips)", str(commands[name]))
    report.row("engine / script (paired per round)", spread(ratios, "×"))
    if plain:
        report.row("engine clicking Next / script clicking Next", spread(clicking, "×"))
        report.row("engine / script with element reads", spread(plain, "×"))
    report.target("engine ≤ 1.10× the script (median of paired ratios)", sorted(ratios)[len(ratios) // 2] <= 1.10)
    return report
