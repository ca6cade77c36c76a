"""`invoice-collector doctor`: checks what collection and delivery need, each with a one-line fix.

Every check is a small function returning a Check; what it looks at (settings, commands, disk
usage, the keyring backend, ports) can be swapped, so tests drive each one to OK, WARN and FAIL.
Exit status 1 when a check FAILs (collection or delivery cannot work), else 0."""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from backend import config, disk, paths
from backend.autostart.launch import OUTPUT_LOG
from backend.server.probe import Health, probe

if TYPE_CHECKING:
    from backend.collectors import Catalog

OK, WARN, FAIL = "OK", "WARN", "FAIL"


class DiskUsage(Protocol):  # what check_disk reads of shutil.disk_usage()
    @property
    def free(self) -> int: ...


@dataclass
class Check:
    name: str
    status: str  # OK | WARN | FAIL
    summary: str
    fix: str = ""
    details: list[str] = field(default_factory=list)


def _run(argv: Sequence[str]) -> str:
    """What a command prints; why it could not run (not executable, hung) instead of raising."""
    try:
        result = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run it: {exc}"
    return (result.stdout or "") + (result.stderr or "")


def _install_hint(what: str) -> str:
    if sys.platform.startswith("linux"):
        return {"browser": "install it: sudo apt install chromium",
                "driver": "install it: sudo apt install chromium-driver"}[what]
    return {"browser": "install Google Chrome",
            "driver": "download the chromedriver matching your Chrome"}[what]


def check_browser(settings: config.Settings, run: Callable[[Sequence[str]], str] = _run,
                  platform: str = sys.platform) -> Check:
    """Chromium/Chrome and chromedriver exist, run, and share a major version."""
    if settings.remote_webdriver_url:
        return check_remote_webdriver(settings.remote_webdriver_url)
    from backend.collectors.model import BrowserConfig
    from backend.collectors.run import browser
    chosen = BrowserConfig(chrome_binary=settings.chrome_binary, chromedriver=settings.chromedriver)
    where = f"set `chrome_binary` / `chromedriver` in {config.settings_path()}"
    found: dict[str, tuple[str, str] | None] = {}  # what -> (path, version), None: left to Selenium Manager
    for what, path in (("browser", browser.chrome_binary(chosen, platform)),
                       ("driver", browser.chromedriver_path(chosen, platform))):
        if path is None:  # macOS/Windows with no driver configured: Selenium Manager's job
            found[what] = None
            continue
        resolved = shutil.which(path) or (path if Path(path).is_file() else None)
        label = "Chromium/Chrome" if what == "browser" else "chromedriver"
        if not resolved:
            return Check("browser", FAIL, f"{label} not found at {path}", f"{_install_hint(what)}, or {where}")
        output = "" if what == "browser" else run([resolved, "--version"])
        version = browser.browser_version(resolved, platform, run) if what == "browser" else browser.printed_version(output)
        if not version:
            said = output.strip().splitlines()[0][:200] if output.strip() else ""
            return Check("browser", FAIL, f"{label} at {resolved} does not report a version"
                         + (f" ({said})" if said else ""), f"reinstall it, or {where}")
        found[what] = (resolved, version)
    browser_found, driver_found = found["browser"], found["driver"]
    assert browser_found is not None  # chrome_binary() always names a path: only the driver may be left unset
    bpath, bver = browser_found
    if driver_found is None:
        return Check("browser", OK, f"browser {bver} ({bpath}); chromedriver: Selenium Manager provides the "
                                    "one matching this Chrome at the first collection")
    dpath, dver = driver_found
    summary = f"browser {bver} ({bpath}), chromedriver {dver} ({dpath})"
    if bver.split(".")[0] != dver.split(".")[0]:
        return Check("browser", FAIL, f"versions differ: {summary}",
                     f"install the chromedriver for major version {bver.split('.')[0]} "
                     f"({_install_hint('driver').split(': ')[-1]}), or {where}")
    return Check("browser", OK, summary)


def check_remote_webdriver(url: str) -> Check:
    """A Selenium Grid / remote driver: its W3C /status must say ready."""
    import requests
    fix = f"start it, or remove `remote_webdriver_url` from {config.settings_path()} to use the local browser"
    try:
        answer = requests.get(url.rstrip("/") + "/status", timeout=5).json().get("value") or {}
    except (requests.RequestException, ValueError, AttributeError) as exc:
        return Check("browser", FAIL, f"remote WebDriver {url} does not answer /status ({exc.__class__.__name__})",
                     fix)
    if not answer.get("ready"):
        return Check("browser", FAIL, f"remote WebDriver {url} is not ready: {answer.get('message', '')}", fix)
    return Check("browser", OK, f"remote WebDriver {url} is ready: {answer.get('message', '')}".rstrip(": "))


def check_keyring() -> Check:
    """The server's own gate (no fail/plaintext backend), then a write, read and delete."""
    import keyring
    from keyring.errors import KeyringError

    from backend.core import keyring_store
    try:
        kind = keyring_store.check_backend()
    except keyring_store.KeyringUnavailable as exc:
        return Check("keyring", FAIL, str(exc).replace(keyring_store.FIX, "").strip(), keyring_store.FIX)
    value = secrets.token_hex(8)
    try:
        keyring.set_password(keyring_store.service(), "doctor-probe", value)
        readable = keyring.get_password(keyring_store.service(), "doctor-probe") == value
        keyring.delete_password(keyring_store.service(), "doctor-probe")
    except KeyringError as exc:
        return Check("keyring", FAIL, f"{kind} refused a test entry: {exc}", keyring_store.FIX)
    if not readable:
        return Check("keyring", FAIL, f"{kind} did not give back what was stored", keyring_store.FIX)
    return Check("keyring", OK, f"{kind} stores and returns secrets")


def check_server(port: int, probe_fn: Callable[[int], Health] = probe) -> Check:
    health = probe_fn(port)
    if health.answering:
        return Check("server", OK, f"{health.detail} answers on {health.url}")
    fix = "run `invoice-collector serve`, or `invoice-collector autostart enable` to start it at every login"
    if "another program" in health.detail:
        fix = f"free port {port} or choose another `port` in {config.settings_path()}"
    logs = [paths.log_dir() / name for name in ("invoice-collector.log", OUTPUT_LOG)]
    details = [f"its log: {log}" for log in logs if log.is_file() and log.stat().st_size]
    return Check("server", WARN, f"not answering on {health.url}: {health.detail}", fix, details)


def check_pairing() -> Check:
    from backend.core import keyring_store, paired_browsers
    try:
        paired = len(paired_browsers.listed())
    except keyring_store.KeyringUnavailable as exc:
        return Check("pairing", WARN, f"cannot read the pairing tokens: {exc.__class__.__name__}",
                     "fix the keyring first (see above)")
    if paired:
        return Check("pairing", OK, f"{paired} browser{'s' if paired > 1 else ''} paired (their tokens' hashes "
                                    "are in the keyring; `invoice-collector pair --list` lists them)")
    return Check("pairing", WARN, "the extension is not paired yet",
                 f"load the extension unpacked from {paths.extension_dir()} (chrome://extensions, developer "
                 "mode), then run `invoice-collector pair` and type the code in its side panel")


def check_delivery(libeo=None, password: Callable[[], str | None] | None = None) -> Check:
    """Libeo destination configured, and the SMTP server accepts the login (nothing is sent)."""
    from backend.core.keyring_store import KeyringUnavailable
    from backend.core.store import DB_NAME, Store
    from backend.delivery import settings as delivery
    from backend.delivery import smtp
    paused = None
    if libeo is None:
        if not (paths.data_dir() / DB_NAME).exists():  # never create a database just to look
            libeo = delivery.LibeoSettings()
        else:
            store = Store()
            libeo, paused = delivery.load_libeo(store), delivery.paused_reason(store)
    where = "set it in the side panel: Réglages (Settings) > Envoi vers Libeo"
    if not libeo.inbox and not libeo.smtp_host:
        return Check("libeo", WARN, "Libeo delivery is not configured: invoices stay on this computer",
                     f"{where} (your inbox <company>@box.libeo.io and your SMTP server)")
    missing = libeo.missing()
    if missing:
        return Check("libeo", FAIL, f"Libeo delivery is missing: {', '.join(missing)}", where)
    try:
        secret = (password or delivery.get_password)()
    except KeyringUnavailable as exc:
        return Check("libeo", FAIL, f"cannot read the SMTP password: {exc.__class__.__name__}",
                     "fix the keyring first (see above)")
    server = f"{libeo.smtp_host}:{libeo.port} ({libeo.smtp_security})"
    try:
        smtp.check_login(libeo, secret, timeout=15)
    except smtp.SmtpFailure as failure:
        field_hint = f" (check `{failure.field}`)" if failure.field else ""
        return Check("libeo", FAIL, f"SMTP login to {server} failed: {failure}", f"{where}{field_hint}")
    details = [f"sending is paused: {paused}"] if paused else []
    if not libeo.enabled:
        return Check("libeo", WARN, f"SMTP login to {server} works, but sending to {libeo.inbox} is switched off",
                     "switch it on in the side panel: Réglages (Settings) > Envoi vers Libeo", details)
    if paused:
        return Check("libeo", WARN, f"SMTP login to {server} works, sending to {libeo.inbox} is paused",
                     "save the Libeo settings again in the side panel to resume", details)
    return Check("libeo", OK, f"sending to {libeo.inbox} as {libeo.sender} through {server}: login works")


def check_recipes(load: Callable[[], Catalog] | None = None) -> Check:
    from backend.collectors import load_catalog
    catalog = (load or load_catalog)()
    details = [str(error) for error in catalog.errors]
    count = len(catalog.providers)
    fix = "correct the lines listed above (FILE:LINE:COL), or move the broken file out of " \
          f"{paths.user_recipes_dir()}"
    if not count:
        return Check("recipes", FAIL, f"no usable provider recipe ({len(details)} errors)", fix, details)
    if details:
        return Check("recipes", WARN, f"{count} providers usable, {len(details)} errors", fix, details)
    # A local file replacing a bundled provider is what a shared, hostile recipe would do: named.
    replaced = [f"{provider.source.file if provider.source else '?'} replaces the bundled provider '{pid}' "
                f"(its credentials may go to {', '.join(provider.trust.get('origins', [])) or 'nowhere'})"
                for pid, provider in sorted(catalog.providers.items()) if pid in catalog.overridden]
    if replaced:
        return Check("recipes", WARN, f"{count} providers valid, {len(replaced)} bundled one(s) replaced by a "
                                      "local file", "remove the file unless you trust it and meant it", replaced)
    return Check("recipes", OK, f"{count} providers valid")


def check_disk(folder: Path, usage: Callable[[Path], DiskUsage] = shutil.disk_usage) -> Check:
    free = usage(folder).free
    text = f"{free / 1024 ** 2:,.0f} MB free for PDFs in {folder}"
    fix = f"free some space on the disk holding {folder}, or set INVOICE_COLLECTOR_HOME to another disk"
    if free < disk.FULL_BYTES:
        return Check("disk", FAIL, text, fix)
    if free < disk.WARN_BYTES:
        return Check("disk", WARN, text, fix)
    return Check("disk", OK, text)


def all_checks(settings: config.Settings) -> list[Callable[[], Check]]:
    return [
        lambda: check_browser(settings),
        check_keyring,
        lambda: check_server(settings.port),
        check_pairing,
        check_delivery,
        check_recipes,
        lambda: check_disk(paths.data_dir()),
    ]


def run_checks(checks: Sequence[Callable[[], Check]]) -> list[Check]:
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # noqa: BLE001 — one broken check must not hide the others
            name = getattr(check, "__name__", "check").replace("check_", "")
            results.append(Check(name, FAIL, f"the check itself failed: {exc.__class__.__name__}: {exc}",
                                 "run with -v and report it"))
    return results


def render(results: Sequence[Check]) -> str:
    lines = []
    for result in results:
        lines.append(f"{result.status:<5} {result.name:<9} {result.summary}")
        lines.extend(f"{'':16}{detail}" for detail in result.details)
        if result.status != OK and result.fix:
            lines.append(f"{'':16}fix: {result.fix}")
    failed = [r.name for r in results if r.status == FAIL]
    lines.append(f"\n{len(failed)} problem(s) block collection or delivery: {', '.join(failed)}" if failed
                 else "\nNothing blocks collection.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    results = run_checks(all_checks(config.load()))
    if args.json:
        print(json.dumps({"ok": all(r.status != FAIL for r in results),
                          "checks": [asdict(r) for r in results]}, indent=2, ensure_ascii=False))
    else:
        print(render(results))
    return 1 if any(r.status == FAIL for r in results) else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check browser, driver, keyring, server, pairing, delivery, recipes and disk",
        description="Check everything invoice-collector needs; each problem comes with a one-line fix. "
                    "Exits 1 when a check FAILs (collection or delivery cannot work), 0 otherwise.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)
