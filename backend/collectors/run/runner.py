"""Run a provider's steps in Chromium and turn whatever happens into a RunResult."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    InvalidSelectorException,
    JavascriptException,
    NoSuchElementException,
    NoSuchFrameException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)

from backend import disk
from backend.collectors.model import BrowserConfig, CollectionError, RunRequest, RunResult
from backend.collectors.run import grid
from backend.collectors.run.browser import Browser, display_available, remote_lost
from backend.collectors.run.context import Context
from backend.collectors.run.devtools import ChallengeAnswerer, devtools_address
from backend.collectors.run.diagnosis import DOCUMENT_STATUS_JS, Diagnosis
from backend.collectors.run.responses import WAIT_FOR_RESPONSE_NEEDS, ResponseWatcher
from backend.collectors.run.trace import write_trace
from backend.collectors.steps import STEPS, walk_steps
from backend.collectors.steps.portal_data import watch_pattern
from backend.collectors.steps.registry import StepSpec, as_arguments
from backend.errors import CODES

log = logging.getLogger("invoice_collector.engine")


def step_call(step: Any) -> tuple[str, dict[str, Any]]:
    """Split `- click: "#go"` / `- fill: {locator: …, value: …}` into (name, kwargs). Every recipe
    was validated when the catalog loaded it (language/catalog.py), so the value is a mapping of
    arguments, nothing, or the short form of a step that has one."""
    (name, args), = step.items()
    return name, dict(as_arguments(STEPS[name], args) or {})


def run_steps(ctx: Context, steps: list[Any]) -> None:
    for step in steps:
        name, args = step_call(step)
        spec = STEPS[name]
        ctx.step_index += 1
        ctx.step_name = name
        ctx.step_line = step.pos.line if hasattr(step, "pos") else None
        kwargs = {}
        for key, value in args.items():  # validated: text only where a value, a locator or a regex goes
            kwargs[spec.args[key].param] = ctx.render(value) if isinstance(value, str) else value
        ctx.note(f"step {ctx.step_index} {name} (line {ctx.step_line})")
        ctx.progress()
        if ctx.diagnosis is None:
            run_step(ctx, spec, kwargs)
            continue
        seen, listed = ctx.diagnosis.step_started(ctx, spec, args), ctx.listed
        try:
            run_step(ctx, spec, kwargs)
        except Exception as exc:
            ctx.diagnosis.step_ended(ctx, seen, listed, classify(exc)[0])
            raise
        ctx.diagnosis.step_ended(ctx, seen, listed)


def run_step(ctx: Context, spec: StepSpec, kwargs: dict[str, Any]) -> None:
    spec.func(ctx, **kwargs)
    ctx.gate.page(ctx.current_url)  # wherever the step led (a redirect, a tab): a web page only
    if ctx.http_auth:
        ctx.http_auth.raise_if_refused()  # the browser met the refusal on its DevTools thread


def raise_failed_downloads(ctx: Context) -> None:
    """End the run DOWNLOAD_FAILED, pointing the trace at the step of the first failure."""
    key, message, ctx.step_index, ctx.step_line = ctx.failed_downloads[0]
    ctx.step_name = "invoices"
    more = len(ctx.failed_downloads) - 1
    raise CollectionError("DOWNLOAD_FAILED", message + (f" (and {more} more)" if more else ""))


def classify(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, CollectionError):
        return exc.code, exc.message
    if isinstance(exc, (NoSuchElementException, StaleElementReferenceException, NoSuchFrameException,
                        ElementNotInteractableException, ElementClickInterceptedException)):
        return "RECIPE_BROKEN", f"the page no longer matches the recipe ({type(exc).__name__})"
    if isinstance(exc, InvalidSelectorException) or (
            isinstance(exc, JavascriptException) and "is not a valid" in (exc.msg or "")):
        detail = (exc.msg or "").strip().splitlines()[0] if exc.msg else type(exc).__name__
        return "RECIPE_BROKEN", f"a locator is not valid CSS or XPath: {detail}"
    if isinstance(exc, TimeoutException):
        return "TIMEOUT", "the portal did not answer in time"
    if isinstance(exc, WebDriverException):
        text = str(exc)
        if "net::ERR_" in text:
            return "PROVIDER_DOWN", "the portal cannot be reached"
        return "INTERNAL", f"browser error: {exc.msg or type(exc).__name__}"
    if disk.is_disk_full(exc):
        folder = disk.where_full(exc)
        if folder:
            return "DISK_FULL", str(disk.full_message(folder))
        return "DISK_FULL", "no space left on the disk while saving an invoice"
    return "INTERNAL", f"{type(exc).__name__}: {exc}"


def server_error_page(ctx: Context) -> str | None:
    """A page the recipe does not recognise, served with a 5xx status, is the portal being down
    (a bare 503 from its proxy or load balancer), not a recipe to fix: say so, or None."""
    try:
        status, title = ctx.driver.execute_script(DOCUMENT_STATUS_JS)
        status = int(status or 0)
    except Exception:  # noqa: BLE001 — the browser may be what failed; keep the first diagnosis
        return None
    if status < 500:
        return None
    shown = " ".join(str(title or "").split())[:120]
    return ctx.redact(f"the portal answered HTTP {status}" + (f" ({shown})" if shown else ""))


def _steps_named(steps: list[Any], wanted: str) -> list[Any]:
    """The arguments of every step called `wanted`, nested ones included."""
    return [args for name, args in (next(iter(step.items())) for step in walk_steps(steps)) if name == wanted]


def downloads_in_browser(steps: list[Any]) -> bool:
    """Whether a recipe lets Chromium download PDFs (`invoices` with `download: browser`)."""
    return any(isinstance(args, dict) and args.get("download") == "browser" for args in _steps_named(steps, "invoices"))


def browser_for(request: RunRequest) -> BrowserConfig:
    """The request's browser, with what this recipe needs: inline PDFs as downloads for
    `download: browser`; for a `hand_over` in a sync someone attends, a real window kept
    off-screen until it is needed (a headless browser cannot be shown later)."""
    config = dataclasses.replace(request.browser, pdfs_as_downloads=downloads_in_browser(request.provider.steps))
    if (request.on_hand_over and not config.headed and not config.remote_url and display_available()
            and _steps_named(request.provider.steps, "hand_over")):
        config = dataclasses.replace(config, headed=True, hidden_window=True)
    return config


def _diagnosis(ctx: Context, browser: Browser, code: str, message: str) -> dict[str, Any] | None:
    """The report `recipe verify` asked for (request.diagnose), with the browser's version."""
    if ctx.diagnosis is None:
        return None
    version = str(browser.driver.capabilities.get("browserVersion") or "")
    return ctx.diagnosis.report(ctx, code, message) | {"browser": f"Chromium {version}".strip()}


def run_collection(request: RunRequest) -> RunResult:
    """Run one recipe once. Never raises for portal trouble: the outcome says what happened."""
    download_dir = Path(tempfile.mkdtemp(prefix="ic-downloads-"))
    ctx: Context | None = None
    try:
        try:
            browser = Browser(browser_for(request), download_dir)
        except CollectionError as exc:  # a Grid that gave no browser
            return RunResult(exc.code, exc.message)
        except WebDriverException as exc:
            return RunResult("INTERNAL", f"cannot start Chromium: {exc.msg or exc}")
        with browser, contextlib.ExitStack() as cleanup:
            ctx = Context(request, browser.driver, download_dir, step_runner=run_steps, window=browser.window)
            if request.diagnose:
                ctx.diagnosis = Diagnosis()
            try:
                if ctx.http_auth:
                    answerer = ChallengeAnswerer(devtools_address(browser.driver.capabilities,
                                                                  bool(browser.config.remote_url)), ctx.http_auth,
                                                 grid.websocket_header(browser.config.remote_url))
                    cleanup.callback(answerer.close)
                patterns = [watch_pattern(ctx, args["url"]) for args in _steps_named(request.provider.steps,
                                                                                     "wait_for_response")]
                if patterns:  # from the start: the answers a page fetches before the step runs count too
                    ctx.responses = ResponseWatcher(devtools_address(browser.driver.capabilities,
                                                                     bool(browser.config.remote_url),
                                                                     WAIT_FOR_RESPONSE_NEEDS), patterns, ctx.gate,
                                                    grid.websocket_header(browser.config.remote_url))
                    cleanup.callback(ctx.responses.close)
                run_steps(ctx, request.provider.steps)
                if request.provider.expect_invoices and not ctx.lists_read:
                    raise CollectionError("RECIPE_BROKEN", "the recipe never listed any invoice")
                if ctx.failed_downloads:
                    raise_failed_downloads(ctx)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                code, message = classify(exc)
                lost = remote_lost(exc, browser.config.remote_url) if browser.config.remote_url else None
                if lost:
                    code, message = "GRID_UNAVAILABLE", lost
                if ctx.http_auth and ctx.http_auth.refusal:  # what made the page or a download fail
                    code, message = "LOGIN_FAILED", ctx.http_auth.refusal
                if code == "RECIPE_BROKEN":
                    down = server_error_page(ctx)
                    if down:
                        code, message = "PROVIDER_DOWN", down
                message = ctx.redact(message)
                if code == "INTERNAL":
                    log.exception("engine error in %s", request.provider.id)
                trace = write_trace(ctx, request.trace_dir, code, message) if request.trace_dir else None
                return RunResult(code, message, ctx.invoices, ctx.listed, ctx.known, trace,
                                 ctx.step_index, ctx.step_line, diagnosis=_diagnosis(ctx, browser, code, message))
            return RunResult("OK", "", ctx.invoices, ctx.listed, ctx.known, session_reused=ctx.session_reused,
                             diagnosis=_diagnosis(ctx, browser, "OK", ""))
    finally:
        shutil.rmtree(download_dir, ignore_errors=True)


assert set(CODES)  # the runner only produces codes the panel knows
