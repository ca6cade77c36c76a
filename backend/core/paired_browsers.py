"""The browsers paired with this computer, each with its own API token, listed and revocable.

A pairing is an id, a name, when it was paired and the SHA-256 of its token (never the token).
All of them are one JSON entry in the keyring (user "api-tokens"). When each was last used is
no secret and changes often, so it lives in a small file beside the database instead: a keyring
write costs tens of milliseconds and would make every server read the list again.

Pairing or revoking, in any process (the CLI, a server), replaces the marker file `token-changed`;
each server's TokenCache reads the keyring again only then."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path

import keyring

from backend import paths
from backend.core.clock import iso, utcnow
from backend.core.keyring_store import call, service
from backend.core.locks import exclusive
from backend.i18n import Said, say

PAIRINGS_USER = "api-tokens"
LEGACY_TOKEN_USER = "api-token"  # before several browsers could pair: the one token's digest, alone
NOTE_USE_EVERY_SECONDS = 60.0
log = logging.getLogger("invoice_collector.keyring")


@dataclasses.dataclass(frozen=True)
class PairedBrowser:
    id: str
    digest: str
    paired_at: str | None  # None: paired before this version, which did not say when
    browser: str | None = None  # "Chrome", from the pairing request's User-Agent
    system: str | None = None  # "Linux"
    name: str | None = None  # what the client called itself, when it did
    legacy: bool = False

    @property
    def label(self) -> Said:
        if self.name:
            return say(self.name, self.name)
        if self.legacy:
            return say("browser paired before this version", "navigateur associé avant cette version")
        if self.browser and self.system:
            return say(f"{self.browser} on {self.system}", f"{self.browser} sur {self.system}")
        if self.browser:
            return say(self.browser, self.browser)
        return say("unknown browser", "navigateur inconnu")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _marker() -> Path:
    return paths.data_dir() / "token-changed"


def _mark_changed() -> None:
    """A new file (new inode) next to the database: servers read the pairings again."""
    marker = _marker()
    temp = marker.with_name(f".token-changed-{os.getpid()}-{secrets.token_hex(4)}")
    temp.write_text(secrets.token_hex(8))
    os.replace(temp, marker)


def _locked() -> contextlib.AbstractContextManager[None]:
    return exclusive(paths.data_dir() / "pairings.lock")


def _load() -> list[PairedBrowser]:
    """The stored list; the old single digest becomes a pairing of its own (call under the lock)."""
    text = call("read the paired browsers", keyring.get_password, service(), PAIRINGS_USER)
    if text is None:
        legacy = call("read the API token", keyring.get_password, service(), LEGACY_TOKEN_USER)
        if not legacy:
            return []
        migrated = [PairedBrowser(secrets.token_hex(4), legacy, None, legacy=True)]
        _save(migrated, changed=False)  # the same token still works: nothing for servers to reread
        call("delete the API token", keyring.delete_password, service(), LEGACY_TOKEN_USER)
        return migrated
    try:
        fields = {f.name for f in dataclasses.fields(PairedBrowser)}
        return [PairedBrowser(**{k: v for k, v in item.items() if k in fields}) for item in json.loads(text)]
    except (ValueError, TypeError, AttributeError) as exc:  # a damaged entry pairs nobody: safer than guessing
        log.error("the paired browsers' keyring entry is damaged (%s): pair again with `invoice-collector pair`",
                  type(exc).__name__)
        return []


def _save(pairings: list[PairedBrowser], changed: bool = True) -> None:
    if pairings:
        text = json.dumps([dataclasses.asdict(p) for p in pairings])
        call("save the paired browsers", keyring.set_password, service(), PAIRINGS_USER, text)
    else:
        call("delete the paired browsers", keyring.delete_password, service(), PAIRINGS_USER)
    if changed:
        _mark_changed()


def listed() -> list[PairedBrowser]:
    with _locked():
        return _load()


def add(token: str, browser: str | None = None, system: str | None = None, name: str | None = None,
        now: dt.datetime | None = None) -> PairedBrowser:
    """Pair one more client with `token`; the others stay paired."""
    with _locked():
        pairings = _load()
        taken = {p.id for p in pairings}
        new_id = secrets.token_hex(4)
        while new_id in taken:
            new_id = secrets.token_hex(4)
        pairing = PairedBrowser(new_id, token_digest(token), iso(now or utcnow()), browser, system, name)
        _save(pairings + [pairing])
    return pairing


def revoke(pairing_id: str) -> PairedBrowser | None:
    """Forget one pairing (its token stops working at once); None when there is no such id."""
    with _locked():
        pairings = _load()
        gone = next((p for p in pairings if p.id == pairing_id), None)
        if gone is not None:
            _save([p for p in pairings if p.id != pairing_id])
            _forget_uses({pairing_id})
    return gone


def revoke_all() -> int:
    """Forget every pairing; returns how many there were."""
    with _locked():
        pairings = _load()
        _save([])
        _forget_uses({p.id for p in pairings})
    return len(pairings)


# ---- when each was last used: a plain file, written at most once a minute per pairing --------------
def _uses_file() -> Path:
    return paths.data_dir() / "pairings-used.json"


def last_uses() -> dict[str, str]:
    try:
        data = json.loads(_uses_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_uses(uses: dict[str, str]) -> None:
    target = _uses_file()
    temp = target.with_name(f".pairings-used-{os.getpid()}-{secrets.token_hex(4)}.json")
    temp.write_text(json.dumps(uses), encoding="utf-8")
    os.replace(temp, target)


def _forget_uses(ids: set[str]) -> None:
    uses = last_uses()
    if ids & set(uses):
        _write_uses({k: v for k, v in uses.items() if k not in ids})


def note_use(pairing_id: str, when: dt.datetime | None = None) -> None:
    with _locked():
        _write_uses(last_uses() | {pairing_id: iso(when or utcnow())})


class TokenCache:
    """The stored digests, read from the keyring again only when pairing or revoking (in any process)
    touched the marker file: a keyring call costs tens of milliseconds, a stat() nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._digests: list[tuple[str, str]] = []  # (pairing id, token digest)
        self._loaded = False
        self._marker: Path | None = None  # its path, found once: resolving the data dir cost 40 % of a request
        self._noted: dict[str, float] = {}  # pairing id → monotonic time its use was last written

    def _current(self) -> list[tuple[str, str]]:
        if self._marker is None:
            self._marker = _marker()
        try:
            info = self._marker.stat()
            stamp: tuple | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if not self._loaded or stamp != self._stamp:
                self._digests = [(p.id, p.digest) for p in listed()]
                self._stamp, self._loaded = stamp, True
            return self._digests

    def match(self, presented: str) -> str | None:
        """The id of the pairing whose token this is, or None. Every candidate is compared in
        constant time, and all of them always are (no early exit telling which one matched)."""
        digest = token_digest(presented)
        found = None
        for pairing_id, stored in self._current():
            if hmac.compare_digest(digest, stored):
                found = pairing_id
        return found

    def note_use(self, pairing_id: str) -> None:
        """Remember that this pairing was used now; the file is written at most once a minute each."""
        now = time.monotonic()
        with self._lock:
            last = self._noted.get(pairing_id)
            if last is not None and now - last < NOTE_USE_EVERY_SECONDS:
                return
            self._noted[pairing_id] = now
        try:
            note_use(pairing_id)
        except OSError as exc:  # a full disk must not refuse requests: the date is only informative
            log.warning("cannot note when a paired browser was last used: %s", exc)

