"""« Diagnostiquer la recette »: when a provider's recipe ends RECIPE_BROKEN, the user runs it once more on
their own account — in a window they can act in, as `invoice-collector recipe verify` does — and gets a
report to attach to a bug report, with no secret and no personal data (collectors/verify_report.py).

Nothing is stored or sent: the invoices the check lists are counted, at most two PDFs are fetched (to see
that part works) into a folder removed at the end. The account's own state (last sync, next run, a block)
stays as it was: a check is not a sync. The report is kept under data/reports/ and served by
GET /api/jobs/<id>/report."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from backend import paths
from backend.collectors.model import BrowserConfig, Invoice, Provider, RunRequest, RunResult
from backend.collectors.verify_report import MAX_PDFS, build_report, write_report
from backend.core.clock import iso
from backend.redact import redact

if TYPE_CHECKING:
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.jobs")


def reports_dir() -> Path:
    return paths.data_dir() / "reports"


def run(services: Services, job_id: int, provider: Provider, credentials: dict[str, str],
        browser: BrowserConfig, ask_code, on_hand_over) -> None:
    wanted: list[str] = []

    def want_pdf(invoice: Invoice) -> bool:
        if len(wanted) < MAX_PDFS:
            wanted.append(invoice.key)
        return invoice.key in wanted
    folder = Path(tempfile.mkdtemp(prefix=f"check-{job_id}-", dir=paths.data_dir()))
    request = RunRequest(provider=provider, credentials=credentials, out_dir=folder, want_pdf=want_pdf,
                         url_overrides=services.url_overrides(provider.id), ask_code=ask_code,
                         on_hand_over=on_hand_over, on_invoice=lambda invoice: None, diagnose=True, browser=browser)
    try:
        result = services.runner(request)
    except Exception as exc:  # the check's outcome says it; nothing was stored
        log.exception("recipe check %s raised", job_id)
        result = RunResult("INTERNAL", f"{type(exc).__name__} during the recipe check")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    secrets = [credentials[f.name] for f in provider.credentials if f.secret and f.name in credentials]
    result.message = redact(result.message or "", secrets)
    report = build_report(provider, result)
    markdown, _ = write_report(report, reports_dir())
    finish(services, job_id, 0, result, markdown.name)


def finish(services: Services, job_id: int, account_id: int, result: RunResult, report: str | None = None) -> None:
    """Record the check's outcome on its job only (account_id: unused, the signature of collect.finish)."""
    with services.store.transaction() as conn:
        conn.execute("UPDATE jobs SET state = ?, finished_at = ?, outcome_code = ?, outcome_message = ?, "
                     "prompt = NULL, listed = ?, report = ? WHERE id = ?",
                     ("succeeded" if result.outcome == "OK" else "failed", iso(services.clock()), result.outcome,
                      result.message or None, result.listed if result.outcome == "OK" or result.listed else None,
                      report, job_id))


def report_of(services: Services, job_id: int) -> Path | None:
    """The Markdown report of a finished check, or None."""
    row = services.store.query_one("SELECT report FROM jobs WHERE id = ?", (job_id,))
    if row is None or not row["report"]:
        return None
    path = reports_dir() / Path(row["report"]).name  # a file name only, whatever the row says
    return path if path.is_file() else None
