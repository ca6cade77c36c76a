"""Run the benchmarks: print each one's figures and append them to docs/performance.md.

    python bench/run.py                      # all of them, a few minutes
    python bench/run.py engine download      # chosen ones
    python bench/run.py api --repeat 3       # more or fewer repeated runs
    python bench/run.py --quick              # tiny sizes, nothing recorded (the smoke test)

The server benchmarks (rest, api, accounts, growth) need a Secret Service keyring: this script
re-runs itself under a private dbus-run-session with an unlocked gnome-keyring, as scripts/test.sh
does (see bench/server.py). --label and --doc serve before/after runs from an older tree."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)  # run as a script: import bench.* and backend.* from the checkout
elif str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

import logging  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

from bench.common import DOC, command_line, machine, record  # noqa: E402
from bench.server import KEYRING_MARK, keyring_session_argv  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fixture portals log every request otherwise

BENCHMARKS = {
    "engine": "bench.engine_vs_script",
    "download": "bench.download_path",
    "rest": "bench.server_rest",
    "api": "bench.api_load",
    "accounts": "bench.many_accounts",
    "growth": "bench.growth",
    "stealth": "bench.stealth_session",
    "grid": "bench.grid_vs_local",
}
SERVER_BENCHMARKS = {"rest", "api", "accounts", "growth", "grid"}  # need a keyring


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"which benchmarks ({', '.join(BENCHMARKS)}); default: all")
    parser.add_argument("--repeat", type=int, default=None, help="repeated runs (default: per benchmark)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes to check the scripts run; records nothing")
    parser.add_argument("--no-record", action="store_true", help=f"print only, do not append to {DOC.name}")
    parser.add_argument("--label", default="", help="added to each section's title, e.g. 'before the fix'")
    parser.add_argument("--doc", type=Path, default=DOC, help=f"the file to append to (default {DOC})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark '{unknown[0]}': choose from {', '.join(BENCHMARKS)}")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    names = args.names or list(BENCHMARKS)
    if set(names) & SERVER_BENCHMARKS and not os.environ.get(KEYRING_MARK):
        # The server keeps secrets in a Secret Service keyring: run inside a private, unlocked one.
        argv = keyring_session_argv([sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])
        return subprocess.call(argv, env={**os.environ, "BENCH_COMMAND": command_line()})
    machine_line, command = machine(), os.environ.get("BENCH_COMMAND") or command_line()
    print(f"machine: {machine_line}", flush=True)
    failed = []
    for name in names:
        started, load_before = time.monotonic(), os.getloadavg()[0]
        print(f"\n== {name} ...", flush=True)
        try:
            report = importlib.import_module(BENCHMARKS[name]).run(args)
        except Exception as exc:  # noqa: BLE001 — one broken benchmark must not hide the others
            print(f"{name} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        # Other work on the machine skews every figure: say how busy it was.
        report.row("machine load average (1 min), before → after", f"{load_before:.1f} → {os.getloadavg()[0]:.1f}")
        print(report.text(), flush=True)
        print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
        if not (args.quick or args.no_record):
            if args.label:
                report.title += f" ({args.label})"
            record(report, command, machine_line, args.doc)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
