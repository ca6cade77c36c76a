"""Portal 4: the login form lives in an iframe, then a one-time-code page: a code "sent by
SMS" (the test reads it from state.sent_codes, as a user reads their phone) or, for the
account with an authenticator app, a TOTP code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pyotp
from flask import Flask, abort, make_response, redirect, render_template_string, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

SMS_LOGIN = "sms-user"
TOTP_LOGIN = "totp-user"
PASSWORD = "Ifr4me!Otp-pw_55"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
USERS = {SMS_LOGIN: None, TOTP_LOGIN: TOTP_SECRET}

INVOICES = [("OTP-0002", "02/02/2024", "19,99 €"), ("OTP-0001", "02/01/2024", "19,99 €")]
PDFS = {number: make_pdf(f"otp {number}") for number, *_ in INVOICES}


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    sent_codes: dict[str, str] = field(default_factory=dict)


HOME = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace sécurisé</title></head>
<body><h1>Espace sécurisé</h1><iframe id="auth" src="/auth/frame" width="400" height="300"></iframe></body></html>"""

FRAME = """<!doctype html><html><body>
{% if error %}<p class="login-error">{{ error }}</p>{% endif %}
<form method="post" action="/auth/frame"><input id="username" name="username">
<input id="password" name="password" type="password"><button id="login-btn">Valider</button></form></body></html>"""

# Once the password is right, the frame sends the whole page to the code page.
FRAME_DONE = """<!doctype html><html><body><script>window.top.location.href = '/otp';</script></body></html>"""

CODE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Vérification</title></head><body>
<h1>Vérification de votre identité</h1>
{% if app %}<p>Saisissez le code affiché par votre application d'authentification.</p>
{% else %}<p>Un code vient de vous être envoyé par SMS au 06 •• •• •• 42.</p>{% endif %}
{% if error %}<p class="otp-error">{{ error }}</p>{% endif %}
<form method="post" action="/otp"><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button id="verify">Vérifier</button></form></body></html>"""

LIST = """<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body><h1>Mes factures</h1>
<table id="invoices">{% for row in rows %}<tr><td class="n">{{ row[0] }}</td><td class="d">{{ row[1] }}</td>
<td class="a">{{ row[2] }}</td><td><a class="dl" href="/compte/factures/{{ row[0] }}.pdf">PDF</a></td></tr>
{% endfor %}</table></body></html>"""


def create_app(state: State) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    @app.get("/")
    def home():
        return HOME

    @app.get("/auth/frame")
    def frame():
        return render_template_string(FRAME, error=None)

    @app.post("/auth/frame")
    def frame_login():
        user = request.form.get("username", "")
        if user not in USERS or request.form.get("password") != PASSWORD:
            return render_template_string(FRAME, error="Identifiants invalides.")
        session["pending"] = user
        return FRAME_DONE

    @app.get("/otp")
    def code_page():
        user = session.get("pending")
        if not user:
            return redirect("/")
        if USERS[user] is None:  # "send" a fresh SMS code
            state.sent_codes[user] = f"{secrets.randbelow(10**6):06d}"
        return render_template_string(CODE_PAGE, app=USERS[user] is not None, error=None)

    @app.post("/otp")
    def check_code():
        user = session.get("pending")
        if not user:
            return redirect("/")
        code = request.form.get("code", "")
        secret = USERS[user]
        good = pyotp.TOTP(secret).verify(code, valid_window=1) if secret else code == state.sent_codes.get(user)
        if not good:
            state.hits.add("otp_refused")
            return render_template_string(CODE_PAGE, app=secret is not None,
                                          error="Code incorrect ou expiré. Veuillez réessayer.")
        state.hits.add(f"login:{user}")
        session["user"] = user
        return redirect("/compte/factures")

    @app.get("/compte/factures")
    def invoices():
        if not session.get("user"):
            return redirect("/")
        return render_template_string(LIST, rows=INVOICES)

    @app.get("/compte/factures/<number>.pdf")
    def pdf(number: str):
        if not session.get("user") or number not in PDFS:
            abort(403)
        state.hits.add(f"pdf:{number}")
        response = make_response(PDFS[number])
        response.headers["Content-Type"] = "application/pdf"
        return response

    return app
