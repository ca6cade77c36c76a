"""Small helpers shared by the tests: free ports, threaded fixture servers, test PDFs, waiting."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread (threaded: Chromium keeps connections open)."""
    server = make_server("127.0.0.1", port or 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def make_pdf(text: str = "invoice") -> bytes:
    """A real, parseable PDF whose bytes differ with `text`."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition",
             every: float = 0.02, explain: Callable[[], str] | None = None) -> Any:
    """Poll with a deadline (no fixed sleeps): returns the first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}"
                                 + (f"\n{explain()}" if explain else ""))
        time.sleep(every)


def assert_api_error(response: Any, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The API's one error shape, {"error": {"code", "message", "message_en", "message_fr", "fields"}},
    with this status (and code, and a problem on this field when given). Takes a Flask test response
    or a requests one; returns the "error" object for further checks."""
    body = response.get_json() if hasattr(response, "get_json") else response.json()
    actual = response.status_code
    assert actual == status, f"HTTP {actual} instead of {status}: {body}"
    error = body["error"]
    assert set(error) == {"code", "message", "message_en", "message_fr", "fields"} and error["message"], body
    assert error["message_en"] and error["message_fr"], body
    if code is not None:
        assert error["code"] == code, body
    if field is not None:
        assert field in error["fields"], body
    return error


def run_recipe(provider: Any, browser: Any, credentials: dict[str, str], url_overrides: dict[str, str],
               **options: Any) -> Any:
    """One collection with the real engine, as the server's child process runs it (in process here)."""
    from backend.collectors.model import RunRequest
    from backend.collectors.run.runner import run_collection
    request = RunRequest(provider=provider, credentials=credentials, browser=browser, url_overrides=url_overrides,
                         **options)
    return run_collection(request)


def summary(invoices: list) -> list[tuple]:
    """What a user sees of each invoice: key, number, date, due date, amount, currency."""
    return [(i.key, i.number, i.date.isoformat() if i.date else None,
             i.due_date.isoformat() if i.due_date else None,
             str(i.amount) if i.amount is not None else None, i.currency) for i in invoices]


def make_context(driver: Any) -> Any:
    """An engine Context around a driver, for a one-account provider with no steps."""
    from backend.collectors.model import CredentialField, Provider, RunRequest, Terms
    from backend.collectors.run.context import Context
    provider = Provider(id="p", name="P", homepage="https://p.test", category="autre",
                        terms=Terms(version="1", text="t"),
                        credentials=[CredentialField("login", "Identifiant", "Login")], steps=[])
    return Context(RunRequest(provider, {"login": "x"}, Path("/nonexistent")), driver, None)
