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
import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from backend import __version__, paths
from backend.collectors.cli_run import (
    Terminal,
    _progress_printer,
    add_account_arguments,
    announce_hand_over,
    code_asker,
    prepared,
)
from backend.collectors.exits import EXIT_CODES, EXIT_USAGE, exit_status_help
from backend.collectors.model import BrowserConfig, Invoice, Provider, RunRequest, RunResult
from backend.errors import CODES

MAX_PDFS = 2


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


def recipe_digest(provider: Provider) -> str:
    """sha256 of the recipe's steps as loaded: two reports of the same recipe version share it."""
    return hashlib.sha256(json.dumps(provider.steps, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def build_report(provider: Provider, result: RunResult) -> dict[str, Any]:
    from backend.collectors.language.trust import fingerprint
    seen = result.diagnosis or {}
    source = provider.source
    return {
        "report": "invoice-collector recipe verify", "format": 1,
        "date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "invoice_collector": __version__, "browser": seen.get("browser", ""),
        "provider": {"id": provider.id, "name": provider.name, "status": provider.status, "local": provider.local,
                     "recipe_file": Path(source.file).name if source else None,
                     "recipe_line": source.line if source else None,
                     "recipe_sha256": recipe_digest(provider), "fingerprint": fingerprint(provider)},
        "outcome": result.outcome, "message": seen.get("message", ""),
        "failed_step": result.failed_step, "failed_line": result.failed_line,
        "invoices": seen.get("invoices", {}), "steps": seen.get("steps", []), "pages": seen.get("pages", []),
        "http_statuses": seen.get("http_statuses", []),
    }


def write_report(report: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = folder / f"verify-{report['provider']['id']}-{stamp}"
    data, markdown = base.with_suffix(".json"), base.with_suffix(".md")
    data.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown.write_text(report_markdown(report), encoding="utf-8")
    return markdown, data


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict[str, Any]) -> str:
    recipe, invoices = report["provider"], report["invoices"]
    outcome = report["outcome"]
    where = f" at step {report['failed_step']} (line {report['failed_line']})" if report["failed_step"] else ""
    lines = [f"# Recipe check: {recipe['name']} (`{recipe['id']}`)", "",
             f"**{outcome}**{where}" + (f": {report['message']}" if report["message"] else ""),
             *(["", f"> {CODES[outcome].en}"] if outcome in CODES else []), "",
             "| | |", "|---|---|",
             f"| date | {report['date']} |", f"| invoice-collector | {report['invoice_collector']} |",
             f"| browser | {_cell(report['browser'])} |",
             f"| recipe | {_cell(recipe['recipe_file'])}:{recipe['recipe_line']} ({recipe['status']}"
             f"{', local' if recipe['local'] else ''}) |",
             f"| recipe sha256 | `{recipe['recipe_sha256'][:16]}` |", f"| fingerprint | `{recipe['fingerprint'][:16]}` |",
             f"| invoices | {invoices.get('listed', 0)} listed, {invoices.get('known', 0)} known, "
             f"{invoices.get('pdfs_saved', 0)} PDFs downloaded (at most {MAX_PDFS}) |", "",
             "## Steps", "", "| Step | Line | Name | Outcome | States met | Invoices listed | Locators that find "
             "nothing |", "|---|---|---|---|---|---|---|"]
    for step in report["steps"]:
        missing = ", ".join(f"`{_cell(loc)}`" for loc in step["missing_locators"])
        listed = "" if step["invoices_listed"] is None else step["invoices_listed"]
        states = ", ".join(_cell(state) for state in step["states"])
        lines.append(f"| {step['index']} | {_cell(step['line'])} | `{step['name']}` | {step['outcome']} | {states} "
                     f"| {listed} | {missing} |")
    lines += ["", "## Pages", "", "| After step | Origin | HTTP | Title (masked) |", "|---|---|---|---|"]
    lines += [f"| {page['after_step']} | {_cell(page['origin'])} | {page['status'] or ''} | {_cell(page['title'])} |"
              for page in report["pages"]]
    if report["http_statuses"]:
        lines += ["", "## HTTP statuses of the recipe's requests and the answers it read", "",
                  ", ".join(f"step {s['step']}: {s['status']}" for s in report["http_statuses"])]
    lines += ["", "Masked (•): the account's credentials and options, what the recipe read from the portal, "
                  "e-mail addresses and numbers; in titles, also the capitalised words that are neither common "
                  "words of portal titles nor the recipe's own (a name). Read it before you attach it.", ""]
    return "\n".join(lines)
