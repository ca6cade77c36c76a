"""Routes: accounts (create, list, read, update, delete, sync now), their jobs and sync history."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, send_file

from backend.i18n import say
from backend.server import account_ops, approval, history, recipe_check, validation
from backend.server.errors import json_body, not_found, reject_unknown
from backend.server.jobs import CHECK_TRIGGER
from backend.server.services import current as services

bp = Blueprint("accounts", __name__)

ACCOUNT_REF = {"$ref": "#/components/schemas/Account"}
JOB_REF = {"$ref": "#/components/schemas/Job"}
SYNC_REF = {"$ref": "#/components/schemas/Sync"}
ID = [{"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
JOB_ID = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OPENAPI_PATHS = {
    "/api/accounts": {
        "get": {"summary": "List accounts with their state",
                "responses": {"200": _ok({"type": "object", "properties": {
                    "accounts": {"type": "array", "items": ACCOUNT_REF}}})}},
        "post": {"summary": "Add an account (terms_accepted must be true); its first sync starts at once",
                 "requestBody": _body({
                     "provider": {"type": "string"}, "terms_accepted": {"const": True},
                     "credentials": {"type": "object", "additionalProperties": {"type": "string"}},
                     "options": {"type": "object", "additionalProperties": {"type": "string"}},
                     "since": {"type": "string", "format": "date"},
                     "interval_hours": {"type": "number", "minimum": 1, "maximum": 744}},
                     ["provider", "terms_accepted", "credentials"]),
                 "responses": {"201": _ok({"type": "object", "properties": {
                     "account": ACCOUNT_REF, "job": JOB_REF,
                     "already_sent": {"type": "integer", "description": "invoices of this login delivered to "
                                                                        "Libeo before: never sent again"}}},
                                          "Created"),
                               "409": {"description": "An account for this login already exists"}}},
    },
    "/api/accounts/{account_id}/approve-recipe": {
        "post": {"summary": "Approve the account's recipe as shown (its origins and fingerprint): it syncs again",
                 "parameters": ID,
                 "requestBody": _body({"fingerprint": {"type": "string"}}, ["fingerprint"]),
                 "responses": {"200": _ok({"type": "object", "properties": {"account": ACCOUNT_REF}}),
                               "409": {"description": "The recipe changed again since it was shown"}}},
    },
    "/api/accounts/{account_id}": {
        "get": {"summary": "One account", "parameters": ID,
                "responses": {"200": _ok({"type": "object", "properties": {"account": ACCOUNT_REF}})}},
        "patch": {"summary": "Change options, interval or enabled (changing options unblocks the account)",
                  "parameters": ID, "requestBody": _body({
                      "options": {"type": "object", "additionalProperties": {"type": "string"}},
                      "interval_hours": {"type": ["number", "null"]}, "enabled": {"type": "boolean"}}),
                  "responses": {"200": _ok({"type": "object", "properties": {"account": ACCOUNT_REF}})}},
        "delete": {"summary": "Delete the account, its keyring entries, browser profile, invoices and outbox",
                   "parameters": ID, "responses": {"204": {"description": "Deleted"},
                                                   "409": {"description": "A sync is running"}}},
    },
    "/api/accounts/{account_id}/credentials": {
        "put": {"summary": "Replace credential fields (write-only; unblocks a LOGIN_FAILED account)",
                "parameters": ID, "requestBody": _body({
                    "credentials": {"type": "object", "additionalProperties": {"type": "string"}}}, ["credentials"]),
                "responses": {"200": _ok({"type": "object", "properties": {"account": ACCOUNT_REF}})}},
    },
    "/api/accounts/{account_id}/sync": {
        "post": {"summary": "Sync now: starts a job and returns it at once",
                 "parameters": ID,
                 "responses": {"202": _ok({"type": "object", "properties": {"job": JOB_REF}}, "Started"),
                               "409": {"description": "A job already runs (returned as `job`), or the account "
                                                      "waits for new credentials after LOGIN_FAILED"}}},
    },
    "/api/accounts/{account_id}/check-recipe": {
        "post": {"summary": "Diagnose the recipe on this account (after RECIPE_BROKEN): an attended run that "
                            "stores and sends nothing and writes a report without personal data",
                 "parameters": ID,
                 "responses": {"202": _ok({"type": "object", "properties": {"job": JOB_REF}}, "Started"),
                               "409": {"description": "A job already runs (returned as `job`), or the account "
                                                      "waits for new credentials after LOGIN_FAILED"}}},
    },
    "/api/accounts/{account_id}/history": {
        "get": {"summary": "The account's last syncs, newest first (the last 200 are kept)",
                "parameters": [*ID, {"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": history.MAX_LIMIT, "default": history.DEFAULT_LIMIT}}],
                "responses": {"200": _ok({"type": "object", "properties": {
                    "syncs": {"type": "array", "items": SYNC_REF}}})}},
    },
    "/api/jobs/{job_id}": {
        "get": {"summary": "A job's live progress and outcome", "parameters": JOB_ID,
                "responses": {"200": _ok({"type": "object", "properties": {"job": JOB_REF}})}},
    },
    "/api/jobs/{job_id}/report": {
        "get": {"summary": "A recipe check's report (Markdown, no secret and no personal data), to attach to a "
                           "bug report", "parameters": JOB_ID,
                "responses": {"200": {"description": "The report",
                                      "content": {"text/markdown": {"schema": {"type": "string"}}}},
                              "404": {"description": "No such job, or it wrote no report"}}},
    },
    "/api/jobs/{job_id}/code": {
        "post": {"summary": "Give the one-time code a waiting job asks for", "parameters": JOB_ID,
                 "requestBody": _body({"code": {"type": "string", "minLength": 1, "maxLength": 64}}, ["code"]),
                 "responses": {"200": _ok({"type": "object", "properties": {"job": JOB_REF}}),
                               "409": {"description": "The job is not waiting for a code"}}},
    },
}


@bp.get("/api/accounts")
def list_accounts() -> Response:
    return jsonify({"accounts": account_ops.list_all(services())})


@bp.post("/api/accounts")
def create_account() -> tuple[Response, int]:
    account, job, already_sent = account_ops.create(services(), json_body())
    return jsonify({"account": account, "job": job, "already_sent": already_sent}), 201


@bp.get("/api/accounts/<id:account_id>")
def get_account(account_id: int) -> Response:
    return jsonify({"account": account_ops.get(services(), account_id)})


@bp.put("/api/accounts/<id:account_id>/credentials")
def put_credentials(account_id: int) -> Response:
    return jsonify({"account": account_ops.update_credentials(services(), account_id, json_body())})


@bp.patch("/api/accounts/<id:account_id>")
def patch_account(account_id: int) -> Response:
    return jsonify({"account": account_ops.update(services(), account_id, json_body())})


@bp.delete("/api/accounts/<id:account_id>")
def delete_account(account_id: int) -> tuple[str, int]:
    json_body(optional=True)  # a body, if any, must still be JSON
    account_ops.delete(services(), account_id)
    return "", 204


@bp.post("/api/accounts/<id:account_id>/sync")
def sync_account(account_id: int) -> tuple[Response, int]:
    json_body(optional=True)
    return jsonify({"job": account_ops.sync_now(services(), account_id)}), 202


@bp.post("/api/accounts/<id:account_id>/check-recipe")
def check_recipe(account_id: int) -> tuple[Response, int]:
    json_body(optional=True)
    return jsonify({"job": account_ops.sync_now(services(), account_id, CHECK_TRIGGER)}), 202


@bp.post("/api/accounts/<id:account_id>/approve-recipe")
def approve_recipe(account_id: int) -> Response:
    data = json_body()
    reject_unknown(data, ("fingerprint",))
    if approval.approve(services(), account_id, data):
        services().jobs.submit(account_id, "manual")  # held until now: the user's approval starts a sync
    return jsonify({"account": account_ops.get(services(), account_id)})


@bp.get("/api/accounts/<id:account_id>/history")
def get_history(account_id: int) -> Response:
    limit = validation.positive_int(request.args.get("limit"), "limit", history.DEFAULT_LIMIT, history.MAX_LIMIT)
    return jsonify({"syncs": history.account_history(services(), account_id, limit)})


@bp.get("/api/jobs/<id:job_id>")
def get_job(job_id: int) -> Response:
    job = services().jobs.get(job_id)
    if job is None:
        raise not_found(say(f"job {job_id}", f"Synchronisation {job_id}"))
    return jsonify({"job": job})


@bp.get("/api/jobs/<id:job_id>/report")
def get_report(job_id: int) -> Response:
    report = recipe_check.report_of(services(), job_id)
    if report is None:
        raise not_found(say(f"the report of job {job_id}", f"Le rapport de la synchronisation {job_id}"))
    return send_file(report, mimetype="text/markdown", as_attachment=True, download_name=report.name)


@bp.post("/api/jobs/<id:job_id>/code")
def post_code(job_id: int) -> Response:
    data = json_body()
    reject_unknown(data, ("code",))
    code = validation.one_time_code(data)
    jobs = services().jobs
    if jobs.get(job_id) is None:
        raise not_found(say(f"job {job_id}", f"Synchronisation {job_id}"))
    jobs.answer_code(job_id, code)
    job = jobs.get(job_id)
    if job is None:  # pragma: no cover — deleted meanwhile
        raise not_found(say(f"job {job_id}", f"Synchronisation {job_id}"))
    return jsonify({"job": job})
