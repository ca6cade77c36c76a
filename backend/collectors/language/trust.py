"""What the user approves of a recipe: where it may take their credentials (its origins) and the
steps that handle a secret. Their fingerprint is stored with each account; when a recipe file
changes either (a shared file overriding a bundled provider, an edit), the account waits for the
user's approval before it syncs again. Other edits (a new column in a bill list) need none."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from backend.collectors.model import TEMPLATE, Provider
from backend.collectors.run.origins import declared_origins
from backend.collectors.steps import walk_steps

ONE_TIME_CODE_STEPS = ("one_time_code",)  # they type a code the user gives: a secret too


def origins(provider: Provider) -> list[str]:
    """The provider's origins as written in its recipe (the user's url overrides aside)."""
    return declared_origins(provider.homepage, provider.urls, provider.origins)


def _touches_secret(step: dict, secret_names: set[str]) -> bool:
    (name, args), = step.items()
    if name in ONE_TIME_CODE_STEPS:
        return True
    text = json.dumps(args, ensure_ascii=False, default=str)
    for match in TEMPLATE.finditer(text):
        path = match.group(1).split(".")
        if path[0] in secret_names or (path[0] == "credentials" and len(path) > 1 and path[1] in secret_names):
            return True
    return False


def secret_steps(provider: Provider) -> list[dict[str, Any]]:
    """Every step (nested ones too) that types, sends or computes with a secret."""
    names = {f.name for f in provider.credentials if f.secret}
    return [step for step in walk_steps(provider.steps) if _touches_secret(step, names)]


def fingerprint(provider: Provider) -> str:
    """sha256 of the origins and the secret-handling steps, as the account approved them, and of
    `http_auth` (where the password answers the site's login prompt) when the recipe has one."""
    approved: dict[str, Any] = {"origins": origins(provider), "steps": secret_steps(provider)}
    if provider.http_auth:  # only then: the fingerprints accounts already approved stay the same
        approved["http_auth"] = provider.http_auth
    return hashlib.sha256(json.dumps(approved, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
