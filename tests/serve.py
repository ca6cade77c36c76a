"""`invoice-collector serve` as a user runs it: a child process in its own INVOICE_COLLECTOR_HOME,
under the session's real keyring. One class for every test that needs the real server (the
fault suite, the extension's journeys) and for the server benchmarks (bench/server.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.helpers import free_port, wait_for

# What `invoice-collector pair` prints, in either language (it follows the user's locale).
PAIRING_CODE = r"(?:Pairing code|Code d'association) ?: (\d{3}-\d{3})"


def cli() -> list[str]:
    """`invoice-collector` from the venv the tests run in (`python -m backend` in a bare checkout)."""
    script = Path(sys.executable).with_name("invoice-collector")
    return [str(script)] if script.exists() else [sys.executable, "-m", "backend"]


class ServeProcess:
    def __init__(self, home: Path, port: int | None = None, env: dict[str, str] | None = None):
        self.home = Path(home)
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # The checkout these tests come from first on the path: a venv's editable install may point at
        # another checkout (a git worktree sharing the venv), whose server would not be the one under test.
        source = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join([source] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
        self.env = dict(os.environ, INVOICE_COLLECTOR_HOME=str(self.home), PYTHONPATH=path, **(env or {}))
        self.process: subprocess.Popen | None = None
        self.output_path = self.home / "serve-output.txt"
        self.http = requests.Session()  # carries the token once paired
        self.token: str | None = None

    def configure(self, **settings: Any) -> None:
        """Merge settings into config.json (e.g. url_overrides pointing a recipe at a local portal)."""
        path = self.home / "config" / "config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        current = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(current | settings, indent=2))

    # ---- life and death ----------------------------------------------------------------------
    def start(self, timeout: float = 30.0, new_session: bool = False, probe_every: float = 0.05) -> float:
        """Start `serve` and wait for /api/health; returns the seconds that took. Its output goes to a
        file, never a pipe nobody reads (a full pipe blocks the server at its next log line)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.home.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open(self.output_path, "ab") as output:
            self.process = subprocess.Popen([*cli(), "serve", "--port", str(self.port)], env=self.env,
                                            cwd=self.home, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=new_session)
        probe = requests.Session()

        def healthy() -> bool:
            if not self.running:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.output()}")
            try:
                answer = probe.get(f"{self.base}/api/health", timeout=1)
            except requests.RequestException:
                return False  # not listening yet
            return answer.ok and answer.json().get("app") == "invoice-collector"
        try:
            wait_for(healthy, timeout, "serve to answer /api/health", every=probe_every, explain=self.output)
        finally:
            probe.close()  # its kept-alive connection would otherwise be collected later, in another test
        return time.perf_counter() - started

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")[-3000:] if self.output_path.exists() else ""

    def stop(self) -> int | None:
        """SIGTERM, as the OS does at logout; returns the exit status."""
        self.http.close()  # kept-alive connections to this server: closed, not left to the garbage collector
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait(10)
        return self.process.returncode

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the commands a user types, and pairing ---------------------------------------------
    def command(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """`invoice-collector ARGS` against this home."""
        return subprocess.run([*cli(), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def pair_code(self) -> str:
        """Runs `invoice-collector pair` and returns the code it prints."""
        result = self.command("pair")
        match = re.search(PAIRING_CODE, result.stdout)
        if result.returncode != 0 or not match:
            raise RuntimeError(f"`invoice-collector pair` printed no code: {result.stdout} {result.stderr}")
        return match.group(1)

    def pair(self, code: str | None = None) -> str:
        """Pair as the extension does: the code `pair` printed, POST /api/pair; returns the token."""
        answer = self.http.post(f"{self.base}/api/pair", json={"code": code or self.pair_code()}, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"POST /api/pair: HTTP {answer.status_code} {answer.text}")
        self.token = answer.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        return self.token
