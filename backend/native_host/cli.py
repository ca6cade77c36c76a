"""`invoice-collector native-host install|uninstall|status`: register the native messaging host
with Chrome and Chromium for this user (`autostart enable` does it too, `disable` undoes it)."""

from __future__ import annotations

import argparse
import sys

from backend.autostart import browser_hosts
from backend.autostart.common import Install

HELP = f"""Let the « Collecte de factures » extension pair itself and start the server, with no code to type.
Chrome and Chromium start a "native messaging host" ({browser_hosts.HOST_NAME}) for our extension only,
found through a small manifest per browser, per user (no admin rights):
  Linux    ~/.config/google-chrome/NativeMessagingHosts and ~/.config/chromium/NativeMessagingHosts
  macOS    ~/Library/Application Support/Google/Chrome (or Chromium)/NativeMessagingHosts
  Windows  HKCU\\Software\\Google\\Chrome (or Chromium)\\NativeMessagingHosts\\{browser_hosts.HOST_NAME}
The manifest runs this exact install (this Python, this INVOICE_COLLECTOR_HOME): run `install` again
after moving or reinstalling. Browsers installed as Flatpak or Snap cannot start it: pair them with
`invoice-collector pair` and the code it prints."""


def run(args: argparse.Namespace) -> int:
    hosts = browser_hosts.for_this_user()
    install = Install.current()
    try:
        if args.native_host_command == "install":
            for note in hosts.install(install):
                print(note)
            print(f"allowed caller: {browser_hosts.allowed_origin()}")
            problem = browser_hosts.check_launcher_runs(hosts)
            if problem:
                print(f"error: {problem}", file=sys.stderr)
                return 1
        elif args.native_host_command == "uninstall":
            print("\n".join(hosts.uninstall() or ["nothing to remove: the native host was not installed"]))
        else:
            for label, text in hosts.status(install):
                print(f"{label}: {text}")
            if hosts.installed():
                problem = browser_hosts.check_launcher_runs(hosts)
                print(f"launcher: {problem or 'starts the host'}")
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("native-host", help="let the extension pair itself (install|uninstall|status)",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="native_host_command", metavar="ACTION", required=True)
    actions.add_parser("install", help="write the manifests (and registry keys) for Chrome and Chromium")
    actions.add_parser("uninstall", help="remove everything `install` wrote")
    actions.add_parser("status", help="what is installed, and whether it runs this install")
    parser.set_defaults(func=run)
