"""Routes: destination settings (Libeo inbox, folder) and the SMTP login check.

The SMTP password is write-only: PUT takes "smtp_password", GET only says "password_set"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from backend.core.keyring_store import KeyringUnavailable
from backend.delivery import settings
from backend.delivery.smtp import SmtpFailure, check_login
from backend.i18n import french, say
from backend.server.errors import ApiError, bad_request, json_body
from backend.server.services import current as services

bp = Blueprint("delivery", __name__)
CHECK_TIMEOUT = 20.0

_STR = {"type": "string"}
LIBEO_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "enabled": {"type": "boolean"}, "inbox": {**_STR, "description": "<company>@box.libeo.io"},
    "allow_other_inbox": {"type": "boolean", "description": "accept an inbox outside box.libeo.io"},
    "sender": {**_STR, "description": "the user's Libeo login e-mail"}, "smtp_host": _STR,
    "smtp_port": {"type": "integer"}, "smtp_security": {"enum": list(settings.SECURITY_MODES)},
    "smtp_username": _STR,
    "smtp_ca_cert": {**_STR, "description": "PEM certificate(s) of the private CA that signs the SMTP server's "
                     "certificate, trusted besides the system's CAs; \"\" for none. Checked when saved (400 on "
                     "`smtp_ca_cert` when it is not a PEM certificate, or holds a private key)"},
    "password_set": {"type": "boolean"},
    "paused_reason": {"type": ["string", "null"],
                      "description": "why sending is paused (e.g. the SMTP login was refused) until the settings change"},
    "waiting": {"type": "integer", "description": "invoices collected while sending was off (POST /api/invoices/send-waiting)"}}}
LIBEO_INPUT = {"type": "object", "properties": {
    **{k: v for k, v in LIBEO_SCHEMA["properties"].items() if k not in ("password_set", "paused_reason", "waiting")},
    "smtp_password": {"type": ["string", "null"], "description": "write-only; kept in the OS keyring; null deletes it"}}}
FOLDER_SCHEMA = {"type": "object", "properties": {"enabled": {"type": "boolean"}, "path": _STR}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(name: str, schema: dict) -> dict:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "properties": {name: schema}}}}}}


OPENAPI_PATHS = {
    "/api/settings/libeo": {
        "get": {"summary": "The Libeo destination (mail to the company's Libeo inbox)", "responses": _ok("libeo", LIBEO_SCHEMA)},
        "put": {"summary": "Change the Libeo destination (only the fields sent change)", "requestBody": _body(LIBEO_INPUT),
                "responses": _ok("libeo", LIBEO_SCHEMA)},
    },
    "/api/settings/libeo/test": {
        "post": {"summary": "Log in to the SMTP server without sending anything (saved settings, or the ones sent)",
                 "requestBody": {"required": False, "content": {"application/json": {"schema": LIBEO_INPUT}}},
                 "responses": {"200": {"description": "The login worked", "content": {"application/json": {
                     "schema": {"type": "object", "properties": {"ok": {"const": True}}}}}},
                     "400": {"description": "A setting is wrong; the message has the SMTP server's answer. A "
                                            "certificate signed by an unknown CA names `smtp_ca_cert`; a security "
                                            "that the port does not speak names `smtp_security` and the right one"},
                     "502": {"description": "The SMTP server could not be reached or answered 4xx; try later"}}},
    },
    "/api/settings/folder": {
        "get": {"summary": "The folder destination (a copy of each new invoice PDF)", "responses": _ok("folder", FOLDER_SCHEMA)},
        "put": {"summary": "Change the folder destination", "requestBody": _body(FOLDER_SCHEMA),
                "responses": _ok("folder", FOLDER_SCHEMA)},
    },
}


def _keyring_error(exc: KeyringUnavailable) -> ApiError:
    unavailable = say("the keyring of this computer is not available", "le trousseau de cet ordinateur est indisponible")
    return ApiError(503, say(str(exc), f"{french(unavailable)} : {exc}"), {"smtp_password": unavailable})


def _password_change(data: dict[str, Any]) -> tuple[bool, str | None]:
    """(given, value) for the write-only smtp_password field; value None deletes it."""
    if "smtp_password" not in data:
        return False, None
    value = data.pop("smtp_password")
    if value is not None and not isinstance(value, str):
        raise bad_request({"smtp_password": say("expected text (or nothing, to delete it)",
                                                "texte attendu (ou rien, pour l'effacer)")})
    return True, value or None


def _merged(data: dict[str, Any]) -> tuple[settings.LibeoSettings, bool, str | None]:
    store = services().store
    given, password = _password_change(data)
    try:
        has_password = bool(password) if given else settings.password_set()
        merged = settings.merge_libeo(settings.load_libeo(store), data, has_password)
    except settings.InvalidSettings as exc:
        raise bad_request(exc.fields) from None
    return merged, given, password


@bp.get("/api/settings/libeo")
def get_libeo() -> Response:
    return jsonify({"libeo": settings.libeo_public(services().store)})


@bp.put("/api/settings/libeo")
def put_libeo() -> Response:
    svc = services()
    merged, given, password = _merged(json_body())
    try:
        if given:
            settings.set_password(password)
    except KeyringUnavailable as exc:
        raise _keyring_error(exc) from None
    settings.save_libeo(svc.store, merged)
    svc.notify_delivery()
    return jsonify({"libeo": settings.libeo_public(svc.store)})


@bp.post("/api/settings/libeo/test")
def test_libeo() -> Response:
    svc = services()
    data = json_body(optional=True)
    overrides = bool(data)
    merged, given, password = _merged(data)
    if not merged.smtp_host:
        raise bad_request({"smtp_host": say("required: the SMTP server to log in to (e.g. smtp.example.com)",
                                            "obligatoire : le serveur SMTP (par exemple smtp.example.com)")})
    try:
        if not given:
            password = settings.get_password() if merged.smtp_username else None
    except KeyringUnavailable as exc:
        raise _keyring_error(exc) from None
    try:
        check_login(merged, password, CHECK_TIMEOUT)
    except SmtpFailure as failure:
        if failure.permanent:
            raise bad_request({failure.field or "smtp_host": failure.text}, failure.text) from None
        raise ApiError(502, failure.text, {failure.field: failure.text} if failure.field else {},
                       code="UNAVAILABLE") from None
    if not overrides and settings.paused_reason(svc.store):
        svc.retry_delivery()  # the saved settings work again: resume sending
    return jsonify({"ok": True})


@bp.get("/api/settings/folder")
def get_folder() -> Response:
    return jsonify({"folder": settings.folder_public(services().store)})


@bp.put("/api/settings/folder")
def put_folder() -> Response:
    svc = services()
    try:
        merged = settings.merge_folder(settings.load_folder(svc.store), json_body())
    except settings.InvalidSettings as exc:
        raise bad_request(exc.fields) from None
    settings.save_folder(svc.store, merged)
    svc.notify_delivery()
    return jsonify({"folder": settings.folder_public(svc.store)})
