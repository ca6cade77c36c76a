"""7. What stealth costs, and what a live session saves.

Stealth: the bench recipe on the bench portal with the engine's stealth on and off (BrowserConfig
.stealth), runs alternating. Live session: the classic fixture portal and recipe (a `login` step,
a "remember me" cookie) on one account's persistent profile, a sync that logs in (fresh profile)
alternating with a sync that finds the session still open; the portal counts login requests."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from bench.common import Report, browser_config, spread
from bench.engine_vs_script import load_bench_recipe
from bench.portal import LOGIN, PASSWORD, Portal
from tests.helpers import serve
from tests.portals import classic
from tests.portals.common import load_recipe

LOGIN_SECONDS = 1.5  # a real portal's login: SSO redirects, risk checks (1–5 s seen in the field)


def slow_login(app, seconds: float):
    """The classic portal, taking `seconds` to answer a login POST, as a real portal's SSO does."""
    def wsgi(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/login":
            time.sleep(seconds)  # the simulated portal's own work, not a wait of ours
        return app(environ, start_response)
    return wsgi


def _collect(provider, url: str, out: Path, config, credentials, **options):
    from backend.collectors import RunRequest, run_collection
    result = run_collection(RunRequest(provider=provider, credentials=credentials, out_dir=out,
                                       url_overrides={"portal": url}, browser=config, **options))
    if not result.ok:
        raise RuntimeError(f"run failed: {result.outcome} {result.message}")
    return result


def stealth_cost(repeat: int, quick: bool, tmp: Path, report: Report) -> None:
    pages, per_page = (1, 4) if quick else (5, 20)
    portal, provider = Portal(pages, per_page), load_bench_recipe()
    times: dict[bool, list[float]] = {True: [], False: []}
    with serve(portal.app) as url:
        for round_ in range(repeat + (0 if quick else 1)):  # round 0 warms Chromium's caches
            for on in ((True, False) if round_ % 2 == 0 else (False, True)):
                config = dataclasses.replace(browser_config(), stealth=on)
                started = time.perf_counter()
                _collect(provider, url, tmp / f"s{round_}{on}", config, {"login": LOGIN, "password": PASSWORD})
                if round_ or quick:
                    times[on].append(time.perf_counter() - started)
    ratios = [a / b for a, b in zip(times[True], times[False], strict=True)]
    report.row("bench portal, stealth on: wall time", spread(times[True]))
    report.row("bench portal, stealth off: wall time", spread(times[False]))
    report.row("stealth on / off (paired per round)", spread(ratios, "×"))
    report.target("stealth costs ≤ +10 % (median of paired ratios ≤ 1.10)", sorted(ratios)[len(ratios) // 2] <= 1.10)


def live_session(repeat: int, quick: bool, tmp: Path, report: Report) -> None:
    state = classic.State()
    provider = load_recipe("classic", "classic")
    credentials = {"login": classic.LOGIN, "password": classic.PASSWORD}
    known = {number for number, *_ in classic.INVOICES}  # a routine sync: nothing new to download
    times: dict[str, list[float]] = {"logs in": [], "live session": []}
    logins: dict[str, int] = {"logs in": 0, "live session": 0}
    live = dataclasses.replace(browser_config(), profile_dir=tmp / "live-profile")
    with serve(slow_login(classic.create_app(state), 0.0 if quick else LOGIN_SECONDS)) as url:
        _collect(provider, url, tmp / "first", live, credentials, known_keys=known)  # the account's first sync
        for round_ in range(repeat):
            for side in (("logs in", "live session") if round_ % 2 == 0 else ("live session", "logs in")):
                config = live if side == "live session" else \
                    dataclasses.replace(browser_config(), profile_dir=tmp / f"fresh-{round_}")
                before = state.hits["login"]
                started = time.perf_counter()
                result = _collect(provider, url, tmp / f"l{round_}{side}", config, credentials, known_keys=known)
                times[side].append(time.perf_counter() - started)
                logins[side] += state.hits["login"] - before
                assert result.session_reused == (side == "live session")
    speedups = [a / b for a, b in zip(times["logs in"], times["live session"], strict=True)]
    for side in times:
        report.row(f"classic portal, sync that {side if side == 'logs in' else 'finds a ' + side}: wall time",
                   spread(times[side]))
        report.row(f"  login requests to the portal over {repeat} syncs ({side})", str(logins[side]))
    report.row("speed-up of a live session (paired per round)", spread(speedups, "×"))
    report.target("a sync with a live session ≥ 2× faster than one that logs in",
                  sorted(speedups)[len(speedups) // 2] >= 2.0)
    report.target("a sync with a live session sends 0 login requests", logins["live session"] == 0)


def run(args) -> Report:
    repeat = args.repeat or (1 if args.quick else 5)
    report = Report(7, "Stealth cost and live sessions",
                    f"{repeat} paired rounds each, the order alternating. Stealth: bench/recipes/bench.yaml on the "
                    "bench portal (5 pages × 20 invoices), stealth on vs off, after a warm-up round. Live session: "
                    "the classic fixture recipe (tests/portals/recipes/classic.yaml, a `login` step) on its portal, "
                    "every invoice already known (a routine sync), a fresh profile (logs in) vs the account's "
                    f"persistent profile (its session still open); the portal takes {LOGIN_SECONDS} s to log a user "
                    "in, as real portals' SSO logins do.")
    with tempfile.TemporaryDirectory(prefix="bench-stealth-") as tmp:
        stealth_cost(repeat, args.quick, Path(tmp), report)
        live_session(repeat, args.quick, Path(tmp), report)
    return report
