"""A Secret Service of its own for each pytest-xdist worker.

scripts/test.sh starts one unlocked gnome-keyring in a private D-Bus session for the whole run. Two
workers sharing that daemon have seen it lose its collection under load (every keyring test of
both workers then failed, and the daemon asked for a password prompt no one could answer). Each
worker therefore gets its own bus and daemon, with their own XDG folders, as the serial run has;
tests and the processes they start find it through the environment, as they find test.sh's."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

PASSWORD = "ci-keyring-pw"  # unlocks a throwaway keyring holding test data only
PROBE = ("import keyring, sys; keyring.set_password('ic-test-probe', 'p', 'ok'); "
         "sys.exit(keyring.get_password('ic-test-probe', 'p') != 'ok')")
ATTEMPTS = 5


class WorkerKeyring:
    def __init__(self, worker: str):
        self.base = Path(tempfile.mkdtemp(prefix=f"ic-keyring-{worker}-"))
        self._bus: subprocess.Popen[str] | None = None

    def start(self) -> None:
        data, runtime = self.base / "data", self.base / "runtime"
        services = data / "dbus-1" / "services"
        services.mkdir(parents=True)
        runtime.mkdir(mode=0o700)
        # If the daemon ends, the bus starts another at the next call: unlocked, same keyring
        # (Debian's own service file would start a locked one).
        (services / "org.freedesktop.secrets.service").write_text(
            "[D-BUS Service]\nName=org.freedesktop.secrets\n"
            f"Exec=/bin/sh -c 'printf %s {PASSWORD} | exec gnome-keyring-daemon --replace --foreground "
            "--unlock --components=secrets'\n")
        os.environ.update(XDG_DATA_HOME=str(data), XDG_RUNTIME_DIR=str(runtime))
        os.environ.pop("GNOME_KEYRING_CONTROL", None)
        self._bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self._bus.stdout is not None  # stdout=PIPE
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self._bus.stdout.readline().strip()
        for _ in range(ATTEMPTS):
            if self._unlocked_daemon_answers():
                return
        raise RuntimeError(f"this worker's test keyring could not be unlocked ({ATTEMPTS} attempts)")

    def _unlocked_daemon_answers(self) -> bool:
        started = subprocess.run(["gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets"],
                                 input=PASSWORD, capture_output=True, text=True, timeout=30)
        for line in started.stdout.splitlines():
            name, sep, value = line.partition("=")
            if sep and name == "GNOME_KEYRING_CONTROL":
                os.environ[name] = value
        try:
            return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, timeout=20).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def stop(self) -> None:
        for pid in self._processes_of_this_keyring():
            with contextlib.suppress(ProcessLookupError):  # it ended with its bus
                os.kill(pid, signal.SIGTERM)
        if self._bus is not None:
            self._bus.terminate()
            self._bus.wait(10)
            if self._bus.stdout is not None:
                self._bus.stdout.close()
        shutil.rmtree(self.base, ignore_errors=True)

    def _processes_of_this_keyring(self) -> list[int]:
        """The daemons started for this keyring (they fork away from us): found by its folder in
        their environment."""
        marker, found = str(self.base).encode(), []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "gnome-keyring-d" \
                        and marker in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found
