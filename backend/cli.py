"""`invoice-collector` command line. Each feature module registers its own sub-commands."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from backend import __version__
from backend.redact import mask_logs

# Each module has register(subparsers): it adds its commands and sets `func` on them.
COMMAND_MODULES = [
    "backend.collectors.cli",
    "backend.autostart",
    "backend.native_host.cli",
    "backend.doctor",
    "backend.server.cli",
    "backend.delivery.cli",
    "backend.demo.cli",
    "backend.onboarding",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoice-collector",
        description="Collect supplier invoices from provider portals and send them to Libeo.")
    parser.add_argument("--version", action="version", version=f"invoice-collector {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    mask_logs()  # -v shows Selenium's and urllib3's debug lines: never a secret in them
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
