"""Run a collection, or load the catalog, in a child Python process.

Why a child: the process that calls this (the server) never imports Selenium, requests or the
recipe validator, so it stays small at rest; two syncs run truly in parallel (one interpreter
each, no shared GIL); a sync's memory returns to the system when it ends; and a run stuck in
C code (a pathological regular expression in a recipe) is killed at its hard deadline.

The request's callbacks (on_invoice, on_progress, ask_code, want_pdf, on_hand_over) stay in the parent: the
child calls them through the pipe and waits for the answer, so an invoice is stored before the
engine goes on, exactly as in process. If the parent dies, the child ends itself and its
browser (the lifeline below); if the child dies, the run ends INTERNAL."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import pickle
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import Any

from backend.collectors.model import RunRequest, RunResult

log = logging.getLogger("invoice_collector.engine")
HOOKS = ("on_invoice", "on_progress", "ask_code", "want_pdf", "on_hand_over")
HARD_GRACE = 60.0  # seconds past the run's own time limit before the child is killed
QUIET_LOGGERS = ("selenium", "urllib3", "websocket")  # their DEBUG lines carry typed values: never forwarded
# Its own session (POSIX) or process group (Windows, without a console window): the child and
# the browser it starts can be ended together, and a Ctrl-C meant for the server is not theirs.
_NEW_SESSION: dict[str, Any]
if sys.platform == "win32":
    _NEW_SESSION = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW}
else:
    _NEW_SESSION = {"start_new_session": True}


class ChildGone(Exception):
    """The collection process ended (or broke the connection) before sending its result."""


class PastDeadline(Exception):
    """The run outlived its hard deadline. Not TimeoutError: that is an OSError, which here means
    the child is gone."""


# ---- parent side ---------------------------------------------------------------------------------
def run_collection_isolated(request: RunRequest, tmp_dir: Path | None = None,
                            hard_grace: float = HARD_GRACE) -> RunResult:
    """run_collection() in a child process; same request, same result. tmp_dir holds the run's
    throwaway folders (else the system's temporary folder)."""
    hooks: dict[str, Callable[..., Any]] = {name: getattr(request, name) for name in HOOKS if getattr(request, name)}
    no_hooks: dict[str, Any] = dict.fromkeys(HOOKS)
    plain = dataclasses.replace(request, **no_hooks)
    deadline = time.monotonic() + request.run_timeout + hard_grace
    try:
        with _Child("run", (plain, sorted(hooks)), tmp_dir) as child:
            while True:
                message = child.receive(deadline)
                if message[0] == "result":
                    return message[1]
                name, args = message[1], message[2]
                started = time.monotonic()
                try:
                    reply = ("return", hooks[name](*args))
                except Exception as exc:  # noqa: BLE001 — raised again in the child, where the engine classifies it
                    reply = ("raise", _picklable(exc))
                deadline += time.monotonic() - started  # the user typing a code, the server storing: not the run's time
                if name == "on_hand_over" and args[0] is not None:
                    deadline += args[0].timeout  # the child waits that long for the user in its window
                child.send(reply)
    except PastDeadline:
        return RunResult("TIMEOUT", f"the collection ran past its time limit ({request.run_timeout:.0f} s) "
                                    "and was stopped")
    except ChildGone as exc:
        log.error("collection process of %s ended: %s", request.provider.id, exc)
        return RunResult("INTERNAL", f"the collection process stopped unexpectedly ({exc})")
    finally:
        _free_grid_session(request)


def _free_grid_session(request: RunRequest) -> None:
    """A child that ended without quitting its Grid session (killed, past its deadline) left its record:
    end the session now rather than let it hold a slot until the Grid's own timeout (300 s by default)."""
    record = request.browser.session_record
    if record is not None and record.exists():
        from backend.collectors.run import grid
        grid.release_recorded(record, request.browser.remote_url)


def load_catalog_isolated(tmp_dir: Path | None = None, timeout: float = 120.0):
    """load_catalog() in a child process: the validator's imports stay out of the caller. If no
    child can do it, this process does (the catalog matters more than the memory)."""
    try:
        return _child_result("catalog", None, tmp_dir, timeout)
    except (ChildGone, PastDeadline) as exc:
        log.warning("loading the recipes in a child process failed (%s): loading them here", exc or "timeout")
        from backend.collectors.language.catalog import load_catalog
        return load_catalog()


def check_recipe_isolated(text: str, file: str, tmp_dir: Path | None = None, timeout: float = 60.0):
    """catalog.load_text() in a child process, for a draft the panel recorded: (providers, errors).
    None when no child could do it (the caller says so rather than load the validator itself)."""
    try:
        return _child_result("check", (text, file), tmp_dir, timeout)
    except (ChildGone, PastDeadline) as exc:
        log.warning("checking a recipe draft in a child process failed (%s)", exc or "timeout")
        return None


def _child_result(task: str, payload: Any, tmp_dir: Path | None, timeout: float) -> Any:
    """What a child answers to a task that calls nothing back (its log lines are forwarded)."""
    with _Child(task, payload, tmp_dir) as child:
        while True:
            message = child.receive(time.monotonic() + timeout)
            if message[0] == "result":
                return message[1]


def _child_env() -> dict[str, str]:
    """This process's environment, with the folder holding `backend` first on the path (a source
    checkout run without installing); the working directory stays: relative paths keep their meaning."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 — an exception type the child could not rebuild
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class _Child:
    """One child process (python -m backend.collectors.run.isolated) and its connection; leaving the
    block always ends it. The child listens on a loopback port and proves the key it was given on
    stdin (multiprocessing's HMAC handshake); its stdin stays open as the lifeline."""

    def __init__(self, task: str, payload: Any, tmp_dir: Path | None):
        key = secrets.token_bytes(32)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend.collectors.run.isolated"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=_child_env(), **_NEW_SESSION)
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None  # both are PIPEs
        try:
            stdin.write(key.hex().encode() + b"\n")
            stdin.flush()
            port = stdout.readline().strip()
            if not port.isdigit():  # it died before listening (the stderr it inherited says why)
                raise EOFError
            self.conn = Client(("127.0.0.1", int(port)), authkey=key)
        except (OSError, EOFError) as exc:
            _kill_tree(self.process.pid)
            raise ChildGone(self._why(exc)) from None
        level = logging.getLogger("invoice_collector").getEffectiveLevel()
        self.send((task, payload, str(tmp_dir) if tmp_dir else None, level))

    def __enter__(self) -> _Child:
        return self

    def send(self, message: Any) -> None:
        try:
            self.conn.send(message)
        except (OSError, EOFError) as exc:
            raise ChildGone(self._why(exc)) from None

    def receive(self, deadline: float) -> Any:
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0 or not self.conn.poll(left):
                    if time.monotonic() >= deadline:
                        raise PastDeadline
                    continue
                message = self.conn.recv()
            except (OSError, EOFError) as exc:
                raise ChildGone(self._why(exc)) from None
            if message[0] == "log":
                record = message[1]
                logger = logging.getLogger(record.name)
                if logger.isEnabledFor(record.levelno):
                    logger.handle(record)
                continue
            return message

    def _why(self, exc: BaseException) -> str:
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            return type(exc).__name__
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        self.conn.close()
        if exc_type is None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # then it is ended below
                self.process.wait(10)  # it sent its result: its browser has quit, it is exiting
        # Timed out, or died (what it started may live on: killed by the OOM killer, its Chromium
        # is still running), or simply done (then nothing is left to find).
        _kill_tree(self.process.pid)
        assert self.process.stdin is not None and self.process.stdout is not None  # both are PIPEs (__init__)
        self.process.stdin.close()  # the lifeline
        self.process.stdout.close()
        self.process.wait()


def _kill_tree(session: int) -> None:
    """End the child and everything it started. The child leads its own session (child_main);
    chromedriver gives Chromium a process group of its own inside it, so on Linux every member
    of the session is found in /proc; elsewhere the child's process group is what can be reached."""
    me = os.getpid()
    members = set()
    if os.path.isdir("/proc"):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and int(entry.name) != me:
                try:
                    if os.getsid(int(entry.name)) == session:
                        members.add(int(entry.name))
                except OSError:  # already gone, or not ours
                    continue
    gone = (ProcessLookupError, PermissionError)  # already ended (its pid may even be another's now)
    for pid in members:
        with contextlib.suppress(*gone):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(*gone):  # last: called from the child itself, this ends it
        if hasattr(os, "killpg"):
            os.killpg(session, signal.SIGKILL)
        else:
            os.kill(session, signal.SIGTERM)


# ---- child side ----------------------------------------------------------------------------------
class _PipeLogHandler(logging.Handler):
    def __init__(self, send: Callable[[Any], None]):
        super().__init__()
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.exc_info:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.msg, record.args, record.exc_info = record.getMessage(), None, None
            self.send(("log", record))
        except Exception:  # noqa: BLE001 — a log line must never stop a collection
            self.handleError(record)  # logging's own policy: a note on stderr, then go on


def child_main() -> None:
    """The child: prove the key, receive the task, run it, send the result."""
    key = bytes.fromhex(sys.stdin.buffer.readline().decode().strip())
    if not key:
        return  # the parent died before it said anything
    threading.Thread(target=_watch_parent, daemon=True).start()  # from here on: a parent that dies ends us
    listener = Listener(("127.0.0.1", 0), authkey=key)
    out, sys.stdout = sys.stdout, sys.stderr  # stdout carries the port, then nothing: stray prints go to stderr
    out.write(f"{listener.address[1]}\n")
    out.flush()
    while True:
        try:
            conn = listener.accept()
            break
        except AuthenticationError:  # another local process knocked; it cannot know the key
            continue
    listener.close()
    task, payload, tmp_dir, level = conn.recv()
    if tmp_dir:
        Path(tmp_dir).mkdir(parents=True, exist_ok=True)
        # The run's throwaway folders (downloads, profile, cache). Not $TMPDIR: Chromium puts its
        # singleton socket there, and a socket path longer than 107 bytes stops it from starting.
        tempfile.tempdir = tmp_dir
    lock = threading.Lock()

    def send(message: Any) -> None:
        with lock:
            conn.send(message)

    root = logging.getLogger()
    root.handlers[:] = [_PipeLogHandler(send)]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    if task == "catalog":
        from backend.collectors.language.catalog import load_catalog
        send(("result", load_catalog()))
        return
    if task == "check":
        from backend.collectors.language.catalog import load_text
        send(("result", load_text(*payload)))
        return
    request, hook_names = payload

    def remote(name: str) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            with lock:
                conn.send(("call", name, args))
                kind, value = conn.recv()
            if kind == "raise":
                raise value
            return value
        return call

    request = dataclasses.replace(request, **{name: remote(name) for name in hook_names})
    from backend.collectors.run.runner import run_collection
    result = run_collection(request)
    send(("result", result))


def _watch_parent() -> None:
    # The raw descriptor: a thread blocked in sys.stdin would hold its lock at exit. Nothing is
    # ever written after the key: a read returns only at end of file (or fails) — the parent is gone.
    with contextlib.suppress(OSError):
        while os.read(sys.stdin.fileno(), 65536):
            continue
    # stdin closed: the parent is gone (killed, or quit) and nothing could store what this run
    # collects. End the browser, then this process.
    if hasattr(os, "getsid"):
        _kill_tree(os.getsid(0))
    os._exit(1)


if __name__ == "__main__":
    # Once everything is sent and the browser has quit, skip the interpreter's teardown (time, and
    # the watcher thread is still blocked reading stdin).
    try:
        child_main()
    except BaseException:  # noqa: BLE001 — say why on stderr; the parent reports the exit code
        import traceback
        traceback.print_exc()
        os._exit(1)
    os._exit(0)
