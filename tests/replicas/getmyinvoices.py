"""Stand-in for the GetMyInvoices REST API v3, following ../shared/reference/getmyinvoices-openapi.json.

- Every call needs the X-API-KEY header and a JSON content type (415 otherwise).
- GET /documents: filters documentTypeFilter, archivedFilter, updatedOrNewSinceFilter
  ("Y-m-d H:i:s", 422 with error_code 140 when malformed), paging with pageNumber (from 1);
  answers {totalCount, maxAmount, offset, records[…]} with the spec's record fields.
- GET /documents/{documentUid}: {meta_data{…}, fileContent (base64)}; 422 error_code 106 for
  an unknown uid.
- Key errors, as the spec lists them: 403 {code: 403} unknown key, {code: 407} blocked key;
  rate limits as HTTP 429 or as a 403 whose code is 429; 503 {code: 503, detail: "Temporary
  Issue…"}. The real page size is 500; the stand-in uses 2 so that paging really happens.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading

from flask import jsonify, request

from tests.replicas.common import Accounts, Replica, new_app, pdf

API = "/api.getmyinvoices.com/accounts/v3"
HOSTS = {"getmyinvoices": {"api": API}}
PAGE_SIZE = 2

KEY = "gmi-5f0c2a9d41b7e8c3"
UNKNOWN_KEY, BLOCKED_KEY = "gmi-not-a-key", "gmi-blocked-key"
LIMITED_KEY, LIMITED_403_KEY, DOWN_KEY = "gmi-rate-limited", "gmi-rate-limited-403", "gmi-down"
BURST_KEY = "gmi-burst"  # three calls, then the per-minute limit
BURST_CALLS = 3

# (uid, updated, type, number, date, due, net, vat, gross, currency, company)
DOCUMENTS = [
    (1001, "2024-01-10 09:00:00", "INCOMING_INVOICE", "INV-2024-001", "2024-01-08", "2024-02-07",
     100.0, 20.0, 120.0, "EUR", "Hébergeur SAS"),
    (1002, "2024-02-03 11:30:00", "INCOMING_INVOICE", "INV-2024-017", "2024-02-01", None,
     41.58, 8.32, 49.9, "EUR", "Logiciels & Co"),
    (1003, "2024-03-02 08:15:00", "INCOMING_INVOICE", "A-5531", "2024-03-01", "2024-03-31",
     1000.0, 200.0, 1200.0, "EUR", "Cabinet Conseil"),
    (1004, "2024-03-05 17:45:00", "RECEIPT", "R-88", "2024-03-05", None, 8.25, 1.65, 9.9, "EUR", "Café"),
    (1005, "2024-03-20 10:00:00", "INCOMING_INVOICE", "US-77", "2024-03-18", None, 50.0, 0.0, 50.0, "USD",
     "Cloud Inc."),
]


def create() -> Replica:
    app = new_app(__name__)
    replica = Replica(app, HOSTS, Accounts({}))
    lock = threading.Lock()
    seen = replica.seen
    seen.update(pages=[], since=[], detail=[])

    def refuse(status: int, code: int, detail: str):
        return jsonify(code=code, detail=detail), status

    @app.before_request
    def check_key():
        replica.hits["calls"] += 1
        if request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return refuse(415, 415, "Request content-type is not valid.")
        key = request.headers.get("X-API-KEY", "")
        if key == DOWN_KEY:
            return refuse(503, 503, "Temporary Issue. Please retry in a few minutes.")
        if key == LIMITED_KEY:
            return refuse(429, 429, "Requests per minute limit is exceeded.")
        if key == LIMITED_403_KEY:
            return refuse(403, 429, "Daily limit is exceeded.")
        if key == BLOCKED_KEY:
            return refuse(403, 407, "API key is blocked.")
        if key == BURST_KEY:
            with lock:
                replica.hits["burst"] += 1
                if replica.hits["burst"] > BURST_CALLS:
                    return refuse(429, 429, "Requests per minute limit is exceeded.")
        elif key != KEY:
            return refuse(403, 403, "Invalid API key.")
        return None

    def record(doc: tuple) -> dict:
        uid, updated, kind, number, date, due, net, vat, gross, currency, company = doc
        return {"documentUid": uid, "createdAt": updated[:10], "companyUid": 300 + uid % 7,
                "companyName": company, "documentType": kind, "documentNumber": number,
                "documentDate": date, "documentDueDate": due, "netAmount": net, "vat": vat,
                "grossAmount": gross, "currency": currency, "isArchived": False, "source": "Portal",
                "filename": f"{number}.pdf", "fileSize": "2.1", "paymentStatus": "unknown"}

    @app.get(f"{API}/documents")
    def documents():
        chosen = list(DOCUMENTS)
        if request.args.get("documentTypeFilter"):
            chosen = [d for d in chosen if d[2] == request.args["documentTypeFilter"]]
        since = request.args.get("updatedOrNewSinceFilter")
        if since is not None:
            try:
                limit = dt.datetime.strptime(since, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                return jsonify(success=False, detail="Invalid Date Format. Must be in format Y-m-d H:i:s.",
                               error_code=140), 422
            chosen = [d for d in chosen if dt.datetime.strptime(d[1], "%Y-%m-%d %H:%M:%S") > limit]
        number = int(request.args.get("pageNumber", 1))
        with lock:
            seen["pages"].append(number)
            seen["since"].append(since)
        chunk = chosen[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        return jsonify(totalCount=len(chosen), maxAmount=max((d[8] for d in chosen), default=0),
                       offset=(number - 1) * PAGE_SIZE, records=[record(d) for d in chunk])

    @app.get(f"{API}/documents/<int:uid>")
    def document(uid: int):
        doc = next((d for d in DOCUMENTS if d[0] == uid), None)
        if doc is None:
            return jsonify(success=False, detail="Invalid Document Prim UID.", error_code=106), 422
        with lock:
            seen["detail"].append(uid)
        meta = record(doc)
        return jsonify(meta_data=meta, readableContent="",
                       fileContent=base64.b64encode(pdf(f"gmi {doc[3]}")).decode("ascii"))

    return replica
