"""Portal: a login on another site (single sign-on). The supplier's site has no login form of its
own: « Se connecter » leads to its identity provider, another origin (create_identity), which
checks the login and password there and sends the browser back with a one-use ticket; the
supplier's site then lists the invoices in a table. The identity provider remembers who signed
in (its own cookie), as they do: a second visit goes straight back with a new ticket."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, abort, make_response, redirect, render_template_string, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "paul.martin@example.com"
PASSWORD = "Ss0-Idp#pw\"7&k"

# number, date as shown, amount as shown
INVOICES = [("SSO-2024-11", "12/11/2024", "30,00 €"), ("SSO-2024-12", "12/12/2024", "31,50 €")]
PDFS = {number: make_pdf(f"sso {number}") for number, *_ in INVOICES}


@dataclass
class State:
    identity_url: str = ""  # where « Se connecter » goes: set once the identity provider is served
    tickets: dict[str, str] = field(default_factory=dict)  # one-use ticket -> the user it vouches for
    hits: Hits = field(default_factory=Hits)


PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>{{ body|safe }}</body></html>"""

HOME = """<header><h1>Eau du Val</h1></header><main><p>Votre espace client.</p>
<a id="sso-login" class="btn" href="{{ login_url }}">Se connecter</a></main>"""

TABLE = """<header><h1>Eau du Val</h1></header><main><h2>Mes factures</h2><table id="invoices"><tbody>
{% for row in rows %}<tr><td class="number">{{ row[0] }}</td><td class="date">{{ row[1] }}</td>
<td class="amount">{{ row[2] }}</td><td><a class="pdf" href="/factures/{{ row[0] }}.pdf">PDF</a></td></tr>{% endfor %}
</tbody></table></main>"""

SIGN_IN = """<main class="sign-in"><h1>Identité Val — connexion</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form id="sign-in" method="post"><input type="hidden" name="return" value="{{ back }}">
<label>Adresse e-mail <input id="user" name="user" type="email"></label>
<label>Mot de passe <input id="secret" name="secret" type="password"></label>
<button id="sign-in-button" type="submit">Se connecter</button></form></main>"""


def page(title: str, body: str, **values) -> str:
    return render_template_string(PAGE, title=title, body=render_template_string(body, **values))


def create_portal(state: State) -> Flask:
    """The supplier's own site."""
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    @app.get("/")
    def home():
        if session.get("user") == LOGIN:
            return redirect("/factures")
        back = f"{request.host_url.rstrip('/')}/retour"
        return page("Eau du Val", HOME, login_url=f"{state.identity_url}/authorize?{urlencode({'return': back})}")

    @app.get("/retour")
    def back_from_identity():
        user = state.tickets.pop(request.args.get("ticket", ""), None)
        if user is None:
            abort(403)
        session["user"] = user
        return redirect("/factures")

    @app.get("/factures")
    def invoices():
        if session.get("user") != LOGIN:
            return redirect("/")
        return page("Mes factures", TABLE, rows=INVOICES)

    @app.get("/factures/<number>.pdf")
    def pdf(number: str):
        if session.get("user") != LOGIN or number not in PDFS:
            abort(403)
        state.hits.add(f"pdf:{number}")
        response = make_response(PDFS[number])
        response.headers["Content-Type"] = "application/pdf"
        return response

    return app


def create_identity(state: State) -> Flask:
    """The identity provider, on another origin. Its cookie has its own name: cookies do not tell
    the ports of one host apart, and the supplier's session must not overwrite it."""
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)
    app.config["SESSION_COOKIE_NAME"] = "identity_session"

    def send_back(back: str):
        ticket = secrets.token_hex(8)
        state.tickets[ticket] = LOGIN
        return redirect(f"{back}?{urlencode({'ticket': ticket})}")

    @app.get("/authorize")
    def sign_in_form():
        back = request.args.get("return", "")
        if session.get("user") == LOGIN:
            return send_back(back)
        return page("Connexion", SIGN_IN, back=back, error=None)

    @app.post("/authorize")
    def sign_in():
        back = request.form.get("return", "")
        if request.form.get("user") != LOGIN or request.form.get("secret") != PASSWORD:
            return page("Connexion", SIGN_IN, back=back, error="Adresse e-mail ou mot de passe incorrect.")
        state.hits.add("login")
        session.permanent = True  # remembered by a kept browser profile; the supplier's own session is not
        session["user"] = LOGIN
        return send_back(back)

    return app
