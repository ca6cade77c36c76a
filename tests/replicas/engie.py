"""Replica of ENGIE's customer area for individuals.

Public shape reproduced (Cozy engie konnector):
- particuliers.engie.fr/login-page/authentification.html; its script first POSTs
  /digital-common-ws/api-management/creation-cookie (header demandeur: PARTICULIERS_WEB), then
  identite-prd.engie.fr/api/v1/authn {username, password, options} (an Okta identity server):
  401 "Authentication failed", status LOCKED_OUT, MFA_REQUIRED with an e-mail factor whose
  _links.verify.href sends the code ({stateToken}) then checks it ({passCode, stateToken}), or
  SUCCESS with a sessionToken. The sessionToken goes to api.dgp.engie.fr/oauth/v1/authorize,
  which returns to particuliers.engie.fr/auth-ws/auth-callback ({"statut":"OK"}).
- The customer area's own script then reads cel-ws/api/private/espaceclient/composantes/v4
  (listeIdentifiantsApplicatif[0].identifiantApplicatif = refBP), compteenligne/bp?refBP
  (ccEnSession) and POSTs cookie/cookiesBPCC, which sets the cookie the bill API needs.
- cel-facturation-ws/api/private/situation-comptable/facture → {historiqueFacture.factures
  {year: [{date, montant, url}]}, derniereFacture {dateDerniereFacture, montantFacture, url}};
  each PDF is cel-ws/api/private/document/mobile/{url}/SAE/facture.pdf.
The page markup (ids, messages) is an assumption; the JSON calls come from the public code.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import abort, jsonify, make_response, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

SITE, IDENTITE, DGP = "/particuliers.engie.fr", "/identite-prd.engie.fr", "/api.dgp.engie.fr"
HOSTS = {"engie": {"particuliers": SITE, "identite": IDENTITE, "dgp": DGP}}
USER, MFA_USER, BLOCKED = "lea.martin@example.fr", "paul.martin@example.fr", "bloque@example.fr"
PASSWORD = "Engie*Gaz-2024"
REF_BP, CONTRACT = "1501234567", "300012345678"

ARCHIVE = {"2024": [("SAE 2024 000312", "2024-03-12", 78.5), ("SAE 2024 000112", "2024-01-12", 91.25)],
           "2023": [("SAE 2023 001112", "2023-11-12", 66.0)]}
LAST = ("SAE 2024 000412", "2024-04-12", 80.12)

LOGIN = """<h1>Connexion à mon espace client</h1>
<div class="message-erreur hidden" role="alert"></div>
<form id="form-login"><label for="email">Adresse e-mail</label><input id="email" type="email">
  <label for="password">Mot de passe</label><input id="password" type="password">
  <button id="btn-connexion" type="submit">Me connecter</button></form>
<form id="form-code" class="hidden"><p class="info-code"></p><label for="code">Code de vérification</label>
  <input id="code" inputmode="numeric" autocomplete="one-time-code"><button id="btn-code" type="submit">Valider</button></form>
<script>
const site = '{{ site }}', identite = '{{ identite }}', dgp = '{{ dgp }}';
const error = document.querySelector('.message-erreur');
let verify = null, stateToken = null;
function fail(text) { error.textContent = text; error.classList.remove('hidden'); }
async function post(url, body, headers) {
  const r = await fetch(url, {method: 'POST', headers: Object.assign({'Content-Type': 'application/json'}, headers || {}),
                               body: JSON.stringify(body || {})});
  return [r.status, await r.json()];
}
async function success(sessionToken) {
  const state = Math.random().toString(36).slice(2, 12) + '|parcours=MFA_CHALLENGE|kml=true';
  const r = await fetch(dgp + '/oauth/v1/authorize?client_id=gAeNcRIOkLBQxK0HeZu8JDIPgVn9Pb8n&response_type=code' +
      '&redirect_uri=' + site + '/auth-ws/auth-callback&sessionToken=' + sessionToken + '&state=' + encodeURIComponent(state));
  if ((await r.text()).includes('"statut":"OK"')) location.href = site + '/espace-client/accueil.html';
  else fail('Connexion impossible pour le moment.');
}
document.getElementById('form-login').addEventListener('submit', async (event) => {
  event.preventDefault(); error.classList.add('hidden');
  await post(site + '/digital-common-ws/api-management/creation-cookie', {}, {demandeur: 'PARTICULIERS_WEB'});
  const [status, data] = await post(identite + '/api/v1/authn', {username: document.getElementById('email').value,
      password: document.getElementById('password').value, options: {multiOptionalFactorEnroll: true}});
  if (status === 401) return fail('Adresse e-mail ou mot de passe incorrect.');
  if (data.status === 'LOCKED_OUT')
    return fail('Votre compte est temporairement verrouillé après plusieurs tentatives. Réessayez plus tard.');
  if (data.status === 'SUCCESS') return success(data.sessionToken);
  const factor = data._embedded.factors.find(f => f.factorType === 'email');
  verify = factor._links.verify.href; stateToken = data.stateToken;
  await post(verify, {stateToken});
  document.querySelector('.info-code').textContent = 'Un code de vérification a été envoyé à ' + factor.profile.email;
  document.getElementById('form-login').classList.add('hidden');
  document.getElementById('form-code').classList.remove('hidden');
});
document.getElementById('form-code').addEventListener('submit', async (event) => {
  event.preventDefault(); error.classList.add('hidden');
  const [status, data] = await post(verify, {passCode: document.getElementById('code').value, stateToken});
  if (data.status === 'SUCCESS') return success(data.sessionToken);
  fail('Code de vérification incorrect.');
});
</script>"""

HOME = """<h1>Bonjour</h1><div id="ec-accueil">Chargement de votre espace…</div>
<script>
(async () => {
  const api = '{{ site }}/cel-ws/api/private';
  const composantes = await (await fetch(api + '/espaceclient/composantes/v4')).json();
  const refBP = composantes.listeIdentifiantsApplicatif[0].identifiantApplicatif;
  const bp = await (await fetch(api + '/compteenligne/bp?refBP=' + refBP)).json();
  await fetch(api + '/cookie/cookiesBPCC', {method: 'POST', headers: {'Content-Type': 'application/json', demandeur: 'AUTH_FRONT'},
                                          body: JSON.stringify({refBP, idApplicatif: refBP, compteContrat: bp.ccEnSession})});
  const home = document.getElementById('ec-accueil');
  home.textContent = 'Contrat ' + bp.ccEnSession; home.dataset.ready = 'true';
})();
</script>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (USER, MFA_USER, BLOCKED)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    states: dict[str, str] = {}  # stateToken -> login waiting for its code
    sessions: dict[str, str] = {}  # sessionToken -> login

    def success(login: str):
        token = secrets.token_hex(12)
        sessions[token] = login
        return jsonify(status="SUCCESS", sessionToken=token)

    @app.get(f"{SITE}/login-page/authentification.html")
    def login_page():
        return page("ENGIE - Connexion", LOGIN, site=replica.base + SITE, identite=replica.base + IDENTITE,
                    dgp=replica.base + DGP)

    @app.post(f"{SITE}/digital-common-ws/api-management/creation-cookie")
    def creation_cookie():
        if request.headers.get("demandeur") not in ("PARTICULIERS_WEB", "AUTH_FRONT"):
            abort(400)
        response = make_response(jsonify(statut="OK"))
        response.set_cookie("ENGIE_TECH", secrets.token_hex(6))
        return response

    @app.post(f"{IDENTITE}/api/v1/authn")
    def authn():
        body = request.get_json(silent=True) or {}
        login = body.get("username", "").strip().lower()
        if not request.cookies.get("ENGIE_TECH"):
            abort(403)
        verdict = accounts.check(login, body.get("password", ""))
        if verdict == "locked":
            return jsonify(status="LOCKED_OUT")
        if verdict == "wrong":
            return jsonify(errorCode="E0000004", errorSummary="Authentication failed"), 401
        if login != MFA_USER:
            return success(login)
        state = secrets.token_hex(10)
        states[state] = login
        return jsonify(status="MFA_REQUIRED", stateToken=state, _embedded={"factors": [
            {"id": "sms1", "factorType": "sms", "profile": {"phoneNumber": "+33 6 •• •• •• 12"},
             "_links": {"verify": {"href": f"{replica.base}{IDENTITE}/api/v1/authn/factors/sms1/verify"}}},
            {"id": "em1", "factorType": "email", "profile": {"email": "p•••@example.fr"},
             "_links": {"verify": {"href": f"{replica.base}{IDENTITE}/api/v1/authn/factors/em1/verify"}}}]})

    @app.post(f"{IDENTITE}/api/v1/authn/factors/em1/verify")
    def verify():
        body = request.get_json(silent=True) or {}
        login = states.get(body.get("stateToken", ""))
        if login is None:
            return jsonify(errorCode="E0000011", errorSummary="Invalid token provided"), 401
        if "passCode" not in body:
            replica.codes.send(login)
            return jsonify(status="MFA_CHALLENGE", stateToken=body["stateToken"])
        if not replica.codes.check(login, body["passCode"]):
            return jsonify(errorCode="E0000068", errorSummary="Invalid Passcode/Answer"), 403
        states.pop(body["stateToken"])
        return success(login)

    @app.get(f"{DGP}/oauth/v1/authorize")
    def authorize():
        login = sessions.pop(request.args.get("sessionToken", ""), None)
        if login is None:
            return jsonify(statut="KO"), 401
        code = secrets.token_hex(8)
        sessions[f"code:{code}"] = login
        return redirect(f"{request.args['redirect_uri']}?" + urlencode({"code": code, "state": request.args["state"]}))

    @app.get(f"{SITE}/auth-ws/auth-callback")
    def callback():
        login = sessions.pop(f"code:{request.args.get('code', '')}", None)
        if login is None:
            return jsonify(statut="KO"), 401
        session.clear()
        session["engie"] = login
        return jsonify(statut="OK")

    def logged() -> str:
        if not session.get("engie"):
            abort(401)
        return session["engie"]

    @app.get(f"{SITE}/espace-client/accueil.html")
    def home():
        if not session.get("engie"):
            return redirect(f"{SITE}/login-page/authentification.html")
        return page("Mon espace client", HOME, site=SITE)

    @app.get(f"{SITE}/cel-ws/api/private/espaceclient/composantes/v4")
    def composantes():
        logged()
        return jsonify(listeIdentifiantsApplicatif=[{"identifiantApplicatif": REF_BP, "type": "BP"}])

    @app.get(f"{SITE}/cel-ws/api/private/compteenligne/bp")
    def bp():
        logged()
        if request.args.get("refBP") != REF_BP:
            abort(404)
        return jsonify(refBP=REF_BP, ccEnSession=CONTRACT)

    @app.post(f"{SITE}/cel-ws/api/private/cookie/cookiesBPCC")
    def cookies_bpcc():
        logged()
        body = request.get_json(silent=True) or {}
        if body.get("compteContrat") != CONTRACT or request.headers.get("demandeur") != "AUTH_FRONT":
            abort(400)
        response = make_response(jsonify(statut="OK"))
        response.set_cookie("BPCC", f"{REF_BP}-{CONTRACT}")
        return response

    def bpcc() -> None:
        logged()
        if request.cookies.get("BPCC") != f"{REF_BP}-{CONTRACT}":
            abort(400)  # no contract chosen in this session

    @app.get(f"{SITE}/cel-facturation-ws/api/private/situation-comptable/facture")
    def facture():
        bpcc()
        return jsonify(historiqueFacture={"factures": {
            year: [{"date": date, "montant": amount, "url": doc} for doc, date, amount in bills]
            for year, bills in ARCHIVE.items()}},
            derniereFacture={"dateDerniereFacture": LAST[1], "montantFacture": LAST[2], "url": LAST[0]})

    @app.get(f"{SITE}/cel-ws/api/private/document/mobile/<doc>/SAE/facture.pdf")
    def document(doc: str):
        bpcc()
        known = {d for bills in ARCHIVE.values() for d, _, _ in bills} | {LAST[0]}
        if doc not in known:
            abort(404)
        return pdf_response(pdf(f"engie {doc}"))

    return replica
