"""Routes: the provider catalog as the panel shows it, and the bundled logos."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Response, jsonify, request, send_file

from backend import paths
from backend.config import DEMO_PROVIDER
from backend.i18n import say
from backend.server.errors import bad_request, not_found
from backend.server.services import current as services

if TYPE_CHECKING:
    from backend.collectors.model import Provider

bp = Blueprint("providers", __name__)
LOGO_DIR = paths.PACKAGE_DIR / "logos"
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}

OPENAPI_PATHS = {
    "/api/providers": {
        "get": {"summary": "Providers, sorted by name (no recipe steps). The bundled demo supplier is left out "
                           "(POST /api/demo offers it) unless url_overrides points it at a portal",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"},
                                "description": "filter by name, ignoring case and accents"},
                               {"name": "demo", "in": "query", "schema": {"enum": ["0", "1"]},
                                "description": "1: include the demo supplier (to show an existing demo account)"}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"providers": {"type": "array", "items": {"type": "object"}}}}}}}}},
    },
    "/api/providers/{provider_id}/logo": {
        "get": {"summary": "The provider's bundled logo",
                "parameters": [{"name": "provider_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The image", "content": {"image/svg+xml": {}, "image/png": {}}},
                              "404": {"description": "No logo"}}},
    },
}


def fold(text: str) -> str:
    """Lower case without accents: "Électricité" and "electricite" match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def logo_file(provider: Provider) -> Path | None:
    name = provider.logo
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = LOGO_DIR / name
    return path if path.suffix.lower() in LOGO_TYPES and path.is_file() else None


def provider_entry(provider: Provider) -> dict:
    """A provider as the panel shows it (no recipe steps)."""
    return provider.public() | {"logo_url": f"/api/providers/{provider.id}/logo" if logo_file(provider) else None}


@bp.get("/api/providers")
def list_providers() -> Response:
    query = fold(request.args.get("q", "").strip())
    if len(query) > 100:
        raise bad_request({"q": say("at most 100 characters", "100 caractères au plus")})
    found = []
    with_demo = request.args.get("demo", "0")
    if with_demo not in ("0", "1"):
        raise bad_request({"demo": say("expected 0 or 1", "0 ou 1 attendu")})
    svc = services()
    for provider in svc.catalog.providers.values():
        if provider.id == DEMO_PROVIDER and with_demo == "0" and not svc.demo.external_url:
            continue  # not a real supplier: offered by « Essayer avec un fournisseur de démonstration » only
        if query and query not in fold(provider.name) and query not in fold(provider.id):
            continue
        found.append(provider_entry(provider))
    found.sort(key=lambda p: fold(p["name"]))
    return jsonify({"providers": found})


@bp.get("/api/providers/<provider_id>/logo")
def provider_logo(provider_id: str) -> Response:
    provider = services().catalog.get(provider_id)
    if provider is None:
        raise not_found(say(f"provider {provider_id}", f"Fournisseur {provider_id}"))
    path = logo_file(provider)
    if path is None:
        raise not_found(say(f"logo of {provider_id}", f"Logo de {provider_id}"))
    return send_file(path, mimetype=LOGO_TYPES[path.suffix.lower()], max_age=86400)
