"""`invoice-collector autostart enable|disable|status`: start the server at login.

At *login*, not at boot: the OS keyring (Secret Service, Keychain, Credential Locker) is unlocked
by the login session, and the server needs it for account passwords and the pairing token.
One small module per OS builds the files; this one picks the OS and prints what happened."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from backend import config, paths
from backend.autostart import browser_hosts
from backend.autostart.common import Install, run_command, start_detached
from backend.autostart.launch import OUTPUT_LOG
from backend.server.probe import probe, stop_server, wait_for

ALREADY_RUNNING = "the server already answers"

HELP = """Start the invoice-collector server every time you log in (per user, no admin rights):
  Linux    a systemd user unit (when systemd manages your session), else an XDG autostart entry
  macOS    a LaunchAgent in ~/Library/LaunchAgents, loaded with launchctl bootstrap gui/<uid>
  Windows  the HKCU Run key, started with pythonw.exe (no console window)
It starts at login, not at boot, on purpose: your keyring (account passwords, pairing token) is
unlocked by your login session, so a server started at boot could not read it.
The entry runs this exact install (this Python, this INVOICE_COLLECTOR_HOME); run `enable` again
after moving or reinstalling. `enable` also registers the native messaging host with Chrome and
Chromium (see `invoice-collector native-host --help`). `disable` removes everything `enable` made."""


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
            return f"{ALREADY_RUNNING} on {health.url}: left running"
        process = start_detached(argv)
        deadline = time.monotonic() + 20
        while True:  # until it answers, exits, or the deadline passes
            health = probe(port, timeout=1)
            if health.answering:
                return f"started the server now (pid {process.pid})"
            if process.poll() is not None:
                return (f"the server stopped at once (exit code {process.returncode}): see "
                        f"{paths.log_dir() / OUTPUT_LOG}, or run `invoice-collector doctor`")
            if time.monotonic() > deadline:
                return f"started the server (pid {process.pid}) but it does not answer yet: {health.detail}"
            time.sleep(0.2)
    return spawn


def check_importable(python: str) -> None:
    """The entry runs `python -m backend` from another folder: this package must be what it imports."""
    import backend
    probe_code = "import backend.cli, sys; sys.stdout.write(backend.__file__)"
    with tempfile.TemporaryDirectory() as neutral:  # not the checkout: the current folder is on sys.path
        result = subprocess.run([python, "-c", probe_code], cwd=neutral, capture_output=True, text=True,
                                timeout=60, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if result.returncode != 0 or Path(result.stdout).resolve() != Path(backend.__file__).resolve():
        raise RuntimeError(f"{python} does not import this copy of invoice-collector from another folder "
                           f"({(result.stderr.strip().splitlines() or [result.stdout])[-1]}): install it "
                           "first (`pip install -e .` in the checkout), then run `autostart enable` again")


def server_line(port: int) -> str:
    health = probe(port)
    if health.answering:
        return f"server: answering on {health.url} ({health.detail})"
    return f"server: not answering on {health.url} ({health.detail})"


def enable(port: int, install: Install) -> list[str]:
    """The login entry and the browsers' native host for this install, then the server's state."""
    check_importable(install.python)
    target = manager(spawn=start_now(port))
    was_running = probe(port).answering
    notes = target.enable(install)
    if was_running and not any(ALREADY_RUNNING in note for note in notes):
        notes.append("note: a server was already running; if you started it by hand, stop it so that "
                     "the login entry's server can use the port")
    notes += browser_hosts.for_this_user().install(install)
    if target.starts_itself():  # systemd / launchd: give the server a moment to bind
        wait_for(port, deadline_s=20)
    return notes + [server_line(port)]


def run(args: argparse.Namespace) -> int:
    port = config.load().port
    install = Install.current()
    target = manager(spawn=start_now(port))
    hosts = browser_hosts.for_this_user()
    try:
        if args.autostart_command == "enable":
            print("\n".join(enable(port, install)))
        elif args.autostart_command == "disable":
            for note in target.disable() + hosts.uninstall():
                print(note)
            stopped = stop_server(port)  # the entry's server too, whoever started it, as the README says
            if stopped:
                print(stopped)
        else:
            rows = target.status(install)
            if not rows:
                print("start at login: not enabled (run `invoice-collector autostart enable`)")
            for label, text in rows + hosts.status(install):
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
