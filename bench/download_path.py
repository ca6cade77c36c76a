"""2. Download path: the same PDFs through the session's cookies (requests) vs through Chromium's
download folder, both with the engine's own code (backend/collectors/run/download.py) in one browser."""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Report, browser_config, spread
from bench.engine_vs_script import load_bench_recipe
from bench.portal import LOGIN, PASSWORD, Portal
from tests.helpers import serve

MODES = ("session", "browser")


def fetch_all(ctx, urls: dict[str, str], how: str, lost: list[str]) -> dict[str, str]:
    """Every PDF one after the other; a download that never came is noted in `lost` and skipped."""
    from backend.collectors.model import CollectionError, Invoice
    from backend.collectors.run import download
    digests = {}
    for n, (key, url) in enumerate(urls.items()):
        invoice = Invoice(key=key, url=url)
        try:
            download.fetch_pdf(ctx, invoice, how, url, None, sync=n == 0)  # as the invoices step does
        except CollectionError as exc:
            if exc.code != "DOWNLOAD_FAILED":
                raise
            lost.append(f"{how} {key}: {exc.message}")
            continue
        digests[key] = invoice.sha256
    return digests


def run(args) -> Report:
    from backend.collectors.model import RunRequest
    from backend.collectors.run.browser import Browser
    from backend.collectors.run.context import Context
    from backend.collectors.run.runner import run_steps

    pages, per_page = (1, 4) if args.quick else (5, 20)
    repeat = args.repeat or (1 if args.quick else 5)
    portal = Portal(pages, per_page)
    provider = load_bench_recipe()
    login_steps = [s for s in provider.steps if "invoices" not in s]
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    lost: list[str] = []
    with serve(portal.app) as url, tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
        urls = {inv.number: f"{url}/factures/{inv.number}/pdf" for inv in portal.invoices}
        for round_ in range(repeat + (0 if args.quick else 1)):  # round 0 warms up
            downloads = Path(tmp) / f"dl-{round_}"
            downloads.mkdir()
            request = RunRequest(provider=provider, credentials={"login": LOGIN, "password": PASSWORD},
                                 out_dir=Path(tmp), url_overrides={"portal": url}, browser=browser_config())
            # Both ways in one browser: inline PDFs must be saved as downloads for the browser way.
            with Browser(dataclasses.replace(request.browser, pdfs_as_downloads=True), downloads) as browser:
                ctx = Context(request, browser.driver, downloads, step_runner=run_steps)
                run_steps(ctx, login_steps)
                for mode in (MODES if round_ % 2 == 0 else MODES[::-1]):
                    request.out_dir = Path(tmp) / f"{mode}-{round_}"
                    missing = len(lost)
                    started = time.perf_counter()
                    got = fetch_all(ctx, urls, mode, lost)
                    elapsed = time.perf_counter() - started
                    if any(portal.digests[key] != digest for key, digest in got.items()):
                        raise RuntimeError(f"{mode}: the PDFs saved differ from the portal's")
                    if len(lost) > missing:  # its time includes a 30 s wait for nothing: not a speed
                        continue
                    if round_ or args.quick:
                        times[mode].append(elapsed)
    count = len(portal.invoices)
    ratios = [b / s for s, b in zip(times["session"], times["browser"], strict=False)] if len(times["browser"]) == \
        len(times["session"]) else [statistics.median(times["browser"]) / statistics.median(times["session"])]
    report = Report(2, "Download path: session cookies vs browser download folder",
                    f"one logged-in Chromium on the bench portal; the same {count} PDFs (~56 KB, half inline, half "
                    "attachment) fetched one after the other by download.fetch_pdf(how='session') (requests with "
                    "the browser's cookies) and fetch_pdf(how='browser') (a download link clicked in the page, "
                    "file awaited in the download folder); both write, fsync and hash each PDF the same way. "
                    f"{repeat} rounds after a warm-up round (new browser each round), order alternating; "
                    "each PDF checked against the portal's SHA-256.")
    for mode in MODES:
        report.row(f"{mode}: {count} PDFs", spread(times[mode]))
        report.row(f"{mode}: per PDF", spread([t / count * 1000 for t in times[mode]], "ms", 1))
    report.row("browser / session (paired per round)", spread(ratios, "×", 1))
    rounds = repeat + (0 if args.quick else 1)
    report.row("downloads that never started (round left out of the timings)",
               f"{len(lost)} of {rounds * count * len(MODES)}" + (f": {lost[0]}" if lost else ""))
    report.target("≥ 3× faster through the session", sorted(ratios)[len(ratios) // 2] >= 3)
    return report
