"""The bundled demo, started on demand: « Énergie Démo »'s portal and a local test inbox standing
in for Libeo, in one child process (python -m backend.demo.service) that lives while a demo
account does. Syncs of the demo account start it when it is not running (after a restart too);
deleting the last demo account, or stopping the server, stops it.

A developer who points the demo recipe at a portal of their own (Settings.url_overrides, as the
tests and `invoice-collector demo` do) keeps it: no child is started then."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from backend import paths
from backend.config import DEMO_INBOX, DEMO_PORTAL_PORT, DEMO_PROVIDER, DEMO_SENDER, Settings
from backend.core.store import Store
from backend.delivery import settings as dsettings

log = logging.getLogger("invoice_collector.demo")
START_TIMEOUT = 30.0
INBOX_MESSAGES_SHOWN = 20


class DemoUnavailable(RuntimeError):
    """The demo child did not start (its output says why, in the server's log)."""


def demo_dir() -> Path:
    return paths.data_dir() / "demo"


class DemoPortal:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._url: str | None = None
        self.smtp_port: int | None = None

    @property
    def external_url(self) -> str | None:
        """The developer's own portal for the demo recipe (url_overrides), if any."""
        return self.settings.url_overrides.get(DEMO_PROVIDER, {}).get("portal")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def url(self) -> str | None:
        return self.external_url or (self._url if self.running else None)

    def ensure_running(self, store: Store) -> str:
        """The portal's URL, starting the child first when needed. Raises DemoUnavailable."""
        if self.external_url:
            return self.external_url
        with self._lock:
            if not self.running:
                self._start()
                self._follow_inbox_port(store)
            assert self._url is not None  # set by _start
            return self._url

    def _start(self) -> None:
        base = demo_dir()
        command = [sys.executable, "-m", "backend.demo.service", "--portal-state", str(base / "portal"),
                   "--inbox", str(base / "inbox"), "--port", str(DEMO_PORTAL_PORT)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        stdout = process.stdout
        assert stdout is not None  # stdout=PIPE
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        try:
            started = json.loads(first_line[0]) if first_line and first_line[0] else None
        except ValueError:
            started = None
        if started is None:
            process.kill()
            process.wait(5)
            stdout.close()
            if process.stdin is not None:
                process.stdin.close()
            raise DemoUnavailable(f"the demo did not start (exit status {process.poll()})")
        self._process, self._url, self.smtp_port = process, started["portal"], started["smtp_port"]
        log.info("demo portal started on %s, its test inbox on 127.0.0.1:%s", self._url, self.smtp_port)

    def stop(self) -> None:
        with self._lock:
            process, self._process, self._url, self.smtp_port = self._process, None, None, None
        if process is None:
            return
        assert process.stdin is not None  # stdin=PIPE
        process.stdin.close()  # the child's signal to stop
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        finally:
            if process.stdout is not None:
                process.stdout.close()
        log.info("demo portal stopped")

    # ---------------------------------------------------------------- publishing

    def publish(self, store: Store) -> dict[str, Any]:
        """A new invoice on the demo portal (its own route, as the walkthrough's store call)."""
        url = self.ensure_running(store)
        request = urllib.request.Request(f"{url}/admin/publish", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    # ---------------------------------------------------------------- the local test inbox

    def test_inbox_in_use(self, store: Store) -> bool:
        libeo = dsettings.load_libeo(store)
        return libeo.inbox == DEMO_INBOX and dsettings.is_loopback(libeo.smtp_host)

    def use_test_inbox(self, store: Store) -> None:
        """Libeo delivery goes to the test inbox (plain SMTP on loopback, no login)."""
        self.ensure_running(store)
        if self.smtp_port is None:
            raise DemoUnavailable("the demo runs on a portal of the developer's (url_overrides): no test inbox")
        libeo = dsettings.merge_libeo(dsettings.LibeoSettings(), {
            "enabled": True, "inbox": DEMO_INBOX, "sender": DEMO_SENDER, "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_port, "smtp_security": "plain"}, has_password=False)
        dsettings.save_libeo(store, libeo)

    def _follow_inbox_port(self, store: Store) -> None:
        """A restarted child may listen on another port: the saved destination follows it."""
        if self.smtp_port is not None and self.test_inbox_in_use(store):
            libeo = dsettings.load_libeo(store)
            if libeo.smtp_port != self.smtp_port:
                libeo.smtp_port = self.smtp_port
                dsettings.save_libeo(store, libeo)

    def drop_test_inbox(self, store: Store) -> None:
        """The demo is gone: Libeo delivery is as it was before, not set up."""
        if self.test_inbox_in_use(store):
            dsettings.save_libeo(store, dsettings.LibeoSettings())

    def inbox_messages(self) -> list[dict[str, Any]]:
        """What the test inbox received, newest first: what Libeo would have received."""
        shown = []
        for path in sorted((demo_dir() / "inbox").glob("*.eml"), reverse=True)[:INBOX_MESSAGES_SHOWN]:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            shown.append({"subject": str(message["Subject"] or ""), "to": str(message["To"] or ""),
                          "date": str(message["Date"] or ""),
                          "attachments": [part.get_filename() for part in message.iter_attachments()
                                          if part.get_filename()]})
        return shown

    def state(self, store: Store) -> dict[str, Any]:
        return {"provider": DEMO_PROVIDER, "running": self.running or bool(self.external_url),
                "portal_url": self.url(),
                "test_inbox": {"address": DEMO_INBOX, "in_use": self.test_inbox_in_use(store),
                               "available": self._test_inbox_available(store),
                               "messages": self.inbox_messages()}}

    def _test_inbox_available(self, store: Store) -> bool:
        """Offered while Libeo delivery is not set up (or is the test inbox already) and the demo
        account is the only one: a real supplier's invoices never go to the test inbox."""
        libeo = dsettings.load_libeo(store)
        real = store.query_one("SELECT 1 FROM accounts WHERE provider <> ? LIMIT 1", (DEMO_PROVIDER,))
        return not self.external_url and not real and (not libeo.inbox or libeo.inbox == DEMO_INBOX)


