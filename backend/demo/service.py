"""The demo as a child of `invoice-collector serve`: the demo portal and its local test inbox,
started on demand by the server (backend/server/demo_portal.py), which reads their addresses on
the first line of stdout. The child lives as long as its stdin is open: the server closes it to
stop the demo, and a server that dies closes it too, so no demo outlives its server.

    python -m backend.demo.service --portal-state DIR --inbox DIR [--port 47312]
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from pathlib import Path

from backend.config import DEMO_PORTAL_PORT
from backend.demo.inbox import LocalSmtpServer, MaildirHandler
from backend.demo.portal import RunningDemoPortal


def start_portal(state_dir: Path, port: int) -> RunningDemoPortal:
    """On its own port when free (the recipe's URL), else on any free one: the port is taken by
    another server's demo or another program, and the server then overrides the recipe's URL."""
    return RunningDemoPortal(state_dir, port if port_is_free(port) else 0)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Asked first because werkzeug, on a taken port, prints a message and exits the process
    rather than raise."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.demo.service")
    parser.add_argument("--portal-state", type=Path, required=True)
    parser.add_argument("--inbox", type=Path, required=True)
    parser.add_argument("--port", type=int, default=DEMO_PORTAL_PORT)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise in the server's log
    portal = start_portal(args.portal_state, args.port)
    inbox = LocalSmtpServer(MaildirHandler(args.inbox)).start()
    try:
        print(json.dumps({"portal": portal.url, "smtp_port": inbox.port}), flush=True)
        sys.stdin.read()  # until the server closes it
    finally:
        inbox.stop()
        portal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
