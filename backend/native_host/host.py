"""`python -m backend.native_host ORIGIN`: what Chrome starts when our extension calls
chrome.runtime.sendNativeMessage("fr.invoice_collector.host", …).

Messages (see framing.py), each answered once:
  {"type": "hello"}  → {"app", "version", "port", "running"}
  {"type": "start"}  → the server started if it was not running (as `autostart enable` starts it:
                       detached, with this INVOICE_COLLECTOR_HOME) → {"port", "running": true}
  {"type": "pair", "name"?, "user_agent"?} → the server started if needed, then a new pairing
                       through POST /api/pair itself, the code path every pairing takes → {"token", "port"}
  anything wrong     → {"error": {"code", "message_en", "message_fr"}}

Who can reach this: Chrome starts it only for the origins the manifest we wrote allows (our pinned
extension id), and passes the caller's origin as the first argument, checked again here (a copied
manifest, another browser wired by hand). Web pages have no way to reach a native host at all, and
other extensions are refused by Chrome before anything runs. What remains is our own pages asking
too often (a bug, or a script injected into one of them): a few pairings and starts per ten minutes
across all processes, a few messages per process, and every pairing is listed and revocable.

stdout carries the messages and nothing else: print() goes to stderr (Chrome's log), our own log
to native-host.log in the log folder. Tokens are never logged."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import time
import unicodedata
from typing import IO, Any

from backend import APP_NAME, __version__, config, paths
from backend.autostart import start_now
from backend.autostart.common import Install
from backend.core.locks import exclusive
from backend.i18n import Said, say
from backend.native_host.framing import FramingError, read_message, write_message
from backend.redact import mask_logs
from backend.server import pairing
from backend.server.probe import answering_elsewhere, probe

LOG_FILE = "native-host.log"
MAX_MESSAGES = 8  # per process: sendNativeMessage sends one; a connectNative port cannot loop for ever
LIMITS = {"pair": (5, 600.0), "start": (5, 600.0)}  # at most N calls per window of S seconds, all processes
TEXT_MAX = {"name": 60, "user_agent": 512}
log = logging.getLogger("invoice_collector.native_host")


class HostError(Exception):
    def __init__(self, code: str, message: Said):
        super().__init__(message)
        self.code = code
        self.message = message

    def answer(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message_en": str(self.message), "message_fr": self.message.fr}}


def expected_origin() -> str:
    from backend.autostart.browser_hosts import allowed_origin
    return allowed_origin()


# ---- rate limits, shared by every host process (each message may be a new process) ----------
def _calls_file():
    return paths.data_dir() / "native-host-calls.json"


def take_turn(action: str, now: float | None = None) -> None:
    """Counts one `action`, or refuses it when the window's allowance is used up."""
    allowed, window = LIMITS[action]
    now = time.time() if now is None else now
    with exclusive(paths.data_dir() / "native-host.lock"):
        try:
            calls = json.loads(_calls_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            calls = {}
        recent = [t for t in calls.get(action, []) if isinstance(t, (int, float)) and now - window < t <= now]
        if len(recent) >= allowed:
            minutes = int(window // 60)
            raise HostError("too_many_requests", say(
                f"asked too often: wait {minutes} minutes, or pair with a code (`invoice-collector pair`)",
                f"demandé trop souvent : attendez {minutes} minutes, ou associez avec un code "
                "(`invoice-collector pair`)"))
        calls[action] = recent + [now]
        _calls_file().write_text(json.dumps(calls), encoding="utf-8")


# ---- the server -----------------------------------------------------------------------------
def server_port() -> tuple[int, bool]:
    """Where this home's server answers (or should: the configured port), and whether it does."""
    port = config.load().port
    if probe(port, timeout=1).answering:
        return port, True
    elsewhere = answering_elsewhere(port)
    return (elsewhere, True) if elsewhere else (port, False)


def ensure_server() -> int:
    port, running = server_port()
    if running:
        return port
    take_turn("start")
    note = start_now(port)(Install.current().launcher_argv())
    log.info("server start asked: %s", note)
    if not probe(port, timeout=2).answering:
        raise HostError("server_not_started", say(
            f"the server did not start: {note}. Run `invoice-collector doctor` in a terminal",
            f"le serveur n'a pas démarré : {note}. Lancez `invoice-collector doctor` dans un terminal"))
    return port


# ---- the messages ---------------------------------------------------------------------------
def _text(message: dict, field: str) -> str | None:
    value = message.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX[field] \
            or any(unicodedata.category(ch).startswith("C") for ch in value):
        raise HostError("bad_message", say(f"`{field}`: 1 to {TEXT_MAX[field]} printable characters",
                                           f"`{field}` : 1 à {TEXT_MAX[field]} caractères imprimables"))
    return value.strip()


def hello(message: dict) -> dict:
    port, running = server_port()
    return {"app": APP_NAME, "version": __version__, "port": port, "running": running}


def start(message: dict) -> dict:
    return {"port": ensure_server(), "running": True}


def pair(message: dict) -> dict:
    import requests
    name, user_agent = _text(message, "name"), _text(message, "user_agent")
    take_turn("pair")
    port = ensure_server()
    # A pairing window opened here and redeemed at once: POST /api/pair creates the token, as for
    # a code typed in the panel (a window `invoice-collector pair` just opened is replaced).
    code, _ = pairing.open_window()
    body = {"code": code} | ({"name": name} if name else {})
    try:
        answer = requests.post(f"http://127.0.0.1:{port}/api/pair", json=body, timeout=30,
                               headers={"User-Agent": user_agent or "", "Accept": "application/json"})
    except requests.RequestException as exc:
        pairing.close_window()
        raise HostError("pairing_failed", say(f"the server did not answer ({exc.__class__.__name__})",
                                              f"le serveur n'a pas répondu ({exc.__class__.__name__})")) from None
    if answer.status_code != 200:
        pairing.close_window()
        try:
            error = answer.json()["error"]
            why = say(str(error["message_en"]), str(error["message_fr"]))
        except (ValueError, KeyError, TypeError):
            why = say(f"HTTP {answer.status_code}", f"HTTP {answer.status_code}")
        raise HostError("pairing_failed", why)
    log.info("paired a browser (%s) with the server on port %s", name or user_agent or "unnamed", port)
    return {"token": answer.json()["token"], "port": port}


HANDLERS = {"hello": hello, "start": start, "pair": pair}


def answer(message: Any) -> dict:
    if not isinstance(message, dict) or message.get("type") not in HANDLERS:
        kind = message.get("type") if isinstance(message, dict) else None
        raise HostError("unknown_type", say(f"unknown message type {kind!r} (hello, start or pair)",
                                            f"type de message inconnu {kind!r} (hello, start ou pair)"))
    return HANDLERS[message["type"]](message)


def serve(origin: str, incoming: IO[bytes], outgoing: IO[bytes]) -> int:
    expected = expected_origin()
    if origin != expected:
        log.warning("refused a caller: origin %r is not %r", origin, expected)
        write_message(outgoing, HostError("wrong_origin", say(
            "this program answers only the « Collecte de factures » extension",
            "ce programme ne répond qu'à l'extension « Collecte de factures »")).answer())
        return 2
    for _ in range(MAX_MESSAGES):
        try:
            message = read_message(incoming)
        except FramingError as exc:
            log.warning("unreadable message: %s", exc)
            write_message(outgoing, HostError("bad_message", say(f"unreadable message: {exc}",
                                                                 f"message illisible : {exc}")).answer())
            return 1
        if message is None:
            return 0
        try:
            reply = answer(message)
        except HostError as exc:
            log.warning("%s: %s", exc.code, exc.message)
            reply = exc.answer()
        write_message(outgoing, reply)
    return 0


def setup_logging() -> None:
    handler = logging.handlers.RotatingFileHandler(paths.log_dir() / LOG_FILE, maxBytes=200_000, backupCount=1,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    mask_logs(root)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    if sys.platform == "win32":  # no \n → \r\n translation inside the length-prefixed messages
        import msvcrt
        msvcrt.setmode(channel_in.fileno(), os.O_BINARY)
        msvcrt.setmode(channel_out.fileno(), os.O_BINARY)
    sys.stdout = sys.stderr  # a stray print() must never corrupt the channel
    setup_logging()
    # Chrome passes the caller's origin first (and, on Windows, --parent-window=… after it).
    origin = args[0] if args else ""
    try:
        return serve(origin, channel_in, channel_out)
    except Exception:  # logged for the user: Chrome only sees the host exit
        log.exception("the native host failed")
        return 1
