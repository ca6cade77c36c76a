"""Secrets in the OS keyring (service "invoice-collector"), never in the database or a file.

- account credentials: one entry per account and field, user "account:<id>:<field>";
- the paired browsers' tokens: only their SHA-256, in one entry (core/paired_browsers.py).

At start the server refuses a keyring that would not protect anything (the fail backend,
a plaintext file, a chainer falling back to one) and says how to fix it."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from backend import paths
from backend.i18n import say

SERVICE = "invoice-collector"  # the service name of the default home
log = logging.getLogger("invoice_collector.keyring")

FIX = say("Install and unlock a Secret Service keyring: on Debian/Ubuntu `sudo apt install gnome-keyring` "
          "(it unlocks when you log in to the desktop), or KWallet on KDE. On a machine without a desktop, "
          "run invoice-collector inside `dbus-run-session` and unlock the keyring with "
          "`printf %s PASSWORD | gnome-keyring-daemon --unlock --components=secrets`. "
          "macOS Keychain and Windows Credential Manager work as they are.",
          "Installez et déverrouillez un trousseau Secret Service : sous Debian/Ubuntu `sudo apt install "
          "gnome-keyring` (il se déverrouille à l'ouverture de la session), ou KWallet sous KDE. Sur une machine "
          "sans bureau, lancez invoice-collector dans `dbus-run-session` et déverrouillez le trousseau avec "
          "`printf %s MOT_DE_PASSE | gnome-keyring-daemon --unlock --components=secrets`. Le trousseau de macOS "
          "et le gestionnaire d'identifiants de Windows conviennent tels quels.")


def service(home: str | os.PathLike[str] | None = None) -> str:
    """The keyring service for this home. Another INVOICE_COLLECTOR_HOME (a demo, a test, a
    second profile) gets its own, so it can never overwrite the real accounts' secrets or token."""
    home = home or os.environ.get(paths.HOME_ENV)
    if not home:
        return SERVICE
    digest = hashlib.sha256(str(paths.Path(home).expanduser().resolve()).encode()).hexdigest()[:12]
    return f"{SERVICE}/{digest}"


class KeyringUnavailable(RuntimeError):
    """The keyring cannot keep secrets safely right now; the message says how to fix it."""


def _name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _insecure(backend: KeyringBackend) -> str | None:
    """Why a backend is unacceptable, or None."""
    name = _name(backend)
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return "no keyring backend is available"
    if "plaintext" in name.lower() or name.startswith("keyrings.alt"):
        return f"{name} stores secrets in a file readable by anyone who gets the file"
    if isinstance(backend, ChainerBackend):
        children = list(backend.backends)
        if not children:
            return "no keyring backend is available"
        for child in children:
            reason = _insecure(child)
            if reason:
                return f"the keyring chain includes an unsafe backend: {reason}"
    return None


def check_backend() -> str:
    """Raise KeyringUnavailable unless the keyring is a real, unlocked secret store."""
    backend = keyring.get_keyring()
    reason = _insecure(backend)
    if reason:
        raise KeyringUnavailable(f"Keyring refused ({_name(backend)}): {reason}. {FIX}")
    try:
        backend.get_password(service(), "startup-check")
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The keyring ({_name(backend)}) cannot be used: {exc}. {FIX}") from None
    return _name(backend)


def call(what: str, func, *args):
    """Run a keyring call; a refusal becomes KeyringUnavailable saying how to fix it (deleting what
    is not there is not an error)."""
    try:
        return func(*args)
    except keyring.errors.PasswordDeleteError:
        return None
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The keyring refused to {what}: {exc}. {FIX}") from None


# Beside the credential fields (a provider's field names are identifiers: none starts with '~').
COOKIE_KEY_FIELD = "~cookie-key"


def account_user(account_id: int, field: str) -> str:
    return f"account:{account_id}:{field}"


def set_credentials(account_id: int, values: dict[str, str]) -> None:
    for field, value in values.items():
        call("save a credential", keyring.set_password, service(), account_user(account_id, field), value)


def get_credentials(account_id: int, fields: Iterable[str]) -> dict[str, str]:
    found = {}
    for field in fields:
        value = call("read a credential", keyring.get_password, service(), account_user(account_id, field))
        if value is not None:
            found[field] = value
    return found


def delete_credentials(account_id: int, fields: Iterable[str]) -> None:
    for field in fields:
        call("delete a credential", keyring.delete_password, service(), account_user(account_id, field))


def cookie_key(account_id: int) -> str:
    """The key an account's cookies are kept with between syncs on a Selenium Grid (made on first use)."""
    user = account_user(account_id, COOKIE_KEY_FIELD)
    key = call("read the key of the account's kept cookies", keyring.get_password, service(), user)
    if not key:
        from cryptography.fernet import Fernet
        key = Fernet.generate_key().decode("ascii")
        call("save the key of the account's kept cookies", keyring.set_password, service(), user, key)
    return str(key)


# ---- the Selenium Grid's credentials (remote_webdriver_url's user:password, kept out of config.json) ----
def grid_user(origin: str) -> str:
    return f"grid:{origin}"


def set_grid_credentials(origin: str, user: str, password: str | None) -> None:
    value = json.dumps({"user": user, "password": password})
    call("save the Selenium Grid's credentials", keyring.set_password, service(), grid_user(origin), value)


def get_grid_credentials(origin: str) -> tuple[str, str | None] | None:
    value = call("read the Selenium Grid's credentials", keyring.get_password, service(), grid_user(origin))
    if not value:
        return None
    data = json.loads(value)
    return str(data["user"]), data.get("password")
