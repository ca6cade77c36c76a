"""Route: the SMTP settings found for a sender address (« Réglages trouvés pour orange.fr »)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from backend.delivery import smtp_presets
from backend.i18n import say
from backend.server.errors import bad_request

bp = Blueprint("smtp_autoconfig", __name__)

_STR = {"type": "string"}
PRESET = {"type": ["object", "null"], "description": "null: unknown provider, the user types the settings", "properties": {
    "domain": _STR, "provider": {**_STR, "description": "the mail provider's name, e.g. Orange"},
    "matched_by": {"enum": ["domain", "mx"], "description": "the address's domain, or its MX host (a hosted "
                                                            "company domain)"},
    "mx_host": {"type": ["string", "null"]}, "smtp_host": _STR, "smtp_port": {"type": "integer"},
    "smtp_security": {"enum": ["starttls", "tls"]}, "smtp_username": _STR,
    "app_password": {"type": "object", "properties": {
        "needed": {"type": "boolean", "description": "the provider refuses the usual password"},
        "url": {**_STR, "description": "where to create one"}, "note_fr": _STR, "note_en": _STR}},
    "source": {**_STR, "description": "where these facts come from (the Thunderbird ISPDB's entry)"}}}

OPENAPI_PATHS = {
    "/api/smtp-presets": {
        "get": {"summary": "SMTP host, port, security and login for a sender address, from bundled facts "
                           "(Thunderbird ISPDB) by its domain, or by its domain's MX host",
                "parameters": [{"name": "address", "in": "query", "required": True, "schema": _STR,
                                "description": "the sender's e-mail address"}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"preset": PRESET}}}}}}},
    },
}


@bp.get("/api/smtp-presets")
def smtp_preset() -> Response:
    address = request.args.get("address", "")
    try:
        preset = smtp_presets.find(address)
    except ValueError:
        raise bad_request({"address": say("not an e-mail address (e.g. jean@orange.fr)",
                                          "ce n'est pas une adresse e-mail (par exemple jean@orange.fr)")}) from None
    return jsonify({"preset": preset})
