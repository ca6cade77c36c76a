"""Start Chromium for a run.

Linux: Debian's chromium + chromedriver by default, and Selenium Manager never downloads
anything. macOS/Windows: the installed Google Chrome, and its matching driver from a
configured path or, failing that, from Selenium Manager."""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from backend.collectors.model import BrowserConfig, CollectionError
from backend.collectors.run import cookie_jar, grid, stealth
from backend.redact import remember

log = logging.getLogger("invoice_collector.engine")
ON_LINUX = sys.platform.startswith("linux")
if ON_LINUX:  # Selenium Manager must never fetch a browser or driver; we pass the driver path too
    os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")
CHROME_LOCATIONS = {
    "darwin": ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
               "/Applications/Chromium.app/Contents/MacOS/Chromium"],
    "win32": [os.path.expandvars(r"%ProgramFiles%\Google\Chrome\Application\chrome.exe"),
              os.path.expandvars(r"%ProgramFiles(x86)%\Google\Chrome\Application\chrome.exe"),
              os.path.expandvars(r"%LocalAppData%\Google\Chrome\Application\chrome.exe")],
}

BASE_FLAGS = [
    "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--window-size=1280,900", "--lang=fr-FR",
]


# Seconds one WebDriver command may take on a Grid, the new session included: a request queued for a
# slot waits up to the Grid's session-request-timeout (300 s by default), then the Grid says so.
REMOTE_COMMAND_TIMEOUT = 330
OFF_SCREEN = -20000  # where a headed window waits, unseen, until a hand-over shows it
SHOWN_AT = 40


def display_available(platform: str = sys.platform) -> bool:
    """Whether a headed window can be shown: on Linux, only inside a graphical session."""
    if not platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Window:
    """The run's browser window, as a hand-over shows it to the user and hides it again."""

    def __init__(self, driver: Any, config: BrowserConfig):
        self.driver = driver
        self.hidden = config.hidden_window
        # A Grid node's screen is not the user's; a headless browser has none.
        self.can_show = config.headed and not config.remote_url

    def show(self) -> None:
        if self.hidden:
            self.driver.set_window_rect(x=SHOWN_AT, y=SHOWN_AT)
        self.driver.switch_to.window(self.driver.current_window_handle)  # raises the window, this tab first

    def hide(self) -> None:
        if self.hidden:
            self.driver.set_window_rect(x=OFF_SCREEN, y=OFF_SCREEN)


def _dies_with_its_parent() -> dict:
    """Linux: chromedriver gets SIGKILL when the process that started it dies (kill -9, OOM killer),
    instead of running on forever. (The Chromium it drove outlives it: the server ends such a
    browser at its next start, see backend/server/recovery.py.)"""
    if not sys.platform.startswith("linux"):
        return {}
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return {}

    def set_death_signal() -> None:  # runs between fork and exec: one system call, nothing else
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    return {"preexec_fn": set_death_signal}


DRIVER_POPEN = _dies_with_its_parent()


def chrome_binary(config: BrowserConfig, platform: str = sys.platform) -> str:
    chosen = config.chrome_binary or os.environ.get("CHROME_BIN") or shutil.which("chromium")
    if chosen:
        return chosen
    for candidate in CHROME_LOCATIONS.get(platform, []):
        if os.path.isfile(candidate):
            return candidate
    return shutil.which("google-chrome") or "/usr/bin/chromium"


VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?")


def _printed(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run it: {exc}"
    return (done.stdout or "") + (done.stderr or "")


def printed_version(output: str) -> str | None:
    """The version a program printed ("Chromium 156.0.8078.129 built on Debian" -> 156.0.8078.129)."""
    match = VERSION.search(output)
    return match.group(0) if match else None


@functools.lru_cache(maxsize=8)
def browser_version(path: str, platform: str = sys.platform,
                    run: Callable[[list[str]], str] = _printed) -> str | None:
    """`--version` where it works; on Windows chrome.exe would open a window instead, so read the
    version-named folder Chrome installs next to chrome.exe (also a fallback elsewhere)."""
    if platform != "win32":
        found = printed_version(run([path, "--version"]))
        if found:
            return found
    folder = Path(path).parent
    versions = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.fullmatch(p.name)] \
        if folder.is_dir() else []
    return max(versions, key=lambda v: tuple(map(int, v.split(".")))) if versions else None


def chromedriver_path(config: BrowserConfig, platform: str = sys.platform) -> str | None:
    """None on macOS/Windows when nothing is configured: Selenium Manager then finds (and if
    needed fetches) the driver matching the installed Chrome, as users there expect."""
    chosen = config.chromedriver or os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if chosen:
        return chosen
    return "/usr/bin/chromedriver" if platform.startswith("linux") else None


def chrome_options(config: BrowserConfig, download_dir: Path, profile_dir: Path) -> webdriver.ChromeOptions:
    opts = webdriver.ChromeOptions()
    if not config.remote_url:
        opts.binary_location = chrome_binary(config)
    hiding: list[str] = []
    if config.stealth:
        version = None if config.remote_url else browser_version(chrome_binary(config))
        hiding = stealth.flags(not config.headed, version)
        opts.add_experimental_option("excludeSwitches", ["enable-automation"])
    for flag in BASE_FLAGS + hiding + list(config.extra_args):
        opts.add_argument(flag)
    if not config.headed:
        opts.add_argument("--headless=new")
    elif config.hidden_window:
        opts.add_argument(f"--window-position={OFF_SCREEN},{OFF_SCREEN}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        opts.add_argument("--no-sandbox")  # Chromium refuses to start as root otherwise
    if not config.remote_url:
        opts.add_argument(f"--user-data-dir={profile_dir}")
    else:
        # A Grid node rarely shares this disk: it keeps the files the browser downloads and hands
        # them over through its API (se:downloadsEnabled; `download: browser`, run/download.py).
        opts.enable_downloads = True
    # A Grid node picks its own download folder (managed downloads): this machine's path means nothing there.
    where = {} if config.remote_url else {"download.default_directory": str(download_dir)}
    opts.add_experimental_option("prefs", where | {
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "plugins.always_open_pdf_externally": config.pdfs_as_downloads,  # inline PDFs download, not open
        # Without this Chromium blocks every download after the first from the same page
        # ("multiple automatic downloads"), so `download: browser` saved only one PDF per list.
        "profile.default_content_setting_values.automatic_downloads": 1,
        "history.saving_disabled": True,  # no visited address (one may carry a token) kept in a profile
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
    } | (stealth.prefs() if config.stealth else {}))
    opts.page_load_strategy = "normal"
    # A portal's alert() ("Nouveau : la facture électronique !") would fail every later command;
    # accept it as a user would click OK.
    opts.unhandled_prompt_behavior = "accept"
    return opts


def _check_installed(config: BrowserConfig) -> None:
    """Name the missing program and how to get it (Selenium's own message does not)."""
    from selenium.common.exceptions import WebDriverException
    for path, what, env, package in ((chrome_binary(config), "Chromium", "CHROME_BIN", "chromium"),
                                     (chromedriver_path(config), "chromedriver", "CHROMEDRIVER", "chromium-driver")):
        if path is None:  # left to Selenium Manager (macOS/Windows)
            continue
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
            raise WebDriverException(f"{what} not found at {path}: install it (Debian/Ubuntu: apt install "
                                     f"{package}) or give its path in the settings or ${env}")


def start_remote(url: str, opts: webdriver.ChromeOptions) -> webdriver.Remote:
    """A session on a Selenium Grid (or a remote chromedriver). Whatever stops the Grid from giving one is
    GRID_UNAVAILABLE, naming the Grid (never its password) and what to check. Credentials in the URL go
    in a header of Selenium's own (ClientConfig), not the address it logs."""
    from selenium.common.exceptions import SessionNotCreatedException, WebDriverException
    from selenium.webdriver.remote.client_config import ClientConfig
    from urllib3.exceptions import HTTPError, ReadTimeoutError
    bare, user, password = grid.split_credentials(url)
    if password:
        remember(password)  # masked in every log line from here on, whatever library writes it
    client = ClientConfig(remote_server_addr=bare, username=user, password=password,
                          timeout=REMOTE_COMMAND_TIMEOUT)
    try:
        return webdriver.Remote(command_executor=bare, options=opts, client_config=client)
    except HTTPError as exc:  # urllib3's: refused, name unknown, reset, or no answer in time
        if isinstance(exc, ReadTimeoutError) or isinstance(getattr(exc, "reason", None), ReadTimeoutError):
            why = f"gave no browser within {REMOTE_COMMAND_TIMEOUT} s: check its nodes and free slots"
        else:
            why = (f"cannot be reached ({type(getattr(exc, 'reason', None) or exc).__name__}): check that it runs "
                   "and the address in remote_webdriver_url")
    except SessionNotCreatedException as exc:
        text = exc.msg or ""
        why = ("had no free slot in time (its new-session queue timed out): add nodes or slots, run fewer "
               "syncs at once (workers), or raise its session-request-timeout" if "timed out" in text else
               f"could not start a browser ({first_line(text)}): check its node's configuration")
    except WebDriverException as exc:
        text = exc.msg or ""
        if "Authorization Required" in text or "401" in text:
            why = "refused the credentials (HTTP 401): check the user and password of remote_webdriver_url"
        else:
            why = f"answered {first_line(text) or type(exc).__name__}: check that it is a Selenium Grid"
    raise CollectionError("GRID_UNAVAILABLE", f"the Selenium Grid at {bare} {why}")


# What a WebDriver command answers once the node's browser or the Grid's record of the session is gone.
SESSION_GONE = ("invalid session id", "Unable to find session", "session deleted", "No active session",
                "Unable to execute request for an existing session")


def remote_lost(exc: BaseException, url: str) -> str | None:
    """Why a run on a Grid broke off because the Grid (or its node) went away mid-run, or None when
    the error is something else (the page, the recipe): the sync is then retried, not the recipe blamed."""
    from selenium.common.exceptions import WebDriverException
    from urllib3.exceptions import HTTPError
    bare = grid.shown(url)
    if isinstance(exc, (HTTPError, ConnectionError)):
        reason = type(getattr(exc, "reason", None) or exc).__name__
        return (f"the Selenium Grid at {bare} stopped answering during the sync ({reason}): check that it runs; "
                "the invoices stored so far are kept and the sync is tried again later")
    if isinstance(exc, WebDriverException) and any(sign in (exc.msg or "") for sign in SESSION_GONE):
        return (f"the Selenium Grid at {bare} lost the sync's browser ({first_line(exc.msg or '')}): check its "
                "node (restarted, out of memory, session-timeout); the sync is tried again later")
    return None


def first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


class Browser:
    """One Chromium for one run; closed (and its temporary profile removed) on exit."""

    def __init__(self, config: BrowserConfig, download_dir: Path):
        self.config = config
        self.download_dir = download_dir
        self._temp_profile: str | None = None
        self._cache: str | None = None
        if config.profile_dir:
            profile = Path(config.profile_dir)
            profile.mkdir(parents=True, exist_ok=True)
        else:
            self._temp_profile = tempfile.mkdtemp(prefix="ic-profile-")
            profile = Path(self._temp_profile)
        opts = chrome_options(config, download_dir, profile)
        if config.profile_dir and not config.remote_url:
            # The HTTP cache holds the pages of the run — a login page that echoes what was typed
            # too. A persistent profile keeps cookies (fewer 2FA prompts), never those pages: the
            # cache lives in a temporary folder removed with the run.
            shutil.rmtree(profile / "Default" / "Cache", ignore_errors=True)  # written by older versions
            self._cache = tempfile.mkdtemp(prefix="ic-cache-")
            opts.add_argument(f"--disk-cache-dir={self._cache}")
        if not config.remote_url:
            _check_installed(config)
        elif config.profile_dir and not config.cookie_key:
            log.info("no key to keep this account's cookies with: a Grid's browser starts logged out (docs/grid.md)")
        if config.cookie_key:
            remember(config.cookie_key)
        try:
            if config.remote_url:
                self.driver = start_remote(config.remote_url, opts)
                if config.session_record:
                    grid.record_session(config.session_record, config.remote_url, str(self.driver.session_id))
            else:
                service = Service(executable_path=chromedriver_path(config), popen_kw=dict(DRIVER_POPEN))
                self.driver = webdriver.Chrome(service=service, options=opts)
        except Exception as exc:
            if self._cache:
                shutil.rmtree(self._cache, ignore_errors=True)
            if self._temp_profile:  # Chromium did not start: leave no temporary profile behind
                shutil.rmtree(self._temp_profile, ignore_errors=True)
            elif os.path.lexists(profile / "SingletonLock"):
                from selenium.common.exceptions import WebDriverException
                raise WebDriverException(f"the browser profile {profile} is in use by another Chromium "
                                         "(another collection for this account, or a window left open)") from exc
            raise
        self.driver.set_page_load_timeout(config.page_load_timeout)
        cookie_jar.restore(self.driver, config)
        if config.stealth:
            stealth.hide_driver(self.driver)
        self.window = Window(self.driver, config)

    def close(self) -> None:
        try:
            try:
                cookie_jar.save(self.driver, self.config)
            except Exception as exc:  # noqa: BLE001 — a browser already gone keeps nothing; quitting comes first
                log.warning("the account's cookies were not kept for the next sync: %s", type(exc).__name__)
            try:
                self.driver.quit()
            except Exception as exc:  # noqa: BLE001 — the run's outcome stands; a Grid's session stays recorded
                log.warning("the browser did not quit cleanly: %s", type(exc).__name__)
                return
            grid.forget_session(self.config.session_record)  # ended: nothing is left to free
        finally:
            for folder in (self._temp_profile, self._cache):
                if folder:
                    shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
