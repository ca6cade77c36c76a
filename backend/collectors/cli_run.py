"""`invoice-collector recipe run PROVIDER --login LOGIN`: run one recipe once, no delivery.

Asks on the terminal for the password and any other secret or required credential field,
and for one-time codes while the run waits; saves PDFs into --out; prints the invoices (a
table, or JSON with --json); on failure prints the outcome, what to do, and the trace folder.
Progress lines go to stderr so that stdout stays clean for --json.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from backend import paths
from backend.collectors.exits import EXIT_CODES, EXIT_INVALID_RECIPE, EXIT_USAGE, exit_status_help
from backend.collectors.model import (
    BrowserConfig,
    CredentialField,
    HandOver,
    Invoice,
    Progress,
    Provider,
    RunRequest,
    RunResult,
)
from backend.errors import CODES


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not '{text}'")
    return name.strip(), value


def register(actions) -> None:
    run = actions.add_parser(
        "run", help="run one recipe once (no delivery) and list the invoices it finds",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one provider's recipe once, in headless Chromium unless --headed, and save the PDFs "
                    "it finds. Nothing is stored in the database and nothing is mailed.\n"
                    "The password and other secret fields are asked on the terminal (or read from stdin, "
                    "one per line, with --password-stdin); so are one-time codes.",
        epilog=exit_status_help())
    add_account_arguments(run)
    run.add_argument("--out", type=Path, default=Path("invoices"), help="folder for the PDFs (default: ./invoices)")
    run.add_argument("--trace", type=Path, help="folder for the trace of a failed run (default: the data folder's "
                                                "traces/)")
    run.add_argument("--headed", action="store_true", help="show the browser window")
    run.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    run.add_argument("--remote-url", help="a remote WebDriver / Selenium Grid URL instead of a local Chromium")
    run.add_argument("--state", type=Path, metavar="DIR",
                     help="remember the invoices found in DIR, as the server does: the next run with the same "
                          "DIR lists them as known and downloads only new ones")
    run.set_defaults(func=cmd_run)


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    """What says which recipe runs for which account, and with which browser (run and verify)."""
    parser.add_argument("provider", metavar="PROVIDER", help="provider id")
    parser.add_argument("--login", required=True, help="the account's login (the `login` credential field)")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password (then any other required secret, then one-time codes) from "
                             "stdin, one per line")
    parser.add_argument("--option", action="append", type=_pair, default=[], metavar="NAME=VALUE",
                        help="an account option of the provider (repeatable)")
    parser.add_argument("--url", action="append", type=_pair, default=[], metavar="NAME=URL",
                        help="point one of the recipe's `urls:` elsewhere, e.g. a local copy of the portal")
    parser.add_argument("--file", type=Path, help="take the provider from this recipe file instead of the catalog")
    parser.add_argument("--chrome", help="Chromium binary (default: $CHROME_BIN or /usr/bin/chromium)")
    parser.add_argument("--chromedriver", help="chromedriver (default: $CHROMEDRIVER or /usr/bin/chromedriver)")
    parser.add_argument("--profile", type=Path, help="a persistent browser profile folder (fewer 2FA prompts)")
    parser.add_argument("--step-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="default time a step waits for the page (default: 10)")


class Terminal:
    """Questions to the user: on the terminal, or line by line from stdin (--password-stdin)."""

    def __init__(self, from_stdin: bool, stdin=None, stderr=None):
        self.from_stdin = from_stdin
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr

    def _line(self, prompt: str) -> str | None:
        self.stderr.write(prompt)
        self.stderr.flush()
        line = self.stdin.readline()
        if not line:
            self.stderr.write("\n")
            return None
        return line.rstrip("\r\n")

    def secret(self, prompt: str) -> str | None:
        if self.from_stdin:
            return self._line(prompt)
        try:
            return getpass.getpass(prompt, stream=self.stderr)
        except EOFError:
            return None

    def text(self, prompt: str) -> str | None:
        return self._line(prompt)


def _login_field(provider: Provider) -> CredentialField | None:
    named = [f for f in provider.credentials if f.name == "login"]
    return next(iter(named or [f for f in provider.credentials if not f.secret]), None)


def _password_field(provider: Provider) -> CredentialField | None:
    named = [f for f in provider.credentials if f.name == "password"]
    return next(iter(named or [f for f in provider.credentials if f.type == "password"]), None)


def gather_credentials(provider: Provider, login: str, term: Terminal) -> dict[str, str]:
    """--login fills the login field; secret and required fields are asked, in recipe order."""
    login_field, password_field = _login_field(provider), _password_field(provider)
    values: dict[str, str] = {}
    if login_field:
        values[login_field.name] = login
    ordered = ([password_field] if password_field else []) + \
        [f for f in provider.credentials if f not in (login_field, password_field)]
    for item in ordered:
        if not (item.secret or item.required) or (term.from_stdin and not item.required):
            continue  # with --password-stdin, stdin lines are the required secrets, then the codes
        prompt = f"{item.label_en}{'' if item.required else ' (optional, Enter to skip)'}: "
        value = term.secret(prompt) if item.secret else term.text(prompt)
        if not value and item.required:
            raise UsageError(f"{item.label_en} ({item.name}) is required")
        values[item.name] = value or ""
    return values


class UsageError(Exception):
    pass


def _named(pairs: list[tuple[str, str]], known: list[str], what: str, provider: Provider) -> dict[str, str]:
    result = {}
    for name, value in pairs:
        if name not in known:
            listing = ", ".join(known) if known else "none"
            raise UsageError(f"{provider.id} has no {what} '{name}' (its {what}s: {listing})")
        result[name] = value
    return result


def _find_provider(args: argparse.Namespace) -> Provider:
    from backend.collectors.language.catalog import load_catalog
    from backend.collectors.language.schemaerrors import did_you_mean
    catalog = load_catalog(files=[args.file]) if args.file else load_catalog()
    provider = catalog.get(args.provider)
    own_errors = [e for e in catalog.errors if e.provider == args.provider]
    if provider is None and own_errors:
        for error in own_errors:
            print(error, file=sys.stderr)
        raise InvalidRecipe(f"the recipe of '{args.provider}' has errors: fix them, then run it again "
                            f"(`invoice-collector recipe check` lists every problem)")
    if provider is None:
        for error in catalog.errors:
            print(error, file=sys.stderr)
        known = ", ".join(sorted(catalog.providers)) or "none"
        raise UsageError(f"unknown provider '{args.provider}'{did_you_mean(args.provider, catalog.providers)}; "
                         f"known: {known}")
    return provider


class InvalidRecipe(Exception):
    pass


def _progress_printer(stream) -> Callable[[Progress], None]:
    last: list[Any] = [None]

    def show(progress: Progress) -> None:
        key = (progress.step_index, progress.message)
        if key == last[0]:
            return
        last[0] = key
        line = f" (line {progress.line})" if progress.line else ""
        detail = f": {progress.message}" if progress.message else ""
        print(f"  step {progress.step_index} {progress.step_name}{line}{detail}", file=stream, flush=True)
    return show


def prepare(args: argparse.Namespace, term: Terminal) -> tuple[Provider, dict[str, str], dict[str, str], dict[str, str]]:
    """The provider, its options, url overrides and credentials, asked on the terminal where
    needed; InvalidRecipe or UsageError when they cannot be had (recipe run and recipe verify)."""
    provider = _find_provider(args)
    options = _named(args.option, [o.name for o in provider.options], "option", provider)
    urls = _named(args.url, list(provider.urls), "url", provider)
    for option in provider.options:
        if option.required and option.name not in options and option.default is None:
            value = term.text(f"{option.label_en} ({option.name}): ")
            if not value:
                raise UsageError(f"the option {option.name} is required (--option {option.name}=VALUE)")
            options[option.name] = value
    return provider, options, urls, gather_credentials(provider, args.login, term)


def code_asker(term: Terminal) -> Callable[[str, str], str | None]:
    """One-time codes, asked on the terminal while the run waits."""
    def ask_code(prompt: str, kind: str) -> str | None:
        return term.text(f"{prompt} ({kind}): ")
    return ask_code


def announce_hand_over(wanted: HandOver | None) -> None:
    """The person at the terminal started this run: they can attend its window."""
    if wanted is not None:
        minutes = f"{wanted.timeout / 60:g}"
        print(f"the portal needs you: {wanted.message_en}\n  do it in the Chromium window just shown; the run "
              f"goes on by itself (waiting up to {minutes} min)", file=sys.stderr, flush=True)


def prepared(args: argparse.Namespace, term: Terminal) -> tuple[Provider, dict, dict, dict] | int:
    """prepare(), or the exit status once the user is told why it cannot be (run and verify)."""
    try:
        return prepare(args, term)
    except InvalidRecipe as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID_RECIPE
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def cmd_run(args: argparse.Namespace) -> int:
    term = Terminal(args.password_stdin)
    ready = prepared(args, term)
    if isinstance(ready, int):
        return ready
    provider, options, urls, credentials = ready

    def saved(invoice: Invoice) -> None:
        print(f"  saved {invoice.key} -> {invoice.pdf_path}", file=sys.stderr, flush=True)

    state = KnownInvoices(args.state, provider.id, args.login) if args.state else None
    request = RunRequest(
        provider=provider, credentials=credentials, out_dir=args.out.resolve(), options=options, url_overrides=urls,
        known_keys=state.keys() if state else set(),
        trace_dir=(args.trace or paths.traces_dir()).resolve(), ask_code=code_asker(term),
        on_hand_over=announce_hand_over, on_progress=_progress_printer(sys.stderr), on_invoice=saved,
        default_step_timeout=args.step_timeout,
        browser=BrowserConfig(chrome_binary=args.chrome, chromedriver=args.chromedriver, headed=args.headed,
                              remote_url=args.remote_url, profile_dir=args.profile))
    from backend.collectors.run.runner import run_collection
    print(f"running {provider.id} ({provider.name}) from {provider.source}", file=sys.stderr, flush=True)
    result = run_collection(request)
    if state:
        state.add(invoice.key for invoice in result.invoices)  # what was found, even by a failed run
    status = EXIT_CODES.get(result.outcome, EXIT_CODES["INTERNAL"])
    if args.json:
        print(json.dumps(result_json(provider, result, status), indent=2, ensure_ascii=False))
    elif result.ok or result.invoices:  # a failed run's outcome says what happened, not "no new invoice"
        print(invoice_table(result.invoices))
    report_outcome(result, sys.stderr if args.json else sys.stdout)
    return status


class KnownInvoices:
    """`recipe run --state DIR`: the invoice keys found so far, per provider and login, in
    DIR/known-invoices.json (written whole, then renamed: a crash leaves the previous file)."""

    def __init__(self, folder: Path, provider: str, login: str):
        self.path = folder / "known-invoices.json"
        self.slot = f"{provider}|{login}"

    def _all(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def keys(self) -> set[str]:
        return set(self._all().get(self.slot, []))

    def add(self, keys: Iterable[str]) -> None:
        data = self._all()
        data[self.slot] = sorted(set(data.get(self.slot, [])) | set(keys))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".part")
        partial.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)


def result_json(provider: Provider, result: RunResult, status: int) -> dict[str, Any]:
    return {"provider": provider.id, "outcome": result.outcome, "message": result.message, "exit_status": status,
            "listed": result.listed, "known": result.known, "invoices": [i.to_json() for i in result.invoices],
            "trace": str(result.trace_path) if result.trace_path else None,
            "failed_step": result.failed_step, "failed_line": result.failed_line}


def invoice_table(invoices: list[Invoice]) -> str:
    if not invoices:
        return "no new invoice"
    head = ("ID", "NUMBER", "DATE", "DUE", "AMOUNT", "CUR", "PDF")
    rows = [(i.key, i.number or "", i.date.isoformat() if i.date else "", i.due_date.isoformat() if i.due_date else "",
             str(i.amount) if i.amount is not None else "", i.currency or "", str(i.pdf_path or "")) for i in invoices]
    widths = [max(len(r[c]) for r in rows + [head]) for c in range(len(head))]
    lines = ["  ".join(cell.rjust(w) if c == 4 else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True)))
             .rstrip() for row in [head] + rows]
    return "\n".join(lines)


def report_outcome(result: RunResult, stream) -> None:
    counts = f"{len(result.invoices)} new, {result.known} known, {result.listed} listed"
    if result.ok:
        print(f"OK: {counts}", file=stream)
        return
    where = f" at step {result.failed_step}" if result.failed_step else ""
    where += f" (line {result.failed_line})" if result.failed_line else ""
    print(f"{result.outcome}{where}: {result.message}", file=stream)
    print(f"  {CODES[result.outcome].en}" if result.outcome in CODES else "", file=stream)
    if result.trace_path:
        print(f"  trace: {result.trace_path}", file=stream)
    print(f"  ({counts})", file=stream)
