"""Routes: health (no token), pairing (no token; the code printed by `invoice-collector pair`),
and the OpenAPI document."""

from __future__ import annotations

import unicodedata

from flask import Blueprint, Response, current_app, jsonify, request

from backend import API_VERSION, APP_NAME, __version__
from backend.i18n import say
from backend.server import openapi
from backend.server.errors import ApiError, bad_request, json_body, reject_unknown
from backend.server.pairing import PairingError
from backend.server.services import current as services

bp = Blueprint("meta", __name__)
NAME_MAX = 60

OPENAPI_PATHS = {
    "/api/health": {
        "get": {"summary": "Is the companion running? (no token needed)", "security": [],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"app": {"const": APP_NAME}, "version": {"type": "string"},
                                                     "api_version": {"type": "integer"}}}}}}}},
    },
    "/api/pair": {
        "post": {"summary": "Trade the code printed by `invoice-collector pair` for the API token",
                 "security": [],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["code"], "additionalProperties": False,
                     "properties": {"code": {"type": "string", "pattern": "^\\d{3}[ -]?\\d{3}$"},
                                    "name": {"type": "string", "maxLength": NAME_MAX, "description":
                                             "how GET /api/pairings names this client (default: its "
                                             "browser and system, from the User-Agent)"}}}}}},
                 "responses": {"200": {"description": "Paired", "content": {"application/json": {"schema": {
                     "type": "object", "properties": {"token": {"type": "string"}}}}}},
                     "403": {"description": "No pairing window, expired or wrong code"},
                     "429": {"description": "Too many attempts"}}},
    },
    "/api/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1 document"}}},
    },
}


@bp.get("/api/health")
def health() -> Response:
    return jsonify({"app": APP_NAME, "version": __version__, "api_version": API_VERSION})


@bp.post("/api/pair")
def pair() -> Response:
    data = json_body()
    reject_unknown(data, ("code", "name"))
    name = _client_name(data.get("name"))
    try:
        token = services().pairing.redeem(data.get("code"), request.headers.get("User-Agent", ""), name)
    except PairingError as exc:
        raise ApiError(exc.status, exc.message, {"code": exc.field_message}) from None
    return jsonify({"token": token})


def _client_name(value: object) -> str | None:
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > NAME_MAX or any(unicodedata.category(ch).startswith("C") for ch in text):
        raise bad_request({"name": say(f"a name of 1 to {NAME_MAX} printable characters",
                                       f"un nom de 1 à {NAME_MAX} caractères imprimables")})
    return text


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    return jsonify(openapi.build(current_app, services().port))
