"""The OpenAPI 3.1 document of the whole API, served at /api/openapi.json.

Each blueprint module documents its own routes in an OPENAPI_PATHS dict; the app collects them
in app.extensions["openapi_modules"]. A test compares the document with app.url_map, so a
route without documentation (or documentation without a route) fails the suite."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask

from backend import API_VERSION, __version__

OUTCOME = {"type": ["object", "null"], "properties": {
    "code": {"type": "string", "description": "OK or an outcome code (LOGIN_FAILED, PROVIDER_DOWN…)"},
    "message": {"type": "string", "description": "what happened, in detail"},
    "message_fr": {"type": "string"}, "message_en": {"type": "string"}}}
DELIVERY = {"type": ["object", "null"], "properties": {
    "status": {"enum": ["pending", "sent", "retrying", "failed", "skipped"]},
    "attempts": {"type": "integer"}, "next_attempt_at": {"type": ["string", "null"]},
    "last_error": {"type": ["string", "null"]}, "sent_at": {"type": ["string", "null"]}}}
TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": {"enum": ["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED",
                              "CONFLICT", "RATE_LIMITED", "UNSUPPORTED_MEDIA_TYPE", "UNAVAILABLE", "INTERNAL"]},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    "Outcome": OUTCOME,
    "Job": {"type": "object", "properties": {
        "id": {"type": "integer"}, "account_id": {"type": "integer"},
        "state": {"enum": ["queued", "running", "waiting_for_code", "waiting_for_user", "succeeded", "failed"]},
        "trigger": {"enum": ["create", "manual", "schedule"]},
        "created_at": TIME, "started_at": TIME, "finished_at": TIME,
        "progress": {"type": "object", "properties": {
            "step": {"type": "integer"}, "step_name": {"type": "string"}, "listed": {"type": "integer"},
            "downloaded": {"type": "integer"}, "queued_for_libeo": {"type": "integer"}, "message": {"type": "string"}}},
        # A code to type (kind sms/email/app/totp: text), or the window to finish in (kind hand_over:
        # text_fr, text_en, until).
        "prompt": {"type": ["object", "null"], "properties": {
            "text": {"type": "string"}, "kind": {"enum": ["sms", "email", "app", "totp", "hand_over"]},
            "text_fr": {"type": "string"}, "text_en": {"type": "string"}, "until": {"type": "string"}}},
        "outcome": {"$ref": "#/components/schemas/Outcome"},
        "new_invoices": {"type": "integer"}, "baseline": {"type": "integer"}}},
    # One past (or running) sync of an account: GET /api/accounts/{id}/history.
    "Sync": {"type": "object", "properties": {
        "id": {"type": "integer"}, "trigger": {"enum": ["create", "manual", "schedule"]},
        "state": {"enum": ["queued", "running", "waiting_for_code", "waiting_for_user", "succeeded", "failed"]},
        "created_at": TIME, "started_at": TIME, "finished_at": TIME,
        "duration_seconds": {"type": ["integer", "null"], "description": "null until it ends"},
        "outcome": {"$ref": "#/components/schemas/Outcome"},
        "listed": {"type": ["integer", "null"], "description": "invoices the portal listed (null: not counted)"},
        "known": {"type": ["integer", "null"], "description": "of those, invoices collected before"},
        "new_invoices": {"type": "integer"},
        "baseline": {"type": "integer", "description": "kept as known on the first sync, never sent"},
        "queued_for_libeo": {"type": "integer"}}},
    "Account": {"type": "object", "properties": {
        "id": {"type": "integer"}, "provider": {"type": "string"}, "provider_name": {"type": "string"},
        "login": {"type": "string"}, "options": {"type": "object"}, "interval_hours": {"type": "number"},
        "enabled": {"type": "boolean"}, "created_at": TIME, "terms_version": {"type": "string"},
        "terms_accepted_at": TIME, "since": {"type": ["string", "null"], "format": "date"},
        "state": {"enum": ["new", "ok", "syncing", "waiting_for_code", "waiting_for_user", "error", "blocked"]},
        "last_sync_at": TIME, "last_success_at": TIME, "last_outcome": {"$ref": "#/components/schemas/Outcome"},
        "invoices_collected": {"type": "integer"}, "invoices_sent": {"type": "integer"},
        "next_run_at": TIME, "blocked": {"type": "boolean"},
        "demo": {"type": "boolean", "description": "the bundled demo supplier's account (POST /api/demo/publish)"},
        "job": {"oneOf": [{"$ref": "#/components/schemas/Job"}, {"type": "null"}],
                "description": "the job queued or running now, if any"},
        "recipe": {"type": "object", "description": "where the credentials may go, and whether the user "
                                                    "must approve a changed recipe (server/approval.py)",
                   "properties": {
                       "local": {"type": "boolean"}, "file": {"type": ["string", "null"]},
                       "origins": {"type": "array", "items": {"type": "string"}},
                       "approved_origins": {"type": ["array", "null"], "items": {"type": "string"}},
                       "approval_needed": {"type": "boolean"}, "fingerprint": {"type": ["string", "null"]},
                       "problem": {"type": ["string", "null"],
                                   "description": "an edit of the recipe file that does not load (FILE:LINE:COL)"}}}}},
    "Invoice": {"type": "object", "properties": {
        "id": {"type": "integer"}, "account_id": {"type": "integer"}, "provider": {"type": "string"},
        "provider_name": {"type": "string"}, "key": {"type": "string"}, "number": {"type": ["string", "null"]},
        "date": {"type": ["string", "null"], "format": "date"}, "due_date": {"type": ["string", "null"]},
        "amount": {"type": ["string", "null"], "description": "decimal as a string, e.g. \"44.20\""},
        "currency": {"type": ["string", "null"]}, "sha256": {"type": ["string", "null"]},
        "size": {"type": ["integer", "null"]}, "baseline": {"type": "boolean"}, "collected_at": TIME,
        "send_requested": {"type": "boolean", "description": "« Envoyer à Libeo » waits for its PDF (next sync)"},
        "pdf_url": {"type": ["string", "null"]}, "extra": {"type": "object"},
        "delivery": {"type": "object", "properties": {"libeo": DELIVERY, "folder": DELIVERY}}}},
}


def openapi_path(rule: str) -> str:
    """Flask's /api/accounts/<int:account_id> → OpenAPI's /api/accounts/{account_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def routes(app: Flask) -> set[tuple[str, str]]:
    """(path, method) of every route the app serves, HEAD and OPTIONS aside."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((openapi_path(rule.rule), method.lower()))
    return found


def build(app: Flask, port: int) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for module in app.extensions.get("openapi_modules", []):
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(copy.deepcopy(operations))
    error = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in paths.values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("default", error)
    return {
        "openapi": "3.1.0",
        "info": {"title": "invoice-collector local API", "version": __version__,
                 "description": f"API version {API_VERSION}. Served on 127.0.0.1 only. Every route but "
                                "/api/health and /api/pair needs `Authorization: Bearer <token>` (get one with "
                                "`invoice-collector pair`). POST, PUT, PATCH and DELETE need "
                                "`Content-Type: application/json`. Requests from any Origin but the extension's "
                                "are refused."},
        "servers": [{"url": f"http://127.0.0.1:{port}"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
