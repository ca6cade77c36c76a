"""What a running recipe sees: the browser, its variables, its secrets, its invoices."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from selenium.common.exceptions import (
    InvalidSelectorException,
    NoSuchFrameException,
    NoSuchShadowRootException,
    StaleElementReferenceException,
    TimeoutException,
    UnexpectedAlertPresentException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from backend.collectors.model import TEMPLATE, CollectionError, Invoice, Progress, RunRequest
from backend.collectors.patterns import PatternError, compile_pattern
from backend.collectors.run.httpauth import HttpAuth
from backend.collectors.run.locators import SHADOW_STEP, alternatives, describe_locator, parse_locator
from backend.collectors.run.origins import OriginGate, declared_origins, origin_of
from backend.redact import redact, remember

if TYPE_CHECKING:
    import requests

    from backend.collectors.run.diagnosis import Diagnosis
    from backend.collectors.run.responses import ResponseWatcher

def page_changed(exc: WebDriverException) -> bool:
    """chromedriver's words for an element whose document was just replaced (a navigation raced
    the command): a stale element under another name."""
    return isinstance(exc, StaleElementReferenceException) or "does not belong to the document" in (exc.msg or "")


@dataclass
class StepLog:
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, text: str) -> None:
        self.lines.append(f"[{time.monotonic() - self.started:7.2f}s] {text}")


StepRunner = Callable[["Context", list[Any]], None]


class Context:
    def __init__(self, request: RunRequest, driver: WebDriver, download_dir, step_runner: StepRunner | None = None,
                 window: Any = None):
        self.request = request
        self.provider = request.provider
        self.driver = driver
        self.download_dir = download_dir
        self.vars: dict[str, Any] = {}
        self.item: dict[str, Any] | None = None  # the current item inside a loop
        self.secrets: set[str] = {v for f in request.provider.credentials
                                  if f.secret and (v := request.credentials.get(f.name))}
        self.log = StepLog()
        self.invoices: list[Invoice] = []
        self.listed_keys: set[str] = set()  # distinct invoices seen on the portal
        self.browser_downloads = 0  # one download folder each (download: browser)
        self.lists_read = 0  # `invoices` steps completed
        self.known = 0
        # (invoice key, message, step index, YAML line): a bad PDF does not stop the others
        self.failed_downloads: list[tuple[str, str, int, int | None]] = []
        self.step_index = 0
        self.step_name = ""
        self.step_line: int | None = None
        self.deadline = time.monotonic() + request.run_timeout
        self.main_window: str | None = None  # steps/navigation.py: the first tab, once a step switches tabs
        self.session_reused = False  # a `login` step found the profile still logged in
        self.step_runner = step_runner  # the runner's own loop, for steps that hold steps
        remember(*self.secrets)  # backend/redact.py: masked in every log line of this process
        urls = dict(request.provider.urls) | dict(request.url_overrides)
        self.gate = OriginGate(declared_origins(request.provider.homepage, urls, request.provider.origins),
                               self.secrets)  # run/origins.py: where the secrets may go
        self.window = window  # run/browser.Window: what a hand-over shows the user (None: nothing to show)
        self.diagnosis: Diagnosis | None = None  # run/diagnosis.py: what `recipe verify` reports
        self.responses: ResponseWatcher | None = None  # run/responses.py: the portal's own answers, when watched
        self.http_session: requests.Session | None = None  # run/session.py: the browser's cookies
        self.pdf_sync: tuple[float, str] | None = None  # run/download.py: (when, Referer) of the last cookie copy
        self._on_one_page = False  # inside on_one_page's check
        self._alternatives_used: set[tuple[tuple[str, ...], int]] = set()  # noted in the step log once each
        self.http_auth = self._http_auth()  # run/httpauth.py: the site's own login prompt, if the recipe has one

    def _http_auth(self) -> HttpAuth | None:
        spec = self.provider.http_auth
        if not spec:
            return None
        password = str(self.render(spec["password"]))
        self.add_secret(password)
        origins = [origin_of(value) or value for value in map(self.render, spec.get("origins") or self.gate.origins)]
        return HttpAuth(str(self.render(spec["username"])), password, self.gate, origins, self.note)

    def run_steps(self, steps: list[Any]) -> None:
        """Run nested steps (`if`, `for_each`, `invoices.detail`) with the runner that runs this
        recipe: the steps that nest never import the runner, which imports every step."""
        if self.step_runner is None:
            raise RuntimeError("this context was made without a step runner")
        self.step_runner(self, steps)

    # ---- secrets -------------------------------------------------------------------------
    def add_secret(self, value: str) -> None:
        if value:
            self.secrets.add(value)
            remember(value)

    @property
    def listed(self) -> int:
        return len(self.listed_keys)

    def redact(self, text: str) -> str:
        """Mask every secret, also as a page or a URL would spell it (&amp;, %26, \\u0026…)."""
        return redact(text, self.secrets)

    def note(self, text: str) -> None:
        self.log.add(self.redact(text))

    # ---- templates -----------------------------------------------------------------------
    def namespace(self) -> dict[str, Any]:
        # Declared fields the caller left out (an optional TOTP key…) read as empty, not as an error.
        creds = {f.name: "" for f in self.provider.credentials} | dict(self.request.credentials)
        options = {o.name: o.default or "" for o in self.provider.options}
        options.update(self.request.options)
        urls = dict(self.provider.urls) | dict(self.request.url_overrides)
        names: dict[str, Any] = {}
        names.update(self.vars)
        names.update(creds)
        names.update({"credentials": creds, "options": options, "urls": urls, "vars": self.vars})
        if self.item is not None:
            names["item"] = self.item
        return names

    def render(self, value: Any) -> Any:
        """Fill {{ name }} / {{ a.b }} / {{ x | url }} placeholders; leaves non-strings alone."""
        if not isinstance(value, str) or "{{" not in value:
            return value
        names = self.namespace()

        def lookup(match: re.Match[str]) -> str:
            path, filt = match.group(1), match.group(2)
            current: Any = names
            for part in path.split("."):
                if isinstance(current, dict) and part in current:
                    current = current[part]
                elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
                    current = current[int(part)]
                else:
                    raise CollectionError("RECIPE_BROKEN", f"template value '{path}' is not defined")
            text = "" if current is None else str(current)
            if filt == "url":
                return urllib.parse.quote(text, safe="")
            if filt == "json":
                return json.dumps(current)
            if filt:
                raise CollectionError("RECIPE_BROKEN", f"unknown template filter '{filt}'")
            return text

        return TEMPLATE.sub(lookup, value)

    def render_tree(self, value: Any) -> Any:
        """render() on every text of a JSON-like value (a request body, headers)."""
        if isinstance(value, dict):
            return {k: self.render_tree(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_tree(v) for v in value]
        return self.render(value)

    # ---- time ----------------------------------------------------------------------------
    def timeout(self, value: float | None) -> float:
        wanted = self.request.default_step_timeout if value is None else float(value)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CollectionError("TIMEOUT", "the collection took longer than its time limit")
        return max(0.1, min(wanted, left))

    @property
    def current_url(self) -> str:
        """The page's URL; chromedriver answers null while a navigation or an alert is under
        way, and a regular expression or a Referer cannot take None."""
        return self.alert_safe(lambda: self.driver.current_url) or ""

    def alert_noted(self, exc: UnexpectedAlertPresentException) -> None:
        self.note(f"the page showed an alert, accepted: {exc.alert_text or ''}")

    def alert_safe(self, call: Callable[[], Any]) -> Any:
        """Run a read-only browser call again when a page's alert() interrupted it (Chromium
        accepts the alert before the next command; see browser.py)."""
        for _ in range(3):
            try:
                return call()
            except UnexpectedAlertPresentException as exc:
                self.alert_noted(exc)
        return call()

    def wait_until(self, condition: Callable[[WebDriver], Any], timeout: float | None,
                   what: str, code: str = "RECIPE_BROKEN") -> Any:
        """Poll until condition(driver) is truthy; a miss raises `code` naming what was awaited."""
        def check(driver: WebDriver) -> Any:
            try:
                return condition(driver)
            except UnexpectedAlertPresentException as exc:  # an alert() opened mid-check: look again
                self.alert_noted(exc)
                return False
            except TimeoutException as exc:  # chromedriver's own limit, not this wait's: the page hangs
                raise CollectionError("TIMEOUT", f"the page stopped responding while waiting for {what}") from exc
            except WebDriverException as exc:
                if not page_changed(exc):
                    raise
                return False  # an element of the document being replaced: look again in the new one
        try:
            # An element that goes stale mid-check means the page is still changing: look again.
            return WebDriverWait(self.driver, self.timeout(timeout), poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(check)
        except TimeoutException:
            if time.monotonic() >= self.deadline:
                raise CollectionError("TIMEOUT", f"time limit reached while waiting for {what}") from None
            raise CollectionError(code, f"gave up waiting for {what}") from None

    def on_one_page(self, check: Callable[[], Any]) -> Any:
        """check(), seen on one parsed document. Conditions are read one command at a time; a
        form's answer can replace the page between two of them, and an old page's "no captcha"
        read with the new page's "error banner" ends a run as the wrong outcome. A page still
        being parsed, or replaced during the check, counts as no answer yet."""
        try:
            root, state = self.driver.execute_script("return [document.documentElement, document.readyState]")
        except NoSuchFrameException:
            return check()  # the frame we were in is gone: no document to hold on to
        if state == "loading":
            return False
        nested, self._on_one_page = self._on_one_page, True  # the check's own looks need no document of their own
        try:
            answer = check()
        finally:
            self._on_one_page = nested
        try:
            if answer and not self.driver.execute_script("return document.documentElement === arguments[0]", root):
                return False
        except WebDriverException as exc:
            if not page_changed(exc):
                raise
            return False  # the document we started from is gone
        return answer

    def wait_for_state(self, check: Callable[[], Any], timeout: float | None, what: str) -> Any:
        """wait_until for a page state (conditions, cases): each look sees one document."""
        return self.wait_until(lambda driver: self.on_one_page(check), timeout, what)

    def pattern(self, pattern: str, what: str) -> Any:
        """A recipe's regular expression, compiled (RE2: linear time), or RECIPE_BROKEN naming it."""
        try:
            return compile_pattern(pattern)
        except PatternError as exc:
            raise CollectionError("RECIPE_BROKEN", f"{what}: '{pattern}': {exc}") from None

    # ---- elements ------------------------------------------------------------------------
    def find_all(self, locator: str | list[str], root: Any = None) -> list[WebElement]:
        """The elements a locator finds now; for a list of alternatives, those of the first that
        finds any, all of them read from one document (see on_one_page: a page half replaced
        could otherwise let a later alternative win over an earlier one)."""
        options = alternatives(locator)
        if len(options) > 1 and root is None and not self._on_one_page:
            return self.on_one_page(lambda: self._first_match(options, None)) or []
        return self._first_match(options, root)

    def _first_match(self, options: list[str], root: Any) -> list[WebElement]:
        for n, option in enumerate(options):
            found = self._find_elements(option, root)
            if found:
                if n and (tuple(options), n) not in self._alternatives_used:
                    # Once per locator: the trace says which hook of the portal changed.
                    self._alternatives_used.add((tuple(options), n))
                    self.note(f"{describe_locator(options[:n])} found nothing; alternative {n + 1} "
                              f"'{option}' did")
                return found
        return []

    def _find_elements(self, locator: str, root: Any) -> list[WebElement]:
        rendered = self.render(locator)
        by, value = parse_locator(rendered)
        try:
            if SHADOW_STEP in rendered:
                return self._through_shadow_roots(rendered, root)
            return (root or self.driver).find_elements(by, value)
        except NoSuchFrameException:
            return []  # the frame we were in is gone: the page navigated away; nothing is in it
        except InvalidSelectorException:
            kind = "XPath" if by == By.XPATH else "CSS selector"
            raise CollectionError("RECIPE_BROKEN", f"'{locator}' is not a valid {kind}") from None

    def _through_shadow_roots(self, locator: str, root: Any) -> list[WebElement]:
        """'app-header >> a.logout': the first part finds hosts (any locator form), each next part
        is a CSS selector inside the open shadow roots of what the previous part found (web
        components; a closed shadow root is out of any script's reach, as for a person's tools)."""
        first, *inner = [part.strip() for part in locator.split(SHADOW_STEP)]
        found = (root or self.driver).find_elements(*parse_locator(first))
        for part in inner:
            hosts = found
            found = []
            for host in hosts:
                try:
                    found.extend(host.shadow_root.find_elements(By.CSS_SELECTOR, part))
                except NoSuchShadowRootException:
                    continue  # this match has no open shadow root: nothing inside it
        return found

    def find(self, locator: str | list[str], timeout: float | None = None, visible: bool = False) -> WebElement:
        def present(driver: WebDriver) -> WebElement | bool:
            for element in self.find_all(locator):
                if not visible or element.is_displayed():
                    return element
            return False
        state = "visible" if visible else "present"
        return self.wait_until(present, timeout, f"element {describe_locator(locator)} to be {state}")

    def progress(self, message: str = "") -> None:
        if self.request.on_progress:
            downloaded = sum(1 for invoice in self.invoices if invoice.pdf_path)  # not those kept without a PDF
            self.request.on_progress(Progress(self.step_index, self.step_name, self.step_line,
                                              self.listed, downloaded, message))
