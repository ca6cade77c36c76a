"""`invoice-collector demo [--json]`: the whole job on the bundled demo portal and a local inbox."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="run the whole job on a bundled demo portal and a local inbox",
                                 description="Collects from the bundled demo portal, shows the non-retroactive "
                                             "rule, and delivers to a local SMTP server standing in for the "
                                             "Libeo inbox (each message is written as a .eml file). Uses its "
                                             "own home unless INVOICE_COLLECTOR_HOME is set.")
    demo.add_argument("--json", action="store_true", help='print only {"collected", "delivered", "baseline", "inbox"}')
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from backend.demo import walkthrough  # the demo portal and inbox load only for the demo
    return walkthrough.main(as_json=args.json, verbose=getattr(args, "verbose", False))
