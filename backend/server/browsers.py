"""Routes: the browsers paired with this computer (`invoice-collector pair` adds one each time),
listed and revoked one by one. Revoking the caller's own pairing is allowed: its next request
gets a 401 and the panel asks for a new code."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify

from backend.core import paired_browsers
from backend.i18n import in_language, say
from backend.server.errors import not_found, request_language

bp = Blueprint("browsers", __name__)

TIME = {"type": ["string", "null"], "format": "date-time"}
PAIRING = {"type": "object", "properties": {
    "id": {"type": "string"},
    "name": {"type": "string", "description": "the name the client gave, or its browser and system "
                                              "(« Chrome sur Linux »), in the request's language"},
    "paired_at": {**TIME, "description": "null for a browser paired before this version"},
    "last_used_at": {**TIME, "description": "to the minute or so"},
    "current": {"type": "boolean", "description": "the pairing whose token made this request"}}}
OPENAPI_PATHS = {
    "/api/pairings": {
        "get": {"summary": "The paired browsers (never their tokens)",
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"pairings": {"type": "array", "items": PAIRING}}}}}}}},
    },
    "/api/pairings/{pairing_id}": {
        "delete": {"summary": "Revoke a pairing: its token stops working at once (the caller's own too)",
                   "parameters": [{"name": "pairing_id", "in": "path", "required": True,
                                   "schema": {"type": "string"}}],
                   "responses": {"204": {"description": "Revoked"}, "404": {"description": "No such pairing"}}},
    },
}


def _public(pairing: paired_browsers.PairedBrowser, uses: dict[str, str], lang: str) -> dict[str, Any]:
    return {"id": pairing.id, "name": in_language(pairing.label, lang), "paired_at": pairing.paired_at,
            "last_used_at": uses.get(pairing.id), "current": pairing.id == g.get("pairing_id")}


@bp.get("/api/pairings")
def list_pairings() -> Response:
    uses, lang = paired_browsers.last_uses(), request_language()
    return jsonify({"pairings": [_public(p, uses, lang) for p in paired_browsers.listed()]})


@bp.delete("/api/pairings/<pairing_id>")
def revoke_pairing(pairing_id: str) -> tuple[str, int]:
    if paired_browsers.revoke(pairing_id) is None:
        raise not_found(say("paired browser", "navigateur associé"))
    return "", 204
