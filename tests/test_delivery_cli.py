"""`invoice-collector libeo …` as a user runs it (a subprocess, the real keyring and SMTP server)."""

from __future__ import annotations

import os
import subprocess
import sys

import keyring
import pytest

from backend.core.keyring_store import service
from tests.test_delivery_support import CERT, SMTP_PASSWORD, SMTP_USER, start_smtp

pytestmark = pytest.mark.keyring


@pytest.fixture
def run(home):
    env = dict(os.environ, INVOICE_COLLECTOR_HOME=str(home), SSL_CERT_FILE=str(CERT))

    def invoke(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "backend", "libeo", *args], input=stdin, env=env,
                              capture_output=True, text=True, timeout=60)
    yield invoke
    keyring.delete_password(service(home), "smtp-password") if keyring.get_password(
        service(home), "smtp-password") else None


def test_set_show_and_test_against_a_real_smtp_server(run, tmp_path):
    bad = run("set", "--inbox", "acme@gmail.com", "--smtp-host", "smtp.example.com", "--security", "plain")
    assert bad.returncode == 2
    assert "inbox: must be your Libeo inbox" in bad.stderr and "smtp-security: plain" in bad.stderr
    with start_smtp(tmp_path / "inbox") as server:
        done = run("set", "--inbox", "acme-sarl@box.libeo.io", "--sender", "jeanne@acme.fr", "--smtp-host",
                   "localhost", "--smtp-port", str(server.port), "--security", "starttls", "--username", SMTP_USER,
                   "--password-stdin", "--enable", stdin=SMTP_PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        assert "Libeo destination: on" in done.stdout and "password: saved in the keyring" in done.stdout
        assert SMTP_PASSWORD not in done.stdout + done.stderr
        assert keyring.get_password(service(), "smtp-password") == SMTP_PASSWORD
        ok = run("test")
        assert ok.returncode == 0, ok.stderr
        assert "SMTP login OK" in ok.stdout and "nothing was sent" in ok.stdout
        assert run("set", "--password-stdin", stdin="wrong\n").returncode == 0
        refused = run("test")
        assert refused.returncode == 1 and "535 5.7.8 Authentication credentials invalid" in refused.stderr
        assert server.handler.messages() == []
    shown = run("show")
    assert "inbox:    acme-sarl@box.libeo.io" in shown.stdout and "outbox:   0 sent" in shown.stdout


def test_password_stdin_must_not_be_empty(run):
    result = run("set", "--password-stdin", stdin="")
    assert result.returncode == 2 and "nothing was read" in result.stderr


def test_folder_command(run, tmp_path):
    bad = run("folder", "--path", "relative", "--enable")
    assert bad.returncode == 2 and "path: must be a full path" in bad.stderr
    good = run("folder", "--path", str(tmp_path / "Factures"), "--enable")
    assert good.returncode == 0 and f"Folder destination: on ({tmp_path / 'Factures'})" in good.stdout
    assert (tmp_path / "Factures").is_dir()
