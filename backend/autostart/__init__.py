"""`invoice-collector autostart enable|disable|status`: start the server at login.

At *login*, not at boot: the OS keyring (Secret Service, Keychain, Credential Locker) is unlocked
by the login session, and the server needs it for account passwords and the pairing token.
One small module per OS builds the files; this one picks the OS and prints what happened."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from backend import config
from backend.autostart.common import Install, run_command, start_detached
from backend.autostart.probe import probe, wait_for

HELP = """Start the invoice-collector server every time you log in (per user, no admin rights):
  Linux    a systemd user unit (when systemd manages your session), else an XDG autostart entry
  macOS    a LaunchAgent in ~/Library/LaunchAgents, loaded with launchctl bootstrap gui/<uid>
  Windows  the HKCU Run key, started with pythonw.exe (no console window)
It starts at login, not at boot, on purpose: your keyring (account passwords, pairing token) is
unlocked by your login session, so a server started at boot could not read it.
The entry runs this exact install (this Python, this INVOICE_COLLECTOR_HOME); run `enable` again
after moving or reinstalling. `disable` removes everything `enable` made."""


def manager(platform: str = sys.platform, run=run_command, spawn=None):
    """The start-at-login manager for this OS, with the real runners unless given others."""
    home = Path.home()
    if platform == "darwin":
        from backend.autostart.macos import MacOS
        return MacOS(home, os.getuid(), run)
    if platform == "win32":
        from backend.autostart.windows import Windows, WinRegistry
        return Windows(WinRegistry(), spawn)
    from backend.autostart.linux import Linux
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return Linux(config_home, run, spawn=spawn)


def start_now(port: int):
    """For entries that only act at the next login: start the server now unless it already runs."""
    def spawn(argv: Sequence[str]) -> str:
        health = probe(port)
        if health.answering:
            return f"the server already answers on {health.url}: left running"
        process = start_detached(argv)
        health = wait_for(port, deadline_s=20)
        if health.answering:
            return f"started the server now (pid {process.pid})"
        return f"started the server (pid {process.pid}) but it does not answer yet: {health.detail}"
    return spawn


def server_line(port: int) -> str:
    health = probe(port)
    if health.answering:
        return f"server: answering on {health.url} ({health.detail})"
    return f"server: not answering on {health.url} ({health.detail})"


def run(args: argparse.Namespace) -> int:
    port = config.load().port
    install = Install.current()
    target = manager(spawn=start_now(port))
    try:
        if args.autostart_command == "enable":
            for note in target.enable(install):
                print(note)
            print(server_line(port))
        elif args.autostart_command == "disable":
            for note in target.disable():
                print(note)
        else:
            rows = target.status(install)
            if not rows:
                print("start at login: not enabled (run `invoice-collector autostart enable`)")
            for label, text in rows:
                print(f"{label}: {text}")
            print(server_line(port))
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("autostart", help="start the server at login (enable|disable|status)",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="autostart_command", metavar="ACTION", required=True)
    actions.add_parser("enable", help="install and start the login entry (idempotent)")
    actions.add_parser("disable", help="stop it and remove everything `enable` made")
    actions.add_parser("status", help="what is installed, and whether the server answers")
    parser.set_defaults(func=run)
