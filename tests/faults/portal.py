"""The fault portal: a provider portal that misbehaves on demand, for tests/faults.

Login form (+ an optional TOTP page), an invoice table, PDF links. Knobs a test turns:
- maintenance: "known" (a page the recipe recognises) or "generic" (a bare 503 from a proxy);
- hang_login: the login page sends its first bytes, then nothing until the test ends;
- layout: "v2" renames the invoice rows (the recipe no longer matches);
- expire_after: the session ends after that many PDFs (PDF links then redirect to the login);
- pdf_faults: key -> "login" (redirects to the login page), "huge" (twice the engine's limit),
  "png" (not a PDF), "empty" (0 bytes), "trickle" (one byte now and then, forever), "cut" (the
  connection drops halfway);
- duplicate_rows: every invoice is listed twice;
- hook(event, key): called at "login", "list", "pdf" (before answering), "pdf-mid" (half the
  PDF sent) and "pdf-done" (response closed); a crash test blocks in it to kill the server there.
It counts login POSTs, list pages and PDF requests, and echoes a refused password into the page
(as careless portals do) so that redaction is tested."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pyotp
from flask import Flask, Response, redirect, render_template_string, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "alice@example.com"
MAX_ENGINE_PDF = 50_000_000  # backend.collectors.run.download.MAX_PDF_BYTES

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>{% if user %}<a id="logout" href="/logout">Déconnexion</a>{% endif %}{{ body|safe }}</body></html>"""

LOGIN_FORM = """{% if error %}<p class="login-error" data-last-attempt="{{ attempt }}">{{ error }}</p>{% endif %}
<form method="post" action="/login"><input id="email" name="email" type="email" value="{{ email }}">
<input id="password" name="password" type="password"><button id="submit" type="submit">Se connecter</button></form>"""

TABLE = """<table id="invoices">{% for inv in rows %}<tr class="invoice" data-id="{{ inv.key }}">
<td class="number">N° {{ inv.key }}</td><td class="date">{{ inv.date.strftime('%d/%m/%Y') }}</td>
<td class="amount">{{ inv.amount }}</td><td><a class="pdf" href="/pdf/{{ inv.key }}">PDF</a></td></tr>{% endfor %}
</table>"""

# The same data after a redesign: cards instead of table rows.
CARDS = """<section id="bills">{% for inv in rows %}<article class="bill" data-ref="{{ inv.key }}">
<h2>{{ inv.key }}</h2><time>{{ inv.date.isoformat() }}</time><span>{{ inv.amount }}</span>
<a href="/pdf/{{ inv.key }}">Télécharger</a></article>{% endfor %}</section>"""

MAINTENANCE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Maintenance</title></head>
<body><div id="maintenance"><h1>Maintenance</h1><p>Notre espace client est en maintenance jusqu'à 6h.</p></div>
</body></html>"""

PROXY_503 = """<html><head><title>503 Service Temporarily Unavailable</title></head><body>
<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"""


@dataclass
class PortalInvoice:
    key: str
    date: dt.date
    amount: str
    pdf: bytes


@dataclass
class FaultPortal:
    password: str = "correct horse battery"
    totp_secret: str | None = None
    other_users: dict[str, str] = field(default_factory=dict)  # more logins (email -> password)
    invoices: list[PortalInvoice] = field(default_factory=list)
    maintenance: str | None = None
    hang_login: bool = False
    layout: str = "v1"
    expire_after: int | None = None
    pdf_faults: dict[str, str] = field(default_factory=dict)
    duplicate_rows: bool = False
    hook: Callable[[str, str], None] | None = None
    hits: Hits = field(default_factory=Hits)
    released: threading.Event = field(default_factory=threading.Event)  # ends hanging answers
    lock: threading.Lock = field(default_factory=threading.Lock)
    sessions: dict[str, dict] = field(default_factory=dict)  # server-side: sid -> {"user", "pdfs"}
    url: str = ""

    def reset(self) -> None:
        """Back to a well-behaved, empty portal (between tests sharing one server)."""
        self.released.set()
        fresh = FaultPortal()
        for name in ("password", "totp_secret", "other_users", "invoices", "maintenance", "hang_login", "layout", "expire_after",
                     "pdf_faults", "duplicate_rows", "hook"):
            setattr(self, name, getattr(fresh, name))
        self.hits.clear()
        self.sessions.clear()
        self.released = threading.Event()

    def publish(self, key: str, date: dt.date, amount: str = "44,20 €", pdf: bytes | None = None) -> PortalInvoice:
        invoice = PortalInvoice(key, date, amount, pdf if pdf is not None else make_pdf(f"fault portal {key}"))
        with self.lock:
            self.invoices.append(invoice)
        return invoice

    def pdf_of(self, key: str) -> bytes:
        return next(inv.pdf for inv in self.invoices if inv.key == key)

    def _hook(self, event: str, key: str = "") -> None:
        if self.hook is not None:
            self.hook(event, key)

    def app(self) -> Flask:
        app = Flask("fault_portal")
        app.secret_key = secrets.token_hex(16)

        def current() -> dict | None:
            return self.sessions.get(session.get("sid", ""))

        def sign_in(email: str) -> None:
            session.clear()
            session["sid"] = secrets.token_hex(8)
            self.sessions[session["sid"]] = {"user": email, "pdfs": 0}

        def page(title: str, body: str, status: int = 200, **values) -> tuple[str, int]:
            inner = render_template_string(body, **values)
            return render_template_string(PAGE, title=title, body=inner, user=current()), status

        @app.before_request
        def down():
            if self.maintenance == "known":
                return MAINTENANCE, 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "3600"}
            if self.maintenance == "generic":
                return PROXY_503, 503, {"Content-Type": "text/html"}
            return None

        @app.get("/login")
        def login_page():
            if self.hang_login:
                def never_ending():
                    yield "<!doctype html><html><head><title>Connexion</title></head><body><p>Chargement…"
                    self.released.wait(120)
                    yield "</p></body></html>"
                return Response(never_ending(), mimetype="text/html")
            return page("Connexion", LOGIN_FORM, email="")

        @app.post("/login")
        def login():
            email, password = request.form.get("email", ""), request.form.get("password", "")
            self.hits.add("login_post")
            self.hits.add(f"login_post:{email}")
            self._hook("login", email)
            expected = self.password if email == LOGIN else self.other_users.get(email)
            if expected is None or not secrets.compare_digest(password.encode(), expected.encode()):
                self.hits.add("login_refused")
                return page("Connexion", LOGIN_FORM, error="Identifiant ou mot de passe incorrect.",
                            attempt=password, email=email)
            session.clear()
            if self.totp_secret:
                session["pending"] = email
                return redirect("/otp")
            sign_in(email)
            return redirect("/invoices")

        @app.get("/otp")
        def otp_page():
            if "pending" not in session:
                return redirect("/login")
            return page("Vérification", '<form method="post" action="/otp"><input id="otp" name="otp">'
                                        '<button id="otp-submit" type="submit">Valider</button></form>')

        @app.post("/otp")
        def otp():
            if "pending" not in session or not pyotp.TOTP(self.totp_secret or "").verify(
                    request.form.get("otp", ""), valid_window=1):
                return page("Vérification", '<p class="otp-error">Code incorrect.</p>')
            sign_in(session["pending"])
            return redirect("/invoices")

        @app.get("/logout")
        def logout():
            self.sessions.pop(session.get("sid", ""), None)
            session.clear()
            return redirect("/login")

        @app.get("/invoices")
        def invoice_list():
            if current() is None:
                return redirect("/login")
            self.hits.add("list")
            self._hook("list")
            with self.lock:
                rows = list(self.invoices)
            if self.duplicate_rows:
                rows = [inv for inv in rows for _ in (1, 2)]
            return page("Mes factures", CARDS if self.layout == "v2" else TABLE, rows=rows)

        @app.get("/pdf/<key>")
        def pdf(key: str):
            self.hits.add("pdf")
            self.hits.add(f"pdf:{key}")
            fault = self.pdf_faults.get(key)
            state = current()
            if state is None or fault == "login":
                return redirect("/login")
            with self.lock:
                state["pdfs"] += 1
                if self.expire_after is not None and state["pdfs"] > self.expire_after:
                    self.sessions.pop(session["sid"], None)  # the portal ended the session
            if current() is None:
                return redirect("/login")
            with self.lock:
                found = next((inv for inv in self.invoices if inv.key == key), None)
            if found is None:
                return page("Introuvable", "<p>Document introuvable.</p>", 404)
            if fault == "png":
                return b"\x89PNG\r\n\x1a\n" + bytes(2000), 200, {"Content-Type": "application/pdf"}
            if fault == "empty":
                return b"", 200, {"Content-Type": "application/pdf"}
            if fault == "huge":
                return Response(_huge_pdf(self.released), mimetype="application/pdf")
            if fault == "trickle":
                return Response(_trickle(self.released), mimetype="application/pdf")
            if fault == "cut":  # the connection drops halfway through the announced length
                def cut_short():
                    yield found.pdf[: len(found.pdf) // 2]
                    raise ConnectionAbortedError("the portal dropped the connection")
                return Response(cut_short(), mimetype="application/pdf",
                                headers={"Content-Length": str(len(found.pdf))})
            self._hook("pdf", key)
            data = found.pdf
            half = len(data) // 2

            def body():
                yield data[:half]
                self._hook("pdf-mid", key)
                yield data[half:]
            response = Response(body(), mimetype="application/pdf")
            response.call_on_close(lambda: self._hook("pdf-done", key))
            return response

        return app


def _huge_pdf(released: threading.Event):
    """A 'PDF' twice the engine's limit, made on the fly (the portal holds none of it)."""
    yield b"%PDF-1.4\n"
    chunk = b"0" * 1_000_000
    for _ in range(2 * MAX_ENGINE_PDF // len(chunk)):
        if released.is_set():
            return
        yield chunk


def _trickle(released: threading.Event):
    yield b"%PDF-1.4\n"
    while not released.wait(0.2):
        yield b"0"
