"""Replica of Bouygues Telecom's login and invoice API.

Public shape reproduced (facts from the Cozy bouyguestelecom konnector, 2023-2025, and the woob
bouygues module; checked 2026-12-07):
- Since 2023-11 the login is an iframe, #bytelid_a360_login, on www.bouyguestelecom.fr/mon-compte
  (here it loads oauth2.bouyguestelecom.fr/authorize, which shows the form of
  www.mon-compte.bouyguestelecom.fr): form[data-roles="inputForm"] with the login and the
  password, no last-name field any more. A one-time code follows: first a choice of where to
  send it, then `.otp` inputs (one digit each). Success sends the page to
  www.bouyguestelecom.fr/mon-compte/all/callback.html?code=…, whose script trades the code for the
  tokens and keeps them in sessionStorage (a360-access_token, a360-id_token), not in the URL.
  Too many attempts send the page to "mot de passe oublié"; maintenance is
  www.bouyguestelecom.fr/static/maintenance.html.
- api.bouyguestelecom.fr/graphql (Bearer token, operationName GetInvoices, variables {n,
  personId}) answers data.consulterPersonne.factures.comptesFacturation[{id, factures[{id,
  mntTotFacture, dateFacturation, dateLimitePaieFacture, facturePDF[{href}]}]}], dates as UTC
  instants (22:00/23:00 the day before, in Paris). GET on a facturePDF href answers
  {_actions: {telecharger: {action}}}, and that action is the PDF itself — which sometimes
  answers 502 (here: the first try of one bill).
Assumed, not public: the error banner's markup ([data-roles=alert]) and wording, the channel
choice's markup, the id token's key and its id_personne claim (as the older flow gave them), the
token endpoint the callback page calls.
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
PASSWORD = "Bbox-Miami!24"
PERSON = "1234567890"
ACCOUNTS = {  # billing account -> (invoice id, amount, billed at UTC, pay before UTC)
    "41000001": [("F2403", 39.99, "2024-03-04T23:00:00Z", "2024-03-19T23:00:00Z"),
                 ("F2402", 39.99, "2024-02-04T23:00:00Z", "2024-02-19T23:00:00Z")],
    "41000002": [("M2403", 12.99, "2024-03-10T23:00:00Z", None)],
}

FORM = """<h1>Connexion</h1>
{% if error %}<div data-roles="alert" class="alert" role="alert">{{ error }}</div>{% endif %}
{% if stage == "otp" %}
<form data-roles="otpForm" method="post"><p>Saisissez le code reçu par {{ channel }}.</p>
  <div class="otp">{% for n in range(6) %}<input inputmode="numeric" maxlength="6" aria-label="Chiffre {{ n + 1 }}">{% endfor %}</div>
  <input type="hidden" name="token"><input type="hidden" name="stage" value="otp">
  <button type="submit">Valider</button></form>
<script>
  const boxes = [...document.querySelectorAll('.otp input')];
  boxes.forEach((box, n) => box.addEventListener('input', () => {
    const digits = box.value.replace(/\\D/g, '').split('');
    box.value = digits.shift() || '';
    for (let k = n + 1; digits.length && k < boxes.length; k++) boxes[k].value = digits.shift();
    const next = boxes.find((b) => !b.value);
    if (next) next.focus();
  }));
  document.querySelector('[data-roles=otpForm]').addEventListener('submit', (event) => {
    event.target.elements.token.value = boxes.map((b) => b.value).join('');
  });
</script>
{% elif stage == "channel" %}
<form data-roles="channelChoice" method="post"><p>Où souhaitez-vous recevoir votre code ?</p>
  <label><input type="radio" name="channel" value="SMS"> Par SMS au 06 •• •• •• 12</label>
  <label><input type="radio" name="channel" value="EMAIL"> Par e-mail à j•••@example.fr</label>
  <input type="hidden" name="stage" value="channel"><button type="submit">Recevoir le code</button></form>
{% else %}
<form data-roles="inputForm" method="post">
  <label for="username">Identifiant</label><input id="username" name="username" autocomplete="username">
  <label for="password">Mot de passe</label><input id="password" name="password" type="password">
  <input type="hidden" name="stage" value="login"><button type="submit">Se connecter</button></form>
{% endif %}"""

# The page the login frame answers with once it is done: it sends the whole page on.
TOP = "<script>window.top.location.href = {{ to | tojson }};</script>"

ACCOUNT_PAGE = """<h1>Mon compte</h1><div id="app"></div>
<script>
  if (sessionStorage.getItem('a360-access_token')) {
    document.getElementById('app').innerHTML = '<p id="dashboard">Bienvenue dans votre espace client</p>';
  } else {
    document.getElementById('app').innerHTML = '<iframe id="bytelid_a360_login" style="width:100%;height:30em" '
      + 'src="{{ authorize }}"></iframe>';
  }
</script>"""

CALLBACK_PAGE = """<p>Connexion en cours…</p>
<script>
  fetch({{ token_url | tojson }}, {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({code: new URLSearchParams(location.search).get('code')})})
    .then((r) => r.json()).then((tokens) => {
      sessionStorage.setItem('a360-access_token', tokens.access_token);
      sessionStorage.setItem('a360-id_token', tokens.id_token);
      location.href = {{ account | tojson }};
    });
</script>"""


def jwt(claims: dict) -> str:
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({USER: {"password": PASSWORD}, BLOCKED: {"password": PASSWORD}})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    tokens: dict[str, str] = {}  # access token -> person
    downloads: dict[str, str] = {}  # one-time download action -> invoice id
    otp_tries: dict[str, int] = {}

    codes_given: dict[str, str] = {}  # authorization code -> login
    flaky = {"M2403"}  # these bills' first download answers 502

    def form(stage: str = "login", error: str | None = None, status: int = 200, channel: str = ""):
        return page("Bouygues Telecom - Connexion", FORM, stage=stage, error=error, channel=channel, status=status)

    @app.get(f"{WWW}/mon-compte/")
    def my_account():
        if replica.maintenance:
            return redirect(f"{WWW}/static/maintenance.html")
        authorize = f"{OAUTH}/authorize?" + urlencode({
            "client_id": "a360.bouyguestelecom.fr", "response_type": "code",
            "redirect_uri": f"{replica.base}{WWW}/mon-compte/all/callback.html"})
        return page("Mon compte", ACCOUNT_PAGE, authorize=authorize)

    @app.get(f"{OAUTH}/authorize")
    def authorize():
        if session.get("person"):  # the login is still open: straight back with a code
            return page("Connexion", TOP, to=callback(session["login"]))
        return redirect(f"{ACCOUNT}/login")

    def callback(login: str) -> str:
        code = secrets.token_urlsafe(12)
        codes_given[code] = login
        return f"{WWW}/mon-compte/all/callback.html?" + urlencode({"code": code})

    @app.get(f"{ACCOUNT}/login")
    def login_form():
        return form(stage=session.get("stage", "login"), channel=session.get("channel", ""))

    @app.post(f"{ACCOUNT}/login")
    def login_post():
        stage = request.form.get("stage")
        login = session.get("pending", "")
        if stage == "otp" and session.get("stage") == "otp":
            if replica.codes.check(login, request.form.get("token", "")):
                session.clear()
                session["person"], session["login"] = PERSON, login
                return page("Connexion", TOP, to=callback(login))
            otp_tries[login] = otp_tries.get(login, 3) - 1
            return form("otp", status=401, channel=session["channel"],
                        error=f"Code erroné, il vous reste {otp_tries[login]} tentatives. Merci de réessayer.")
        if stage == "channel" and session.get("stage") == "channel":
            channel = {"SMS": "SMS", "EMAIL": "e-mail"}.get(request.form.get("channel", ""))
            if not channel:
                return form("channel", error="Choisissez où recevoir le code.")
            session["stage"], session["channel"] = "otp", channel
            replica.seen.setdefault("channels", []).append(channel)
            replica.codes.send(login)
            return form("otp", channel=channel)
        login = request.form.get("username", "").strip()
        verdict = accounts.check(login, request.form.get("password", ""))
        if verdict == "locked":
            return page("Connexion", TOP, to=f"{ACCOUNT}/mon-compte/mot-de-passe-oublie")
        if verdict == "wrong":
            return form(status=401, error="Votre identifiant ou votre mot de passe est incorrect.")
        session["pending"], session["stage"] = login, "channel"
        otp_tries[login] = 3
        return form("channel")

    @app.get(f"{WWW}/mon-compte/all/callback.html")
    def callback_page():
        return page("Mon compte", CALLBACK_PAGE, token_url=f"{OAUTH}/token", account=f"{WWW}/mon-compte/")

    @app.post(f"{OAUTH}/token")
    def token():
        login = codes_given.pop((request.get_json(silent=True) or {}).get("code", ""), None)
        if login is None:
            abort(400)
        access = secrets.token_urlsafe(24)
        tokens[access] = PERSON
        return jsonify(access_token=access, token_type="Bearer", expires_in=3600,
                       id_token=jwt({"id_personne": PERSON, "sub": login}))

    @app.get(f"{ACCOUNT}/mon-compte/mot-de-passe-oublie")
    def forgotten():
        return page("Mot de passe oublié", "<h1>Mot de passe oublié ?</h1><p>Saisissez votre identifiant.</p>")

    @app.get(f"{WWW}/static/maintenance.html")
    def maintenance():
        return page("Maintenance", "<h1>Site en maintenance</h1><p>Notre site est en cours de maintenance. "
                    "Merci de revenir plus tard.</p>", status=503)

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
        replica.hits[f"pdf:{number}"] += 1
        if number in flaky:
            flaky.discard(number)
            return "Bad Gateway", 502
        return pdf_response(pdf(f"bouygues {number}"))

    return replica
