"""Does the local server answer? One GET /api/health on 127.0.0.1, short timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from backend import APP_NAME
from backend.i18n import say


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
