"""Replica of Bouygues Telecom's login and invoice API.

Public shape reproduced (woob modules/bouygues, Cozy bouyguestelecom konnector):
- oauth2.bouyguestelecom.fr/authorize (implicit flow, response_type "id_token token") sends a
  visitor to the CAS form www.mon-compte.bouyguestelecom.fr/cas/login (form#fm1: username,
  password, lastname); a refusal is a 401 with div#alert_msg ("Votre identifiant ou votre mot
  de passe est incorrect"); too many attempts redirect to …/mon-compte/mot-de-passe-oublie; the
  maintenance page is www.bouyguestelecom.fr/static/maintenance.html.
- A one-time code is then sent by SMS: the same form page asks for `token` (submitted with
  _eventId_submit); a wrong code is a 401 that says how many attempts remain.
- Success returns to the redirect_uri with #access_token=…&id_token=… ; the id_token is a JWT
  whose claims hold id_personne.
- api.bouyguestelecom.fr/graphql (Bearer token, operationName GetInvoices, variables {n,
  personId}) answers data.consulterPersonne.factures.comptesFacturation[{id, factures[{id,
  mntTotFacture, dateFacturation, dateLimitePaieFacture, facturePDF[{href}]}]}], dates as UTC
  instants (22:00/23:00 the day before, in Paris). GET on a facturePDF href answers
  {_actions: {telecharger: {action}}}, and that action is the PDF itself.
"""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import urlencode

from flask import abort, jsonify, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

WWW, ACCOUNT = "/www.bouyguestelecom.fr", "/www.mon-compte.bouyguestelecom.fr"
OAUTH, API = "/oauth2.bouyguestelecom.fr", "/api.bouyguestelecom.fr"
HOSTS = {"bouygues-telecom": {"www": WWW, "account": ACCOUNT, "oauth": OAUTH, "api": API}}

USER, BLOCKED = "jean.dupont@example.fr", "0677777777"
PASSWORD, LASTNAME = "Bbox-Miami!24", "Dupont"
PERSON = "1234567890"
ACCOUNTS = {  # billing account -> (invoice id, amount, billed at UTC, pay before UTC)
    "41000001": [("F2403", 39.99, "2024-03-04T23:00:00Z", "2024-03-19T23:00:00Z"),
                 ("F2402", 39.99, "2024-02-04T23:00:00Z", "2024-02-19T23:00:00Z")],
    "41000002": [("M2403", 12.99, "2024-03-10T23:00:00Z", None)],
}

FORM = """<h1>Mon compte Bouygues Telecom</h1>
{% if error %}<div id="alert_msg" role="alert">{{ error }}</div>{% endif %}
<form id="fm1" method="post">
{% if otp %}
  <p>Saisir le code d'authentification. Code envoyé au 06 •• •• •• 12</p>
  <input name="token" id="token" inputmode="numeric" autocomplete="one-time-code">
  <input type="hidden" name="execution" value="{{ execution }}">
  <button type="submit" name="_eventId_submit" value="Envoyer">Envoyer</button>
{% else %}
  <label for="username">Identifiant</label><input id="username" name="username">
  <label for="password">Mot de passe</label><input id="password" name="password" type="password">
  <label for="lastname">Nom de famille</label><input id="lastname" name="lastname">
  <input type="hidden" name="execution" value="{{ execution }}"><input type="hidden" name="_eventId" value="submit">
  <button type="submit" name="submit">Me connecter</button>
{% endif %}
</form>"""


def jwt(claims: dict) -> str:
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({USER: {"password": PASSWORD, "lastname": LASTNAME},
                         BLOCKED: {"password": PASSWORD, "lastname": LASTNAME}})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    tokens: dict[str, str] = {}  # access token -> person
    downloads: dict[str, str] = {}  # one-time download action -> invoice id
    otp_tries: dict[str, int] = {}

    def form(otp: bool = False, error: str | None = None, status: int = 200):
        return page("Bouygues Telecom - Connexion", FORM, otp=otp, error=error,
                    execution=secrets.token_hex(6), status=status)

    @app.get(f"{OAUTH}/authorize")
    def authorize():
        if replica.maintenance:
            return redirect(f"{WWW}/static/maintenance.html")
        if not session.get("person"):
            return redirect(f"{ACCOUNT}/cas/login?" + urlencode({"service": request.url}))
        token = secrets.token_urlsafe(24)
        tokens[token] = session["person"]
        fragment = urlencode({"access_token": token, "token_type": "Bearer", "expires_in": "3600",
                              "id_token": jwt({"id_personne": session["person"], "sub": session["login"]})})
        return redirect(f"{request.args['redirect_uri']}#{fragment}")

    @app.get(f"{ACCOUNT}/cas/login")
    def cas_form():
        return form(otp=bool(session.get("otp_for")))

    @app.post(f"{ACCOUNT}/cas/login")
    def cas_post():
        login = session.get("otp_for")
        if login:  # the one-time code step
            if replica.codes.check(login, request.form.get("token", "")):
                session.pop("otp_for")
                session["person"], session["login"] = PERSON, login
                return redirect(request.args.get("service") or f"{WWW}/mon-compte/")
            otp_tries[login] = otp_tries.get(login, 3) - 1
            return form(otp=True, status=401, error=f"Code erroné, il vous reste {otp_tries[login]} "
                                                    "tentatives. Merci de réessayer.")
        login = request.form.get("username", "").strip()
        verdict = accounts.check(login, request.form.get("password", ""), lastname=request.form.get("lastname", ""))
        if verdict == "locked":
            return redirect(f"{ACCOUNT}/mon-compte/mot-de-passe-oublie")
        if verdict == "wrong":
            return form(status=401, error="Votre identifiant ou votre mot de passe est incorrect.")
        session["otp_for"] = login
        otp_tries[login] = 3
        replica.codes.send(login)
        return form(otp=True)

    @app.get(f"{ACCOUNT}/mon-compte/mot-de-passe-oublie")
    def forgotten():
        return page("Mot de passe oublié", "<h1>Mot de passe oublié ?</h1><p>Saisissez votre identifiant.</p>")

    @app.get(f"{WWW}/static/maintenance.html")
    def maintenance():
        return page("Maintenance", "<h1>Site en maintenance</h1><p>Notre site est en cours de maintenance. "
                    "Merci de revenir plus tard.</p>", status=503)

    @app.get(f"{WWW}/mon-compte/")
    def my_account():
        return page("Mon compte", "<h1>Mon compte</h1><div id='app'>Chargement…</div>")

    def bearer() -> str:
        person = tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if not person:
            abort(401)
        return person

    @app.post(f"{API}/graphql")
    def graphql():
        person = bearer()
        payload = request.get_json(silent=True) or {}
        variables = payload.get("variables") or {}
        if payload.get("operationName") != "GetInvoices" or "consulterPersonne" not in payload.get("query", "") \
                or variables.get("personId") != person:
            return jsonify(errors=[{"message": "Bad request"}]), 400
        replica.seen.setdefault("graphql_headers", []).append(request.headers.get("X-Process"))
        limit = int(variables.get("n", 10))
        return jsonify(data={"consulterPersonne": {"factures": {"comptesFacturation": [
            {"id": account, "factures": [
                {"id": number, "mntTotFacture": amount, "dateFacturation": billed, "dateLimitePaieFacture": due,
                 "facturePDF": [{"href": f"/comptes-facturation/{account}/factures/{number}"}]}
                for number, amount, billed, due in bills[:limit]]}
            for account, bills in ACCOUNTS.items()]}}})

    @app.get(f"{API}/comptes-facturation/<account>/factures/<number>")
    def download_action(account: str, number: str):
        bearer()
        if number not in {b[0] for b in ACCOUNTS.get(account, [])}:
            abort(404)
        action = secrets.token_hex(8)  # the download URL changes every time
        downloads[action] = number
        return jsonify(_actions={"telecharger": {
            "action": f"/comptes-facturation/{account}/factures/{number}/documents/{action}"}})

    @app.get(f"{API}/comptes-facturation/<account>/factures/<number>/documents/<action>")
    def document(account: str, number: str, action: str):
        bearer()
        if downloads.pop(action, None) != number:
            abort(404)
        return pdf_response(pdf(f"bouygues {number}"))

    return replica
