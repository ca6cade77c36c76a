"""The report of a recipe check (`recipe verify`, and « Diagnostiquer » in the panel): what a run met, with no
secret and no personal data (run/diagnosis.py masked what the page showed), as JSON for tools and Markdown to
read and attach to a bug report. Nothing here runs a browser: the server writes it too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from backend import __version__
from backend.collectors.model import Provider, RunResult
from backend.errors import CODES

MAX_PDFS = 2  # a check downloads this many PDFs at most: enough to see that the PDF part works


def recipe_digest(provider: Provider) -> str:
    """sha256 of the recipe's steps as loaded: two reports of the same recipe version share it."""
    return hashlib.sha256(json.dumps(provider.steps, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def build_report(provider: Provider, result: RunResult) -> dict[str, Any]:
    seen = result.diagnosis or {}
    source = provider.source
    return {
        "report": "invoice-collector recipe verify", "format": 1,
        "date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "invoice_collector": __version__, "browser": seen.get("browser", ""),
        "provider": {"id": provider.id, "name": provider.name, "status": provider.status, "local": provider.local,
                     "recipe_file": Path(source.file).name if source else None,
                     "recipe_line": source.line if source else None,
                     "recipe_sha256": recipe_digest(provider), "fingerprint": provider.trust.get("fingerprint", "")},
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
