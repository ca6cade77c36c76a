"""Linux: a systemd user unit when systemd manages the session, else an XDG autostart entry.

The file builders are pure (text in, text out) so every OS's files can be tested anywhere;
`systemctl` is reached through an injected runner."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from backend.autostart.common import MARKER, Install, Runner, checked_text

UNIT_NAME = "invoice-collector.service"
DESKTOP_NAME = "invoice-collector.desktop"
SYSTEMD_RUNTIME_DIR = Path("/run/systemd/system")  # exists only when systemd booted the machine
_SAFE = re.compile(r"^[\w@+=:,./-]+$")
# Desktop Entry spec: an argument holding one of these must be quoted.
_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`%")


def systemd_quote(arg: str, program: bool = False) -> str:
    """One ExecStart= word: C-style quoting, `%` specifiers and `$` expansion neutralised.

    systemd expands `$VAR` in arguments but not in the program path, where `$$` would stay `$$`."""
    text = checked_text(arg).replace("%", "%%")
    if not program:
        text = text.replace("$", "$$")
    if _SAFE.match(arg):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_environment(name: str, value: str) -> str:
    """One Environment= assignment (no `$` expansion there, but `%` specifiers apply)."""
    text = f"{name}={checked_text(value)}".replace("%", "%%")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(argv: Sequence[str], env: Mapping[str, str]) -> str:
    lines = [
        f"# {MARKER}",
        "[Unit]",
        "Description=invoice-collector local server (collects supplier invoices for Libeo)",
        # Give up after 5 failed starts in 5 minutes (e.g. the port is taken) instead of looping.
        "StartLimitIntervalSec=300",
        "StartLimitBurst=5",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(systemd_quote(a, program=i == 0) for i, a in enumerate(argv)),
        *(f"Environment={systemd_environment(k, v)}" for k, v in sorted(env.items())),
        "Restart=on-failure",
        "RestartSec=10",
        "",
        "[Install]",
        # default.target of the *user* manager: reached at login, when the keyring gets unlocked.
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def desktop_quote(arg: str) -> str:
    """One Exec= argument per the Desktop Entry spec, then escaped as a desktop string value."""
    text = checked_text(arg)
    if any(ch in _DESKTOP_RESERVED for ch in text):
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in text)
        text = f'"{inner}"'
    return text.replace("\\", "\\\\").replace("%", "%%")


def desktop_entry(argv: Sequence[str]) -> str:
    lines = [
        f"# {MARKER}",
        "[Desktop Entry]",
        "Type=Application",
        "Name=invoice-collector",
        "Comment=Local server that collects supplier invoices for Libeo",
        "TryExec=" + checked_text(argv[0]).replace("\\", "\\\\"),
        "Exec=" + " ".join(desktop_quote(a) for a in argv),
        "Terminal=false",
        "NoDisplay=true",
        "X-GNOME-Autostart-enabled=true",
        "",
    ]
    return "\n".join(lines)


class Linux:
    """Chooses systemd or XDG autostart; `enable` switches from one to the other cleanly."""

    def __init__(self, config_home: Path, run: Runner, systemd_dir: Path | None = None,
                 spawn: Callable[[Sequence[str]], str] | None = None):
        self.unit_file = config_home / "systemd" / "user" / UNIT_NAME
        self.desktop_file = config_home / "autostart" / DESKTOP_NAME
        self.run = run
        self.systemd_dir = systemd_dir or SYSTEMD_RUNTIME_DIR
        self.spawn = spawn  # XDG mode: starts the server now, returns a note (systemd starts it itself)

    def systemd_available(self) -> bool:
        if not self.systemd_dir.is_dir():
            return False
        try:
            return self.run(["systemctl", "--user", "show-environment"]).returncode == 0
        except OSError:
            return False

    def _systemctl(self, *args: str, check: bool = True):
        result = self.run(["systemctl", "--user", *args])
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout or "").strip()
            raise RuntimeError(f"`systemctl --user {' '.join(args)}` failed: {detail or result.returncode}")
        return result

    def starts_itself(self) -> bool:
        """After enable: systemd started the unit (XDG mode started it through `spawn`)."""
        return self.unit_file.exists() and self.systemd_available()

    def enable(self, install: Install) -> list[str]:
        if self.systemd_available():
            notes = self._remove_desktop()
            self.unit_file.parent.mkdir(parents=True, exist_ok=True)
            self.unit_file.write_text(systemd_unit(install.serve_argv(), install.env()), encoding="utf-8")
            self._systemctl("daemon-reload")
            self._systemctl("enable", UNIT_NAME)
            # restart, not start: an already running server picks up a changed command line
            self._systemctl("restart", UNIT_NAME)
            return notes + [f"wrote {self.unit_file}",
                            f"enabled and started {UNIT_NAME} (logs: journalctl --user -u {UNIT_NAME})"]
        notes = self._remove_unit()
        self.desktop_file.parent.mkdir(parents=True, exist_ok=True)
        self.desktop_file.write_text(desktop_entry(install.launcher_argv()), encoding="utf-8")
        notes.append(f"wrote {self.desktop_file} (systemd is not the user manager here: XDG autostart)")
        if self.spawn:
            notes.append(self.spawn(install.launcher_argv()))
        return notes

    def disable(self) -> list[str]:
        notes = self._remove_unit() + self._remove_desktop()
        return notes or ["nothing to remove: start at login was not enabled"]

    def _remove_unit(self) -> list[str]:
        if not self.unit_file.exists():
            return []
        notes = []
        if self.systemd_available():
            self._systemctl("disable", "--now", UNIT_NAME, check=False)
            notes.append(f"stopped and disabled {UNIT_NAME}")
        self.unit_file.unlink()
        if self.systemd_available():
            self._systemctl("daemon-reload", check=False)
        return notes + [f"removed {self.unit_file}"]

    def _remove_desktop(self) -> list[str]:
        if not self.desktop_file.exists():
            return []
        self.desktop_file.unlink()
        return [f"removed {self.desktop_file} (a server already started keeps running until you log out)"]

    def status(self, install: Install) -> list[tuple[str, str]]:
        """(label, text) rows: what is installed, whether it matches this install, systemd's view."""
        rows = []
        if self.unit_file.exists():
            expected = systemd_unit(install.serve_argv(), install.env())
            current = self.unit_file.read_text(encoding="utf-8") == expected
            rows.append(("systemd user unit", f"{self.unit_file}" + ("" if current else _STALE)))
            if self.systemd_available():
                enabled = self._systemctl("is-enabled", UNIT_NAME, check=False).stdout.strip() or "unknown"
                active = self._systemctl("is-active", UNIT_NAME, check=False).stdout.strip() or "unknown"
                rows.append(("systemd", f"{enabled}, {active}"))
            else:
                rows.append(("systemd", "not the user manager in this session: the unit is not used"))
        if self.desktop_file.exists():
            current = self.desktop_file.read_text(encoding="utf-8") == desktop_entry(install.launcher_argv())
            rows.append(("XDG autostart entry", f"{self.desktop_file}" + ("" if current else _STALE)))
        return rows


_STALE = " (written for another install or settings: run `invoice-collector autostart enable` again)"
