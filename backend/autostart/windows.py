"""Windows: the per-user Run key (no admin rights), started with pythonw.exe (no console window)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import PureWindowsPath
from typing import Protocol

from backend.autostart.common import Install, checked_text

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "invoice-collector"


def pythonw_for(python: str) -> str:
    """The windowless twin of a python.exe (same folder, so the same venv)."""
    path = PureWindowsPath(python)
    name = path.name.lower()
    if name.startswith("pythonw"):
        return str(path)
    if name.startswith("python") and name.endswith(".exe"):
        return str(path.with_name("pythonw" + path.name[len("python"):]))
    return str(path.with_name("pythonw.exe"))


def run_value(argv: Sequence[str]) -> str:
    """The Run value: one command line with Windows (CommandLineToArgvW) quoting."""
    return subprocess.list2cmdline([checked_text(a) for a in argv])


def login_argv(install: Install) -> list[str]:
    return install.launcher_argv(pythonw_for(install.python))


class Registry(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class WinRegistry:
    """HKEY_CURRENT_USER\\...\\Run through winreg (only importable on Windows). winreg's stub is empty elsewhere:
    each method checks the platform (never false: __init__ failed otherwise) so mypy skips its body there."""

    def __init__(self) -> None:
        import winreg
        self.winreg = winreg

    def _key(self, write: bool):
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        access = self.winreg.KEY_SET_VALUE | self.winreg.KEY_QUERY_VALUE if write else self.winreg.KEY_QUERY_VALUE
        return self.winreg.CreateKeyEx(self.winreg.HKEY_CURRENT_USER, RUN_KEY, 0, access)

    def get(self, name: str) -> str | None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        with self._key(False) as key:
            try:
                return self.winreg.QueryValueEx(key, name)[0]
            except FileNotFoundError:
                return None

    def set(self, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        with self._key(True) as key:
            self.winreg.SetValueEx(key, name, 0, self.winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        with self._key(True) as key:
            self.winreg.DeleteValue(key, name)


class Windows:
    def __init__(self, registry: Registry, spawn: Callable[[Sequence[str]], str] | None = None):
        self.registry = registry
        self.spawn = spawn  # the Run key acts at the next login: start the server now too

    def starts_itself(self) -> bool:
        return False  # the Run key acts at the next login; `spawn` starts it now

    def enable(self, install: Install) -> list[str]:
        argv = login_argv(install)
        self.registry.set(VALUE_NAME, run_value(argv))
        notes = [f"set HKCU\\{RUN_KEY}\\{VALUE_NAME} (logs in {install.log_dir})"]
        if self.spawn:
            notes.append(self.spawn(argv))
        return notes

    def disable(self) -> list[str]:
        if self.registry.get(VALUE_NAME) is None:
            return ["nothing to remove: start at login was not enabled"]
        self.registry.delete(VALUE_NAME)
        return [f"removed HKCU\\{RUN_KEY}\\{VALUE_NAME} (a server already started keeps running until you log out)"]

    def status(self, install: Install) -> list[tuple[str, str]]:
        value = self.registry.get(VALUE_NAME)
        if value is None:
            return []
        stale = "" if value == run_value(login_argv(install)) else \
            " (written for another install or settings: run `invoice-collector autostart enable` again)"
        return [("Run key", f"HKCU\\{RUN_KEY}\\{VALUE_NAME} = {value}{stale}")]
