"""Route: a selection of invoices as one ZIP of their PDFs (for the accountant's own files, or a
colleague), each named as the folder copy names it: YYYY-MM-DD_provider_number.pdf."""

from __future__ import annotations

import tempfile
import zipfile

from flask import Blueprint, Response, send_file

from backend.delivery import facts
from backend.i18n import say
from backend.server.errors import ApiError, bad_request, json_body
from backend.server.services import current as services

bp = Blueprint("invoice_export", __name__)

MAX_INVOICES = 500
IN_MEMORY_BYTES = 16 * 1024 ** 2  # a bigger archive is built in a temporary file

OPENAPI_PATHS = {
    "/api/invoices/zip": {
        "post": {
            "summary": "The PDFs of the chosen invoices as one ZIP file (invoices without a PDF are left out; "
                       "their count is in X-Invoices-Without-Pdf)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["ids"],
                "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1,
                                       "maxItems": MAX_INVOICES}}}}}},
            "responses": {"200": {"description": "The ZIP", "content": {"application/zip": {}}},
                          "404": {"description": "None of the chosen invoices has a PDF, or one is unknown"}}},
    },
}


def _chosen_ids(data: dict) -> list[int]:
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2 ** 53 for i in ids):
        raise bad_request({"ids": say("expected a list of invoice numbers", "liste de numéros de factures attendue")})
    if len(ids) > MAX_INVOICES:
        raise bad_request({"ids": say(f"at most {MAX_INVOICES} invoices at once",
                                      f"{MAX_INVOICES} factures au plus à la fois")})
    return list(dict.fromkeys(ids))


@bp.post("/api/invoices/zip")
def zip_invoices() -> Response:
    svc = services()
    chosen = []
    for invoice_id in _chosen_ids(json_body()):
        found = facts.load(svc.store, invoice_id, svc.provider_name)
        if found is None:
            raise ApiError(404, say(f"invoice {invoice_id} no longer exists: refresh the list",
                                    f"la facture {invoice_id} n'existe plus : actualisez la liste"), code="NOT_FOUND")
        chosen.append(found)
    with_pdf = [f for f in chosen if f.pdf_path.is_file()]
    if not with_pdf:
        raise ApiError(404, say("none of these invoices has a PDF kept on this computer (invoices that were already "
                                "on the portal when the account was added are not downloaded)",
                                "aucune de ces factures n'a de PDF gardé sur cet ordinateur (celles qui existaient "
                                "déjà sur le site à l'ajout du compte ne sont pas téléchargées)"), code="NOT_FOUND")
    archive = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 — send_file closes it
    names: set[str] = set()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:  # PDFs are compressed already
        for invoice in with_pdf:
            name = facts.file_name(invoice)
            stem, count = name[:-4], 2
            while name in names:  # two invoices with the same day and number
                name, count = f"{stem}-{count}.pdf", count + 1
            names.add(name)
            zipped.write(invoice.pdf_path, name)
    archive.seek(0)
    answer = send_file(archive, mimetype="application/zip", as_attachment=True,
                       download_name=f"factures-{svc.clock().date().isoformat()}.zip", max_age=0)
    answer.headers["X-Invoices-Without-Pdf"] = str(len(chosen) - len(with_pdf))
    return answer
