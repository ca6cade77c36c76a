"""A local SMTP server that writes each accepted message as a .eml file: it stands in for the
Libeo inbox in the demo, and is the real SMTP server of the delivery tests (aiosmtpd).

Optional STARTTLS / implicit TLS and AUTH (LOGIN/PLAIN) with a fixed user table.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import ssl
import tempfile
import warnings
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port(host: str = "127.0.0.1") -> int:
    # aiosmtpd's Controller(port=0) fails its own readiness check: pick a port first
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class MaildirHandler:
    """Accepts every message and writes it to `directory` as <time>-<random>.eml (atomically)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def store(self, content: bytes) -> Path:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        target = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        return target

    async def handle_DATA(self, server, session, envelope) -> str:
        self.store(envelope.original_content or envelope.content)
        return "250 2.0.0 Message accepted for delivery"

    def messages(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))


class _Authenticator:
    def __init__(self, users: dict[str, str]):
        self.users = users
        self.attempts = 0

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.attempts += 1
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        return AuthResult(success=self.users.get(login) == password and login in self.users, handled=False)


class LocalSmtpServer:
    """aiosmtpd on 127.0.0.1. tls: None | "starttls" | "tls". users: login -> password (AUTH on)."""

    def __init__(self, handler, port: int | None = None, tls: str | None = None,
                 tls_context: ssl.SSLContext | None = None, users: dict[str, str] | None = None,
                 host: str = "127.0.0.1"):
        self.handler = handler
        self.host = host
        self.port = port or free_port(host)
        self.tls = tls
        kwargs: dict[str, Any] = {}  # Controller's keyword arguments
        self.authenticator = _Authenticator(users) if users is not None else None
        if users is not None:
            kwargs.update(authenticator=self.authenticator, auth_required=True,
                          auth_require_tls=tls is not None)
        if tls == "starttls":
            kwargs.update(tls_context=tls_context, require_starttls=True)
        elif tls == "tls":
            # aiosmtpd only counts STARTTLS as TLS for AUTH; here the whole connection is TLS
            kwargs.update(ssl_context=tls_context, auth_require_tls=False)
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        self.controller = Controller(handler, hostname=host, port=self.port,
                                     server_hostname="localhost", **kwargs)

    def start(self) -> LocalSmtpServer:
        if self.controller._thread is None:  # not running yet
            self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:
            self.controller.stop()

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
