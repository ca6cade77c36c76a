"""`invoice-collector libeo show|set|test|folder`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from backend.delivery import settings as dsettings


def register(subparsers) -> None:
    libeo = subparsers.add_parser("libeo", help="where new invoices go: the Libeo inbox (by mail) and a folder",
                                  description="Show or change the Libeo destination (mail through your SMTP "
                                              "server to <company>@box.libeo.io) and the folder destination.")
    sub = libeo.add_subparsers(dest="libeo_command", metavar="ACTION", required=True)
    sub.add_parser("show", help="show both destinations and the outbox").set_defaults(func=cmd_show)

    put = sub.add_parser("set", help="change the Libeo destination (only the options given change)")
    put.add_argument("--inbox", help="your Libeo inbox, <company>@box.libeo.io (shown in Libeo)")
    put.add_argument("--allow-other-inbox", action=argparse.BooleanOptionalAction, default=None,
                     help="accept an inbox outside box.libeo.io")
    put.add_argument("--sender", help="the e-mail address you log in to Libeo with (Libeo only accepts "
                                      "invoices from members of the company)")
    put.add_argument("--smtp-host", help="your outgoing mail server, e.g. smtp.gmail.com")
    put.add_argument("--smtp-port", type=int, help="default: 587 for starttls, 465 for tls, 25 for plain")
    put.add_argument("--security", choices=dsettings.SECURITY_MODES,
                     help="starttls (port 587), tls (implicit, port 465), plain (only to this computer)")
    put.add_argument("--username", help="the SMTP login (often your e-mail address)")
    put.add_argument("--smtp-ca-file", metavar="PEM_FILE",
                     help="the CA certificate (PEM) your SMTP server's certificate is signed by, when it is a "
                          "private one (trusted besides the system's CAs); an empty value removes it")
    put.add_argument("--password-stdin", action="store_true",
                     help="read the SMTP password (or app password) from standard input; kept in the OS keyring")
    state = put.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True, help="send new invoices")
    state.add_argument("--disable", dest="enabled", action="store_const", const=False, help="stop sending")
    put.set_defaults(func=cmd_set)

    sub.add_parser("test", help="log in to the SMTP server without sending anything").set_defaults(func=cmd_test)

    folder = sub.add_parser("folder", help="show or change the folder destination (a copy of each new PDF)")
    folder.add_argument("--path", help="the folder (absolute path; created if missing)")
    fstate = folder.add_mutually_exclusive_group()
    fstate.add_argument("--enable", dest="enabled", action="store_const", const=True)
    fstate.add_argument("--disable", dest="enabled", action="store_const", const=False)
    folder.set_defaults(func=cmd_folder)


def _store():
    from backend.core.store import Store
    return Store()


def _fail(message: str, code: int = 1) -> int:
    print(f"invoice-collector: {message}", file=sys.stderr)
    return code


def _field_errors(exc: dsettings.InvalidSettings) -> int:
    for field, problem in exc.fields.items():
        print(f"invoice-collector: {field.replace('_', '-')}: {problem}", file=sys.stderr)
    return 2


def _outbox_summary(store) -> str:
    rows = store.query("SELECT status, COUNT(*) AS n, MIN(next_attempt_at) AS next FROM deliveries "
                       "WHERE destination = 'libeo' GROUP BY status")
    counts = {r["status"]: r for r in rows}
    parts = [f"{counts['sent']['n']} sent" if "sent" in counts else "0 sent"]
    waiting = sum(counts[s]["n"] for s in ("pending", "sending") if s in counts)
    if waiting:
        parts.append(f"{waiting} to send")
    if "retrying" in counts:
        parts.append(f"{counts['retrying']['n']} waiting to retry (next at {counts['retrying']['next']})")
    if "failed" in counts:
        parts.append(f"{counts['failed']['n']} failed (retry them from the panel)")
    return ", ".join(parts)


def cmd_show(args: argparse.Namespace) -> int:
    store = _store()
    value = dsettings.libeo_public(store)
    print(f"Libeo destination: {'on' if value['enabled'] else 'off'}")
    print(f"  inbox:    {value['inbox'] or '(not set)'}" + ("  (other inbox allowed)" if value["allow_other_inbox"] else ""))
    print(f"  sender:   {value['sender'] or '(not set)'}")
    print(f"  SMTP:     {value['smtp_host'] or '(not set)'}:{value['smtp_port']} ({value['smtp_security']})"
          + (f", user {value['smtp_username']}" if value["smtp_username"] else ", no login"))
    print(f"  password: {'saved in the keyring' if value['password_set'] else 'not set'}")
    if value["smtp_ca_cert"]:
        print(f"  CA:       {value['smtp_ca_cert'].count('BEGIN CERTIFICATE')} certificate(s) of your own, "
              "trusted besides the system's")
    if value["paused_reason"]:
        print(f"  PAUSED:   {value['paused_reason']} (fix the settings, then `invoice-collector libeo test`)")
    print(f"  outbox:   {_outbox_summary(store)}")
    folder = dsettings.folder_public(store)
    print(f"Folder destination: {'on' if folder['enabled'] else 'off'}" + (f" ({folder['path']})" if folder["path"] else ""))
    return 0


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    names = {"inbox": "inbox", "allow_other_inbox": "allow_other_inbox", "sender": "sender", "smtp_host": "smtp_host",
             "smtp_port": "smtp_port", "security": "smtp_security", "username": "smtp_username", "enabled": "enabled"}
    return {key: getattr(args, arg) for arg, key in names.items() if getattr(args, arg) is not None}


def cmd_set(args: argparse.Namespace) -> int:
    changes = _changes(args)
    if args.smtp_ca_file is not None:
        try:
            changes["smtp_ca_cert"] = Path(args.smtp_ca_file).read_text(encoding="utf-8") if args.smtp_ca_file else ""
        except (OSError, UnicodeDecodeError) as exc:
            return _fail(f"--smtp-ca-file: cannot read it ({exc}); a PEM file is text", 2)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            return _fail("--password-stdin: nothing was read from standard input", 2)
    if not changes and password is None:
        return _fail("nothing to change: give at least one option (see `invoice-collector libeo set --help`)", 2)
    store = _store()
    try:
        has_password = bool(password) or dsettings.password_set()
        merged = dsettings.merge_libeo(dsettings.load_libeo(store), changes, has_password)
        if password is not None:
            dsettings.set_password(password)
    except dsettings.InvalidSettings as exc:
        return _field_errors(exc)
    except dsettings.KeyringUnavailable as exc:
        return _fail(str(exc))
    dsettings.save_libeo(store, merged)
    print("Libeo destination saved." + ("" if merged.enabled else " It is off: add --enable to send new invoices."))
    if merged.enabled:
        print("A running server picks the change up within a minute.")
    return cmd_show(args)


def cmd_test(args: argparse.Namespace) -> int:
    from backend.delivery.smtp import SmtpFailure, check_login
    store = _store()
    current = dsettings.load_libeo(store)
    if not current.smtp_host:
        return _fail("no SMTP server set: `invoice-collector libeo set --smtp-host … --username … --password-stdin`")
    try:
        password = dsettings.get_password() if current.smtp_username else None
        check_login(current, password)
    except dsettings.KeyringUnavailable as exc:
        return _fail(str(exc))
    except SmtpFailure as failure:
        return _fail(f"SMTP check failed: {failure.text}")
    dsettings.resume_libeo(store)
    print(f"SMTP login OK on {current.smtp_host}:{current.port} ({current.smtp_security}); nothing was sent.")
    return 0


def cmd_folder(args: argparse.Namespace) -> int:
    store = _store()
    changes = {k: v for k, v in (("path", args.path), ("enabled", args.enabled)) if v is not None}
    if changes:
        try:
            dsettings.save_folder(store, dsettings.merge_folder(dsettings.load_folder(store), changes))
        except dsettings.InvalidSettings as exc:
            return _field_errors(exc)
    folder = dsettings.folder_public(store)
    print(f"Folder destination: {'on' if folder['enabled'] else 'off'}" + (f" ({folder['path']})" if folder["path"] else ""))
    if folder["enabled"]:
        print("Each new invoice is copied there as YYYY-MM-DD_provider_number.pdf.")
    return 0
