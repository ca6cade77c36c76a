"""Destination settings: the Libeo inbox (mail through the user's SMTP server) and a local folder.

Non-secret values are JSON rows of the SQLite `settings` table (keys "libeo" and "folder");
the SMTP password lives only in the OS keyring and is never stored, logged or returned.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import keyring
import keyring.errors

from backend.core import keyring_store
from backend.core.addresses import is_email
from backend.core.keyring_store import KeyringUnavailable
from backend.core.store import Store
from backend.delivery import outbox, tls
from backend.i18n import Said, say

KEYRING_PASSWORD_USER = "smtp-password"
SECURITY_MODES = ("starttls", "tls", "plain")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "plain": 25}
LIBEO_DOMAIN = "box.libeo.io"
PAUSE_KEY = "libeo_paused"  # why sending is paused (login refused, TLS broken): cleared by a settings change

_LIBEO_INBOX = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?@box\.libeo\.io$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


UNKNOWN = say("unknown field", "champ inconnu")


class InvalidSettings(ValueError):
    """Bad input: `fields` maps each wrong field to what is wrong with it."""

    def __init__(self, fields: dict[str, Said], message: str = "Invalid settings"):
        super().__init__(message + ": " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields
        self.message = message


@dataclass
class LibeoSettings:
    enabled: bool = False
    inbox: str = ""
    allow_other_inbox: bool = False
    sender: str = ""  # the user's Libeo login: Libeo only accepts mail from company members
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_ca_cert: str = ""  # PEM of a private CA the SMTP server's certificate is signed by (public data)

    @property
    def port(self) -> int:
        return self.smtp_port or DEFAULT_PORTS[self.smtp_security]

    def missing(self) -> dict[str, Said]:
        """Fields a send needs that are still empty."""
        needed = {"inbox": self.inbox, "sender": self.sender, "smtp_host": self.smtp_host}
        return {name: say("required to send to Libeo", "obligatoire pour envoyer à Libeo")
                for name, value in needed.items() if not value}


@dataclass
class FolderSettings:
    enabled: bool = False
    path: str = ""


# ---------------------------------------------------------------- validation

def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return bool(_HOSTNAME.match(host))


def _typed(data: dict[str, Any], name: str, kind: type, errors: dict[str, Said]) -> Any:
    value = data[name]
    if kind is bool and not isinstance(value, bool):
        errors[name] = say("expected yes or no (true or false)", "oui ou non attendu (true ou false)")
    elif kind is str and not isinstance(value, str):
        errors[name] = say("expected text", "texte attendu")
    elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        errors[name] = say("expected a whole number", "nombre entier attendu")
    else:
        return value.strip() if isinstance(value, str) else value
    return None


def merge_libeo(current: LibeoSettings, changes: dict[str, Any], has_password: bool = True) -> LibeoSettings:
    """Apply a partial update and validate the result. Raises InvalidSettings naming each field.

    has_password: whether an SMTP password is (or is about to be) in the keyring."""
    known = {f.name for f in fields(LibeoSettings)}
    errors = {name: UNKNOWN for name in changes if name not in known | {"smtp_password"}}
    merged = asdict(current)
    for name, kind in (("enabled", bool), ("allow_other_inbox", bool), ("inbox", str), ("sender", str),
                       ("smtp_host", str), ("smtp_security", str), ("smtp_username", str),
                       ("smtp_ca_cert", str)):
        if name in changes:
            merged[name] = _typed(changes, name, kind, errors)
    if "smtp_port" in changes:
        merged["smtp_port"] = None if changes["smtp_port"] is None else _typed(changes, "smtp_port", int, errors)
    if errors:
        raise InvalidSettings(errors)
    result = LibeoSettings(**merged)
    result.inbox = result.inbox.lower()
    _check_libeo(result, errors)
    if result.enabled and result.smtp_username and not has_password and "smtp_password" not in errors:
        errors["smtp_password"] = say("required: the password (or app password) of the SMTP account",
                                      "obligatoire : le mot de passe (ou mot de passe d'application) du compte SMTP")
    if errors:
        raise InvalidSettings(errors)
    return result


def _check_libeo(s: LibeoSettings, errors: dict[str, Said]) -> None:
    if s.inbox:
        if not is_email(s.inbox):
            errors["inbox"] = say("not an e-mail address (expected <your-company>@box.libeo.io)",
                                  "ce n'est pas une adresse e-mail (attendu : <votre-société>@box.libeo.io)")
        elif not s.allow_other_inbox and not _LIBEO_INBOX.match(s.inbox):
            errors["inbox"] = say("must be your Libeo inbox, <your-company>@box.libeo.io (shown in Libeo); tick "
                                  "“Allow an address outside @box.libeo.io” to send elsewhere",
                                  "ce doit être votre boîte Libeo, <votre-société>@box.libeo.io (affichée dans "
                                  "Libeo) ; cochez « Autoriser une adresse qui n’est pas en @box.libeo.io » pour "
                                  "envoyer ailleurs")
    if s.sender and not is_email(s.sender):
        errors["sender"] = say("not an e-mail address: use the address you log in to Libeo with",
                               "ce n'est pas une adresse e-mail : utilisez celle de votre connexion à Libeo")
    if s.smtp_security not in SECURITY_MODES:
        errors["smtp_security"] = say("must be one of starttls, tls, plain",
                                      "valeurs possibles : starttls, tls, plain")
    if s.smtp_host and not _valid_host(s.smtp_host):
        errors["smtp_host"] = say("not a host name or IP address (e.g. smtp.example.com)",
                                  "ce n'est pas un nom de serveur ni une adresse IP (par exemple smtp.example.com)")
    elif s.smtp_security == "plain" and s.smtp_host and not is_loopback(s.smtp_host):
        errors["smtp_security"] = say("plain (unencrypted) SMTP is only allowed to this computer (localhost); "
                                      "use starttls or tls",
                                      "le SMTP non chiffré n'est permis que vers cet ordinateur (localhost) ; "
                                      "choisissez starttls ou tls")
    ca_problem = tls.ca_problem(s.smtp_ca_cert) if s.smtp_ca_cert else None
    if ca_problem:
        errors["smtp_ca_cert"] = ca_problem
    if s.smtp_port is not None and not 1 <= s.smtp_port <= 65535:
        errors["smtp_port"] = say("must be between 1 and 65535", "entre 1 et 65535")
    if s.enabled:
        errors.update({k: v for k, v in s.missing().items() if k not in errors})


def merge_folder(current: FolderSettings, changes: dict[str, Any]) -> FolderSettings:
    errors = {name: UNKNOWN for name in changes if name not in ("enabled", "path")}
    merged = asdict(current)
    for name, kind in (("enabled", bool), ("path", str)):
        if name in changes:
            merged[name] = _typed(changes, name, kind, errors)
    if errors:
        raise InvalidSettings(errors)
    result = FolderSettings(**merged)
    if result.path:
        try:
            expanded = Path(result.path).expanduser()
        except RuntimeError:  # "~someone/…" for a user without a home
            expanded = Path(result.path)
        if "\0" in result.path:
            errors["path"] = say("must not contain a NUL character", "ne doit pas contenir de caractère NUL")
        elif not expanded.is_absolute():
            errors["path"] = say("must be a full path (e.g. /home/me/Factures)",
                                 "ce doit être un chemin complet (par exemple /home/moi/Factures)")
        else:
            result.path = str(expanded)
            problem = _folder_problem(expanded)
            if problem:
                errors["path"] = problem
    elif result.enabled:
        errors["path"] = say("required: the folder where invoices are copied",
                             "obligatoire : le dossier où copier les factures")
    if errors:
        raise InvalidSettings(errors)
    return result


def _folder_problem(path: Path) -> Said | None:
    try:
        if path.exists() and not path.is_dir():
            return say("exists and is not a folder", "existe et n'est pas un dossier")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a name too long, a parent that is a file, no permission…
        return say(f"cannot be created: {exc.strerror or exc}", f"impossible à créer : {exc.strerror or exc}")
    if not os.access(path, os.W_OK | os.X_OK):
        return say("is not writable by this user", "n'est pas modifiable par cet utilisateur")
    return None


# ---------------------------------------------------------------- storage (settings table, keyring)

def load_libeo(store: Store) -> LibeoSettings:
    data = store.get_setting("libeo") or {}
    known = {f.name for f in fields(LibeoSettings)}
    return LibeoSettings(**{k: v for k, v in data.items() if k in known})


def load_folder(store: Store) -> FolderSettings:
    data = store.get_setting("folder") or {}
    return FolderSettings(enabled=bool(data.get("enabled")), path=data.get("path") or "")


def save_libeo(store: Store, settings: LibeoSettings) -> None:
    """Saving clears a pause: the user changed something, sending may resume."""
    with store.transaction():
        store.put_setting("libeo", asdict(settings))
        resume_libeo(store)


def save_folder(store: Store, settings: FolderSettings) -> None:
    store.put_setting("folder", asdict(settings))


def paused_reason(store: Store) -> str | None:
    return store.get_setting(PAUSE_KEY)


def pause_libeo(store: Store, reason: str) -> None:
    """Stop sending until the user acts: retrying a refused login could lock the mail account."""
    store.put_setting(PAUSE_KEY, reason)


def resume_libeo(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM settings WHERE key = ?", (PAUSE_KEY,))


def _keyring_call(what: str, func, *args):
    keyring_store.check_backend()  # refuses the fail / plaintext backends, says how to fix it
    return keyring_store.call(what, func, *args)


def get_password() -> str | None:
    return _keyring_call("read the SMTP password", keyring.get_password, keyring_store.service(), KEYRING_PASSWORD_USER)


def set_password(password: str | None) -> None:
    """Store the SMTP password in the keyring; None or "" deletes it."""
    if password:
        _keyring_call("save the SMTP password", keyring.set_password, keyring_store.service(),
                      KEYRING_PASSWORD_USER, password)
    else:
        _keyring_call("delete the SMTP password", keyring.delete_password, keyring_store.service(),
                      KEYRING_PASSWORD_USER)


def password_set() -> bool:
    try:
        return bool(get_password())
    except KeyringUnavailable:
        return False


def libeo_public(store: Store) -> dict[str, Any]:
    """The GET /api/settings/libeo answer: everything but the password."""
    settings = load_libeo(store)
    with store.read() as conn:  # collected while sending was off: the panel offers to send them
        waiting = len(outbox.waiting(conn, "libeo"))
    return asdict(settings) | {"smtp_port": settings.port, "password_set": password_set(),
                               "paused_reason": paused_reason(store), "waiting": waiting}


def folder_public(store: Store) -> dict[str, Any]:
    return asdict(load_folder(store))
