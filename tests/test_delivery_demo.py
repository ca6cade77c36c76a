"""`invoice-collector demo` in a fresh home, twice, on a machine with no keyring session: the real
portal, Chromium, server pieces, delivery worker and a local SMTP inbox."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from backend.core.store import Store

pytestmark = pytest.mark.browser


def run_demo(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")}
    env["INVOICE_COLLECTOR_HOME"] = str(home)  # no keyring reachable: the demo must bring its own
    return subprocess.run([sys.executable, "-m", "backend", "demo", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def leftover_processes(home: Path) -> list[str]:
    """dbus-daemon / gnome-keyring-daemon processes started for this home and still running."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(home).encode() in (entry / "environ").read_bytes():
                found.append((entry / "comm").read_text().strip())
        except OSError:
            continue
    return [name for name in found if "dbus" in name or "keyring" in name]


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_demo_twice_in_a_fresh_home(tmp_path):
    home = tmp_path / "fresh-home"
    first = run_demo(home)
    assert first.returncode == 0, first.stderr + first.stdout
    text = first.stdout
    assert "Keyring: a private Secret Service for the demo" in text
    assert "6 invoice(s) already on the portal → baseline" in text
    assert "Delivered: invoice n° FA" in text
    assert "Summary: 7 invoice(s) collected, 6 baseline" in text and "1 delivered" in text
    inbox = home / "demo-inbox"
    [eml] = sorted(inbox.glob("*.eml"))
    first_bytes = eml.read_bytes()
    msg = parse(eml)
    assert (msg["From"], msg["To"]) == ("demo@invoice-collector.example", "demo-entreprise@box.libeo.io")
    assert msg["Subject"].startswith("Facture Énergie Démo n° FA")
    [pdf] = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    store = Store(home / "data" / "invoice-collector.sqlite3", home / "data" / "pdf")
    [sent] = store.query("SELECT i.sha256, d.message_id, d.attempts FROM deliveries d JOIN invoices i "
                         "ON i.id = d.invoice_id WHERE d.status = 'sent'")
    assert pdf.get_content() == store.pdf_path(sent["sha256"]).read_bytes()
    assert len(PdfReader(io.BytesIO(pdf.get_content())).pages) >= 1
    assert msg["Message-ID"] == sent["message_id"] and sent["attempts"] == 1
    baseline = store.query_one("SELECT COUNT(*) AS n FROM invoices WHERE baseline = 1")["n"]
    assert baseline == 6 and store.query_one("SELECT COUNT(*) AS n FROM deliveries i JOIN invoices v ON "
                                             "v.id = i.invoice_id WHERE v.baseline = 1")["n"] == 0

    second = run_demo(home, "--json")
    assert second.returncode == 0, second.stderr + second.stdout
    assert json.loads(second.stdout) == {"collected": 1, "delivered": 1, "baseline": 0, "inbox": str(inbox)}
    assert second.stdout.count("\n") == 1  # only the JSON on stdout; the steps went to stderr
    messages = sorted(inbox.glob("*.eml"))
    assert len(messages) == 2 and messages[0].read_bytes() == first_bytes  # the first one was not sent again
    assert len({parse(m)["Message-ID"] for m in messages}) == 2
    rows = store.query("SELECT status, attempts FROM deliveries")
    assert [tuple(r) for r in rows] == [("sent", 1), ("sent", 1)]
    deadline = time.monotonic() + 15
    while leftover_processes(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftover_processes(home) == []


def test_session_keyring_fallback_is_accepted_and_works(monkeypatch):
    """Without dbus-run-session / gnome-keyring the demo keeps its secrets in memory for the session."""
    import keyring

    from backend.core import keyring_store
    from backend.demo.keyring import SessionKeyring
    previous = keyring.get_keyring()
    keyring.set_keyring(SessionKeyring())
    try:
        keyring_store.check_backend()  # not refused like the fail / plaintext backends
        keyring_store.set_credentials(1, {"password": "demo-password"})
        assert keyring_store.get_credentials(1, ["password"]) == {"password": "demo-password"}
        keyring_store.delete_credentials(1, ["password"])
        assert keyring_store.get_credentials(1, ["password"]) == {}
    finally:
        keyring.set_keyring(previous)


def test_a_deep_home_gets_a_short_runtime_folder_for_the_keyrings_socket(tmp_path):
    """A Unix socket address holds 108 bytes: under a deep home the daemon could not bind its
    control socket and the demo hung two minutes, then failed. The sockets go elsewhere then."""
    from backend.demo.keyring import _runtime_dir
    with tempfile.TemporaryDirectory(prefix="h") as short_home:  # tmp_path itself may be too deep
        shallow = Path(short_home) / "demo-keyring"
        with _runtime_dir(shallow) as runtime:
            assert runtime == shallow / "run" and runtime.stat().st_mode & 0o777 == 0o700
    deep = tmp_path / ("d" * 60) / "fresh-home" / "demo-keyring"
    with _runtime_dir(deep) as runtime:
        assert len(str(runtime / "keyring" / "control")) < 108 and runtime.stat().st_mode & 0o777 == 0o700
        assert not str(runtime).startswith(str(tmp_path))
    assert not runtime.exists()  # removed once the demo is over
