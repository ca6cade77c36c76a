"""What every OS needs: the command line of this install, a command runner, a detached start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from backend.paths import HOME_ENV

MARKER = "Written by `invoice-collector autostart enable`; `invoice-collector autostart disable` removes it."


class Completed(Protocol):
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], Completed]


def run_command(argv: Sequence[str]) -> subprocess.CompletedProcess:
    """The real runner: captured text output, never raises on a non-zero exit."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)


def checked_text(value: str) -> str:
    if any(ch in value for ch in "\n\r\0"):
        raise ValueError(f"cannot write a start-at-login entry for a path with a line break: {value!r}")
    return value


@dataclass(frozen=True)
class Install:
    """This installation as seen from the running interpreter."""

    python: str  # absolute interpreter that has the package (a venv's python keeps its venv)
    home: str | None  # INVOICE_COLLECTOR_HOME to carry into the login start, if set
    log_dir: str

    @classmethod
    def current(cls) -> Install:
        from backend import paths
        home = os.environ.get(HOME_ENV)
        return cls(python=os.path.abspath(sys.executable),
                   home=str(Path(home).expanduser().resolve()) if home else None, log_dir=str(paths.log_dir()))

    def serve_argv(self) -> list[str]:
        return [self.python, "-m", "backend", "serve"]

    def launcher_argv(self, python: str | None = None) -> list[str]:
        """For starts with no log capture of their own (XDG, Windows): the launcher logs to a file."""
        return [python or self.python, "-m", "backend.autostart.launch"] + (["--home", self.home] if self.home else [])

    def env(self) -> dict[str, str]:
        return {HOME_ENV: self.home} if self.home else {}


_DETACHED: list[subprocess.Popen] = []  # kept: a running child's Popen must not be collected (ResourceWarning)


def start_detached(argv: Sequence[str]) -> subprocess.Popen:
    """Start the server now, outliving this command and without a console window."""
    kwargs: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                    "close_fds": True}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP \
            | subprocess.CREATE_NO_WINDOW
    else:
        kwargs["start_new_session"] = True
    process = subprocess.Popen(list(argv), **kwargs)
    _DETACHED.append(process)
    return process
