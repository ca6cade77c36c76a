"""Shared by the extension's browser tests (no tests here): the real server as a subprocess,
`invoice-collector pair`, Chromium with the unpacked extension, and a small page driver."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.serve import ServeProcess
from tests.test_delivery_support import CERT

REPO = Path(__file__).resolve().parent.parent
EXTENSION_DIR = REPO / "extension"
EXTENSION_ID = "jkchianpjnkiakaaelbicibbfbgdngeg"
PANEL_URL = f"chrome-extension://{EXTENSION_ID}/panel.html"
OPTIONS_URL = f"chrome-extension://{EXTENSION_ID}/options.html"
ARTIFACTS = REPO / "test-artifacts" / "extension"
SCREENSHOTS = REPO / "docs" / "screenshots"
PANEL_WIDTH = int(os.environ.get("PANEL_WIDTH", "400"))  # a side panel is 320–400 px wide
# Chromium only shows its UI (and so picks an extension's locale) in French with its l10n files.
CHROMIUM_HAS_FRENCH = Path("/usr/lib/chromium/locales/fr.pak").exists()


def wait_until(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition"):
    """Polls `condition` until it returns something truthy (exceptions count as "not yet")."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (StaleElementReferenceException, AssertionError, requests.RequestException) as exc:
            value, last_error = None, exc
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" ({last_error})" if last_error else ""))


class ServerProcess(ServeProcess):
    """`invoice-collector serve` for the extension's journeys; it trusts the loopback SMTP server's
    throwaway certificate (SSL_CERT_FILE)."""

    def __init__(self, home: Path, port: int | None = None):
        super().__init__(home, port, env={"SSL_CERT_FILE": str(CERT)})

    def revoke(self) -> None:
        """`invoice-collector pair --revoke`: every paired browser's token stops working."""
        result = self.command("pair", "--revoke")
        assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def server_and_chromium(home: Path, tmp_path: Path, language: str = "fr",
                        network_log: bool = False) -> Iterator[tuple[ServerProcess, webdriver.Chrome]]:
    """`invoice-collector serve` and Chromium with the extension, both ended after the test."""
    server = ServerProcess(home)
    server.start()
    try:
        driver = launch_chromium(tmp_path / "profile", language, network_log)
        try:
            yield server, driver
        finally:
            driver.quit()
    finally:
        server.stop()


def launch_chromium(profile: Path, language: str = "fr", network_log: bool = False) -> webdriver.Chrome:
    """Chromium with the unpacked extension, its UI in `language` (which picks the extension's locale).
    network_log: every request of every page, bodies included, in driver.get_log("performance")."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
    for argument in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-default-browser-check", f"--user-data-dir={profile}", f"--lang={language}",
                     f"--load-extension={EXTENSION_DIR}", f"--disable-extensions-except={EXTENSION_DIR}"):
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"} | ({"performance": "ALL"} if network_log else {}))
    if network_log:
        options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    # On Linux, Chromium takes its UI language from the environment, not from --lang.
    env = dict(os.environ, LANGUAGE=language)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"), env=env)
    driver = webdriver.Chrome(service=service, options=options)
    # Headless windows are at least 500 px wide: emulate the side panel's width instead.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": PANEL_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    return driver


# Measured in the page: a text input's placeholder (or a select's chosen option) wider than its box,
# a button or label whose text overflows it, any visible element past the viewport's right edge.
CUT_OFF_JS = """
const canvas = document.createElement('canvas').getContext('2d');
const width = document.documentElement.clientWidth;
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
  JSON.stringify((el.innerText || el.placeholder || el.value || '').trim().slice(0, 40));
const cut = [];
for (const el of document.querySelectorAll('body *')) {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  if (!box.width || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
  if (box.right > width + 1) cut.push(name(el) + ' goes past the right edge');
  const text = el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).text
    : (el.tagName === 'INPUT' && ['text', 'email', 'search', 'password', ''].includes(el.type) && !el.value ? el.placeholder : null);
  if (text) {
    canvas.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (el.tagName === 'SELECT' ? 20 : 0);
    if (canvas.measureText(text).width > room + 1) cut.push(name(el) + ' cuts its text');
  } else if (['BUTTON', 'LABEL', 'A', 'SUMMARY'].includes(el.tagName) && el.scrollWidth > el.clientWidth + 1) {
    cut.push(name(el) + ' overflows');
  }
}
return cut;
"""


class Panel:
    """Drives the extension's pages the way a user does: find by visible text, click, type, read."""

    def __init__(self, driver: webdriver.Chrome, name: str):
        self.driver = driver
        self.name = name
        self.shots: list[Path] = []

    # --- navigation ---
    def open(self, url: str = PANEL_URL) -> Panel:
        self.driver.get(url)
        wait_until(lambda: self.driver.execute_script("return document.readyState") == "complete",
                   what=f"{url} to load")
        return self

    def set_storage(self, **values) -> None:
        """Writes chrome.storage.local from an extension page (as the options page would)."""
        self.driver.execute_async_script(
            "chrome.storage.local.set(arguments[0]).then(() => arguments[1](true))", values)

    def storage(self) -> dict:
        return self.driver.execute_async_script("chrome.storage.local.get(null).then(arguments[0])")

    # --- finding ---
    def find(self, css: str, text: str | None = None, timeout: float = 20.0, visible: bool = True) -> WebElement:
        """The first element matching `css` (and containing `text`), waiting for it."""
        def look():
            for element in self.driver.find_elements(By.CSS_SELECTOR, css):
                if visible and not element.is_displayed():
                    continue
                if text is None or text in element.text:
                    return element
            return None
        try:
            return wait_until(look, timeout=timeout, what=f"{css!r} with text {text!r} on {self.driver.current_url}")
        except AssertionError as exc:
            self.screenshot("failure")
            raise AssertionError(f"{exc} — page says: {self.body_text()[:800]!r} — console: "
                                 f"{self.driver.get_log('browser')[-10:]}") from None

    def absent(self, css: str, text: str | None = None, timeout: float = 20.0) -> None:
        def gone():
            return not any(e.is_displayed() and (text is None or text in e.text)
                           for e in self.driver.find_elements(By.CSS_SELECTOR, css))
        wait_until(gone, timeout=timeout, what=f"{css!r} with {text!r} to go away")

    def body_text(self) -> str:
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        """The control whose <label> reads `label` (so the test also proves labels are wired)."""
        def look():
            root = within or self.driver
            for element in root.find_elements(By.CSS_SELECTOR, "label"):
                if element.is_displayed() and element.text.rstrip("*").strip() == label:
                    return self.driver.find_element(By.ID, element.get_attribute("for"))
            return None
        return wait_until(look, what=f"a field labelled {label!r} — page says: {self.body_text()[:600]!r}")

    def field_error(self, control: WebElement) -> str:
        """The error text shown next to a control (through its aria-describedby)."""
        ids = (control.get_attribute("aria-describedby") or "").split()
        texts = [self.driver.find_element(By.ID, i).text for i in ids if i.endswith("-error")]
        return " ".join(t for t in texts if t)

    # --- acting ---
    def click(self, css: str, text: str | None = None) -> WebElement:
        """Clicks the element once it is enabled (found again if the page re-rendered it meanwhile)."""
        def attempt():
            element = self.find(css, text)
            if not element.is_enabled():
                return None
            element.click()
            return element
        return wait_until(attempt, what=f"{css!r} {text!r} to be enabled and clicked")

    def type(self, control: WebElement, value: str, clear: bool = True) -> None:
        if clear:
            control.clear()
        control.send_keys(value)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{name}.png"
        self.driver.save_screenshot(str(path))
        self.shots.append(path)
        return path

    def cut_at(self, width: int) -> list[str]:
        """What a panel `width` px wide cuts off: controls whose text or placeholder does not fit,
        and anything reaching past the right edge. Empty when everything is readable."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        try:
            return self.driver.execute_script(CUT_OFF_JS)
        finally:
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": PANEL_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False})

    def console_errors(self) -> list[str]:
        """Console errors of our own code (network errors of a stopped server are expected)."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and entry.get("source") != "network"]
