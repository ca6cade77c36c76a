"""The native messaging host's registration with Chrome and Chromium, per user, on every OS.

Chrome finds a native messaging host through a small JSON manifest named after the host: in a
per-browser folder on Linux and macOS, through a registry key naming the manifest's path on
Windows. The manifest gives the program to start (our launcher) and the only extension allowed
to start it (`allowed_origins`: the pinned id of ours). The launcher runs this install's Python
with this INVOICE_COLLECTOR_HOME, whatever environment the browser was started in.

Paths are computed from what the caller gives (HOME, XDG_CONFIG_HOME, the data folder) and the
Windows registry is reached through an injected writer, so every OS is tested anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from backend import paths
from backend.autostart.common import Install, checked_text
from backend.server.security import manifest_extension_id

HOST_NAME = "fr.invoice_collector.host"  # Chrome's rule: lowercase letters, digits, _ and dots
HOST_MODULE = "backend.native_host"
DESCRIPTION = "invoice-collector: pairs the « Collecte de factures » extension and starts its server"
MARKER = ("Written by `invoice-collector native-host install` (or `autostart enable`); "
          "`native-host uninstall` (or `autostart disable`) removes it.")
BROWSERS = ("Google Chrome", "Chromium")
# Per-user manifest folders: under the browser's default user data folder.
LINUX_FOLDERS = {"Google Chrome": "google-chrome", "Chromium": "chromium"}  # under XDG_CONFIG_HOME
MACOS_FOLDERS = {"Google Chrome": "Google/Chrome", "Chromium": "Chromium"}  # under ~/Library/Application Support
WINDOWS_KEYS = {"Google Chrome": r"Software\Google\Chrome\NativeMessagingHosts",
                "Chromium": r"Software\Chromium\NativeMessagingHosts"}  # under HKEY_CURRENT_USER


def allowed_origin() -> str:
    extension_id = manifest_extension_id()
    if not extension_id:
        raise RuntimeError(f"cannot read the extension's pinned id from {paths.extension_dir() / 'manifest.json'}")
    return f"chrome-extension://{extension_id}/"


def host_manifest(launcher: str, origin: str) -> str:
    return json.dumps({"name": HOST_NAME, "description": DESCRIPTION, "path": launcher, "type": "stdio",
                       "allowed_origins": [origin]}, indent=2, ensure_ascii=False) + "\n"


def package_root() -> str:
    """The folder holding this `backend` package: the launcher puts it first on the module path,
    so the host is the very copy that installed it (a checkout, an editable or a tool install)."""
    return str(Path(__file__).resolve().parent.parent.parent)


def _sh_quote(value: str) -> str:
    return "'" + checked_text(value).replace("'", "'\\''") + "'"


def posix_launcher(install: Install, root: str) -> str:
    lines = ["#!/bin/sh", f"# {MARKER}", "# Started by Chrome for the « Collecte de factures » extension "
             "(native messaging): stdin and stdout carry its messages.",
             f"PYTHONPATH={_sh_quote(root)}${{PYTHONPATH:+:$PYTHONPATH}}", "export PYTHONPATH"]
    if install.home:
        lines += [f"INVOICE_COLLECTOR_HOME={_sh_quote(install.home)}", "export INVOICE_COLLECTOR_HOME"]
    lines.append(f'exec {_sh_quote(install.python)} -m {HOST_MODULE} "$@"')
    return "\n".join(lines) + "\n"


def _bat_value(value: str) -> str:
    if '"' in checked_text(value):
        raise ValueError(f"cannot write a launcher for a path with a double quote: {value!r}")
    return value.replace("%", "%%")


def windows_launcher(install: Install, root: str) -> str:
    """A .bat (Chrome on Windows starts a host through cmd.exe); python.exe, not pythonw: the
    messages go through stdin and stdout."""
    lines = ["@echo off", f"rem {MARKER}", f'set "PYTHONPATH={_bat_value(root)};%PYTHONPATH%"']
    if install.home:
        lines.append(f'set "INVOICE_COLLECTOR_HOME={_bat_value(install.home)}"')
    lines.append(f'"{_bat_value(install.python)}" -m {HOST_MODULE} %*')
    return "\r\n".join(lines) + "\r\n"


class Registry(Protocol):
    """HKEY_CURRENT_USER keys' default values."""
    def get_default(self, key: str) -> str | None: ...
    def set_default(self, key: str, value: str) -> None: ...
    def delete_key(self, key: str) -> None: ...


class WinKeys:
    """The real Registry, through winreg (only importable on Windows; see windows.WinRegistry)."""

    def __init__(self) -> None:
        import winreg
        self.winreg = winreg

    def get_default(self, key: str) -> str | None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        try:
            with self.winreg.OpenKey(self.winreg.HKEY_CURRENT_USER, key) as handle:
                return self.winreg.QueryValueEx(handle, "")[0]
        except FileNotFoundError:
            return None

    def set_default(self, key: str, value: str) -> None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        with self.winreg.CreateKeyEx(self.winreg.HKEY_CURRENT_USER, key, 0, self.winreg.KEY_SET_VALUE) as handle:
            self.winreg.SetValueEx(handle, "", 0, self.winreg.REG_SZ, value)

    def delete_key(self, key: str) -> None:
        if sys.platform != "win32":
            raise OSError("the registry exists only on Windows")
        self.winreg.DeleteKey(self.winreg.HKEY_CURRENT_USER, key)


@dataclass
class BrowserHosts:
    """Install, remove and report the host's files for every browser of one OS."""

    platform: str
    home: Path  # the user's home folder
    config_home: Path  # XDG_CONFIG_HOME (Linux)
    host_dir: Path  # where the launcher (and, on Windows, the manifest) live: in our data folder
    registry: Registry | None = None  # Windows only

    @property
    def windows(self) -> bool:
        return self.platform == "win32"

    def launcher_path(self) -> Path:
        return self.host_dir / ("invoice-collector-native-host" + (".bat" if self.windows else ""))

    def manifest_paths(self) -> dict[str, Path]:
        """Where each browser looks for our manifest (on Windows: the file the registry names)."""
        file = f"{HOST_NAME}.json"
        if self.windows:
            return dict.fromkeys(BROWSERS, self.host_dir / file)  # one file, named by both keys
        if self.platform == "darwin":
            support = self.home / "Library" / "Application Support"
            return {b: support / MACOS_FOLDERS[b] / "NativeMessagingHosts" / file for b in BROWSERS}
        return {b: self.config_home / LINUX_FOLDERS[b] / "NativeMessagingHosts" / file for b in BROWSERS}

    def registry_keys(self) -> dict[str, str]:
        return {b: f"{WINDOWS_KEYS[b]}\\{HOST_NAME}" for b in BROWSERS} if self.windows else {}

    def expected(self, install: Install, root: str, origin: str) -> tuple[str, str]:
        """(launcher text, manifest text) for this install."""
        launcher = (windows_launcher if self.windows else posix_launcher)(install, root)
        return launcher, host_manifest(str(self.launcher_path()), origin)

    def install(self, install: Install, root: str | None = None, origin: str | None = None) -> list[str]:
        launcher_text, manifest_text = self.expected(install, root or package_root(), origin or allowed_origin())
        launcher = self.launcher_path()
        launcher.parent.mkdir(parents=True, exist_ok=True)
        launcher.write_text(launcher_text, encoding="utf-8", newline="")
        if not self.windows:
            launcher.chmod(0o755)
        notes = [f"wrote {launcher}"]
        for manifest in sorted(set(self.manifest_paths().values())):
            manifest.parent.mkdir(parents=True, exist_ok=True)
            manifest.write_text(manifest_text, encoding="utf-8")
            notes.append(f"wrote {manifest}")
        for browser, key in self.registry_keys().items():
            self._registry().set_default(key, str(self.manifest_paths()[browser]))
            notes.append(f"set HKCU\\{key} ({browser})")
        return notes

    def uninstall(self) -> list[str]:
        notes = []
        for key in self.registry_keys().values():
            if self._registry().get_default(key) is not None:
                self._registry().delete_key(key)
                notes.append(f"removed HKCU\\{key}")
        for path in sorted({*self.manifest_paths().values(), self.launcher_path()}):
            if path.exists():
                path.unlink()
                notes.append(f"removed {path}")
        return notes

    def status(self, install: Install, root: str | None = None, origin: str | None = None) -> list[tuple[str, str]]:
        """One row per browser: where its manifest is and whether it runs this install."""
        launcher_text, manifest_text = self.expected(install, root or package_root(), origin or allowed_origin())
        launcher = self.launcher_path()
        launcher_ok = launcher.is_file() and launcher.read_bytes() == launcher_text.encode("utf-8")  # \r\n kept
        rows = []
        for browser, manifest in self.manifest_paths().items():
            key = self.registry_keys().get(browser)
            if key and self._registry().get_default(key) != str(manifest):
                rows.append((f"native host ({browser})", "not installed"))
                continue
            if not manifest.is_file():
                rows.append((f"native host ({browser})", "not installed"))
                continue
            current = launcher_ok and manifest.read_text(encoding="utf-8") == manifest_text
            rows.append((f"native host ({browser})", f"{manifest}" + ("" if current else STALE)))
        return rows

    def installed(self) -> bool:
        return any(p.is_file() for p in self.manifest_paths().values())

    def _registry(self) -> Registry:
        if self.registry is None:
            self.registry = WinKeys()
        return self.registry


STALE = " (written for another install or settings: run `invoice-collector native-host install` again)"


def for_this_user(platform: str = sys.platform, registry: Registry | None = None) -> BrowserHosts:
    home = Path.home()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return BrowserHosts(platform, home, config_home, paths.data_dir() / "native-host", registry)


def check_launcher_runs(hosts: BrowserHosts) -> str | None:
    """Why the installed launcher cannot start the host (None when it can): run it as Chrome would
    but with a wrong origin, which the host refuses at once, after importing everything it needs."""
    launcher = hosts.launcher_path()
    try:
        result = subprocess.run([str(launcher), "chrome-extension://not-ours/"], input=b"", capture_output=True,
                                timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {launcher}: {exc}"
    if result.returncode == 2 and result.stdout[4:].startswith(b'{"error"'):
        return None
    detail = (result.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
    return f"{launcher} does not start the host (exit code {result.returncode}): {detail}"
