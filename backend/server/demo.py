"""Routes: « Essayer avec un fournisseur de démonstration ». The server starts the bundled demo
(portal and local test inbox, server/demo_portal.py) on demand; the panel then adds the demo
account like any other, publishes new invoices on the portal and, while Libeo delivery is not
set up, sends them to the test inbox instead."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from backend.config import DEMO_LOGIN, DEMO_PASSWORD, DEMO_PROVIDER
from backend.i18n import say
from backend.server import account_ops
from backend.server.demo_portal import DemoUnavailable
from backend.server.errors import ApiError, json_body
from backend.server.providers import provider_entry
from backend.server.services import current as services

bp = Blueprint("demo", __name__)

_STR = {"type": "string"}
DEMO_STATE = {"type": "object", "properties": {
    "provider": _STR, "running": {"type": "boolean"}, "portal_url": {"type": ["string", "null"]},
    "test_inbox": {"type": "object", "properties": {
        "address": {**_STR, "description": "the Libeo inbox the test inbox stands in for"},
        "in_use": {"type": "boolean", "description": "Libeo delivery goes to the test inbox"},
        "available": {"type": "boolean", "description": "it can be used: Libeo delivery is not set up "
                                                               "otherwise and the demo account is the only one"},
        "messages": {"type": "array", "description": "what it received, newest first", "items": {
            "type": "object", "properties": {"subject": _STR, "to": _STR, "date": _STR,
                                             "attachments": {"type": "array", "items": _STR}}}}}}}}


def _ok(properties: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties}}}}


OPENAPI_PATHS = {
    "/api/demo": {
        "get": {"summary": "The bundled demo: whether it runs, its test inbox and what it received",
                "responses": {"200": _ok({"demo": DEMO_STATE})}},
        "post": {"summary": "Start the demo supplier's portal (and its test inbox); returns the provider to add, "
                            "with the demo credentials",
                 "responses": {"200": _ok({"demo": DEMO_STATE, "provider": {"type": "object"},
                                           "credentials": {"type": "object", "additionalProperties": _STR}}),
                               "503": {"description": "The demo could not start"}}},
    },
    "/api/demo/publish": {
        "post": {"summary": "Publish a new invoice on the demo portal, then sync the demo account so it arrives",
                 "responses": {"201": _ok({"invoice": {"type": "object"}, "job": {
                     "oneOf": [{"$ref": "#/components/schemas/Job"}, {"type": "null"}]}}, "Published"),
                     "409": {"description": "No demo account: add one first"}}},
    },
    "/api/demo/inbox": {
        "post": {"summary": "Send to Libeo through the demo's local test inbox (while Libeo delivery is not set up)",
                 "responses": {"200": _ok({"demo": DEMO_STATE}),
                               "409": {"description": "Libeo delivery is set up with a real inbox, or a real "
                                                              "account exists"}}},
    },
}


def _start() -> None:
    svc = services()
    try:
        svc.demo.ensure_running(svc.store)
    except DemoUnavailable as exc:
        raise ApiError(503, say(f"the demo supplier could not start: {exc}; see the invoice-collector log",
                                "le fournisseur de démonstration n'a pas pu démarrer ; voyez le journal "
                                "d'invoice-collector")) from None


@bp.get("/api/demo")
def demo_state() -> Response:
    svc = services()
    return jsonify({"demo": svc.demo.state(svc.store)})


@bp.post("/api/demo")
def start_demo() -> Response:
    json_body(optional=True)
    svc = services()
    provider = svc.catalog.get(DEMO_PROVIDER)
    if provider is None:
        raise ApiError(503, say("the demo supplier's recipe is missing from the catalog",
                                "la recette du fournisseur de démonstration manque au catalogue"))
    _start()
    return jsonify({"demo": svc.demo.state(svc.store), "provider": provider_entry(provider),
                    "credentials": {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}})


@bp.post("/api/demo/publish")
def publish() -> tuple[Response, int]:
    json_body(optional=True)
    svc = services()
    account = svc.store.query_one("SELECT id FROM accounts WHERE provider = ? ORDER BY id LIMIT 1", (DEMO_PROVIDER,))
    if account is None:
        raise ApiError(409, say("add the demo supplier's account first",
                                "ajoutez d'abord le compte du fournisseur de démonstration"), code="NO_DEMO_ACCOUNT")
    _start()
    invoice = svc.demo.publish(svc.store)
    job: dict[str, Any] | None
    try:
        job = account_ops.sync_now(svc, account["id"])
    except ApiError as exc:  # a sync already runs (it may miss the new invoice: the next one takes it) or blocked
        job = exc.extra.get("job")
    return jsonify({"invoice": invoice, "job": job}), 201


@bp.post("/api/demo/inbox")
def use_test_inbox() -> Response:
    json_body(optional=True)
    svc = services()
    state = svc.demo.state(svc.store)
    if not state["test_inbox"]["available"]:
        raise ApiError(409, say("the test inbox is only for the demo alone: Libeo delivery is already set up, or you "
                                "have a real account (its invoices must reach your real Libeo inbox)",
                                "la boîte de test ne sert qu'à la démonstration seule : l'envoi vers Libeo est déjà "
                                "configuré, ou vous avez un compte réel (ses factures doivent aller à votre vraie "
                                "boîte Libeo)"), code="TEST_INBOX_UNAVAILABLE")
    _start()
    svc.demo.use_test_inbox(svc.store)
    svc.notify_delivery()
    return jsonify({"demo": svc.demo.state(svc.store)})
