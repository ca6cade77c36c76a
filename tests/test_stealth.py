"""The engine's browser is not flagged by a bot check: FingerprintJS BotD, served from loopback,
in front of a fixture portal that shows a block page to robots (as DataDome and Akamai do).

A real recipe collects through it, headless and headed (Chromium on an Xvfb screen); then each
signal bot checks read is checked on its own, so that a regression says which one came back."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from backend.collectors.model import BrowserConfig
from backend.collectors.run.browser import Browser, browser_version, chrome_binary
from backend.collectors.run.stealth import user_agent
from tests.helpers import serve, summary
from tests.portals import botd
from tests.portals.common import run

pytestmark = pytest.mark.browser
BROWSER = BrowserConfig(chrome_binary=os.environ.get("CHROME_BIN"), chromedriver=os.environ.get("CHROMEDRIVER"))


@pytest.fixture(scope="module")
def portal():
    state = botd.State()
    with serve(botd.create_app(state)) as url:
        yield url, state


def _recipe():
    from tests.portals.common import load_recipe
    return load_recipe("botd")


@pytest.mark.parametrize("headed", [False, True], ids=["headless", "headed"])
def test_a_recipe_collects_behind_botd(portal, x_display, browser_config, tmp_path, monkeypatch, headed):
    url, state = portal
    if headed:
        monkeypatch.setenv("DISPLAY", x_display)
    before = len(state.verdicts)
    config = BrowserConfig(chrome_binary=browser_config.chrome_binary, chromedriver=browser_config.chromedriver,
                           headed=headed)
    result = run(_recipe(), url, tmp_path, config, {"login": "x"})
    verdict = state.verdicts[before]
    flagged = {name: found for name, found in verdict["detections"].items() if found["bot"]}
    assert (result.outcome, flagged) == ("OK", {}), (result.message, flagged)
    assert verdict["verdict"] == {"bot": False}
    assert summary(result.invoices) == [("FB-001", None, "2024-03-05", None, "42.00", "EUR")]
    assert Path(result.invoices[0].pdf_path).read_bytes() == botd.PDF


@pytest.fixture(scope="module")
def signals(portal, tmp_path_factory):
    url, _ = portal
    downloads = tmp_path_factory.mktemp("downloads")
    with Browser(BROWSER, downloads) as browser:
        browser.driver.get(f"{url}/signals")
        return browser.driver.execute_async_script("window.signals.then(arguments[arguments.length - 1])")


def test_no_user_agent_says_headless(signals):
    expected = user_agent(browser_version(chrome_binary(BROWSER)))
    assert [signals[where]["ua"] for where in ("main", "frame", "worker")] == [expected] * 3
    assert "HeadlessChrome" not in expected and "HeadlessChrome" not in str(signals["main"]["brands"])


def test_webdriver_is_false_everywhere(signals):
    # A worker's navigator has no `webdriver` at all in any Chrome: undefined, never true.
    assert [signals[where]["webdriver"] for where in ("main", "frame", "worker")] == [False, False, None]


def test_no_chromedriver_globals_in_the_page(signals):
    assert signals["automation"] == []


def test_a_real_window_on_a_real_screen(signals):
    width, height = signals["window"]
    assert (width, height) == (1280, 900)
    assert signals["screen"][0] >= width and signals["screen"][1] >= height


def test_the_machines_time_zone_and_french_first(signals):
    offsets = [-time.localtime(time.mktime((2024, month, 15, 12, 0, 0, 0, 0, -1))).tm_gmtoff // 60
               for month in (1, 7)]
    assert [signals["offset"], signals["summerOffset"]] == offsets
    assert signals["languages"][:2] == ["fr-FR", "fr"]


def test_plugins_and_notification_permissions_like_a_desktop_chrome(signals):
    assert signals["plugins"] > 0
    permission, query = signals["notification"]
    assert (permission, query) == ("denied", "denied")  # a headless browser answers denied / prompt


def test_botd_is_fetched_pinned_and_not_committed():
    assert botd.botd_source()  # the setup script fetched it; its SHA-256 is the pinned one
    tracked = subprocess.run(["git", "ls-files", "tests/.vendor"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[1]).stdout
    assert tracked == ""
    assert shutil.which("npm") or os.environ.get("CI") is None
