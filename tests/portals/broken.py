"""Portal 6: one invoice's "PDF" link answers an HTML error page with status 200, as portals
do when their document service is down. The other invoices are fine."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, make_response, render_template_string

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "anyone"
PASSWORD = "Br0ken-Pdf-pw~88"
BROKEN = "DOC-2"
INVOICES = [("DOC-3", "3 mars 2024", "30,00 €"), ("DOC-2", "3 février 2024", "20,00 €"),
            ("DOC-1", "3 janvier 2024", "10,00 €")]
PDFS = {number: make_pdf(f"broken {number}") for number, *_ in INVOICES if number != BROKEN}

LIST = """<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body><h1>Documents</h1>
<div id="docs">{% for row in rows %}<div class="doc"><b>{{ row[0] }}</b> <i>{{ row[1] }}</i> <em>{{ row[2] }}</em>
<a href="/docs/{{ row[0] }}.pdf">PDF</a></div>{% endfor %}</div></body></html>"""

ERROR_PAGE = """<!DOCTYPE html><html><head><title>Erreur</title></head><body><h1>Oups !</h1>
<p>Le document demandé est momentanément indisponible.</p></body></html>"""


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)


def create_app(state: State) -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def documents():
        return render_template_string(LIST, rows=INVOICES)

    @app.get("/docs/<number>.pdf")
    def pdf(number: str):
        state.hits.add(f"pdf:{number}")
        if number not in PDFS:
            return ERROR_PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
        response = make_response(PDFS[number])
        response.headers["Content-Type"] = "application/pdf"
        return response

    return app
