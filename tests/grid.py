"""A real Selenium Grid for the tests: Grid 4 standalone (the jar scripts/grid-jar.sh fetched from the npm
registry, Debian's Java) with one node of SLOTS slots on Debian's chromium and chromedriver, offline
(Selenium Manager off, the driver's path given). One Grid serves the whole test session: starting the JVM
costs ~10-20 s on two cores, more than most Grid tests.

tests/conftest.py registers this module as a plugin: a test asks for `grid` (the Grid, every slot free
when the test starts, and freed again after it) and `grid_browser` (a BrowserConfig that runs there).
Without Java or the jar the Grid tests are skipped, saying why, unless REQUIRE_GRID=1 (scripts/test.sh
sets it: CI must not pass by skipping them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from backend.collectors.model import BrowserConfig
from tests.helpers import free_port, wait_for

JAR_VERSION = "4.48.0"  # scripts/grid-jar.sh pins the same version and checks its SHA-256
JAR = Path(__file__).resolve().parent / ".vendor" / f"selenium-server-{JAR_VERSION}.jar"
SLOTS = 2
QUEUE_TIMEOUT = 15  # seconds a new session waits for a free slot before the Grid refuses it (> one short sync)
CHROMIUM = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# The JVM's quick start: the client compiler only, one GC thread (two cores, shared with the browsers).
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]


def node_config(port: int, chromium: str = CHROMIUM, chromedriver: str = CHROMEDRIVER,
                slots: int = SLOTS, queue_timeout: int = QUEUE_TIMEOUT) -> str:
    """The standalone Grid's TOML (docs/grid.md shows the same node section)."""
    return f"""\
[server]
host = "127.0.0.1"
port = {port}

[sessionqueue]
session-request-timeout = {queue_timeout}
session-request-timeout-period = 1

[node]
detect-drivers = false
selenium-manager = false
max-sessions = {slots}
enable-managed-downloads = true

[[node.driver-configuration]]
display-name = "Debian Chromium"
max-sessions = {slots}
webdriver-executable = "{chromedriver}"
stereotype = '{{"browserName": "chrome", "platformName": "linux", "goog:chromeOptions": {{"binary": "{chromium}"}}}}'
"""


def unavailable() -> str | None:
    """Why no Grid can run here, or None."""
    if not shutil.which("java"):
        return "no Java (scripts/setup.sh installs Debian's openjdk-17-jre-headless)"
    if not JAR.is_file():
        return f"no Selenium Grid jar at {JAR} (scripts/grid-jar.sh fetches it)"
    return None


@dataclass
class Grid:
    url: str
    process: subprocess.Popen
    log: Path

    def status(self) -> dict:
        return requests.get(f"{self.url}/status", timeout=5).json()["value"]

    def slots(self) -> list[dict]:
        return [slot for node in self.status().get("nodes", []) for slot in node["slots"]]

    def sessions(self) -> list[str]:
        """The ids of the sessions holding a slot now."""
        return [slot["session"]["sessionId"] for slot in self.slots() if slot.get("session")]

    def free_slots(self) -> int:
        return sum(1 for slot in self.slots() if not slot.get("session"))

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:]) if self.log.exists() else ""

    def free_every_slot(self) -> None:
        """End whatever sessions a test left (DELETE, as a client would), and wait until the node says so."""
        for session_id in self.sessions():
            requests.delete(f"{self.url}/session/{session_id}", timeout=30)
        wait_for(lambda: self.free_slots() == SLOTS, 30, "every Grid slot to be free", explain=self.log_tail)


def start_grid(folder: Path) -> Grid:
    port = free_port()
    config = folder / "grid.toml"
    config.write_text(node_config(port), encoding="utf-8")
    log = folder / "grid.log"
    env = dict(os.environ, SE_OFFLINE="true", SE_AVOID_STATS="true")
    with open(log, "wb") as out:
        process = subprocess.Popen(["java", *JVM_FLAGS, "-jar", str(JAR), "standalone", "--config", str(config)],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    grid = Grid(f"http://127.0.0.1:{port}", process, log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the Grid exited ({process.returncode}):\n{grid.log_tail()}")
        try:
            return bool(grid.status().get("ready")) and grid.free_slots() == SLOTS
        except (requests.RequestException, ValueError, KeyError):
            return False
    try:
        wait_for(ready, 120, "the Selenium Grid to be ready", every=0.2, explain=grid.log_tail)
    except BaseException:
        stop_grid(grid)
        raise
    return grid


def stop_grid(grid: Grid) -> None:
    grid.process.terminate()
    try:
        grid.process.wait(20)
    except subprocess.TimeoutExpired:
        grid.process.kill()
        grid.process.wait()


@pytest.fixture(scope="session")
def selenium_grid(tmp_path_factory) -> Iterator[Grid]:
    reason = unavailable()
    if reason:
        if os.environ.get("REQUIRE_GRID") == "1":
            pytest.fail(f"REQUIRE_GRID=1 but {reason}")
        pytest.skip(f"Selenium Grid tests skipped: {reason}")
    grid = start_grid(tmp_path_factory.mktemp("grid"))
    yield grid
    stop_grid(grid)


@pytest.fixture
def grid(selenium_grid: Grid) -> Iterator[Grid]:
    """The session's Grid, every slot free at the start of the test and again after it."""
    selenium_grid.free_every_slot()
    yield selenium_grid
    selenium_grid.free_every_slot()


@pytest.fixture
def grid_browser(grid: Grid) -> BrowserConfig:
    return BrowserConfig(remote_url=grid.url)


class Link:
    """A TCP link to the Grid that the test can cut and mend, as a network or a Grid restart would:
    clients talk to `url`, which forwards every connection to the Grid."""

    def __init__(self, target: str):
        self.target = ("127.0.0.1", int(target.rsplit(":", 1)[1]))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.mend()

    def mend(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and reset the open ones."""
        listener, self._listener = self._listener, None
        if listener:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(): close() alone does not
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            server = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
