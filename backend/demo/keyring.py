"""A keyring for the demo that never touches the user's own.

Keyring entries are named by account id ("account:1:password"), not by home: the demo account
written into the user's real keyring could overwrite the secret of their real account 1. So the
demo always uses a private Secret Service:

1. `dbus-run-session` + `gnome-keyring-daemon --unlock`, its files under <home>/demo-keyring
   (the demo re-runs itself inside the private D-Bus session); or, without those programs,
2. a session-only keyring in this process's memory (nothing is kept; the demo writes its
   demo credentials again at each run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

INSIDE_ENV = "INVOICE_COLLECTOR_DEMO_KEYRING"  # set in the re-run: the private session is up
DEMO_KEYRING_PASSWORD = "invoice-collector-demo"  # unlocks a keyring that holds demo data only
SECRETS_BUS_NAME = "org.freedesktop.secrets"
CONTROL_SOCKET = "keyring/control"  # gnome-keyring-daemon's socket, under XDG_RUNTIME_DIR
UNIX_SOCKET_PATH_MAX = 108  # sun_path, its final NUL included


class _NeverDiscovered:
    """keyring picks its backend by asking every KeyringBackend subclass for its priority; a
    priority that raises makes it skip this one, so importing this module never changes the
    keyring the rest of the process gets (it made keyring choose a chain holding it)."""

    def __get__(self, instance: object, owner: type) -> float:
        raise RuntimeError("installed explicitly by the demo (use_session_keyring), never discovered")


class SessionKeyring(KeyringBackend):
    """Secrets in memory, for this process only."""
    priority = _NeverDiscovered()  # keyring's own way of saying "not viable"

    def __str__(self) -> str:
        return "a session-only keyring in memory (demo)"

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


def private_session_available() -> bool:
    return bool(shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"))


def rerun_in_private_session(home: Path, argv: list[str]) -> int:
    """Run `python -m backend <argv>` again inside a private D-Bus session. Returns its exit code."""
    base = home / "demo-keyring"
    services = base / "data" / "dbus-1" / "services"
    for folder in (base / "data", services):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A call that reaches the bus before our daemon has taken its name makes D-Bus start one
    # itself (activation); Debian's service file starts a locked daemon, and the call then waits
    # two minutes for an unlock that never comes. This file, found first, starts an unlocked one.
    (services / f"{SECRETS_BUS_NAME}.service").write_text(
        f"[D-BUS Service]\nName={SECRETS_BUS_NAME}\n"
        f"Exec=/bin/sh -c 'printf %s {DEMO_KEYRING_PASSWORD} | exec gnome-keyring-daemon --replace "
        f"--foreground --unlock --components=secrets'\n")
    with _runtime_dir(base) as runtime:
        env = dict(os.environ, INVOICE_COLLECTOR_HOME=str(home), XDG_DATA_HOME=str(base / "data"),
                   XDG_RUNTIME_DIR=str(runtime), **{INSIDE_ENV: "1"})
        env.pop("GNOME_KEYRING_CONTROL", None)  # never reach the user's own daemon
        command = ["dbus-run-session", "--", sys.executable, "-m", "backend", *argv]
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stderr is not None  # stderr=PIPE
        for line in process.stderr:  # the private bus's own chatter (fd limits, a11y activation) is noise
            if not line.startswith(b"dbus-daemon["):
                sys.stderr.buffer.write(line)
                sys.stderr.buffer.flush()
        return process.wait()


@contextlib.contextmanager
def _runtime_dir(base: Path) -> Iterator[Path]:
    """The daemon's sockets go in XDG_RUNTIME_DIR: under the home when their path fits a Unix
    socket address (108 bytes); a deep home gets a short private folder in the temp directory,
    removed afterwards (else the daemon cannot bind its control socket and the demo hangs)."""
    runtime = base / "run"
    if len(os.fsencode(runtime / CONTROL_SOCKET)) < UNIX_SOCKET_PATH_MAX:
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(runtime, 0o700)
        yield runtime
        return
    with tempfile.TemporaryDirectory(prefix="ic-demo-") as short:  # created with mode 0700
        yield Path(short)


def unlock_private_keyring() -> None:
    """Inside the private session: start gnome-keyring-daemon, unlocked, and use it."""
    result = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                            input=DEMO_KEYRING_PASSWORD.encode(), capture_output=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"gnome-keyring-daemon failed: {result.stderr.decode(errors='replace').strip()}")
    for line in result.stdout.decode().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.startswith("GNOME_KEYRING"):
            os.environ[name] = value


def use_session_keyring() -> None:
    keyring.set_keyring(SessionKeyring())
