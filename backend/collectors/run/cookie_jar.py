"""An account's cookies carried from one sync to the next when its browser runs on a Selenium Grid.

Locally a persistent profile keeps the portal's cookies ("remember this device": fewer one-time
codes). A Grid node starts every browser with a fresh profile, so the run takes the cookies a browser
would keep on disk — the persistent ones, not the session's — out of the remote browser at its end,
and puts them back into the next one before the recipe starts, through the browser's DevTools
(Storage.getCookies / setCookies: every site's cookies at once, which WebDriver's own cookie commands,
limited to the current page's site, cannot do).

At rest the cookies are encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`, already
installed with the keyring) with a key the caller keeps in the OS keyring; the file lives in the
account's profile folder, so whatever forgets the profile (new credentials, the account deleted)
forgets them too. A file that cannot be read with the key (another key, damaged) is ignored and
replaced: the sync then simply logs in."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import websocket
from cryptography.fernet import Fernet, InvalidToken

from backend.collectors.model import BrowserConfig
from backend.collectors.run import grid

log = logging.getLogger("invoice_collector.engine")
JAR_NAME = "grid-cookies.bin"
MAX_COOKIES = 3000  # a browser keeps ~180 per site; this bounds a jar a hostile page would inflate
MAX_JAR_BYTES = 4_000_000
DEVTOOLS_TIMEOUT = 20.0
# What Storage.setCookies takes back of what Storage.getCookies gives (the rest is computed: size, session).
KEPT = ("name", "value", "domain", "path", "expires", "httpOnly", "secure", "sameSite", "priority",
        "sourceScheme", "sourcePort", "partitionKey")


def jar_path(config: BrowserConfig) -> Path | None:
    """Where this run's cookies are kept; None when none are carried (a local browser keeps its own
    profile; no profile or no key: every sync starts logged out)."""
    if config.remote_url and config.profile_dir and config.cookie_key:
        return Path(config.profile_dir) / JAR_NAME
    return None


def kept(cookies: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """The cookies a browser would still have after a restart: persistent and not expired."""
    lasting = [c for c in cookies if not c.get("session") and float(c.get("expires") or -1) > now]
    return [{k: c[k] for k in KEPT if k in c and c[k] is not None} for c in lasting[:MAX_COOKIES]]


def write(path: Path, key: str, cookies: list[dict[str, Any]]) -> None:
    token = Fernet(key.encode("ascii")).encrypt(json.dumps(cookies, separators=(",", ":")).encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(token)
    os.replace(partial, path)


def read(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        if path.stat().st_size > MAX_JAR_BYTES:
            raise ValueError("too large")
        cookies = json.loads(Fernet(key.encode("ascii")).decrypt(path.read_bytes()))
        if not isinstance(cookies, list):
            raise ValueError("not a list")
    except FileNotFoundError:
        return []
    except (OSError, ValueError, InvalidToken) as exc:
        log.warning("the cookies kept for this account cannot be read (%s): this sync starts logged out",
                    type(exc).__name__ if not str(exc) else exc)
        return []
    return [c for c in cookies if isinstance(c, dict)][:MAX_COOKIES]


def _devtools(capabilities: dict[str, Any], remote_url: str) -> websocket.WebSocket:
    """The browser's DevTools through the Grid (se:cdp), with the Grid's credentials when it has some."""
    address = capabilities.get("se:cdp")
    if not address:
        raise ConnectionError("this Selenium Grid does not forward the browser's DevTools (no se:cdp)")
    return websocket.create_connection(str(address), timeout=DEVTOOLS_TIMEOUT, header=grid.websocket_header(remote_url),
                                       suppress_origin=True)


def _command(connection: websocket.WebSocket, ids: itertools.count, method: str,
             params: dict[str, Any]) -> dict[str, Any]:
    wanted = next(ids)
    connection.send(json.dumps({"id": wanted, "method": method, "params": params}))
    while True:  # events may come first; the answer carries our id
        message = json.loads(connection.recv())
        if message.get("id") == wanted:
            if "error" in message:
                raise ConnectionError(f"{method}: {message['error'].get('message')}")
            return message.get("result") or {}


def restore(driver: Any, config: BrowserConfig) -> int:
    """Put the kept cookies into the remote browser before the recipe starts; how many."""
    path = jar_path(config)
    if path is None or not config.cookie_key or not config.remote_url:
        return 0
    cookies = kept(read(path, config.cookie_key), time.time())
    if not cookies:
        return 0
    try:
        with contextlib.closing(_devtools(driver.capabilities, config.remote_url)) as connection:
            _command(connection, itertools.count(1), "Storage.setCookies", {"cookies": cookies})
    except (OSError, ValueError, websocket.WebSocketException) as exc:
        log.warning("cannot give the Grid's browser the cookies kept for this account (%s): it logs in", exc)
        return 0
    log.info("gave the Grid's browser the %d cookie(s) kept from the last sync", len(cookies))
    return len(cookies)


def save(driver: Any, config: BrowserConfig) -> int | None:
    """Keep the remote browser's lasting cookies for the next sync; how many (None: not kept)."""
    path = jar_path(config)
    if path is None or not config.cookie_key or not config.remote_url:
        return None
    try:
        with contextlib.closing(_devtools(driver.capabilities, config.remote_url)) as connection:
            found = _command(connection, itertools.count(1), "Storage.getCookies", {}).get("cookies") or []
    except (OSError, ValueError, websocket.WebSocketException) as exc:
        log.warning("cannot read the Grid's browser's cookies (%s): the next sync logs in", exc)
        return None
    cookies = kept([c for c in found if isinstance(c, dict)], time.time())
    write(path, config.cookie_key, cookies)
    return len(cookies)
