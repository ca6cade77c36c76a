"""`invoice-collector serve` and `pair` as real processes: waitress on 127.0.0.1 only, ready fast,
paired from another process, revoked from another process, stopped by SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.helpers import free_port
from tests.serve import PAIRING_CODE, ServeProcess
from tests.server.conftest import EXTENSION_ORIGIN

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def server(home, keyring_ready):
    process = ServeProcess(home)
    ready_after = process.start(timeout=20)
    yield {"port": process.port, "env": process.env, "process": process.process, "ready_after": ready_after,
           "base": process.base}
    process.stop()


def test_serve_is_ready_fast_and_listens_on_loopback_only(server):
    log = Path(server["env"]["INVOICE_COLLECTOR_HOME"]) / "logs" / "invoice-collector.log"
    match = re.search(r"listening on 127\.0\.0\.1:\d+ \(ready in ([\d.]+) s; ([\d.]+) s of CPU", log.read_text())
    wall, cpu = float(match.group(1)), float(match.group(2))
    print(f"serve: {wall:.2f} s to listen, {cpu:.2f} s of CPU from the process start (Python included); "
          f"{server['ready_after']:.2f} s from spawn to the first health answer")
    # CPU time, not wall time: the test machine runs other suites at once. On an idle machine the
    # wall time to the first answer is about the CPU time.
    assert cpu < 1.0, f"serve needed {cpu:.2f} s of CPU before listening"
    port_hex = f"{server['port']:04X}"
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    local = {fields[1] for fields in listening if fields[1].endswith(f":{port_hex}") and fields[3] == "0A"}
    assert local == {f"0100007F:{port_hex}"}  # 127.0.0.1, not 0.0.0.0
    assert not Path("/proc/net/tcp6").exists() or f":{port_hex} " not in Path("/proc/net/tcp6").read_text()


def test_pair_from_another_process_then_revoke(server):
    base, env = server["base"], server["env"]
    printed = cli("pair", env=env | {"LANGUAGE": "fr_FR:en"})
    assert printed.returncode == 0, printed.stderr
    code = re.search(PAIRING_CODE, printed.stdout).group(1)
    assert f"Code d'association : {code} — saisissez-le dans le panneau" in printed.stdout  # the panel's words
    assert "Pairing code" not in printed.stdout  # one language: the user's
    answer = requests.post(f"{base}/api/pair", json={"code": code}, headers={"Origin": EXTENSION_ORIGIN}, timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    token = answer.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{base}/api/accounts", headers=auth, timeout=5).json() == {"accounts": []}
    assert requests.get(f"{base}/api/openapi.json", headers=auth, timeout=5).json()["paths"]

    rebinding = requests.get(f"{base}/api/accounts", headers=auth | {"Host": f"attacker.example:{server['port']}"},
                             timeout=5)
    assert rebinding.status_code == 403
    page = requests.post(f"{base}/api/accounts", data='{"provider": "x"}',
                         headers=auth | {"Origin": "https://evil.example", "Content-Type": "text/plain"}, timeout=5)
    assert page.status_code == 403 and "Access-Control-Allow-Origin" not in page.headers

    revoked = cli("pair", "--revoke", "--lang", "en", env=env)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert requests.get(f"{base}/api/accounts", headers=auth, timeout=5).status_code == 401


def test_a_second_server_on_the_same_port_says_why_it_cannot_start(server):
    second = cli("serve", "--port", str(server["port"]), env=server["env"])
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{server['port']}" in second.stderr and "--port" in second.stderr


def test_sigterm_stops_the_server_cleanly(server):
    process = server["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


def test_bad_port_is_a_clear_cli_error(home):
    result = cli("serve", "--port", "80", env=dict(os.environ, INVOICE_COLLECTOR_HOME=str(home)))
    assert result.returncode == 2 and "between 1024 and 65535" in result.stderr


def test_a_flood_of_slow_local_connections_does_not_starve_the_panel(server):
    """200 connections that send half a request line and stall (a misbehaving local program):
    the panel's calls are still answered (waitress's default stops accepting at 100)."""
    import socket

    port = int(server["base"].rsplit(":", 1)[1])
    stalled = []
    try:
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end
            stalled.append(sock)
        answer = requests.get(f"{server['base']}/api/health", timeout=5)
        assert answer.status_code == 200 and answer.json()["app"] == "invoice-collector"
    finally:
        for sock in stalled:
            sock.close()


def test_pair_finds_a_server_started_on_another_port_and_says_which(home, keyring_ready):
    """`serve --port N` away from the configured port: `pair` says where the server answers,
    `pair --port N` looks there, and once it stops `pair` says nothing answers."""
    configured = free_port()
    process = ServeProcess(home)
    process.configure(port=configured)
    assert process.port != configured
    process.start(timeout=20)
    try:
        elsewhere = process.command("pair", "--lang", "en")
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert (f"The server answers on port {process.port}, not on port {configured}: set port "
                f"{process.port} in the extension's options") in elsewhere.stdout
        assert "not running" not in elsewhere.stdout
        there = process.command("pair", "--lang", "en", "--port", str(process.port))
        assert there.returncode == 0 and "Pairing code:" in there.stdout
        assert "answers on port" not in there.stdout and "not running" not in there.stdout, there.stdout
        process.pair(re.search(r"Pairing code: (\d{3}-\d{3})", there.stdout).group(1))  # through that port
    finally:
        process.stop()
    stopped = process.command("pair", "--lang", "en")
    assert (f"The server is not running on port {configured} (nothing listens on that port): start it with "
            "`invoice-collector serve`") in stopped.stdout
