"""Replicas of Free's two customer areas: the Freebox one and Free Mobile's.

Freebox (woob modules/free, and the Cozy free konnector's facts of 2024-2025; checked
2026-12-07): subscribe.free.fr/login/ shows form#log_form (login, pass); a bad password comes
back to the login page with div.loginalert mentioning the password, a "reconnect later" alert
means the service is down; success goes through one more redirect (2025-04) and lands on
adsl.free.fr/home.pl?id=…&idt=…, whose query must be carried to adsl.free.fr/liste-factures.pl?… .
Some accounts land elsewhere, with nothing to collect: console.pl (webmail only), suivi.pl (a
Freebox being set up), or straight on liste-factures.pl with an empty list (an inactive
account). The bill list is ul.pane > li: span 1 holds the PDF link (…?no_facture=N), span 2 the
month (« mois année »: "Mars 2024"), span.last the amount ("29,99 €"). Pages are served in
ISO-8859-1, as Free does.

Free Mobile (woob modules/freemobile): mobile.free.fr/account/ shows form.form-login
(login-ident, login-pwd); a bad password shows div.flash.flash-error; logged-in pages have
div.list-users and the line number in div.current-user__infos. Bills are at
/account/conso-et-factures: div.table-facture div.table__scrollable div.grid-l rows with
div.date, div.amount and div.download a (…?facture=pdf&date=YYYYMMDD…).
Assumed, not documented publicly: both lockout messages, the intermediate redirect's page, what
console.pl and suivi.pl show.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode

from flask import abort, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

SUBSCRIBE, ADSL, MOBILE = "/subscribe.free.fr", "/adsl.free.fr", "/mobile.free.fr"
HOSTS = {"free": {"subscribe": SUBSCRIBE, "adsl": ADSL}, "free-mobile": {"mobile": MOBILE}}

BOX_USER, BOX_BLOCKED, BOX_DOWN = "fbx12345678", "fbx99999999", "fbx00000000"
# Accounts that land on a page with nothing to collect: webmail only, being set up, inactive.
BOX_LANDINGS = {"fbx11111111": "console.pl", "fbx22222222": "suivi.pl", "fbx33333333": "liste-factures.pl"}
MOBILE_USER, MOBILE_BLOCKED = "12345678", "87654321"
PASSWORD = "FreeB0x-Révolution"
LINE = "0711223344"

BOX_BILLS = [("7301", "Mars 2024", "2024-03-01", "29,99 €"), ("7201", "Février 2024", "2024-02-01", "29,99 €"),
             ("7101", "Janvier 2024", "2024-01-01", "44,98 €")]
MOBILE_BILLS = [("20240310", "Facture de mars 2024", "19,99€"), ("20240210", "Facture de février 2024", "19,99€")]

BOX_LOGIN = """<h1>Identifiez-vous</h1>
{% if error %}<div class="loginalert">{{ error }}</div>{% endif %}
<form id="log_form" method="post" action="{{ action }}">
  <label>Identifiant <input name="login"></label><label>Mot de passe <input name="pass" type="password"></label>
  <input type="submit" value="Connexion" id="ok">
</form>"""

BOX_LIST = """<div class="infos_abonne"><ul><li>M. Jean Dupont</li></ul></div><h1>Mes factures</h1>
<ul class="pane">{% for n, month, iso, amount in bills %}
  <li><span><a href="facture_pdf.pl?{{ query }}&amp;no_facture={{ n }}">Télécharger</a></span>
      <span>{{ month }}</span><span class="last">{{ amount }}</span></li>{% endfor %}
</ul>"""

MOBILE_LOGIN = """<h1>Mon Espace Abonné</h1>
{% if error %}<div class="flash flash-error">{{ error }}</div>{% endif %}
<form class="form-login" method="post" action="{{ action }}">
  <input name="login-ident" placeholder="Identifiant"><input name="login-pwd" type="password" placeholder="Mot de passe">
  <button type="submit" id="ok">Se connecter</button>
</form>"""

MOBILE_ACCOUNT = """<div class="list-users"><ul id="multi-ligne-selector"></ul></div>
<div class="current-user__infos"><div class="identite">Jean Dupont</div>
  <div>Identifiant : <span>{{ login }}</span></div><div>Ligne : <span>{{ line }}</span></div></div>"""

MOBILE_BILLS_PAGE = MOBILE_ACCOUNT + """<h1>Mes factures</h1>
<div class="table table-facture"><div class="table__scrollable">{% for date, label, amount in bills %}
  <div class="grid-l"><div class="date">{{ label }}</div><div class="amount">{{ amount }}</div>
    <div class="download"><a href="{{ mobile }}/account/conso-et-factures?facture=pdf&amp;date={{ date }}&amp;id={{ login }}">PDF</a></div>
  </div>{% endfor %}
</div></div>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (BOX_USER, BOX_BLOCKED, BOX_DOWN, MOBILE_USER,
                                                             MOBILE_BLOCKED, *BOX_LANDINGS)})
    accounts.lock(BOX_BLOCKED)
    accounts.lock(MOBILE_BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    tokens: dict[str, str] = {}

    def latin1(title: str, body: str, **values):
        return page(title, body, charset="iso-8859-1", **values)

    def form() -> dict[str, str]:
        """The posted form, decoded as the ISO-8859-1 page sent it."""
        fields = parse_qs(request.get_data().decode("ascii"), encoding="iso-8859-1")
        return {k: v[0] for k, v in fields.items()}

    # ---- Freebox ------------------------------------------------------------------------------
    @app.get(f"{SUBSCRIBE}/login/")
    def box_login_page():
        error = "Identifiant ou mot de passe incorrect" if request.args.get("error") else None
        return latin1("Free - Identifiez-vous", BOX_LOGIN, error=error, action=f"{SUBSCRIBE}/login/login.pl")

    @app.post(f"{SUBSCRIBE}/login/login.pl")
    def box_login():
        posted = form()
        login = posted.get("login", "").strip()
        if login == BOX_DOWN:
            return latin1("Free", BOX_LOGIN, action=f"{SUBSCRIBE}/login/login.pl",
                          error="Service momentanément indisponible, merci de vous reeconnecter ultérieurement")
        verdict = accounts.check(login, posted.get("pass", ""))
        if verdict == "locked":
            return latin1("Free", BOX_LOGIN, action=f"{SUBSCRIBE}/login/login.pl",
                          error="Accès bloqué : trop de tentatives de connexion. Réessayez dans une heure.")
        if verdict == "wrong":
            return redirect(f"{SUBSCRIBE}/login/?error=1")
        token = secrets.token_hex(8)
        tokens[token] = login
        landing = BOX_LANDINGS.get(login, "home.pl")
        return redirect(f"{SUBSCRIBE}/login/redirect.pl?" + urlencode({"to": f"{ADSL}/{landing}?id={login[3:]}&idt={token}"}))

    @app.get(f"{SUBSCRIBE}/login/redirect.pl")
    def box_redirect():
        """The extra step of 2025-04: a page that sends the browser on by script."""
        return latin1("Free", '<p>Redirection…</p><script>location.replace({{ to | tojson }});</script>',
                      to=request.args["to"])

    @app.get(f"{ADSL}/console.pl")
    @app.get(f"{ADSL}/suivi.pl")
    def box_elsewhere():
        box_user()
        text = "Votre compte donne accès à la messagerie Free." if request.path.endswith("console.pl") else \
            "Votre Freebox est en cours de mise en service."
        return latin1("Free", "<h1>Mon compte</h1><p>{{ text }}</p>", text=text)

    def box_user() -> str:
        login = tokens.get(request.args.get("idt", ""))
        if not login or request.args.get("id") != login[3:]:
            abort(403)  # Free's pages only answer with the id/idt pair of the session
        return login

    @app.get(f"{ADSL}/home.pl")
    def box_home():
        box_user()
        return latin1("Mon abonnement", '<div class="infos_abonne"><ul><li>M. Jean Dupont</li></ul></div>'
                      '<a href="liste-factures.pl?{{ q }}">Mes factures</a>', q=request.query_string.decode())

    @app.get(f"{ADSL}/liste-factures.pl")
    def box_bills():
        login = box_user()
        bills = [] if login in BOX_LANDINGS else BOX_BILLS
        return latin1("Mes factures", BOX_LIST, bills=bills, query=request.query_string.decode())

    @app.get(f"{ADSL}/facture_pdf.pl")
    def box_pdf():
        box_user()
        number = request.args.get("no_facture", "")
        if number not in {b[0] for b in BOX_BILLS}:
            abort(404)
        return pdf_response(pdf(f"free {number}"))

    # ---- Free Mobile --------------------------------------------------------------------------
    @app.get(f"{MOBILE}/account/")
    def mobile_login_page():
        if session.get("mobile"):
            return latin1("Mon compte", MOBILE_ACCOUNT, login=session["mobile"], line=LINE)
        return latin1("Free Mobile", MOBILE_LOGIN, error=None, action=f"{MOBILE}/account/")

    @app.post(f"{MOBILE}/account/")
    def mobile_login():
        posted = form()
        login = posted.get("login-ident", "").strip()
        verdict = accounts.check(login, posted.get("login-pwd", ""))
        if verdict != "ok":
            error = "Nom d'utilisateur ou mot de passe incorrect." if verdict == "wrong" else \
                "Trop de tentatives : votre accès est suspendu pendant 30 minutes."
            return latin1("Free Mobile", MOBILE_LOGIN, error=error, action=f"{MOBILE}/account/")
        session["mobile"] = login
        return redirect(f"{MOBILE}/account/")

    @app.get(f"{MOBILE}/account/conso-et-factures")
    def mobile_bills():
        if not session.get("mobile"):
            return redirect(f"{MOBILE}/account/")
        if request.args.get("facture") == "pdf":
            date = request.args.get("date", "")
            if date not in {b[0] for b in MOBILE_BILLS}:
                abort(404)
            return pdf_response(pdf(f"free mobile {date}"))
        return latin1("Conso et factures", MOBILE_BILLS_PAGE, login=session["mobile"], line=LINE,
                      bills=MOBILE_BILLS, mobile=MOBILE)

    return replica
