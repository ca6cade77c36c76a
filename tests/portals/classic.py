"""Portal 1 (and 5): a classic form login (whose page opens an alert() while loading), a
paginated invoice table, PDF links.

Also the error pages of portal 5: a wrong-password banner, a maintenance page (state.maintenance)
and a new-terms interstitial (the account `cgu@example.com`), and a "remember me" cookie that
skips the login form (for the persistent-profile test)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import Flask, abort, make_response, redirect, render_template_string, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "client@example.com"
TERMS_LOGIN = "cgu@example.com"
PASSWORD = "Cl4ssic&Pw<9f3b>zq"  # distinctive, with characters HTML escapes: hunted in traces
NNBSP = "\u202f"
PAGE_SIZE = 4

# (number, date as shown, amount as shown, expected ISO date, expected amount)
INVOICES = [
    ("FAC-2024-001", "05/01/2024", "44,20 €", "2024-01-05", "44.20"),
    ("FAC-2024-002", "05/02/2024", f"1{NNBSP}234,56 €", "2024-02-05", "1234.56"),
    ("FAC-2024-003", "05/03/2024", "38,00 €", "2024-03-05", "38.00"),
    ("FAC-2024-004", "05/04/2024", "-12,50 €", "2024-04-05", "-12.50"),
    ("FAC-2024-005", "06/05/2024", "51,10 €", "2024-05-06", "51.10"),
    ("FAC-2024-006", "05/06/2024", "47,95 €", "2024-06-05", "47.95"),
    ("FAC-2024-007", "05/07/2024", "2\u00a0001,00 €", "2024-07-05", "2001.00"),
    ("FAC-2024-008", "05/08/2024", "49,99 €", "2024-08-05", "49.99"),
    ("FAC-2024-009", "05/09/2024", "50,00 €", "2024-09-05", "50.00"),
    ("FAC-2024-010", "07/10/2024", "0,99 €", "2024-10-07", "0.99"),
]
# Page 3 lists FAC-2024-008 again (as portals do when a bill moves while you page).
PAGES = [INVOICES[0:4], INVOICES[4:8], INVOICES[8:10] + [INVOICES[7]]]
PDFS = {number: make_pdf(f"classic {number}") for number, *_ in INVOICES}


@dataclass
class State:
    maintenance: bool = False
    hits: Hits = field(default_factory=Hits)
    remember_tokens: dict[str, str] = field(default_factory=dict)
    # Off for the recorder's test: chromedriver cannot reach a tab the extension opened while an alert() blocks it.
    login_alert: bool = True


LAYOUT = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace client</title></head>
<body><header><h1>Espace client Classique</h1></header><main>{{ body|safe }}</main></body></html>"""

LOGIN_PAGE = """
{% if alert %}<script>alert("Votre navigateur n'est pas à jour : certaines pages peuvent mal s'afficher.");</script>{% endif %}
{% if error %}<div class="alert alert-danger" role="alert">{{ error }}
  <button type="button" class="close" aria-label="Fermer">×</button></div>{% endif %}
<form id="login" method="post" action="/login" data-last-attempt="{{ attempted }}">
  <label>E-mail <input name="email" type="email" value="{{ email }}"></label>
  <label>Mot de passe <input name="password" type="password"></label>
  <label><input id="remember" name="remember" type="checkbox" value="1"> Se souvenir de moi</label>
  <button type="submit">Se connecter</button>
</form>"""

TABLE_PAGE = """
<p>Bonjour {{ user }}</p>
<table id="factures"><thead><tr><th>N°</th><th>Date</th><th>Montant</th><th></th></tr></thead><tbody>
{% for row in rows %}
<tr><td class="numero">{{ row[0] }}</td><td class="date">{{ row[1] }}</td><td class="montant">{{ row[2] }}</td>
<td><a class="pdf" href="/factures/{{ row[0] }}/pdf">Télécharger</a></td></tr>
{% endfor %}</tbody></table>
<nav>Page {{ page }} / {{ pages }}
{% if page < pages %}<a rel="next" href="/factures?page={{ page + 1 }}">Suivant</a>
{% else %}<span class="disabled">Suivant</span>{% endif %}</nav>"""

MAINTENANCE = """<div id="maintenance"><h2>Maintenance</h2>
<p>Notre espace client est en maintenance jusqu'à 14h. Merci de votre patience.</p></div>"""

TERMS = """<div id="cgu"><p id="cgu-message">Nos conditions générales évoluent : acceptez les nouvelles
conditions générales d'utilisation pour accéder à votre espace.</p><button>J'accepte</button></div>"""


def page(body: str, status: int = 200, **values):
    return render_template_string(LAYOUT, body=render_template_string(body, **values)), status


def create_app(state: State) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    @app.before_request
    def down():
        if state.maintenance:
            return page(MAINTENANCE, 503)
        return None

    @app.get("/login")
    def login_form():
        user = state.remember_tokens.get(request.cookies.get("remember_token", ""))
        if user:
            session["user"] = user
            state.hits.add("remembered")
            return redirect("/factures")
        return page(LOGIN_PAGE, email="", error=None, attempted="", alert=state.login_alert)

    @app.post("/login")
    def login():
        email, password = request.form.get("email", ""), request.form.get("password", "")
        if email not in (LOGIN, TERMS_LOGIN) or password != PASSWORD:
            state.hits.add("login_refused")
            # A careless portal echoes the attempt in the page: traces must still not show it.
            return page(LOGIN_PAGE, email=email, attempted=password, alert=state.login_alert,
                        error="Identifiant ou mot de passe incorrect. Il vous reste 2 essais.")
        state.hits.add("login")
        session["user"] = email
        response = make_response(redirect("/cgu" if email == TERMS_LOGIN else "/factures"))
        if request.form.get("remember"):
            token = secrets.token_hex(8)
            state.remember_tokens[token] = email
            response.set_cookie("remember_token", token, max_age=30 * 86400, httponly=True)
        return response

    @app.get("/cgu")
    def terms():
        return page(TERMS)

    @app.get("/factures")
    def invoices():
        if session.get("user") != LOGIN:
            return redirect("/login")
        number = max(1, min(int(request.args.get("page", 1)), len(PAGES)))
        return page(TABLE_PAGE, rows=PAGES[number - 1], page=number, pages=len(PAGES), user=session["user"])

    @app.get("/factures/<number>/pdf")
    def pdf(number: str):
        if session.get("user") != LOGIN:
            return redirect("/login")
        if number not in PDFS:
            abort(404)
        state.hits.add(f"pdf:{number}")
        response = make_response(PDFS[number])
        response.headers["Content-Type"] = "application/pdf"
        if int(number[-3:]) % 2 == 0:  # half inline, half attachments
            response.headers["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
        else:
            response.headers["Content-Disposition"] = f'inline; filename="{number}.pdf"'
        return response

    return app
