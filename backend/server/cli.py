"""`invoice-collector serve [--port N]` and `invoice-collector pair [--port N] [--list | --revoke ID|all]`."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import time

from backend import config, paths
from backend.i18n import Said, cli_language, french, in_language, say
from backend.redact import mask_logs

LOG_FILE = "invoice-collector.log"


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="run the local server the browser extension talks to",
                                  description="Serve the API on 127.0.0.1 only (never on the network).")
    serve.add_argument("--port", type=_port, help=f"port to listen on (default {config.DEFAULT_PORT}, "
                                                 "or `port` in config.json)")
    serve.set_defaults(func=cmd_serve)
    pair = subparsers.add_parser("pair", help="pair the browser extension: prints a short code to type in it",
                                 description="Open a 2-minute pairing window and print its code. The server "
                                             "does not need to be running yet.")
    pair.add_argument("--port", type=_port, help="the port the server listens on (default: `port` in "
                                                 "config.json, else the one the running server recorded)")
    what = pair.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list the paired browsers (id, name, dates)")
    what.add_argument("--revoke", nargs="?", const="all", metavar="ID|all",
                      help="unpair the browser with this id (see --list), or every one (all, the default): "
                           "it must pair again")
    pair.add_argument("--lang", choices=("fr", "en"),
                      help="language of what it prints (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)")
    pair.set_defaults(func=cmd_pair)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1024 <= value <= 65535:
        raise argparse.ArgumentTypeError("the port must be between 1024 and 65535")
    return value


# Selenium logs every WebDriver command with its payload at DEBUG, typed passwords included.
QUIET_LOGGERS = ("selenium", "urllib3")


def setup_logging(verbose: bool = False) -> logging.handlers.RotatingFileHandler:
    """A rotating log file under the log dir (5 × 1 MB). Request bodies and secrets are never logged."""
    path = paths.log_dir() / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    os.chmod(path, 0o600)
    root = logging.getLogger()
    root.addHandler(handler)
    mask_logs(root)
    root.setLevel(min(root.level or logging.WARNING, handler.level))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def cmd_serve(args: argparse.Namespace) -> int:
    started = time.monotonic()
    from waitress.server import create_server  # what `waitress` re-exports; only this module's stub has it

    from backend.core.keyring_store import KeyringUnavailable
    from backend.server import probe, recovery
    from backend.server.app import create_app
    from backend.server.services import EXTENSION_KEY

    settings = config.load()
    if args.port:
        settings.port = args.port
    log_path = setup_logging(args.verbose).baseFilename
    try:
        app = create_app(settings)
    except KeyringUnavailable as exc:
        print(f"invoice-collector: {exc}", file=sys.stderr)
        return 1
    services = app.extensions[EXTENSION_KEY]
    recovery.recover(services)  # what a crashed server left, put right before anyone can ask
    try:
        # A local program opening many connections and trickling bytes must not starve the panel:
        # waitress reads requests asynchronously, so new connections must still be accepted (its
        # default stops at 100) and idle ones dropped soon.
        server = create_server(app, host="127.0.0.1", port=settings.port, threads=8, ident="invoice-collector",
                               connection_limit=500, channel_timeout=30, cleanup_interval=5,
                               max_request_header_size=65536, max_request_body_size=10_000_000)
    except OSError as exc:
        services.jobs.stop(0)
        print(f"invoice-collector: cannot listen on 127.0.0.1:{settings.port} ({exc.strerror}). Another "
              f"invoice-collector may be running; otherwise choose another port with --port.", file=sys.stderr)
        return 1

    def terminate(signum, frame) -> None:  # SIGTERM ends the server like Ctrl-C does
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    # The socket listens from create_server() on; background services start in their own threads.
    ready, cpu = time.monotonic() - started, time.process_time()
    services.start()
    probe.record_listening(settings.port)  # `pair` finds it there when it is not on the configured port
    print(f"invoice-collector listening on http://127.0.0.1:{settings.port} (log: {log_path})", flush=True)
    logging.getLogger("invoice_collector.server").info(
        "listening on 127.0.0.1:%s (ready in %.2f s; %.2f s of CPU since the process started)",
        settings.port, ready, cpu)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        probe.forget_listening()
        server.close()
        services.stop(timeout=10)
    if not services.jobs.wait_idle(0):
        # A browser run that will not end soon: it is marked interrupted and rescheduled at next start.
        logging.getLogger("invoice_collector.server").warning("exiting with a sync still running")
        logging.shutdown()
        os._exit(0)
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from backend.core import keyring_store
    from backend.server import pairing

    try:
        keyring_store.check_backend()
    except keyring_store.KeyringUnavailable as exc:
        print(f"invoice-collector: {exc}", file=sys.stderr)
        return 1
    lang = args.lang or cli_language()
    if args.list:
        return _list_pairings(lang)
    if args.revoke:
        return _revoke(args.revoke, lang)
    code, expires = pairing.open_window()
    local = expires.astimezone().strftime("%H:%M:%S")
    attempts = pairing.MAX_ATTEMPTS
    # The panel's own words: « Associer ce navigateur », « Code d'association ».
    print(in_language(say(f"Pairing code: {code} — type it in the « Collecte de factures » panel (Pair this "
                          f"browser) before {local}; {attempts} attempts at most.",
                          f"Code d'association : {code} — saisissez-le dans le panneau « Collecte de factures » "
                          f"(Associer ce navigateur) avant {local} ; {attempts} essais au plus."), lang))
    where = _server_problem(args.port)
    if where:
        print(in_language(where, lang))
    return 0


def _server_problem(port: int | None) -> Said | None:
    """Why the panel could not reach the server (on `port`, else the configured one), or None
    when it answers there: on another port (started with `serve --port`), or not at all."""
    from backend.server.probe import answering_elsewhere, probe

    expected = port or config.load().port
    health = probe(expected, timeout=1)
    if health.answering:
        return None
    found = answering_elsewhere(expected)
    if found:
        return say(f"The server answers on port {found}, not on port {expected}: set port {found} in the "
                   f"extension's options, or restart the server on port {expected}.",
                   f"Le serveur ne répond pas sur le port {expected} mais sur le port {found} : indiquez le port "
                   f"{found} dans les options de l'extension, ou redémarrez le serveur sur le port {expected}.")
    return say(f"The server is not running on port {expected} ({health.detail}): start it with "
               "`invoice-collector serve`.",
               f"Le serveur ne répond pas sur le port {expected} ({french(health.detail)}) : démarrez-le avec "
               "`invoice-collector serve`.")


def _list_pairings(lang: str) -> int:
    from backend.core import paired_browsers
    from backend.core.clock import parse

    pairings = paired_browsers.listed()
    if not pairings:
        print(in_language(say("No browser is paired.", "Aucun navigateur n'est associé."), lang))
        return 0
    uses = paired_browsers.last_uses()

    def local(value: str | None) -> str:
        moment = parse(value)
        return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"
    heads = [say("Name", "Nom"), say("Paired", "Associé"), say("Last used", "Dernier usage")]
    rows = [("ID", *(in_language(head, lang) for head in heads))]
    for p in pairings:
        rows.append((p.id, in_language(p.label, lang), local(p.paired_at), local(uses.get(p.id))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3])
    return 0


def _revoke(which: str, lang: str) -> int:
    from backend.core import paired_browsers
    from backend.server import pairing

    if which == "all":
        count = paired_browsers.revoke_all()
        pairing.close_window()
        print(in_language(say(f"{count} pairing(s) revoked: these browsers must pair again.",
                              f"{count} association(s) révoquée(s) : ces navigateurs doivent être associés à "
                              "nouveau.") if count else
                          say("No browser was paired; nothing to revoke.",
                              "Aucun navigateur n'était associé : rien à révoquer."), lang))
        return 0
    gone = paired_browsers.revoke(which)
    if gone is None:
        print("invoice-collector: " + in_language(say(
            f"no paired browser has the id '{which}' (see `invoice-collector pair --list`)",
            f"aucun navigateur associé n'a l'identifiant « {which} » (voir `invoice-collector pair --list`)"), lang),
              file=sys.stderr)
        return 1
    print(in_language(say(f"Pairing revoked: {gone.label} must pair again.",
                          f"Association révoquée : {french(gone.label)} doit être associé à nouveau."), lang))
    return 0
