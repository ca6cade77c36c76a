"""Routes: invoices (list with filters and paging, one invoice, its PDF, retry of a failed delivery)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Blueprint, Response, jsonify, request, send_file

from backend.core.clock import iso
from backend.delivery import facts, outbox
from backend.i18n import say
from backend.server import validation
from backend.server.errors import ApiError, bad_request, json_body, not_found
from backend.server.providers import fold
from backend.server.records import STATUS_FILTERS, invoice_json
from backend.server.services import current as services

bp = Blueprint("invoices", __name__)

DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 200
INVOICE_REF = {"$ref": "#/components/schemas/Invoice"}
ID = [{"name": "invoice_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
LIST_PARAMS = [
    {"name": "account", "in": "query", "schema": {"type": "integer"}, "description": "only this account's invoices"},
    {"name": "status", "in": "query", "schema": {"enum": sorted(STATUS_FILTERS)},
     "description": "baseline (known before the account was added, never sent), new, pending, retrying, "
                    "failed or sent (delivery)"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "dated on/after"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "dated on/before"},
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
     "description": "search: part of the number (or the provider's key), or of the supplier's name, ignoring case "
                    "and accents"},
    {"name": "provider", "in": "query", "schema": {"type": "string"}, "description": "only this supplier (provider id)"},
    {"name": "min_amount", "in": "query", "schema": {"type": "string"}, "description": "amount at least, e.g. 40 or 40,50"},
    {"name": "max_amount", "in": "query", "schema": {"type": "string"}, "description": "amount at most"},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                                    "default": DEFAULT_PER_PAGE}},
]


def _ok(schema: dict) -> dict:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


OPENAPI_PATHS = {
    "/api/invoices": {
        "get": {"summary": "List invoices, newest first", "parameters": LIST_PARAMS,
                "responses": {"200": _ok({"type": "object", "properties": {
                    "invoices": {"type": "array", "items": INVOICE_REF}, "total": {"type": "integer"},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}}})}},
    },
    "/api/invoices/{invoice_id}": {
        "get": {"summary": "One invoice with its delivery status", "parameters": ID,
                "responses": {"200": _ok({"type": "object", "properties": {"invoice": INVOICE_REF}})}},
    },
    "/api/invoices/{invoice_id}/pdf": {
        "get": {"summary": "The invoice's PDF", "parameters": ID,
                "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}},
                              "404": {"description": "No PDF kept (an invoice known before the account was added)"}}},
    },
    "/api/invoices/{invoice_id}/retry": {
        "post": {"summary": "Retry the invoice's failed (or waiting) deliveries now", "parameters": ID,
                 "responses": {"200": _ok({"type": "object", "properties": {"invoice": INVOICE_REF}}),
                               "409": {"description": "Nothing to retry"}}},
    },
    "/api/invoices/{invoice_id}/send": {
        "post": {"summary": "Send to Libeo an invoice that never went (kept without its PDF: fetched at a sync "
                            "started now, then sent)", "parameters": ID,
                 "responses": {"202": _ok({"type": "object", "properties": {"invoice": INVOICE_REF}}),
                               "409": {"description": "Sending to Libeo is off, or the invoice already went"}}},
    },
    "/api/invoices/send-waiting": {
        "post": {"summary": "Send every invoice collected while sending to Libeo was off",
                 "responses": {"200": _ok({"type": "object", "properties": {
                     "queued": {"type": "integer"},
                     "already_sent": {"type": "integer", "description": "known to the ledger: not sent again"}}}),
                               "409": {"description": "Sending to Libeo is off"}}},
    },
}

INVOICE_SQL = "SELECT i.*, a.provider FROM invoices i JOIN accounts a ON a.id = i.account_id"


def _one(invoice_id: int):
    row = services().store.query_one(INVOICE_SQL + " WHERE i.id = ? AND i.duplicate_of IS NULL", (invoice_id,))
    if row is None:
        raise not_found(say(f"invoice {invoice_id}", f"Facture {invoice_id}"))
    return row


def _json(row) -> dict:
    svc = services()
    with svc.store.read() as conn:
        return invoice_json(conn, row, row["provider"], svc.provider_name, svc.store.enabled_destinations(conn))


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def list_filters(args: Mapping[str, str]) -> tuple[str, list[object]]:
    """The WHERE clause of the invoice list's filters, and its parameters."""
    where = ["i.duplicate_of IS NULL"]
    params: list[object] = []
    if args.get("account") not in (None, ""):
        if not re.fullmatch(r"\d{1,9}", args["account"]):
            raise bad_request({"account": say("expected an account number", "numéro de compte attendu")})
        where.append("i.account_id = ?")
        params.append(int(args["account"]))
    status = args.get("status")
    if status not in (None, ""):
        if status not in STATUS_FILTERS:
            raise bad_request({"status": say(f"expected one of: {', '.join(sorted(STATUS_FILTERS))}",
                                             f"valeurs possibles : {', '.join(sorted(STATUS_FILTERS))}")})
        where.append(STATUS_FILTERS[status])
    start = validation.date_param(args.get("from"), "from")
    end = validation.date_param(args.get("to"), "to")
    if start and end and start > end:
        raise bad_request({"to": say("the end date is before the start date", "la date de fin précède la date de début")})
    if start:
        where.append("i.date >= ?")
        params.append(start)
    if end:
        where.append("i.date <= ?")
        params.append(end)
    provider = args.get("provider") or ""
    if provider:
        if not re.fullmatch(r"[a-z0-9_-]{2,63}", provider):
            raise bad_request({"provider": say("unknown supplier", "fournisseur inconnu")})
        where.append("a.provider = ?")
        params.append(provider)
    query = (args.get("q") or "").strip()
    if len(query) > 100:
        raise bad_request({"q": say("at most 100 characters", "100 caractères au plus")})
    if query:
        # The supplier's name lives in the catalog, not the database: match it there.
        named = [pid for pid, p in services().catalog.providers.items() if fold(query) in fold(p.name)]
        where.append("(i.number LIKE ? ESCAPE '\\' OR i.key LIKE ? ESCAPE '\\'"
                     + (f" OR a.provider IN ({', '.join('?' * len(named))})" if named else "") + ")")
        params.extend([_like(query), _like(query), *named])
    low = validation.amount_param(args.get("min_amount"), "min_amount")
    high = validation.amount_param(args.get("max_amount"), "max_amount")
    if low is not None and high is not None and low > high:
        raise bad_request({"max_amount": say("the maximum is below the minimum", "le maximum est inférieur au minimum")})
    for bound, op in ((low, ">="), (high, "<=")):
        if bound is not None:
            where.append(f"i.amount IS NOT NULL AND CAST(i.amount AS REAL) {op} ?")
            params.append(float(bound))
    return " WHERE " + " AND ".join(where), params


@bp.get("/api/invoices")
def list_invoices() -> Response:
    clause, params = list_filters(request.args)
    args = request.args
    page = validation.positive_int(args.get("page"), "page", 1)
    per_page = validation.positive_int(args.get("per_page"), "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    svc = services()
    with svc.store.read() as conn:
        total = conn.execute("SELECT COUNT(*) FROM invoices i JOIN accounts a ON a.id = i.account_id" + clause,
                             params).fetchone()[0]
        # Dates are ISO strings or NULL (never ''): NULLs sort last in DESC, and the order is read
        # straight from an index (account_id, duplicate_of, date, id): a page costs the same at any size.
        rows = conn.execute(INVOICE_SQL + clause + " ORDER BY i.date DESC, i.id DESC LIMIT ? OFFSET ?",
                            (*params, per_page, (page - 1) * per_page)).fetchall()
        enabled = svc.store.enabled_destinations(conn)
        invoices = [invoice_json(conn, row, row["provider"], svc.provider_name, enabled) for row in rows]
    return jsonify({"invoices": invoices, "total": total, "page": page, "per_page": per_page})


@bp.get("/api/invoices/<id:invoice_id>")
def get_invoice(invoice_id: int) -> Response:
    return jsonify({"invoice": _json(_one(invoice_id))})


@bp.get("/api/invoices/<id:invoice_id>/pdf")
def get_pdf(invoice_id: int) -> Response:
    row = _one(invoice_id)
    if not row["sha256"]:
        raise ApiError(404, say("no PDF is kept for this invoice: it was already on the portal when the account "
                                "was added (not sent, by design)",
                                "aucun PDF n'est gardé pour cette facture : elle existait déjà sur le site quand le "
                                "compte a été ajouté (non envoyée, c'est voulu)"))
    path = services().store.pdf_path(row["sha256"])
    if not path.is_file():
        raise ApiError(404, say("the PDF file is missing from the data folder",
                                "le fichier PDF manque dans le dossier de données"))
    stored = facts.load(services().store, invoice_id, services().provider_name)
    name = facts.file_name(stored) if stored else f"{invoice_id}.pdf"  # the name the folder copy has
    return send_file(path, mimetype="application/pdf", download_name=name, max_age=0)


LIBEO_OFF = say("sending to Libeo is off: switch it on in Settings first",
                "l'envoi à Libeo est désactivé : activez-le d'abord dans les Réglages")


@bp.post("/api/invoices/<id:invoice_id>/send")
def send_to_libeo(invoice_id: int) -> tuple[Response, int]:
    """« Envoyer à Libeo » for an invoice that never went: collected while sending was off, or kept
    without its PDF (known before the account was added: its PDF is fetched at a sync started now,
    then sent). Never twice: what the delivery ledger knows is marked sent, not mailed again."""
    json_body(optional=True)
    row = _one(invoice_id)
    svc = services()
    with svc.store.transaction() as conn:
        if "libeo" not in svc.store.enabled_destinations(conn):
            raise ApiError(409, LIBEO_OFF, code="LIBEO_OFF")
        if conn.execute("SELECT 1 FROM deliveries WHERE invoice_id = ? AND destination = 'libeo'",
                        (invoice_id,)).fetchone():
            raise ApiError(409, say("this invoice is already sent to Libeo, or on its way",
                                    "cette facture est déjà envoyée à Libeo, ou en cours d'envoi"),
                           code="ALREADY_QUEUED")
        if row["sha256"]:
            queued = outbox.queue(conn, invoice_id, "libeo", iso(svc.clock()))
        else:
            conn.execute("UPDATE invoices SET send_requested = 1 WHERE id = ?", (invoice_id,))
            queued = False
    if row["sha256"]:
        if queued:
            svc.notify_delivery()
    else:
        svc.jobs.submit(row["account_id"], "manual")  # its PDF comes with this sync, then it is sent
    return jsonify({"invoice": _json(_one(invoice_id))}), 202


@bp.post("/api/invoices/send-waiting")
def send_waiting() -> Response:
    """« Envoyer les N factures en attente »: every invoice collected while sending to Libeo was off."""
    json_body(optional=True)
    svc = services()
    with svc.store.transaction() as conn:
        if "libeo" not in svc.store.enabled_destinations(conn):
            raise ApiError(409, LIBEO_OFF, code="LIBEO_OFF")
        now = iso(svc.clock())
        waiting = outbox.waiting(conn, "libeo")
        queued = sum(outbox.queue(conn, invoice_id, "libeo", now) for invoice_id in waiting)
    if queued:
        svc.notify_delivery()
    return jsonify({"queued": queued, "already_sent": len(waiting) - queued})


@bp.post("/api/invoices/<id:invoice_id>/retry")
def retry_delivery(invoice_id: int) -> Response:
    json_body(optional=True)
    _one(invoice_id)
    svc = services()
    if not outbox.requeue(svc.store, invoice_id):
        raise ApiError(409, say("nothing to retry: no delivery of this invoice has failed or waits to be retried",
                                "rien à renvoyer : aucun envoi de cette facture n'a échoué ni n'attend"))
    svc.retry_delivery()
    return jsonify({"invoice": _json(_one(invoice_id))})
