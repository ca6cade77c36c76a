"""Test runs of a recipe draft recorded in the panel, before it is saved.

A trial is a sync without an account: the same RunRequest, run by the same runner as every job
(services.runner: the engine in its child process, headless), with the credentials the user
typed once in the panel. They live in this object's memory for the run and are dropped when it
ends: never written to the keyring, the database, a trace or a log line. Nothing it collects is
kept either: its PDFs go to a throwaway folder, and only each invoice's number, date and amount
come back, for the user to see that the recipe finds them.

One trial runs at a time (a person records one recipe at a time; a second browser would only
compete for the machine's two cores), and the last few are remembered for the panel's polling."""

from __future__ import annotations

import itertools
import logging
import shutil
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend import paths
from backend.collectors.model import BrowserConfig, Invoice, Progress, RunRequest, RunResult
from backend.i18n import say
from backend.redact import redact
from backend.server.errors import ApiError
from backend.server.jobs import CodeSlot, answer_slot

if TYPE_CHECKING:
    from backend.collectors.model import Provider
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.jobs")
KEPT_TRIALS = 5
TRIAL_TIMEOUT = 300.0  # a draft that has not listed its invoices in 5 minutes will not


@dataclass
class Trial:
    id: int
    provider_id: str
    state: str = "running"  # running ⇄ waiting_for_code → succeeded | failed
    prompt: dict[str, str] | None = None  # while waiting_for_code: what the portal asks for
    listed: int = 0
    invoices: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "provider": self.provider_id, "state": self.state, "prompt": self.prompt,
                "listed": self.listed,
                "invoices": list(self.invoices), "outcome": self.outcome, "message": self.message}


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    """What the panel shows of an invoice a trial found: never its file or its address."""
    return {"id": invoice.key, "number": invoice.number or invoice.key,
            "date": invoice.date.isoformat() if invoice.date else None,
            "amount": str(invoice.amount) if invoice.amount is not None else None,
            "currency": invoice.currency, "pdf": bool(invoice.pdf_path)}


class DraftTrials:
    def __init__(self, services: Services):
        self.services = services
        self._lock = threading.Lock()
        self._trials: dict[int, Trial] = {}
        self._codes: dict[int, CodeSlot] = {}  # a trial waiting for a one-time code: where the panel's goes
        self._ids = itertools.count(1)

    def get(self, trial_id: int) -> Trial | None:
        with self._lock:
            return self._trials.get(trial_id)

    def start(self, provider: Provider, credentials: dict[str, str]) -> Trial:
        with self._lock:
            if any(t.state in ("running", "waiting_for_code") for t in self._trials.values()):
                raise ApiError(409, say("a test run of a recipe is already under way: wait for its end",
                                        "un essai de recette est déjà en cours : attendez sa fin"),
                               code="CONFLICT")
            trial = Trial(next(self._ids), provider.id)
            self._trials[trial.id] = trial
            for old in sorted(self._trials)[:-KEPT_TRIALS]:
                del self._trials[old]
        threading.Thread(target=self._run, args=(trial, provider, credentials), name=f"ic-trial-{trial.id}",
                         daemon=True).start()
        return trial

    def answer_code(self, trial_id: int, code: str) -> None:
        with self._lock:
            answer_slot(self._codes.get(trial_id), code, say(
                "this test run is not waiting for a code (it may have ended)",
                "cet essai n'attend pas de code (il est peut-être fini)"))

    def _asker(self, trial: Trial):
        """Like a sync's (jobs.py): the run waits, the panel shows the prompt and posts the code."""
        def ask_code(prompt: str, kind: str) -> str | None:
            slot = CodeSlot()
            with self._lock:
                self._codes[trial.id] = slot
                trial.state, trial.prompt = "waiting_for_code", {"text": prompt, "kind": kind}
            slot.answered.wait(self.services.jobs.code_timeout)
            with self._lock:
                self._codes.pop(trial.id, None)
                trial.state, trial.prompt = "running", None
            return slot.code
        return ask_code

    def _run(self, trial: Trial, provider: Provider, credentials: dict[str, str]) -> None:
        out_dir = paths.data_dir() / "tmp" / f"trial-{trial.id}"

        def on_invoice(invoice: Invoice) -> None:
            with self._lock:
                trial.invoices.append(invoice_summary(invoice))
            if invoice.pdf_path:
                invoice.pdf_path.unlink(missing_ok=True)  # a trial keeps nothing

        def on_progress(progress: Progress) -> None:
            with self._lock:
                trial.listed = max(trial.listed, progress.listed)

        settings = self.services.settings
        request = RunRequest(
            provider=provider, credentials=credentials, out_dir=out_dir, on_invoice=on_invoice,
            on_progress=on_progress, ask_code=self._asker(trial), run_timeout=TRIAL_TIMEOUT,
            # A fresh profile each time: what the recipe does from a logged-out browser is what is tried.
            browser=BrowserConfig(chrome_binary=settings.chrome_binary, chromedriver=settings.chromedriver,
                                  remote_url=settings.remote_webdriver_url))
        try:
            result = self.services.runner(request)
        except Exception as exc:  # told to the panel as the trial's outcome
            log.exception("test run of a recipe draft raised")
            result = RunResult("INTERNAL", f"{type(exc).__name__} during the test run")
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)
        secrets = [credentials[f.name] for f in provider.credentials if f.secret and f.name in credentials]
        credentials.clear()  # the run is over: nothing needs them any more
        with self._lock:
            trial.outcome = result.outcome
            trial.message = redact(result.message or "", secrets) or None
            trial.listed = max(trial.listed, result.listed)
            trial.state = "succeeded" if result.ok else "failed"
        log.info("test run %s of a recipe draft (%s): %s, %d invoices listed", trial.id, provider.id,
                 result.outcome, trial.listed)
