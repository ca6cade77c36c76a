"""Does the local server answer, and on which port? One GET /api/health on 127.0.0.1, short
timeout; a running server also records its port in the data folder, so that a command looking on
the configured port can find it when it was started with `serve --port N`."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field

from backend import APP_NAME, paths
from backend.i18n import say

RUNNING_FILE = "server.json"  # {"pid", "port"} of the server of this data folder, while it runs


@dataclass
class Health:
    url: str
    answering: bool
    detail: str  # what answered ("invoice-collector 0.1.0") or why nothing did (with its French twin)
    data: dict = field(default_factory=dict)


def probe(port: int, timeout: float = 2.0) -> Health:
    import requests  # here, not at the top: `serve` builds the same CLI and must not carry it (≈ 10 MB)
    url = f"http://127.0.0.1:{port}/api/health"
    try:
        response = requests.get(url, timeout=timeout)
    except requests.ConnectionError:
        return Health(url, False, say("nothing listens on that port", "rien n'écoute sur ce port"))
    except requests.RequestException as exc:
        return Health(url, False, say(f"no answer ({exc.__class__.__name__})", f"pas de réponse ({exc.__class__.__name__})"))
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict) or data.get("app") != APP_NAME:
        return Health(url, False, say(f"another program answers on port {port} (HTTP {response.status_code})",
                                     f"un autre programme répond sur le port {port} (HTTP {response.status_code})"))
    return Health(url, True, f"{APP_NAME} {data.get('version', '')}".strip(), data)


def wait_for(port: int, deadline_s: float, step_s: float = 0.2) -> Health:
    """Poll until the server answers or the deadline passes (a server takes a moment to bind)."""
    end = time.monotonic() + deadline_s
    while True:
        health = probe(port, timeout=min(2.0, deadline_s))
        if health.answering or time.monotonic() >= end:
            return health
        time.sleep(step_s)


def stop_server(port: int, timeout: float = 30.0) -> str | None:
    """Stop the invoice-collector server answering on this port (SIGTERM: it finishes what it
    writes, then exits). Returns what was done, or None when no such server runs."""
    import psutil
    if not probe(port).answering:
        return None
    listeners = [c.pid for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid]
    for pid in listeners:
        try:
            process = psutil.Process(pid)  # the health answer said invoice-collector listens there
            if process.username() != psutil.Process().username():
                continue
            process.terminate()
            process.wait(timeout)
        except psutil.TimeoutExpired:
            return f"asked the server (pid {pid}) to stop; it is still stopping"
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        return f"stopped the server (pid {pid})"
    return "the server on this port was not started by this user: stop it where it was started"


def record_listening(port: int) -> None:
    """Called by `serve` once it listens: where this data folder's server answers."""
    path = paths.data_dir() / RUNNING_FILE
    temp = path.with_name(f".{RUNNING_FILE}.{os.getpid()}")
    temp.write_text(json.dumps({"pid": os.getpid(), "port": port}), encoding="utf-8")
    os.replace(temp, path)


def forget_listening() -> None:
    """Called by `serve` as it stops (a record left by a crash is checked by probing it)."""
    if recorded().get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (paths.data_dir() / RUNNING_FILE).unlink()


def recorded() -> dict:
    """What the last server of this data folder recorded ({} when nothing or something unreadable)."""
    try:
        data = json.loads((paths.data_dir() / RUNNING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def answering_elsewhere(port: int) -> int | None:
    """The port this data folder's server answers on when it is not `port`, or None."""
    other = recorded().get("port")
    if not isinstance(other, int) or other == port:
        return None
    return other if probe(other, timeout=1).answering else None
