"""A browser that bot checks do not flag (DataDome, Akamai, Cloudflare look at the same signals as
the open-source FingerprintJS BotD, which the tests run against it).

What gives an automated Chromium away, and what is done about each:
- `navigator.webdriver` is true: Blink's AutomationControlled feature is turned off;
- chromedriver's `cdc_…_Array/Promise/Symbol…` globals, which it defines in every document to keep
  pristine copies of built-ins: a script run in each new document deletes them (chromedriver falls
  back to the page's own built-ins, which is all it needs to find elements and run scripts);
- `--enable-automation` (the "controlled by automated software" bar, a switch some checks read);
- headless only: `HeadlessChrome/…` in the user agent of pages, frames and workers (the UA is set for
  the whole browser, with the version of the Chromium in use, as Chrome's reduced UA spells it),
  a 800×600 screen behind a 1280×900 window (a 1920×1080 screen instead);
- notifications: headless answers "denied" to Notification.permission but "prompt" to the
  Permissions API, which no real browser does: they are blocked, as many users do, so both agree.
The time zone is the machine's (Chromium's own), the languages are French first, as our users'.

Why no library: SeleniumBase's UC mode does the same (and patches a copy of chromedriver), but it
brings some 70 packages and six pytest plugins, writes a `downloaded_files/` folder into the current
directory when imported, reads sys.argv, and requires releases newer than PyPI has here;
undetected-chromedriver is GPL, unreleased since 2024 and breaks on Python 3.12. Everything here uses
public Selenium and Chrome DevTools APIs, and each signal has its own test (tests/test_stealth.py)."""

from __future__ import annotations

import sys
from typing import Any

LANGUAGES = "fr-FR,fr,en-US,en"
SCREEN = "{0,0 1920x1080}"
UA_PLATFORMS = {"linux": "X11; Linux x86_64", "darwin": "Macintosh; Intel Mac OS X 10_15_7",
                "win32": "Windows NT 10.0; Win64; x64"}  # frozen by Chrome's user-agent reduction
HIDE_DRIVER_JS = """
for (const name of Object.getOwnPropertyNames(window)) {
  if (/^[a-z]{3}_[A-Za-z0-9]+_(Array|Promise|Symbol|Object|Proxy|JSON|Window)$/.test(name)) delete window[name];
}
"""


def user_agent(version: str, platform: str = sys.platform) -> str:
    """What Chrome of this version says on this OS (reduced UA: only the major version is real)."""
    major = version.split(".")[0]
    system = UA_PLATFORMS.get(platform if platform in UA_PLATFORMS else "linux", UA_PLATFORMS["linux"])
    return f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


def flags(headless: bool, version: str | None) -> list[str]:
    found = ["--disable-blink-features=AutomationControlled"]
    if headless:
        found.append(f"--screen-info={SCREEN}")
        if version:  # unknown (a remote browser): its own UA stays, which says HeadlessChrome
            found.append(f"--user-agent={user_agent(version)}")
    return found


def prefs() -> dict[str, Any]:
    return {"intl.accept_languages": LANGUAGES,
            "profile.default_content_setting_values.notifications": 2}


def hide_driver(driver: Any) -> None:
    """Run HIDE_DRIVER_JS in every document this browser opens from now on (local or remote)."""
    params = {"source": HIDE_DRIVER_JS}
    if hasattr(driver, "execute_cdp_cmd"):
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", params)
    else:  # a Grid node running Chrome forwards DevTools commands (goog/cdp/execute)
        driver.execute("executeCdpCommand", {"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": params})
