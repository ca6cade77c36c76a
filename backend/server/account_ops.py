"""What can be done to an account, for the routes and for in-process callers (the demo).

Secrets go to the keyring only; the database keeps the provider, the login shown to the user
(the first non-secret credential field), options, dates and the names of the stored fields."""

from __future__ import annotations

import json
import logging
import shutil
from typing import TYPE_CHECKING, Any

from backend import paths
from backend.config import DEMO_PROVIDER
from backend.core import keyring_store, ledger
from backend.core.clock import iso, parse
from backend.i18n import say
from backend.server import approval, validation
from backend.server.errors import ApiError, bad_request, not_found, reject_unknown
from backend.server.records import account_json, load_accounts, outcome_json
from backend.server.scheduler import after_success

if TYPE_CHECKING:  # the engine is imported only when a collection runs (fast start-up)
    from backend.collectors.model import Provider
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.accounts")
CREATE_FIELDS = ("provider", "terms_accepted", "credentials", "options", "since", "interval_hours")


def login_of(provider: Provider, values: dict[str, str]) -> str | None:
    for spec in provider.credentials:
        if not spec.secret:
            return values.get(spec.name)
    return None


def require_account(services: Services, account_id: int):
    """The account's row, or the API's 404."""
    row = services.store.query_one("SELECT * FROM accounts WHERE id = ?", (account_id,))
    if row is None:
        raise not_found(say(f"account {account_id}", f"Compte {account_id}"))
    return row


def _provider_of(services: Services, row) -> Provider:
    provider = services.catalog.get(row["provider"])
    if provider is None:
        raise ApiError(409, say(f"the provider '{row['provider']}' is no longer in the catalog: restore its recipe "
                                "or delete this account",
                                f"le fournisseur « {row['provider']} » n'est plus au catalogue : remettez sa recette "
                                "ou supprimez ce compte"))
    return provider


def get(services: Services, account_id: int) -> dict[str, Any]:
    with services.store.read() as conn:
        rows = load_accounts(conn, account_id)
        if not rows:
            raise not_found(say(f"account {account_id}", f"Compte {account_id}"))
        return account_json(conn, rows[0], services.provider_name, services.default_interval, services.catalog.get)


def list_all(services: Services) -> list[dict[str, Any]]:
    with services.store.read() as conn:
        return [account_json(conn, row, services.provider_name, services.default_interval, services.catalog.get)
                for row in load_accounts(conn)]


def create(services: Services, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The new account, its first job, and how many of its invoices reached Libeo before (an
    account deleted and added again): those are remembered and never sent again."""
    reject_unknown(data, CREATE_FIELDS)
    provider_id = data.get("provider")
    if not isinstance(provider_id, str) or not provider_id:
        raise bad_request({"provider": say("required: choose a provider", "obligatoire : choisissez un fournisseur")})
    provider = services.catalog.get(provider_id)
    if provider is None:
        raise bad_request({"provider": say(f"unknown provider '{provider_id}'",
                                           f"fournisseur inconnu « {provider_id} »")})
    if data.get("terms_accepted") is not True:
        raise bad_request({"terms_accepted": say(
            f"accept {provider.name}'s terms (version {provider.terms.version}) to add the account",
            f"acceptez les conditions de {provider.name} (version {provider.terms.version}) pour ajouter le compte")})
    credentials = validation.credentials(provider, data.get("credentials"))
    options = validation.options(provider, data.get("options"))
    since = validation.since(data.get("since"), services.clock().date())
    interval = validation.interval_hours(data.get("interval_hours"))
    login = login_of(provider, credentials) or ""
    now = iso(services.clock())
    fingerprint, origins = approval.current(provider)  # the origins the panel showed with the form
    with services.store.transaction() as conn:
        if login and conn.execute("SELECT 1 FROM accounts WHERE provider = ? AND login = ?",
                                  (provider.id, login)).fetchone():
            raise ApiError(409, say(f"an account for {login} at {provider.name} already exists",
                                    f"un compte {login} existe déjà chez {provider.name}"), code="ACCOUNT_EXISTS")
        account_id = conn.execute(
            "INSERT INTO accounts(provider, login, credential_fields, options, interval_hours, since, "
            "terms_version, terms_accepted_at, created_at, approved_recipe, approved_origins) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (provider.id, login, json.dumps(sorted(credentials)), json.dumps(options), interval, since,
             provider.terms.version, now, now, fingerprint, json.dumps(origins))).lastrowid
    assert account_id is not None  # set by the INSERT just made
    try:
        # Entries left under this id by an older database (ids restart at 1) must not leak in.
        keyring_store.delete_credentials(account_id, [f.name for f in provider.credentials if f.name not in credentials])
        keyring_store.set_credentials(account_id, credentials)
    except keyring_store.KeyringUnavailable:
        with services.store.transaction() as conn:
            conn.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
        keyring_store.delete_credentials(account_id, credentials)
        raise
    with services.store.read() as conn:
        already_sent = ledger.count(conn, provider.id, login or "")
    if provider.id != DEMO_PROVIDER:
        # The test inbox serves the demo alone: a real supplier's invoices must never be recorded as
        # delivered there (they would never reach Libeo). They wait until Libeo is set up.
        services.demo.drop_test_inbox(services.store)
    job, _ = services.jobs.submit(account_id, "create")
    log.info("account %s created for provider %s (%d invoices already delivered to Libeo)", account_id,
             provider.id, already_sent)
    return get(services, account_id), job, already_sent


def update_credentials(services: Services, account_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Replace some or all credential fields; this is what unblocks an account after LOGIN_FAILED."""
    reject_unknown(data, ("credentials",))
    row = require_account(services, account_id)
    provider = _provider_of(services, row)
    stored = set(json.loads(row["credential_fields"]))
    values = validation.credentials(provider, data.get("credentials"), existing=stored)
    if not values:
        raise bad_request({"credentials": say("give at least one credential to change",
                                              "indiquez au moins un identifiant à modifier")})
    keyring_store.set_credentials(account_id, values)
    if services.jobs.active_for(account_id) is None:
        # The portal's session kept in the browser profile would skip the login form, so new
        # credentials would go untried (and a wrong password unnoticed) until it expired.
        shutil.rmtree(paths.profiles_dir() / str(account_id), ignore_errors=True)
    login = login_of(provider, values)
    with services.store.transaction() as conn:
        conn.execute("UPDATE accounts SET credential_fields = ?, login = COALESCE(?, login), blocked_code = NULL, "
                     "failures = 0, next_run_at = ? WHERE id = ?",
                     (json.dumps(sorted(stored | set(values))), login, iso(services.clock()), account_id))
    services.scheduler.wake()
    return get(services, account_id)


def update(services: Services, account_id: int, data: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(data, ("options", "interval_hours", "enabled"))
    if not data:
        raise bad_request({"body": say("nothing to change: give the options, the interval or the pause state",
                                       "rien à modifier : indiquez les options, la fréquence ou la pause")})
    row = require_account(services, account_id)
    changes: dict[str, Any] = {}
    if "options" in data:
        options = validation.options(_provider_of(services, row), data["options"])
        if options != json.loads(row["options"] or "{}"):
            # The user changed something: a blocked account may be tried again.
            changes.update(options=json.dumps(options), blocked_code=None, failures=0,
                           next_run_at=iso(services.clock()))
    if "interval_hours" in data:
        interval = validation.interval_hours(data["interval_hours"])
        changes["interval_hours"] = interval
        last_sync = parse(row["last_sync_at"])
        if row["last_code"] == "OK" and last_sync and "next_run_at" not in changes:
            hours = interval if interval is not None else services.default_interval(row["provider"])
            changes["next_run_at"] = iso(max(after_success(last_sync, hours, services.random), services.clock()))
    if "enabled" in data:
        changes["enabled"] = int(validation.boolean(data["enabled"], "enabled"))
    if changes:
        with services.store.transaction() as conn:
            assignments = ", ".join(f"{name} = ?" for name in changes)
            conn.execute(f"UPDATE accounts SET {assignments} WHERE id = ?", (*changes.values(), account_id))
        services.scheduler.wake()
    return get(services, account_id)


def delete(services: Services, account_id: int) -> None:
    row = require_account(services, account_id)
    if not services.jobs.cancel_queued(account_id):
        raise ApiError(409, say("a sync is running for this account: delete it once the sync has ended",
                                "une synchronisation de ce compte est en cours : supprimez-le quand elle sera finie"),
                       code="SYNC_RUNNING")
    shas = [r["sha256"] for r in services.store.query(
        "SELECT DISTINCT sha256 FROM invoices WHERE account_id = ? AND sha256 IS NOT NULL", (account_id,))]
    with services.store.transaction() as conn:
        conn.execute("DELETE FROM accounts WHERE id = ?", (account_id,))  # cascades: invoices, outbox, jobs
    provider = services.catalog.get(row["provider"])
    fields = set(json.loads(row["credential_fields"])) | {f.name for f in (provider.credentials if provider else [])}
    keyring_store.delete_credentials(account_id, sorted(fields | {keyring_store.COOKIE_KEY_FIELD}))
    shutil.rmtree(paths.profiles_dir() / str(account_id), ignore_errors=True)
    for sha in shas:
        services.store.forget_pdf(sha)
    log.info("account %s deleted", account_id)
    if row["provider"] == DEMO_PROVIDER and not services.store.query_one(
            "SELECT 1 FROM accounts WHERE provider = ? LIMIT 1", (DEMO_PROVIDER,)):
        services.demo.stop()  # the last demo account: its portal and test inbox go with it
        services.demo.drop_test_inbox(services.store)


def sync_now(services: Services, account_id: int, trigger: str = "manual") -> dict[str, Any]:
    """Start a sync (or, trigger "check", a recipe check: server/recipe_check.py) the user asked for."""
    row = require_account(services, account_id)
    if row["blocked_code"] == "LOGIN_FAILED":
        outcome = outcome_json("LOGIN_FAILED", row["last_message"])
        raise ApiError(409, say("the provider refused these credentials: update them before syncing again "
                                "(nothing is retried until then, so that the account does not get locked)",
                                "le fournisseur a refusé ces identifiants : modifiez-les avant de synchroniser "
                                "(rien n'est retenté d'ici là, pour ne pas bloquer votre compte)"),
                       code="CREDENTIALS_REFUSED", extra={"outcome": outcome})
    job, created = services.jobs.submit(account_id, trigger)
    if not created:
        raise ApiError(409, say("a sync is already running for this account",
                                "une synchronisation de ce compte est déjà en cours"),
                       code="SYNC_RUNNING", extra={"job": job})
    return job
