"""`invoice-collector doctor`: checks what collection and delivery need, each with a one-line fix.

Every check is a small function returning a Check; what it looks at (settings, commands, disk
usage, the keyring backend, ports) can be swapped, so tests drive each one to OK, WARN and FAIL.
Texts are say(en, fr), printed in the user's locale (or --lang). Exit status 1 when a check FAILs
(collection or delivery cannot work), else 0."""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from backend import config, disk, paths
from backend.autostart.launch import OUTPUT_LOG
from backend.i18n import Said, cli_language, french, in_language, say
from backend.server.probe import Health, probe

if TYPE_CHECKING:
    from backend.collectors import Catalog

OK, WARN, FAIL = "OK", "WARN", "FAIL"


class DiskUsage(Protocol):  # what check_disk reads of shutil.disk_usage()
    @property
    def free(self) -> int: ...


@dataclass
class Check:
    name: str
    status: str  # OK | WARN | FAIL
    summary: str  # say(en, fr), as fix and details
    fix: str = ""
    details: Sequence[str] = field(default_factory=list)


def _run(argv: Sequence[str]) -> str:
    """What a command prints; why it could not run (not executable, hung) instead of raising."""
    try:
        result = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run it: {exc}"
    return (result.stdout or "") + (result.stderr or "")


def _install_hint(what: str) -> Said:
    if sys.platform.startswith("linux"):
        package = {"browser": "chromium", "driver": "chromium-driver"}[what]
        return say(f"install it: sudo apt install {package}", f"installez-le : sudo apt install {package}")
    return {"browser": say("install Google Chrome", "installez Google Chrome"),
            "driver": say("download the chromedriver matching your Chrome",
                          "téléchargez le chromedriver qui correspond à votre Chrome")}[what]


def _or_settings(fix: Said, names: str) -> Said:
    """A fix, or the settings file to change instead."""
    where = config.settings_path()
    return say(f"{fix}, or set {names} in {where}", f"{french(fix)}, ou réglez {names} dans {where}")


def check_browser(settings: config.Settings, run: Callable[[Sequence[str]], str] = _run,
                  platform: str = sys.platform) -> Check:
    """Chromium/Chrome and chromedriver exist, run, and share a major version."""
    if settings.remote_webdriver_url:
        return check_remote_webdriver(settings.remote_webdriver_url)
    from backend.collectors.model import BrowserConfig
    from backend.collectors.run import browser
    chosen = BrowserConfig(chrome_binary=settings.chrome_binary, chromedriver=settings.chromedriver)
    names = "`chrome_binary` / `chromedriver`"
    found: dict[str, tuple[str, str] | None] = {}  # what -> (path, version), None: left to Selenium Manager
    for what, path in (("browser", browser.chrome_binary(chosen, platform)),
                       ("driver", browser.chromedriver_path(chosen, platform))):
        if path is None:  # macOS/Windows with no driver configured: Selenium Manager's job
            found[what] = None
            continue
        resolved = shutil.which(path) or (path if Path(path).is_file() else None)
        label = "Chromium/Chrome" if what == "browser" else "chromedriver"
        if not resolved:
            return Check("browser", FAIL, say(f"{label} not found at {path}", f"{label} introuvable : {path}"),
                         _or_settings(_install_hint(what), names))
        output = "" if what == "browser" else run([resolved, "--version"])
        version = browser.browser_version(resolved, platform, run) if what == "browser" else browser.printed_version(output)
        if not version:
            said = output.strip().splitlines()[0][:200] if output.strip() else ""
            output_said = f" ({said})" if said else ""
            return Check("browser", FAIL, say(f"{label} at {resolved} does not report a version{output_said}",
                                              f"{label} ({resolved}) ne donne pas sa version{output_said}"),
                         _or_settings(say("reinstall it", "réinstallez-le"), names))
        found[what] = (resolved, version)
    browser_found, driver_found = found["browser"], found["driver"]
    assert browser_found is not None  # chrome_binary() always names a path: only the driver may be left unset
    bpath, bver = browser_found
    if driver_found is None:
        return Check("browser", OK, say(
            f"browser {bver} ({bpath}); chromedriver: Selenium Manager provides the one matching this Chrome "
            "at the first collection",
            f"navigateur {bver} ({bpath}) ; chromedriver : Selenium Manager fournit celui de ce Chrome à la "
            "première collecte"))
    dpath, dver = driver_found
    summary = say(f"browser {bver} ({bpath}), chromedriver {dver} ({dpath})",
                  f"navigateur {bver} ({bpath}), chromedriver {dver} ({dpath})")
    major = bver.split(".")[0]
    if major != dver.split(".")[0]:
        how = _install_hint("driver").split(": ")[-1]
        return Check("browser", FAIL, say(f"versions differ: {summary}", f"versions différentes : {french(summary)}"),
                     _or_settings(say(f"install the chromedriver for major version {major} ({how})",
                                      f"installez le chromedriver de la version majeure {major} ({how})"), names))
    return Check("browser", OK, summary)


def check_remote_webdriver(url: str) -> Check:
    """A Selenium Grid / remote driver: ready, with slots, and how many are free or queued for. Its
    address is shown without credentials."""
    from backend.collectors.run import grid
    where = config.settings_path()
    fix = say(f"start it, or remove `remote_webdriver_url` from {where} to use the local browser",
              f"démarrez-le, ou retirez `remote_webdriver_url` de {where} pour utiliser le navigateur local")
    shown = grid.shown(url)
    try:
        found = grid.status(url)
    except grid.GridError as exc:
        refused = "refused the credentials" in str(exc)
        return Check("browser", FAIL, say(str(exc), f"Selenium Grid : {exc}"),
                     say(f"correct the user and password of `remote_webdriver_url` in {where}",
                         f"corrigez l'utilisateur et le mot de passe de `remote_webdriver_url` dans {where}")
                     if refused else fix)
    if found.slots is None:
        said = f": {found.message}" if found.message else ""
        if not found.ready:
            return Check("browser", FAIL, say(f"the remote WebDriver at {shown} is not ready{said}",
                                              f"le WebDriver distant ({shown}) n'est pas prêt{said}"), fix)
        return Check("browser", OK, say(f"the remote WebDriver at {shown} is ready{said}",
                                        f"le WebDriver distant ({shown}) est prêt{said}"))
    queued = found.queued or 0
    counts = say(f"{found.free} of {found.slots} slots free, {queued} session request(s) queued",
                 f"{found.free} emplacement(s) libre(s) sur {found.slots}, {queued} demande(s) en attente")
    if found.slots and not found.free:  # the Grid calls itself "not ready" while every slot is busy
        return Check("browser", WARN, say(f"the Selenium Grid at {shown} is full: {counts}",
                                          f"le Selenium Grid ({shown}) est plein : {french(counts)}"),
                     say("add nodes or slots, or lower `workers`: requests that wait past the Grid's "
                         "session-request-timeout fail GRID_UNAVAILABLE",
                         "ajoutez des nœuds ou des emplacements, ou baissez `workers` : une demande qui attend "
                         "au-delà du session-request-timeout du Grid échoue en GRID_UNAVAILABLE"))
    if not found.ready or not found.slots:
        why = found.message or "no node with a browser slot"
        return Check("browser", FAIL, say(f"the Selenium Grid at {shown} is not ready: {why}",
                                          f"le Selenium Grid ({shown}) n'est pas prêt : {why}"),
                     say("start a node (with Chrome or Chromium) and check the Grid's log",
                         "démarrez un nœud (avec Chrome ou Chromium) et consultez le journal du Grid"))
    return Check("browser", OK, say(f"the Selenium Grid at {shown} is ready: {counts}",
                                    f"le Selenium Grid ({shown}) est prêt : {french(counts)}"))


def check_keyring() -> Check:
    """The server's own gate (no fail/plaintext backend), then a write, read and delete."""
    import keyring
    from keyring.errors import KeyringError

    from backend.core import keyring_store
    try:
        kind = keyring_store.check_backend()
    except keyring_store.KeyringUnavailable as exc:
        why = str(exc).replace(keyring_store.FIX, "").strip()
        return Check("keyring", FAIL, say(why, f"trousseau inutilisable : {why}"), keyring_store.FIX)
    value = secrets.token_hex(8)
    try:
        keyring.set_password(keyring_store.service(), "doctor-probe", value)
        readable = keyring.get_password(keyring_store.service(), "doctor-probe") == value
        keyring.delete_password(keyring_store.service(), "doctor-probe")
    except KeyringError as exc:
        return Check("keyring", FAIL, say(f"{kind} refused a test entry: {exc}",
                                          f"{kind} a refusé une entrée d'essai : {exc}"), keyring_store.FIX)
    if not readable:
        return Check("keyring", FAIL, say(f"{kind} did not give back what was stored",
                                          f"{kind} n'a pas rendu ce qui y a été rangé"), keyring_store.FIX)
    return Check("keyring", OK, say(f"{kind} stores and returns secrets", f"{kind} garde et rend les secrets"))


FIX_KEYRING_FIRST = say("fix the keyring first (see above)", "réparez d'abord le trousseau (voir plus haut)")


def check_server(port: int, probe_fn: Callable[[int], Health] = probe) -> Check:
    health = probe_fn(port)
    if health.answering:
        return Check("server", OK, say(f"{health.detail} answers on {health.url}",
                                       f"{health.detail} répond sur {health.url}"))
    fix = say("run `invoice-collector serve`, or `invoice-collector autostart enable` to start it at every login",
              "lancez `invoice-collector serve`, ou `invoice-collector autostart enable` pour le démarrer à chaque "
              "ouverture de session")
    if "another program" in health.detail:
        where = config.settings_path()
        fix = say(f"free port {port} or choose another `port` in {where}",
                  f"libérez le port {port} ou choisissez un autre `port` dans {where}")
    logs = [paths.log_dir() / name for name in ("invoice-collector.log", OUTPUT_LOG)]
    details = [say(f"its log: {log}", f"son journal : {log}") for log in logs if log.is_file() and log.stat().st_size]
    return Check("server", WARN, say(f"not answering on {health.url}: {health.detail}",
                                     f"ne répond pas sur {health.url} : {french(health.detail)}"), fix, details)


def check_pairing() -> Check:
    from backend.core import keyring_store, paired_browsers
    try:
        paired = len(paired_browsers.listed())
    except keyring_store.KeyringUnavailable as exc:
        error = exc.__class__.__name__
        return Check("pairing", WARN, say(f"cannot read the pairing tokens: {error}",
                                          f"impossible de lire les jetons d'association : {error}"), FIX_KEYRING_FIRST)
    if paired:
        many = "s" if paired > 1 else ""
        return Check("pairing", OK, say(f"{paired} browser{many} paired (their tokens' hashes are in the keyring; "
                                        "`invoice-collector pair --list` lists them)",
                                        f"{paired} navigateur{many} associé{many} (les empreintes de leurs jetons sont "
                                        "dans le trousseau ; `invoice-collector pair --list` les liste)"))
    folder = paths.extension_dir()
    return Check("pairing", WARN, say("the extension is not paired yet", "l'extension n'est pas encore associée"),
                 say(f"load the extension unpacked from {folder} (menu ⋮ > Extensions > Manage Extensions, "
                     "Developer mode, Load unpacked) and open its side panel: it pairs itself when "
                     "`invoice-collector setup` has run; otherwise run `invoice-collector pair` and type the code there",
                     f"chargez l'extension non empaquetée depuis {folder} (menu ⋮ > Extensions > Gérer les "
                     "extensions, Mode développeur, Charger l'extension non empaquetée) et ouvrez son panneau : il "
                     "s'associe tout seul si `invoice-collector setup` a été lancé ; sinon lancez "
                     "`invoice-collector pair` et saisissez-y le code"))


IN_PANEL = say("set it in the side panel: Settings > Delivery to Libeo",
               "réglez-le dans le panneau : Réglages > Envoi vers Libeo")


def check_delivery(libeo=None, password: Callable[[], str | None] | None = None) -> Check:
    """Libeo destination configured, and the SMTP server accepts the login (nothing is sent)."""
    from backend.core.keyring_store import KeyringUnavailable
    from backend.core.store import DB_NAME, Store
    from backend.delivery import settings as delivery
    from backend.delivery import smtp
    paused = None
    if libeo is None:
        if not (paths.data_dir() / DB_NAME).exists():  # never create a database just to look
            libeo = delivery.LibeoSettings()
        else:
            store = Store()
            libeo, paused = delivery.load_libeo(store), delivery.paused_reason(store)
    if not libeo.inbox and not libeo.smtp_host:
        return Check("libeo", WARN, say("Libeo delivery is not configured: invoices stay on this computer",
                                        "l'envoi vers Libeo n'est pas réglé : les factures restent sur cet ordinateur"),
                     say(f"{IN_PANEL} (your inbox <company>@box.libeo.io and your SMTP server)",
                         f"{IN_PANEL.fr} (votre boîte <société>@box.libeo.io et votre serveur SMTP)"))
    missing = libeo.missing()
    if missing:
        names = ", ".join(missing)
        return Check("libeo", FAIL, say(f"Libeo delivery is missing: {names}", f"il manque à l'envoi vers Libeo : {names}"),
                     IN_PANEL)
    try:
        secret = (password or delivery.get_password)()
    except KeyringUnavailable as exc:
        error = exc.__class__.__name__
        return Check("libeo", FAIL, say(f"cannot read the SMTP password: {error}",
                                        f"impossible de lire le mot de passe SMTP : {error}"), FIX_KEYRING_FIRST)
    server = f"{libeo.smtp_host}:{libeo.port} ({libeo.smtp_security})"
    try:
        smtp.check_login(libeo, secret, timeout=15)
    except smtp.SmtpFailure as failure:
        hint = f" (check `{failure.field}`)" if failure.field else ""
        hint_fr = f" (vérifiez `{failure.field}`)" if failure.field else ""
        return Check("libeo", FAIL, say(f"SMTP login to {server} failed: {failure}",
                                        f"la connexion SMTP à {server} a échoué : {french(failure.text)}"),
                     say(f"{IN_PANEL}{hint}", f"{IN_PANEL.fr}{hint_fr}"))
    details = [say(f"sending is paused: {paused}", f"l'envoi est en pause : {paused}")] if paused else []
    if not libeo.enabled:
        return Check("libeo", WARN, say(f"SMTP login to {server} works, but sending to {libeo.inbox} is switched off",
                                        f"la connexion SMTP à {server} marche, mais l'envoi vers {libeo.inbox} est "
                                        "désactivé"),
                     say("switch it on in the side panel: Settings > Delivery to Libeo",
                         "activez-le dans le panneau : Réglages > Envoi vers Libeo"), details)
    if paused:
        return Check("libeo", WARN, say(f"SMTP login to {server} works, sending to {libeo.inbox} is paused",
                                        f"la connexion SMTP à {server} marche, l'envoi vers {libeo.inbox} est en pause"),
                     say("save the Libeo settings again in the side panel to resume",
                         "enregistrez à nouveau les réglages Libeo dans le panneau pour reprendre"), details)
    return Check("libeo", OK, say(f"sending to {libeo.inbox} as {libeo.sender} through {server}: login works",
                                  f"envoi vers {libeo.inbox} au nom de {libeo.sender} par {server} : la connexion "
                                  "marche"))


def check_recipes(load: Callable[[], Catalog] | None = None) -> Check:
    from backend.collectors import load_catalog
    catalog = (load or load_catalog)()
    details = [str(error) for error in catalog.errors]  # FILE:LINE:COL and the recipe's own words
    count = len(catalog.providers)
    folder = paths.user_recipes_dir()
    fix = say(f"correct the lines listed above (FILE:LINE:COL), or move the broken file out of {folder}",
              f"corrigez les lignes citées plus haut (FICHIER:LIGNE:COLONNE), ou sortez le fichier fautif de {folder}")
    if not count:
        return Check("recipes", FAIL, say(f"no usable provider recipe ({len(details)} errors)",
                                          f"aucune recette de fournisseur utilisable ({len(details)} erreurs)"),
                     fix, details)
    if details:
        return Check("recipes", WARN, say(f"{count} providers usable, {len(details)} errors",
                                          f"{count} fournisseurs utilisables, {len(details)} erreurs"), fix, details)
    # A local file replacing a bundled provider is what a shared, hostile recipe would do: named.
    replaced = []
    for pid, provider in sorted(catalog.providers.items()):
        if pid in catalog.overridden:
            file = provider.source.file if provider.source else "?"
            origins = ", ".join(provider.trust.get("origins", []))
            replaced.append(say(f"{file} replaces the bundled provider '{pid}' (its credentials may go to "
                                f"{origins or 'nowhere'})",
                                f"{file} remplace le fournisseur fourni '{pid}' (ses identifiants peuvent partir "
                                f"vers {origins or 'nulle part'})"))
    if replaced:
        return Check("recipes", WARN, say(f"{count} providers valid, {len(replaced)} bundled one(s) replaced by a "
                                          "local file",
                                          f"{count} fournisseurs valides, {len(replaced)} fourni(s) remplacé(s) par un "
                                          "fichier local"),
                     say("remove the file unless you trust it and meant it",
                         "supprimez le fichier, sauf si vous l'avez voulu et lui faites confiance"), replaced)
    return Check("recipes", OK, say(f"{count} providers valid", f"{count} fournisseurs valides"))


def check_disk(folder: Path, usage: Callable[[Path], DiskUsage] = shutil.disk_usage) -> Check:
    free = usage(folder).free
    megabytes = f"{free / 1024 ** 2:,.0f}"
    text = say(f"{megabytes} MB free for PDFs in {folder}",
               f"{megabytes.replace(',', ' ')} Mo libres pour les PDF dans {folder}")
    fix = say(f"free some space on the disk holding {folder}, or set INVOICE_COLLECTOR_HOME to another disk",
              f"libérez de la place sur le disque de {folder}, ou placez INVOICE_COLLECTOR_HOME sur un autre disque")
    if free < disk.FULL_BYTES:
        return Check("disk", FAIL, text, fix)
    if free < disk.WARN_BYTES:
        return Check("disk", WARN, text, fix)
    return Check("disk", OK, text)


def all_checks(settings: config.Settings) -> list[Callable[[], Check]]:
    return [
        lambda: check_browser(settings),
        check_keyring,
        lambda: check_server(settings.port),
        check_pairing,
        check_delivery,
        check_recipes,
        lambda: check_disk(paths.data_dir()),
    ]


def run_checks(checks: Sequence[Callable[[], Check]]) -> list[Check]:
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # noqa: BLE001 — one broken check must not hide the others
            name = getattr(check, "__name__", "check").replace("check_", "")
            error = f"{exc.__class__.__name__}: {exc}"
            results.append(Check(name, FAIL, say(f"the check itself failed: {error}",
                                                 f"la vérification elle-même a échoué : {error}"),
                                 say("run with -v and report it", "relancez avec -v et signalez-le")))
    return results


def render(results: Sequence[Check], lang: str = "en") -> str:
    def text(value: str) -> str:
        return in_language(value, lang)
    fix_label = "correctif :" if lang == "fr" else "fix:"
    lines = []
    for result in results:
        lines.append(f"{result.status:<5} {result.name:<9} {text(result.summary)}")
        lines.extend(f"{'':16}{text(detail)}" for detail in result.details)
        if result.status != OK and result.fix:
            lines.append(f"{'':16}{fix_label} {text(result.fix)}")
    failed = ", ".join(r.name for r in results if r.status == FAIL)
    if failed:
        count = failed.count(",") + 1
        lines.append("\n" + text(say(f"{count} problem(s) block collection or delivery: {failed}",
                                      f"{count} problème(s) bloquent la collecte ou l'envoi : {failed}")))
    else:
        lines.append("\n" + text(say("Nothing blocks collection.", "Rien ne bloque la collecte.")))
    return "\n".join(lines)


def as_json(results: Sequence[Check]) -> dict:
    """English summary/fix/details (as before), each with its French twin (summary_fr, …)."""
    checks = [asdict(r) | {"summary_fr": french(r.summary), "fix_fr": french(r.fix),
                           "details_fr": [french(d) for d in r.details]} for r in results]
    return {"ok": all(r.status != FAIL for r in results), "checks": checks}


def run(args: argparse.Namespace) -> int:
    results = run_checks(all_checks(config.load()))
    if args.json:
        print(json.dumps(as_json(results), indent=2, ensure_ascii=False))
    else:
        print(render(results, args.lang or cli_language()))
    return 1 if any(r.status == FAIL for r in results) else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check browser, driver, keyring, server, pairing, delivery, recipes and disk",
        description="Check everything invoice-collector needs; each problem comes with a one-line fix. "
                    "Exits 1 when a check FAILs (collection or delivery cannot work), 0 otherwise.")
    parser.add_argument("--json", action="store_true", help="machine-readable output (English, with *_fr twins)")
    parser.add_argument("--lang", choices=("fr", "en"),
                        help="language of the report (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)")
    parser.set_defaults(func=run)
