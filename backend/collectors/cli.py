"""`invoice-collector recipe …`: the recipe author's tools.

  recipe check [FILE…]       validate recipes; every problem as FILE:LINE:COL: message
  recipe run PROVIDER …      run one recipe once, without any delivery (see cli_run.py)
  recipe verify PROVIDER …   run it on your account and write a report for a bug report (cli_verify.py)
  recipe schema [--write]    the JSON Schema editors use (backend/collectors/recipe.schema.json)
  recipe docs [--write]      the reference of steps and filters (docs/recipes.md)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend import paths
from backend.collectors import cli_run, cli_verify


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "recipe", help="check, run and document provider recipes",
        description="Tools for writing provider recipes. Reference: docs/recipes.md "
                    "(or `invoice-collector recipe docs`).")
    parser.set_defaults(func=lambda args: _help(parser))
    actions = parser.add_subparsers(dest="recipe_command", metavar="ACTION")

    check = actions.add_parser(
        "check", help="validate recipe files",
        description="Validate recipe files and print every problem as FILE:LINE:COL: message. Without FILE: "
                    f"the bundled providers.yaml and the user folder ({paths.HOME_ENV} or the config dir)/"
                    "providers.d/*.yaml. The first file is the base catalog: later files may override its "
                    "providers by id. Exit status: 0 when everything is valid, 1 otherwise.")
    check.add_argument("files", nargs="*", metavar="FILE", type=Path,
                       help="recipe files to check (a folder: its *.yaml and *.yml files)")
    check.set_defaults(func=cmd_check)

    cli_run.register(actions)
    cli_verify.register(actions)

    schema = actions.add_parser("schema", help="print (or rewrite) the JSON Schema of recipe files",
                                description="Print the JSON Schema of recipe files; with --write, rewrite "
                                            "backend/collectors/recipe.schema.json.")
    schema.add_argument("--write", action="store_true", help="rewrite the shipped schema file")
    schema.set_defaults(func=cmd_schema)

    docs = actions.add_parser("docs", help="print (or rewrite) the recipe reference",
                              description="Print the recipe reference generated from the step and filter "
                                          "tables; with --write, rewrite docs/recipes.md.")
    docs.add_argument("--write", action="store_true", help="rewrite docs/recipes.md")
    docs.set_defaults(func=cmd_docs)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def cmd_check(args: argparse.Namespace) -> int:
    from backend.collectors.language.catalog import load_catalog, user_files
    files = [f for path in args.files for f in (user_files(path) if path.is_dir() else [path])]
    catalog = load_catalog(files=files if args.files else None)
    for error in catalog.errors:
        print(error)
    for provider_id, replaced in sorted(catalog.overridden.items()):
        source = catalog.providers[provider_id].source
        print(f"note: {source}: provider '{provider_id}' overrides the one at {replaced}", file=sys.stderr)
    file_count = len(catalog.files)
    count = len(catalog.providers)
    if catalog.errors:
        bad_files = len({e.file for e in catalog.errors})
        print(f"{len(catalog.errors)} error{'s' * (len(catalog.errors) != 1)} in {bad_files} of {file_count} file"
              f"{'s' * (file_count != 1)} ({count} valid provider{'s' * (count != 1)})")
        return 1
    print(f"OK: {count} provider{'s' * (count != 1)} in {file_count} file{'s' * (file_count != 1)}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from backend.collectors.language.schema import SCHEMA_FILE, schema_text
    text = schema_text()
    if args.write:
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_FILE}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from backend.collectors.language.docgen import DOCS_FILE, render
    text = render()
    if args.write:
        DOCS_FILE.parent.mkdir(parents=True, exist_ok=True)
        DOCS_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS_FILE}")
    else:
        sys.stdout.write(text)
    return 0
