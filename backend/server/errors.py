"""One JSON error shape for every answer that is not a success:

    {"error": {"code": "BAD_REQUEST", "message": "...", "fields": {"field": "what is wrong"}}}

Malformed input is always a 400 naming the field; a 500 only ever means a bug of ours."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("invoice_collector.server")

STATUS_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT", 413: "BAD_REQUEST", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """Raised anywhere while handling a request; becomes the JSON error answer."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "INTERNAL")
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


def bad_request(fields: dict[str, str], message: str | None = None) -> ApiError:
    first = next(iter(fields.items()))
    return ApiError(400, message or f"{first[0]}: {first[1]}", fields)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   extra: dict[str, Any] | None = None) -> Response:
    """extra: top-level keys next to "error" (e.g. the job already running, on a 409)."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
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
        raise ApiError(400, "the request needs a JSON object body", {"body": "missing"})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}", {"body": "invalid JSON"}) from None
    except RecursionError:  # [[[[… a few thousand deep: no request needs that
        raise ApiError(400, "the body nests values too deeply", {"body": "nested too deeply"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object", {"body": "must be an object"})
    try:  # "\ud800" is valid JSON but no text: the keyring, SQLite and files would fail on it later
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "the body holds a lone surrogate (\\ud800-\\udfff), which is not text",
                       {"body": "invalid Unicode"}) from None
    return data


def reject_unknown(data: dict[str, Any], allowed: set[str] | list[str] | tuple[str, ...], where: str = "") -> None:
    extra = [k for k in data if k not in allowed]
    if extra:
        names = ", ".join(sorted(allowed))
        raise bad_request({f"{where}{k}": f"unknown field (expected one of: {names})" for k in extra})


def install(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.extra)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 404:
            message = f"no such route: {request.method} {request.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.path}"
        return error_response(status, STATUS_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL"),
                              message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "INTERNAL", "internal error; see the invoice-collector log")
