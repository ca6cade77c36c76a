"""What the user approved of each account's recipe: the origins its credentials may go to, and
the fingerprint of those origins and of the steps that handle a secret (language/trust.py, from
the catalog's child process: the server never walks steps itself).

An account records both when it is created (the panel showed the origins before the user gave
their password). When the recipe under it changes either — a file in the user's recipes folder
replacing a bundled provider, an edit of that file, an update that moves the login elsewhere —
its next sync ends RECIPE_CHANGED before the engine starts (nothing is typed or sent), and the
account waits until the user approves the new list in the panel. An account from before this
check approves its bundled recipe as it is; a local one must be approved once."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from backend.core.clock import iso
from backend.i18n import say
from backend.server.errors import ApiError, bad_request, not_found

if TYPE_CHECKING:
    from backend.collectors.model import Provider
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.approval")


def current(provider: Provider) -> tuple[str, list[str]]:
    return provider.trust.get("fingerprint", ""), list(provider.trust.get("origins", []))


def needs_approval(provider: Provider | None, row: sqlite3.Row) -> bool:
    if provider is None:
        return False
    if row["approved_recipe"] is None:
        return provider.local  # an account from before approvals: its bundled recipe is the one it knew
    return row["approved_recipe"] != current(provider)[0]


def recipe_json(provider: Provider | None, row: sqlite3.Row) -> dict[str, Any]:
    """The account's `recipe` in API answers."""
    approved = json.loads(row["approved_origins"]) if row["approved_origins"] else None
    if provider is None:
        return {"local": False, "origins": [], "approved_origins": approved, "approval_needed": False,
                "fingerprint": None, "file": None, "problem": None}
    fingerprint, origins = current(provider)
    return {"local": provider.local, "origins": origins, "approved_origins": approved,
            "approval_needed": needs_approval(provider, row), "fingerprint": fingerprint,
            "file": provider.source.file if provider.local and provider.source else None,
            "problem": provider.problem}  # an edit that does not load: the last good version runs


def approve(services: Services, account_id: int, data: Any) -> bool:
    """The user approved the recipe they were shown (its fingerprint). True when the account was
    held for it (it syncs again now)."""
    fingerprint = data.get("fingerprint") if isinstance(data, dict) else None
    if not isinstance(fingerprint, str) or not fingerprint:
        raise bad_request({"fingerprint": say("required: the recipe's fingerprint shown with its origins",
                                              "obligatoire : l'empreinte de la recette montrée avec ses sites")})
    with services.store.transaction() as conn:
        row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise not_found(say(f"account {account_id}", f"Compte {account_id}"))
        provider = services.catalog.get(row["provider"])
        if provider is None:
            raise ApiError(409, say(f"the provider '{row['provider']}' is no longer in the catalog",
                                    f"le fournisseur « {row['provider']} » n'est plus au catalogue"))
        now_fingerprint, origins = current(provider)
        if fingerprint != now_fingerprint:
            raise ApiError(409, say("the recipe changed again since it was shown: look at it again",
                                    "la recette a encore changé depuis son affichage : regardez-la à nouveau"),
                           {"fingerprint": say("not the recipe's current fingerprint",
                                               "ce n'est plus l'empreinte de la recette")}, code="RECIPE_CHANGED")
        held = row["blocked_code"] == "RECIPE_CHANGED"
        conn.execute("UPDATE accounts SET approved_recipe = ?, approved_origins = ?, "
                     "blocked_code = CASE WHEN blocked_code = 'RECIPE_CHANGED' THEN NULL ELSE blocked_code END, "
                     "next_run_at = CASE WHEN ? THEN ? ELSE next_run_at END WHERE id = ?",
                     (now_fingerprint, json.dumps(origins), held, iso(services.clock()), account_id))
    log.warning("account %s: the user approved the recipe of %s (%s): origins %s", account_id, provider.id,
                provider.source.file if provider.source else "?", ", ".join(origins))
    return held
