"""macOS: a LaunchAgent (runs in the GUI login session, so the Keychain is reachable).

Loaded with `launchctl bootstrap gui/<uid>` (`launchctl load -w` is deprecated)."""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from backend.autostart.common import Install, Runner, checked_text
from backend.autostart.launch import OUTPUT_LOG

LABEL = "local.invoice-collector.server"


def launch_agent(argv: Sequence[str], env: Mapping[str, str], log_dir: str, label: str = LABEL) -> bytes:
    """The plist. ProgramArguments is a list: no shell, so no quoting to get wrong."""
    logs = PurePosixPath(log_dir)
    agent = {
        "Label": label,
        "ProgramArguments": [checked_text(a) for a in argv],
        "RunAtLoad": True,
        # Restart after a crash, but not after a clean exit (e.g. `serve` refusing a taken port).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ProcessType": "Background",
        "StandardOutPath": str(logs / OUTPUT_LOG),
        "StandardErrorPath": str(logs / OUTPUT_LOG),
    }
    if env:
        agent["EnvironmentVariables"] = dict(env)
    return plistlib.dumps(agent, sort_keys=False)


class MacOS:
    def __init__(self, home: Path, uid: int, run: Runner):
        self.plist_file = home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
        self.domain = f"gui/{uid}"
        self.run = run

    def _loaded(self) -> bool:
        return self.run(["launchctl", "print", f"{self.domain}/{LABEL}"]).returncode == 0

    def starts_itself(self) -> bool:
        return True  # RunAtLoad: bootstrap starts it

    def enable(self, install: Install) -> list[str]:
        notes = []
        if self._loaded():  # bootstrap refuses a loaded label: unload first so changes apply
            self.run(["launchctl", "bootout", f"{self.domain}/{LABEL}"])
            notes.append(f"unloaded the previous {LABEL}")
        self.plist_file.parent.mkdir(parents=True, exist_ok=True)
        Path(install.log_dir).mkdir(parents=True, exist_ok=True)
        self.plist_file.write_bytes(launch_agent(install.serve_argv(), install.env(), install.log_dir))
        result = self.run(["launchctl", "bootstrap", self.domain, str(self.plist_file)])
        if result.returncode != 0:
            detail = (result.stderr or result.stdout or "").strip()
            raise RuntimeError(f"`launchctl bootstrap {self.domain} {self.plist_file}` failed: {detail}")
        return notes + [f"wrote {self.plist_file}", f"loaded {LABEL} into {self.domain} (logs in {install.log_dir})"]

    def disable(self) -> list[str]:
        notes = []
        if self._loaded():
            self.run(["launchctl", "bootout", f"{self.domain}/{LABEL}"])
            notes.append(f"stopped and unloaded {LABEL}")
        if self.plist_file.exists():
            self.plist_file.unlink()
            notes.append(f"removed {self.plist_file}")
        return notes or ["nothing to remove: start at login was not enabled"]

    def status(self, install: Install) -> list[tuple[str, str]]:
        rows = []
        if self.plist_file.exists():
            expected = launch_agent(install.serve_argv(), install.env(), install.log_dir)
            stale = "" if self.plist_file.read_bytes() == expected else \
                " (written for another install or settings: run `invoice-collector autostart enable` again)"
            rows.append(("LaunchAgent", f"{self.plist_file}{stale}"))
        if self._loaded() or rows:
            rows.append(("launchd", "loaded" if self._loaded() else "not loaded"))
        return rows
