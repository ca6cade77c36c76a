"""Login-time entry point for starts that capture no output (XDG autostart, Windows Run key).

`python -m backend.autostart.launch [--home DIR]` sets INVOICE_COLLECTOR_HOME (the Run key has no
way to set environment variables), sends stdout/stderr to server-output.log in the log dir (pythonw
has no console at all: start-up errors would vanish), then runs `invoice-collector serve`."""

from __future__ import annotations

import argparse
import os
import sys

MAX_LOG_BYTES = 5 * 1024 * 1024
OUTPUT_LOG = "server-output.log"  # what the server prints; its own log is invoice-collector.log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.autostart.launch")
    parser.add_argument("--home", help="INVOICE_COLLECTOR_HOME for the server")
    args = parser.parse_args(argv)
    if args.home:
        os.environ["INVOICE_COLLECTOR_HOME"] = args.home
    from backend import paths  # after the environment is set: paths read it
    from backend.cli import main as cli_main
    log_file = paths.log_dir() / OUTPUT_LOG
    if log_file.exists() and log_file.stat().st_size > MAX_LOG_BYTES:
        os.replace(log_file, log_file.with_suffix(".log.1"))  # keep one old file, bounded size
    with open(log_file, "a", encoding="utf-8", buffering=1) as log:
        sys.stdout = sys.stderr = log
        return cli_main(["serve"])


if __name__ == "__main__":
    raise SystemExit(main())
