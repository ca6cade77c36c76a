"""Pairing: `invoice-collector pair` prints a short code; the extension trades it for the API token.

The CLI and the server may be different processes (the server may not even be running when
the code is printed), so the pairing window is a 0600 file under the data dir holding a salted
hash of the code, its expiry and an attempt counter. POST /api/pair reads it under a file lock,
counts the attempt *before* comparing, and closes the window after a success, on expiry or when
the attempts are used up. Each success pairs one more browser (the others stay paired), named
after its User-Agent; the token itself is only ever kept as a hash, in the keyring
(core/paired_browsers.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from backend import paths
from backend.core import paired_browsers
from backend.core.clock import iso, parse, utcnow
from backend.core.locks import exclusive
from backend.i18n import Said, say

CODE_TTL_SECONDS = 120
MAX_ATTEMPTS = 5
RATE_WINDOW_SECONDS = 60.0
RATE_MAX_REQUESTS = 10  # POST /api/pair calls per minute, whatever the window's state
CODE_PATTERN = re.compile(r"^\s*(\d{3})[\s-]?(\d{3})\s*$")
# The first that appears in a User-Agent names it: Edge and Opera also say "Chrome/".
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Vivaldi/", "Vivaldi"), ("Firefox/", "Firefox"),
            ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Windows", "Windows"), ("CrOS", "ChromeOS"), ("Android", "Android"), ("iPhone", "iOS"),
           ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))


class PairingError(Exception):
    def __init__(self, status: int, message: Said, field_message: Said | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field_message = field_message or message


def pairing_file() -> Path:
    return paths.data_dir() / "pairing.json"


def _locked() -> contextlib.AbstractContextManager[None]:
    return exclusive(paths.data_dir() / "pairing.lock")


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _write(data: dict) -> None:
    target = pairing_file()
    temp = target.with_name(f".pairing-{os.getpid()}-{secrets.token_hex(4)}.json")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temp, target)


def _read() -> dict | None:
    try:
        data = json.loads(pairing_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:  # a damaged file is a closed window
        return None
    return data if isinstance(data, dict) else None


def _expiry(window: dict) -> dt.datetime | None:
    """When the window closes; None (closed now) when its file does not say it in ISO form."""
    try:
        return parse(window.get("expires_at"))
    except (AttributeError, ValueError):  # not a text, or not a date
        return None


def close_window() -> bool:
    with _locked():
        existed = pairing_file().exists()
        pairing_file().unlink(missing_ok=True)
    return existed


def open_window(ttl_seconds: int = CODE_TTL_SECONDS, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """Start a pairing window; returns the code as shown to the user ("123-456") and its expiry."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    salt = secrets.token_hex(16)
    expires = (now or utcnow()) + dt.timedelta(seconds=ttl_seconds)
    with _locked():
        _write({"code_hash": _digest(salt, code), "salt": salt, "expires_at": iso(expires),
                "attempts": 0, "max_attempts": MAX_ATTEMPTS})
    return f"{code[:3]}-{code[3:]}", expires


def describe_user_agent(user_agent: str) -> tuple[str | None, str | None]:
    """("Chrome", "Linux") from a User-Agent; None for what it does not tell."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    return browser, system


class PairingGate:
    """Server side of pairing: rate-limits every attempt and redeems a correct code once."""

    def __init__(self, clock=utcnow):
        self.clock = clock
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()

    def _rate_limit(self) -> None:
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] > RATE_WINDOW_SECONDS:
                self._recent.popleft()
            if len(self._recent) >= RATE_MAX_REQUESTS:
                raise PairingError(429, say("too many pairing attempts: wait a minute, then run "
                                            "`invoice-collector pair` again",
                                            "trop de tentatives d'association : attendez une minute, puis lancez "
                                            "à nouveau `invoice-collector pair`"))
            self._recent.append(now)

    def redeem(self, code: object, user_agent: str = "", name: str | None = None) -> str:
        """The new browser's token, for the right code; `name`: what the client calls itself."""
        self._rate_limit()
        if not isinstance(code, str):
            raise PairingError(400, say("type the 6-digit code printed by `invoice-collector pair`, e.g. 123-456",
                                        "saisissez le code à 6 chiffres affiché par `invoice-collector pair`, par "
                                        "exemple 123-456"))
        match = CODE_PATTERN.match(code)
        if not match:
            raise PairingError(400, say("expected the 6 digits printed by `invoice-collector pair`, e.g. 123-456",
                                        "6 chiffres attendus, ceux affichés par `invoice-collector pair` "
                                        "(par exemple 123-456)"))
        digits = "".join(match.groups())
        with self._lock, _locked():
            window = _read()
            if window is None:
                raise PairingError(403, say("no pairing code is waiting: run `invoice-collector pair` and type "
                                            "the code it prints within 2 minutes",
                                            "aucun code d'association n'est en attente : lancez "
                                            "`invoice-collector pair` et saisissez le code affiché dans les 2 minutes"))
            expires = _expiry(window)
            if expires is None or self.clock() >= expires:
                pairing_file().unlink(missing_ok=True)
                raise PairingError(403, say("this pairing code has expired: run `invoice-collector pair` again",
                                            "ce code d'association a expiré : lancez à nouveau "
                                            "`invoice-collector pair`"))
            window["attempts"] = int(window.get("attempts", 0)) + 1
            allowed = int(window.get("max_attempts", MAX_ATTEMPTS))
            if window["attempts"] > allowed:
                pairing_file().unlink(missing_ok=True)
                raise PairingError(429, say("too many wrong codes: this code no longer works; run "
                                            "`invoice-collector pair` again",
                                            "trop de codes erronés : ce code ne fonctionne plus ; lancez à nouveau "
                                            "`invoice-collector pair`"))
            _write(window)  # the attempt counts before the comparison
            if not hmac.compare_digest(_digest(window["salt"], digits), str(window.get("code_hash", ""))):
                left = allowed - window["attempts"]
                if left <= 0:
                    pairing_file().unlink(missing_ok=True)
                    raise PairingError(429, say("wrong code, and no attempt left: run `invoice-collector pair` again",
                                                "code erroné, et plus aucun essai : lancez à nouveau "
                                                "`invoice-collector pair`"))
                raise PairingError(403, say(f"wrong pairing code ({left} attempt{'s' if left > 1 else ''} left)",
                                            f"code d'association erroné ({left} essai{'s' if left > 1 else ''} "
                                            f"restant{'s' if left > 1 else ''})"))
            token = secrets.token_urlsafe(32)
            paired_browsers.add(token, *describe_user_agent(user_agent), name=name, now=self.clock())
            pairing_file().unlink(missing_ok=True)
            return token
