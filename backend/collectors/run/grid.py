"""A Selenium Grid as the run, the server and `doctor` see it, without Selenium (the server imports this):

- its address with and without credentials (http://user:password@host: the password is never shown);
- its /status read as slots (free or busy) and its queue of new-session requests (GraphQL);
- the remote sessions a run records in a small file while it holds them, so that a run that dies
  (killed, out of memory, the server with it) leaves no slot held: whoever finds the file deletes the
  session through the Grid (DELETE /session/{id}) instead of waiting for the Grid's session timeout."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

log = logging.getLogger("invoice_collector.grid")
STATUS_TIMEOUT = 5.0
DELETE_TIMEOUT = 30.0  # ending a session quits its browser on the node


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without user:password@, user, password); percent-escapes in them decoded."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    unquote = urllib.parse.unquote
    return bare, unquote(parts.username or ""), unquote(parts.password) if parts.password is not None else None


def shown(url: str) -> str:
    """The Grid's address as logs and messages may show it: no credentials."""
    return split_credentials(url)[0]


def origin(url: str) -> str:
    """scheme://host:port, which names the Grid its credentials belong to."""
    parts = urllib.parse.urlsplit(shown(url))
    return f"{parts.scheme}://{parts.netloc}"


def with_credentials(url: str, user: str | None, password: str | None) -> str:
    if user is None:
        return url
    parts = urllib.parse.urlsplit(url)
    quote = urllib.parse.quote
    userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


def websocket_header(url: str | None) -> list[str]:
    """The header a Grid with credentials wants on its WebSockets (a session's se:cdp DevTools);
    none for a Grid without credentials or a local browser."""
    if not url:
        return []
    _, user, password = split_credentials(url)
    if user is None:
        return []
    pair = f"{user}:{password or ''}".encode()
    return [f"Authorization: Basic {base64.b64encode(pair).decode('ascii')}"]


def _call(method: str, url: str, path: str, timeout: float, **kwargs: object) -> requests.Response:
    bare, user, password = split_credentials(url)
    auth = (user, password or "") if user is not None else None
    return requests.request(method, bare.rstrip("/") + path, auth=auth, timeout=timeout, **kwargs)  # type: ignore[arg-type]


class GridError(Exception):
    """The Grid cannot be asked: the message names it (without credentials) and what to check."""


@dataclass
class GridStatus:
    ready: bool
    message: str
    slots: int | None  # None: not a Grid (a plain remote chromedriver)
    free: int | None
    queued: int | None  # new-session requests waiting for a slot; None when the Grid does not say


def status(url: str, timeout: float = STATUS_TIMEOUT) -> GridStatus:
    """The Grid's /status and queue, or GridError saying why not."""
    where = shown(url)
    try:
        answer = _call("GET", url, "/status", timeout)
    except requests.RequestException as exc:
        raise GridError(f"the Selenium Grid at {where} cannot be reached ({type(exc).__name__})") from None
    if answer.status_code == 401:
        raise GridError(f"the Selenium Grid at {where} refused the credentials (HTTP 401)")
    try:
        value = answer.json()["value"]
    except (ValueError, KeyError, TypeError):
        raise GridError(f"{where} does not answer as a Selenium Grid (HTTP {answer.status_code} on /status)") from None
    ready, message = bool(value.get("ready")), str(value.get("message") or "")
    if "nodes" not in value:  # a plain remote chromedriver: one browser at a time, no queue
        return GridStatus(ready, message, None, None, None)
    slots = [slot for node in value["nodes"] or [] if node.get("availability", "UP") == "UP"
             for slot in node.get("slots") or []]
    free = sum(1 for slot in slots if not slot.get("session"))
    return GridStatus(ready, message, len(slots), free, _queued(url))


def _queued(url: str) -> int | None:
    try:
        answer = _call("POST", url, "/graphql", STATUS_TIMEOUT, json={"query": "{ grid { sessionQueueSize } }"})
        return int(answer.json()["data"]["grid"]["sessionQueueSize"])
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None  # a plain remote WebDriver (one chromedriver) has no queue


def delete_session(url: str, session_id: str) -> bool:
    """End a session the Grid still holds; True when it is gone (ended now, or already)."""
    try:
        answer = _call("DELETE", url, f"/session/{urllib.parse.quote(session_id, safe='')}", DELETE_TIMEOUT)
    except requests.RequestException as exc:
        log.warning("cannot end session %s on the Selenium Grid at %s: %s", session_id, shown(url), type(exc).__name__)
        return False
    return answer.status_code < 500 or "invalid session id" in answer.text or "Unable to find" in answer.text


# ---- sessions recorded while a run holds them ----------------------------------------------------
def record_session(record: Path, url: str, session_id: str) -> None:
    """Written as soon as the Grid gives the run a session; removed once the session has ended."""
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_suffix(".part")
    partial.write_text(json.dumps({"grid": shown(url), "session": session_id}), encoding="utf-8")
    os.replace(partial, record)


def forget_session(record: Path | None) -> None:
    if record is not None:
        record.unlink(missing_ok=True)


def release_recorded(record: Path, configured_url: str | None) -> bool:
    """End the session a record names, if any, then remove the record. The record keeps no credentials:
    those of the configured Grid are used when it is the same Grid. False when the Grid could not be
    asked (the record stays, for the next try)."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        grid, session_id = str(data["grid"]), str(data["session"])
    except FileNotFoundError:
        return True
    except (OSError, ValueError, KeyError, TypeError):
        record.unlink(missing_ok=True)  # half written: the session was never used
        return True
    url = configured_url if configured_url and origin(configured_url) == origin(grid) else grid
    if not delete_session(url, session_id):
        return False
    log.warning("ended session %s left on the Selenium Grid at %s by an interrupted run", session_id, grid)
    record.unlink(missing_ok=True)
    return True


def release_all(folder: Path, configured_url: str | None) -> int:
    """End every session recorded in folder (the server's start); returns how many records were settled."""
    if not folder.is_dir():
        return 0
    settled = 0
    for record in sorted(folder.glob("*.json")):
        with contextlib.suppress(OSError):
            if not release_recorded(record, configured_url):
                break  # the Grid does not answer: the records wait for the next start, not each its timeout
            settled += 1
    for partial in folder.glob("*.part"):
        partial.unlink(missing_ok=True)
    return settled
