"""`invoice-collector recipe …`: the recipe author's tools (check, run, schema, docs)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("recipe", help="check, run and document provider recipes")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
    parser.add_subparsers(dest="recipe_command", metavar="ACTION")
