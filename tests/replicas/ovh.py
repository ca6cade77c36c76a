"""Replica of the OVHcloud customer login and billing API (www.ovh.com).

Public shape reproduced (woob modules/ovh): www.ovh.com/auth/ shows form#login-form whose
login and password inputs (#account, #password) get new `name`s on every visit; a refusal is
form#login-form > div.error. An account with two-factor authentication gets form#form-2fa
(div.mfa-title "Two-Factor authentication", an otpMethod and the code field); a login from a
new place may get a security code by e-mail (input#emailCode). Logged-in pages show
div.already-logged-content. Bills: /engine/2api/sws/billing/bills?count=0&offset=0 →
{list: {results: [{billId, orderId, billingDate, priceWithTax {value, currencyCode, text},
pdfUrl}]}}; pdfUrl is /cgi-bin/order/facture.pdf?reference=…&passwd=… .
Assumed: the lockout wording.
"""

from __future__ import annotations

import secrets

import pyotp
from flask import abort, jsonify, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

WWW = "/www.ovh.com"
HOSTS = {"ovh": {"www": WWW}}
TOTP_USER, EMAIL_USER, BLOCKED = "ab12345-ovh", "cd67890-ovh", "zz00000-ovh"
PASSWORD = "Ovh-Cloud!Roubaix"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"

BILLS = [("FR51234567", 151234567, "2024-03-01T00:30:00+01:00", 14.39),
         ("FR50987654", 150987654, "2024-02-01T00:30:00+01:00", 14.39),
         ("FR49876543", 149876543, "2024-01-15T09:00:00+01:00", 119.88)]

LOGIN = """<h1>Connexion</h1>
<form id="login-form" method="post" action="{{ www }}/auth/">
  {% if error %}<div class="error">{{ error }}</div>{% endif %}
  <input id="account" name="{{ names[0] }}" placeholder="Identifiant ou e-mail">
  <input id="password" name="{{ names[1] }}" type="password" placeholder="Mot de passe">
  <input type="hidden" name="fields" value="{{ names[0] }},{{ names[1] }}">
  <button id="login-submit" type="submit">Connexion</button>
</form>"""

MFA = """<form id="form-2fa" method="post" action="{{ www }}/auth/2fa">
  <div class="mfa-title">Two-Factor authentication</div>
  {% if error %}<div class="error">{{ error }}</div>{% endif %}
  <input type="hidden" name="otpMethod" value="totp"><input type="hidden" name="change2FA" value="totp">
  <label for="totp">Code de votre application</label><input id="totp" name="totp" inputmode="numeric">
  <button id="mfa-submit" type="submit">Valider</button></form>"""

EMAIL = """<form id="security-form" method="post" action="{{ www }}/auth/email-code">
  <div class="control-group">Un code de sécurité vient d'être envoyé à votre adresse email.</div>
  {% if error %}<div class="error">{{ error }}</div>{% endif %}
  <input id="emailCode" name="emailCode"><button id="email-submit" type="submit">Valider</button></form>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (TOTP_USER, EMAIL_USER, BLOCKED)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    passwords = {number: secrets.token_hex(4) for number, *_ in BILLS}

    def form(error: str | None = None):
        names = [f"f{secrets.token_hex(4)}", f"f{secrets.token_hex(4)}"]
        return page("OVHcloud - Connexion", LOGIN, error=error, names=names, www=WWW)

    def logged_in(login: str):
        session.clear()
        session["ovh"] = login
        return redirect(f"{WWW}/manager/")

    @app.get(f"{WWW}/auth/")
    def auth_page():
        if session.get("ovh"):
            return page("OVHcloud", '<div class="already-logged-content">Vous êtes déjà connecté.</div>')
        return form()

    @app.post(f"{WWW}/auth/")
    def auth():
        login_field, password_field = request.form.get("fields", ",").split(",")
        login = request.form.get(login_field, "").strip()
        verdict = accounts.check(login, request.form.get(password_field, ""))
        if verdict == "locked":
            return form("Votre compte est temporairement bloqué suite à un trop grand nombre d'échecs de connexion.")
        if verdict == "wrong":
            return form("Identifiant ou mot de passe invalide.")
        session["pending"] = login
        if login == TOTP_USER:
            return page("OVHcloud - Double authentification", MFA, www=WWW, error=None)
        replica.codes.send(login)
        return page("OVHcloud - Code de sécurité", EMAIL, www=WWW, error=None)

    @app.post(f"{WWW}/auth/2fa")
    def second_factor():
        login = session.get("pending")
        if login != TOTP_USER or request.form.get("otpMethod") != "totp":
            abort(403)
        if not pyotp.TOTP(TOTP_SECRET).verify(request.form.get("totp", ""), valid_window=1):
            return page("OVHcloud - Double authentification", MFA, www=WWW, error="Code invalide.")
        return logged_in(login)

    @app.post(f"{WWW}/auth/email-code")
    def email_code():
        login = session.get("pending", "")
        if not replica.codes.check(login, request.form.get("emailCode", "")):
            return page("OVHcloud - Code de sécurité", EMAIL, www=WWW, error="Code de sécurité invalide.")
        return logged_in(login)

    @app.get(f"{WWW}/manager/")
    def manager():
        if not session.get("ovh"):
            return redirect(f"{WWW}/auth/")
        return page("Espace client", '<div class="already-logged-content">Bienvenue</div><div id="app"></div>')

    @app.get(f"{WWW}/engine/2api/sws/billing/bills")
    def bills():
        if not session.get("ovh"):
            return jsonify(message="You must login first"), 401
        return jsonify(count=len(BILLS), list={"results": [
            {"billId": number, "orderId": order, "billingDate": date,
             "priceWithTax": {"value": amount, "currencyCode": "EUR", "text": f"{amount:.2f} €"},
             "pdfUrl": f"{replica.base}{WWW}/cgi-bin/order/facture.pdf?reference={number}&passwd={passwords[number]}"}
            for number, order, date, amount in BILLS]})

    @app.get(f"{WWW}/cgi-bin/order/facture.pdf")
    def bill_pdf():
        number = request.args.get("reference", "")
        if passwords.get(number) != request.args.get("passwd"):
            abort(403)
        return pdf_response(pdf(f"ovh {number}"))

    return replica
