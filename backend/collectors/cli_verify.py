"""`invoice-collector recipe verify PROVIDER --login LOGIN`: run a provider's recipe once on your
own account, in a Chromium window you can act in (a captcha, a code: the recipe's hand-over
steps show it to you), and write a report to attach to a bug report about the recipe.

The report (Markdown to read, JSON for tools) holds no secret and no personal data: which steps
ran and how each ended, the locators of a failed step that find nothing on its page (the
recipe's own text), page titles (masked: run/diagnosis.py), HTTP statuses, how many invoices each
list read, the outcome, the browser's version and the recipe's fingerprint. Nothing is stored or
mailed; at most MAX_PDFS PDFs are downloaded (to check that part works), into a folder removed
at the end."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from backend import paths
from backend.collectors.cli_run import (
    Terminal,
    _progress_printer,
    add_account_arguments,
    announce_hand_over,
    code_asker,
    prepared,
)
from backend.collectors.exits import EXIT_CODES, EXIT_USAGE, exit_status_help
from backend.collectors.model import BrowserConfig, Invoice, RunRequest
from backend.collectors.verify_report import MAX_PDFS, build_report, write_report


def register(actions) -> None:
    verify = actions.add_parser(
        "verify", help="run a recipe on your account and write a report for a bug report (no personal data)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one provider's recipe once on your real account, in a Chromium window (when the portal "
                    "asks for a captcha or a confirmation, the recipe hands the window to you), then write a "
                    "report of what the recipe met: steps, missing locators, page titles (masked), HTTP statuses, "
                    "counts. It holds no password, login, invoice number, amount or name: attach it to a bug "
                    "report. Nothing is stored or mailed; at most two PDFs are downloaded, then deleted.\n"
                    "The password and other secret fields are asked on the terminal (or read from stdin, "
                    "one per line, with --password-stdin); so are one-time codes.",
        epilog=exit_status_help())
    add_account_arguments(verify)
    verify.add_argument("--report", type=Path, metavar="DIR",
                        help="folder for the report (default: the data folder's reports/)")
    verify.add_argument("--headless", action="store_true",
                        help="no window (a machine without a screen): a step that needs you ends the run")
    verify.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from backend.collectors.run.browser import display_available
    if not args.headless and not display_available():
        print("error: recipe verify shows a Chromium window, and this session has no screen (DISPLAY is not "
              "set): run it from your desktop session, or add --headless", file=sys.stderr)
        return EXIT_USAGE
    term = Terminal(args.password_stdin)
    ready = prepared(args, term)
    if isinstance(ready, int):
        return ready
    provider, options, urls, credentials = ready
    wanted: list[str] = []

    def want_pdf(invoice: Invoice) -> bool:  # the first few: enough to see that PDFs come
        if len(wanted) < MAX_PDFS:
            wanted.append(invoice.key)
        return invoice.key in wanted

    from backend.collectors.run.runner import run_collection
    print(f"verifying {provider.id} ({provider.name}) from {provider.source}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="ic-verify-") as pdfs:
        result = run_collection(RunRequest(
            provider=provider, credentials=credentials, out_dir=Path(pdfs), options=options, url_overrides=urls,
            want_pdf=want_pdf, ask_code=code_asker(term), on_hand_over=announce_hand_over,
            on_progress=_progress_printer(sys.stderr), default_step_timeout=args.step_timeout, diagnose=True,
            browser=BrowserConfig(chrome_binary=args.chrome, chromedriver=args.chromedriver,
                                  headed=not args.headless, profile_dir=args.profile)))
    report = build_report(provider, result)
    folder = (args.report or paths.data_dir() / "reports").resolve()
    markdown, data = write_report(report, folder)
    print(f"{result.outcome}: report written to {markdown} (and {data.name}); read it, then attach it to your "
          "bug report")
    return EXIT_CODES.get(result.outcome, EXIT_CODES["INTERNAL"])
