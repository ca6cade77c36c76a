"""The benchmarks' fixture portal: a login form, 5 pages × 20 invoices, a real PDF for each.

Each PDF is a one-page invoice built with pypdf: a text content stream (the invoice lines) and a
grey-scale "logo" image, about 60 KB like a small real invoice. Half are sent as attachments, half
inline (Chromium downloads both: plugins.always_open_pdf_externally)."""

from __future__ import annotations

import hashlib
import io
import random
import re
import secrets
import threading
from collections import Counter

from flask import Flask, abort, make_response, redirect, render_template_string, request, session

LOGIN = "bench@example.com"
USERS = re.compile(r"bench(\+\d+)?@example\.com")  # bench+3@example.com: one account per server account
PASSWORD = "B3nch-Pw!"
PAGES = 5
PER_PAGE = 20
PDF_BYTES = 60_000

LAYOUT = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace client</title></head>
<body><header><h1>Espace client Banc d'essai</h1></header><main>{{ body|safe }}</main></body></html>"""

LOGIN_PAGE = """{% if error %}<div class="alert" role="alert">{{ error }}</div>{% endif %}
<form id="login" method="post" action="/login">
  <label>E-mail <input name="email" type="email"></label>
  <label>Mot de passe <input name="password" type="password"></label>
  <button type="submit">Se connecter</button>
</form>"""

TABLE_PAGE = """<p>Bonjour {{ user }}</p>
<table id="factures"><thead><tr><th>N°</th><th>Date</th><th>Montant</th><th></th></tr></thead><tbody>
{% for inv in rows %}<tr><td class="numero">{{ inv.number }}</td><td class="date">{{ inv.date }}</td>
<td class="montant">{{ inv.amount }}</td><td><a class="pdf" href="/factures/{{ inv.number }}/pdf">PDF</a></td></tr>
{% endfor %}</tbody></table>
<nav>Page {{ page }} / {{ pages }}
{% if page < pages %}<a rel="next" href="/factures?page={{ page + 1 }}">Suivant</a>{% endif %}</nav>"""


class Invoice:
    def __init__(self, n: int):
        self.number = f"BEN-{n:04d}"
        self.date = f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2020 + n // 40}"
        self.amount = f"{20 + (n * 37) % 300},{n % 100:02d} €"


def invoice_pdf(number: str, size: int = PDF_BYTES) -> bytes:
    """A real, parseable one-page PDF of about `size` bytes whose content differs per invoice."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    rng = random.Random(number)
    side = max(8, int((size * 0.9) ** 0.5))  # an incompressible grey image carries most of the bytes
    image = DecodedStreamObject()
    image.set_data(rng.randbytes(side * side))
    image.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                  NameObject("/Width"): NumberObject(side), NameObject("/Height"): NumberObject(side),
                  NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                  NameObject("/BitsPerComponent"): NumberObject(8)})
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    lines = [f"Facture {number}"] + [f"Ligne {i}: consommation {rng.randint(1, 999)} kWh" for i in range(30)]
    text = "BT /F1 10 Tf 50 800 Td 12 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    content = DecodedStreamObject()
    content.set_data(f"q 120 0 0 120 420 680 cm /Logo Do Q {text}".encode("latin-1"))
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Logo"): writer._add_object(image)}),
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)}),
        NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text"), NameObject("/ImageB")])})
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Title": f"Facture {number}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class Portal:
    """The app plus what it served: request counters and the expected PDF digests."""

    def __init__(self, pages: int = PAGES, per_page: int = PER_PAGE, pdf_bytes: int = PDF_BYTES):
        self.pages = pages
        self.invoices = [Invoice(n) for n in range(1, pages * per_page + 1)]
        self.pdfs = {inv.number: invoice_pdf(inv.number, pdf_bytes) for inv in self.invoices}
        self.digests = {number: hashlib.sha256(data).hexdigest() for number, data in self.pdfs.items()}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.per_page = per_page
        self.app = self._build()

    def hit(self, name: str) -> None:
        with self._lock:
            self.hits[name] += 1

    def _build(self) -> Flask:
        app = Flask("bench-portal")
        app.secret_key = secrets.token_hex(16)

        def page(body: str, **values):
            return render_template_string(LAYOUT, body=render_template_string(body, **values))

        @app.get("/login")
        def login_form():
            return page(LOGIN_PAGE, error=None)

        @app.post("/login")
        def login():
            email = request.form.get("email", "")
            if not USERS.fullmatch(email) or request.form.get("password") != PASSWORD:
                return page(LOGIN_PAGE, error="Identifiant ou mot de passe incorrect.")
            self.hit("login")
            session["user"] = email
            return redirect("/factures")

        @app.get("/factures")
        def listing():
            if not session.get("user"):
                return redirect("/login")
            number = max(1, min(int(request.args.get("page", 1)), self.pages))
            rows = self.invoices[(number - 1) * self.per_page:number * self.per_page]
            return page(TABLE_PAGE, rows=rows, page=number, pages=self.pages, user=session["user"])

        @app.get("/factures/<number>/pdf")
        def pdf(number: str):
            if not session.get("user"):
                return redirect("/login")
            if number not in self.pdfs:
                abort(404)
            self.hit("pdf")
            response = make_response(self.pdfs[number])
            response.headers["Content-Type"] = "application/pdf"
            kind = "attachment" if int(number[-4:]) % 2 == 0 else "inline"
            response.headers["Content-Disposition"] = f'{kind}; filename="{number}.pdf"'
            return response

        return app
