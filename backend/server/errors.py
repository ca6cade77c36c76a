"""One JSON error shape for every answer that is not a success:

    {"error": {"code": "BAD_REQUEST", "message": "...", "message_en": "...", "message_fr": "...",
               "fields": {"field": "what is wrong"}}}

`message` and `fields` are in the request's language (Accept-Language: French or English), the
message in both besides; every error is raised with a backend.i18n.say(en, fr) text, which the
type checker enforces. Malformed input is always a 400 naming the field; a 500 only ever means a
bug of ours."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from backend import disk, paths
from backend.i18n import Said, french, in_language, say

log = logging.getLogger("invoice_collector.server")

STATUS_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT", 413: "BAD_REQUEST", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED",
    503: "UNAVAILABLE", 507: "DISK_FULL",
}


class ApiError(Exception):
    """Raised anywhere while handling a request; becomes the JSON error answer."""

    def __init__(self, status: int, message: Said, fields: dict[str, Said] | None = None,
                 code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "INTERNAL")
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


def bad_request(fields: dict[str, Said], message: Said | None = None) -> ApiError:
    """A 400; without a message, the first field's (field names are for programs, not shown)."""
    return ApiError(400, message or next(iter(fields.values())), fields)


def not_found(what: Said) -> ApiError:
    return ApiError(404, say(f"{what} not found", f"{french(what)} introuvable"))


def request_language() -> str:
    """fr or en, from Accept-Language (the panel sends its own language); English by default."""
    return request.accept_languages.best_match(["en", "fr"], default="en") if request else "en"


def error_response(status: int, code: str, message: Said, fields: Mapping[str, Said] | None = None,
                   extra: dict[str, Any] | None = None) -> Response:
    """message and fields in the request's language, the message in both; extra: top-level keys
    next to "error" (e.g. the job already running, on a 409)."""
    lang = request_language()
    body: dict[str, Any] = {"error": {
        "code": code, "message": in_language(message, lang), "message_en": str(message),
        "message_fr": french(message), "fields": {k: in_language(v, lang) for k, v in (fields or {}).items()}}}
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    return response


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; a clear 400 for anything else (bad JSON, a list, a string)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(400, say("the request needs a JSON object body", "la requête doit contenir un objet JSON"),
                       {"body": say("missing", "absent")})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, say(f"the body is not valid JSON: {exc}", f"le corps n'est pas du JSON valide : {exc}"),
                       {"body": say("invalid JSON", "JSON invalide")}) from None
    except RecursionError:  # [[[[… a few thousand deep: no request needs that
        raise ApiError(400, say("the body nests values too deeply", "le corps imbrique trop de niveaux"),
                       {"body": say("nested too deeply", "trop imbriqué")}) from None
    if not isinstance(data, dict):
        raise ApiError(400, say("the body must be a JSON object", "le corps doit être un objet JSON"),
                       {"body": say("must be an object", "doit être un objet")})
    try:  # "\ud800" is valid JSON but no text: the keyring, SQLite and files would fail on it later
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, say("the body holds a lone surrogate (\\ud800-\\udfff), which is not text",
                                "le corps contient un demi-caractère Unicode isolé, qui n'est pas du texte"),
                       {"body": say("invalid Unicode", "Unicode invalide")}) from None
    return data


def reject_unknown(data: dict[str, Any], allowed: set[str] | list[str] | tuple[str, ...], where: str = "") -> None:
    extra = [k for k in data if k not in allowed]
    if extra:
        names = ", ".join(sorted(allowed))
        raise bad_request({f"{where}{k}": say(f"unknown field (expected one of: {names})",
                                              f"champ inconnu (attendu : {names})") for k in extra})


def install(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.extra)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        text = exc.description or exc.name
        message = say(text, text)  # werkzeug's own words; the cases a user can meet are below
        if status == 413:
            message = say("the request is too large (at most 1 MB)", "la requête est trop grosse (1 Mo au plus)")
        elif status == 404:
            message = say(f"no such route: {request.method} {request.path}",
                          f"adresse inconnue : {request.method} {request.path}")
        elif status == 405:
            message = say(f"{request.method} is not allowed on {request.path}",
                          f"{request.method} n'est pas permis sur {request.path}")
        return error_response(status, STATUS_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL"),
                              message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        if disk.is_disk_full(exc):  # 507 Insufficient Storage: the user can act on it, unlike a 500
            log.error("disk full on %s %s: %s", request.method, request.path, exc)
            return error_response(507, "DISK_FULL", disk.full_message(paths.data_dir()))
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "INTERNAL", say("internal error; see the invoice-collector log",
                                                   "erreur interne ; voyez le journal d'invoice-collector"))
