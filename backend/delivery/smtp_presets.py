"""SMTP settings found from the sender's address: the bundled facts of smtp_presets.json (the
Thunderbird ISPDB's, for the providers French small businesses use), by the address's domain,
or else by the domain's MX host (a company domain hosted by Google Workspace, Microsoft 365,
OVHcloud…). Unknown: None, and the user types the settings as before."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.core.addresses import is_email
from backend.delivery import mx

PRESETS_FILE = Path(__file__).with_name("smtp_presets.json")


@functools.cache
def providers() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(PRESETS_FILE.read_text(encoding="utf-8"))["providers"])


def _by_domain(domain: str) -> dict[str, Any] | None:
    return next((p for p in providers() if domain in p["domains"]), None)


def _by_mx(hosts: list[str]) -> tuple[dict[str, Any], str] | None:
    """The provider one of these MX hosts belongs to (the host ends with one of its `mx` domains)."""
    for host in hosts:
        host = host.lower().rstrip(".")
        for provider in providers():
            if any(host == suffix or host.endswith("." + suffix) for suffix in provider["mx"]):
                return provider, host
    return None


def find(address: str, lookup_mx: Callable[[str], list[str]] | None = None) -> dict[str, Any] | None:
    """The settings for this sender address, or None. Raises ValueError when it is no address."""
    address = address.strip()
    if not is_email(address):
        raise ValueError(address)
    local_part, _, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    provider, mx_host = _by_domain(domain), None
    if provider is None:
        found = _by_mx((lookup_mx or mx.hosts)(domain))
        if found is None:
            return None
        provider, mx_host = found
    app_password = provider.get("app_password")
    return {
        "domain": domain, "provider": provider["name"], "matched_by": "mx" if mx_host else "domain",
        "mx_host": mx_host, "smtp_host": provider["host"], "smtp_port": provider["port"],
        "smtp_security": provider["security"],
        "smtp_username": local_part if provider["username"] == "local_part" else address,
        "app_password": {"needed": True, "url": app_password["url"], "note_fr": app_password["fr"],
                         "note_en": app_password["en"]} if app_password else {"needed": False},
        "source": provider["source"],
    }
