"""A tiny provider portal for the server tests: a login form (optionally followed by an SMS code
page), an invoice table and PDF links. It counts login attempts, so a test can prove that a
wrong password is tried exactly once."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field

from flask import Flask, abort, redirect, request, session

from tests.helpers import make_pdf

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""


@dataclass
class PortalInvoice:
    key: str
    date: dt.date
    amount: str
    pdf: bytes


@dataclass
class Portal:
    users: dict[str, str] = field(default_factory=lambda: {"alice@example.com": "correct horse"})
    invoices: list[PortalInvoice] = field(default_factory=list)
    otp_code: str | None = None  # when set, a correct login is followed by a code page
    login_posts: int = 0
    pdf_downloads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, key: str, date: dt.date, amount: str = "44,20 €", pdf: bytes | None = None) -> PortalInvoice:
        invoice = PortalInvoice(key, date, amount, pdf or make_pdf(f"invoice {key}"))
        with self.lock:
            self.invoices.append(invoice)
        return invoice

    def app(self) -> Flask:
        app = Flask("test_portal")
        app.secret_key = secrets.token_hex(16)

        def form(error: str = "") -> str:
            return PAGE.format(title="Connexion", body=(
                f'{error}<form method="post" action="/login">'
                '<input id="email" name="email" type="email"><input id="password" name="password" type="password">'
                '<button id="submit" type="submit">Se connecter</button></form>'))

        @app.get("/login")
        def login_page():
            return form()

        @app.post("/login")
        def login():
            with self.lock:
                self.login_posts += 1
            email, password = request.form.get("email", ""), request.form.get("password", "")
            if self.users.get(email) != password:
                return form('<p class="login-error">Identifiant ou mot de passe incorrect.</p>')
            if self.otp_code:
                session["pending"] = email
                return redirect("/otp")
            session["user"] = email
            return redirect("/invoices")

        @app.get("/otp")
        def otp_page():
            if "pending" not in session:
                return redirect("/login")
            return PAGE.format(title="Code", body=(
                '<form method="post" action="/otp"><label>Code reçu par SMS <input id="otp" name="otp"></label>'
                '<button id="otp-submit" type="submit">Valider</button></form>'))

        @app.post("/otp")
        def otp():
            if request.form.get("otp") != self.otp_code or "pending" not in session:
                return PAGE.format(title="Code", body='<p class="otp-error">Code incorrect.</p>')
            session["user"] = session.pop("pending")
            return redirect("/invoices")

        @app.get("/invoices")
        def invoices():
            if "user" not in session:
                return redirect("/login")
            with self.lock:
                rows = "".join(
                    f'<tr class="invoice" data-id="{inv.key}"><td class="number">N° {inv.key}</td>'
                    f'<td class="date">{inv.date:%d/%m/%Y}</td><td class="amount">{inv.amount}</td>'
                    f'<td><a class="pdf" href="/pdf/{inv.key}">PDF</a></td></tr>' for inv in self.invoices)
            return PAGE.format(title="Mes factures", body=f'<table id="invoices">{rows}</table>')

        @app.get("/pdf/<key>")
        def pdf(key: str):
            if "user" not in session:
                abort(403)
            with self.lock:
                found = next((inv for inv in self.invoices if inv.key == key), None)
                self.pdf_downloads += 1
            if found is None:
                abort(404)
            return found.pdf, 200, {"Content-Type": "application/pdf"}

        return app
