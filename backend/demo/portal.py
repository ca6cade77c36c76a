"""Énergie Démo: a fictitious French electricity supplier's customer area.

It lets a newcomer see invoice-collector work without a real account: a login page (demo
credentials below), a cookie banner, "Mes factures" with French dates and amounts, real PDF
downloads, and `POST /admin/publish` to issue a new monthly invoice. Invoices live in a JSON
file under the state folder (see store.py), so they survive restarts and every process sees
the same list."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, session, url_for

from backend.config import DEMO_LOGIN, DEMO_PASSWORD, DEMO_PORTAL_PORT
from backend.demo.pdf import invoice_pdf as render_pdf
from backend.demo.store import french_amount, french_date, load_invoices, publish_invoice

CUSTOMER = "Camille Martin"
CONTRACT = "0042 1789 5531"
LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect. Vérifiez vos identifiants et réessayez."


def _shown(invoice: dict[str, Any], today: dt.date) -> dict[str, Any]:
    due = dt.date.fromisoformat(invoice["due_date"])
    return invoice | {"date_fr": french_date(dt.date.fromisoformat(invoice["date"])), "due_fr": french_date(due),
                      "amount_fr": french_amount(Decimal(invoice["amount"])),
                      "status": "Payée" if due < today else "À payer"}


def create_demo_app(state_dir: Path) -> Flask:
    """The demo portal's Flask app; its invoices are kept under state_dir."""
    state_dir = Path(state_dir)
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.secret_key = secrets.token_bytes(32)  # sessions end when the portal restarts, like a real one
    app.config.update(SESSION_COOKIE_NAME="demo_session", SESSION_COOKIE_SAMESITE="Lax")

    def signed_in() -> bool:
        return session.get("user") == DEMO_LOGIN

    @app.context_processor
    def page_values() -> dict[str, Any]:
        return {"customer": CUSTOMER if signed_in() else None, "consent": "demo_consent" in request.cookies}

    @app.get("/")
    def home():
        return redirect(url_for("invoices" if signed_in() else "login_form"))

    @app.get("/connexion")
    def login_form():
        if signed_in():
            return redirect(url_for("invoices"))
        return render_template("login.html", error=None, email="", demo_login=DEMO_LOGIN,
                               demo_password=DEMO_PASSWORD)

    @app.post("/connexion")
    def login():
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        if not (hmac.compare_digest(email, DEMO_LOGIN) and hmac.compare_digest(password, DEMO_PASSWORD)):
            return render_template("login.html", error=LOGIN_ERROR, email=email, demo_login=DEMO_LOGIN,
                                   demo_password=DEMO_PASSWORD), 401
        session.clear()
        session["user"] = DEMO_LOGIN
        return redirect(url_for("invoices"))

    @app.get("/deconnexion")
    def logout():
        session.clear()
        return redirect(url_for("login_form"))

    @app.get("/espace-client/factures")
    def invoices():
        if not signed_in():
            return redirect(url_for("login_form"))
        today = dt.date.today()
        newest_first = sorted(load_invoices(state_dir), key=lambda i: (i["date"], i["id"]), reverse=True)
        return render_template("invoices.html", invoices=[_shown(i, today) for i in newest_first],
                               contract=CONTRACT)

    @app.get("/espace-client/factures/<invoice_id>.pdf")
    def invoice_pdf(invoice_id: str):
        if not signed_in():
            abort(403)
        invoice = next((i for i in load_invoices(state_dir) if i["id"] == invoice_id), None)
        if invoice is None:
            abort(404)
        return Response(render_pdf(invoice, CUSTOMER), mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="energie-demo-{invoice["number"]}.pdf"'})

    @app.post("/admin/publish")
    def publish():
        """Issue a new invoice. JSON only (a cross-site form cannot post it): {amount?, date?}."""
        if not request.is_json:
            return jsonify(error="send JSON (Content-Type: application/json), e.g. {}"), 415
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(error="the body must be a JSON object, e.g. {} or {\"amount\": \"42.50\"}"), 400
        try:
            amount = Decimal(str(body["amount"])) if body.get("amount") is not None else None
            date = dt.date.fromisoformat(body["date"]) if body.get("date") else None
        except (InvalidOperation, ValueError, TypeError):
            return jsonify(error="amount must be a number such as \"42.50\" and date YYYY-MM-DD"), 400
        if amount is not None and not (Decimal("0") < amount < Decimal("1000000")):
            return jsonify(error="amount must be between 0 and 1000000"), 400
        return jsonify(publish_invoice(state_dir, amount, date)), 201

    @app.get("/admin/invoices")
    def all_invoices():
        return jsonify(invoices=load_invoices(state_dir))

    return app


def serve_demo_portal(state_dir: Path, port: int = DEMO_PORTAL_PORT, host: str = "127.0.0.1") -> None:
    """Serve the demo portal until interrupted (waitress; loopback only by default)."""
    from waitress import serve
    serve(create_demo_app(state_dir), host=host, port=port, threads=8, ident="energie-demo")


class RunningDemoPortal:
    """The demo portal served from a background thread: `with start_demo_portal(dir) as portal:`."""

    def __init__(self, state_dir: Path, port: int = 0, host: str = "127.0.0.1"):
        from werkzeug.serving import make_server
        # Threaded: Chromium keeps connections open, a single-threaded server would stall.
        self._server = make_server(host, port, create_demo_app(state_dir), threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-portal", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def __enter__(self) -> RunningDemoPortal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_demo_portal(state_dir: Path, port: int = 0, host: str = "127.0.0.1") -> RunningDemoPortal:
    """Start the demo portal in a thread (port 0: any free port) and return it; close() stops it."""
    return RunningDemoPortal(state_dir, port, host)
