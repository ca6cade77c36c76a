"""Replica of ENGIE's customer area for individuals.

Public shape reproduced (facts from the Cozy engie konnector, 2024-2025; checked 2026-12-07):
- particuliers.engie.fr/login-page/authentification.html (input[type=email], input[type=password];
  already logged in, it shows an « Accéder à l'Espace Client » interstitial); its script first POSTs
  /digital-common-ws/api-management/creation-cookie (header demandeur: PARTICULIERS_WEB), then
  identite-prd.engie.fr/api/v1/authn {username, password, options} (an Okta identity server):
  401 "Authentication failed", status LOCKED_OUT, MFA_REQUIRED with an e-mail factor whose
  _links.verify.href sends the code ({stateToken}) then checks it ({passCode, stateToken}), or
  SUCCESS with a sessionToken. The sessionToken goes to api.dgp.engie.fr/oauth/v1/authorize,
  which returns to particuliers.engie.fr/auth-ws/auth-callback ({"statut":"OK"}).
- The customer area's own script then reads cel-ws/api/private/espaceclient/composantes/v4
  (listeIdentifiantsApplicatif[0].identifiantApplicatif = refBP), compteenligne/bp?refBP
  (ccEnSession; an account has several contracts since 2024-11) and POSTs cookie/cookiesBPCC,
  which sets the cookie (the selected contract) the bill API needs. Logged-in pages carry
  #header-deconnexion.
- cel-facturation-ws/api/private/situation-comptable/facture → {historiqueFacture.factures
  {year: [{date, montant, url}]}, derniereFacture {dateDerniereFacture, montantFacture (text,
  « 80,12 € »), url}}; the last bill's PDF is cel-ws/api/private/document/mobile/{url}/SAE/facture.pdf,
  an archived one's …/{url}/SAE/Facture%20de%20consommation.
Assumed, not public: the page markup (ids, messages), the contract list's field names
(listeComptesContrats[].compteContrat).
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
REF_BP, CONTRACT, GAS = "1501234567", "300012345678", "300087654321"

BILLS = {  # contract -> (archive by year, last bill with its amount as ENGIE shows it)
    CONTRACT: ({"2024": [("SAE 2024 000312", "2024-03-12", 78.5), ("SAE 2024 000112", "2024-01-12", 91.25)],
                "2023": [("SAE 2023 001112", "2023-11-12", 66.0)]},
               ("SAE 2024 000412", "2024-04-12", "80,12 €")),
    GAS: ({"2024": [("SAE 2024 000320", "2024-03-20", 140.0)]}, ("SAE 2024 000420", "2024-04-20", "1 012,40 €")),
}

LOGIN = """<h1>Connexion à mon espace client</h1>
<div class="message-erreur hidden" role="alert"></div>
<form id="form-login"><label for="email">Adresse e-mail</label><input id="email" name="identifiant" type="email">
  <label for="password">Mot de passe</label><input id="password" name="mdp" type="password">
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

HOME = """<header><a id="header-deconnexion" href="#">Me déconnecter</a></header>
<h1>Bonjour</h1><div id="ec-accueil">Chargement de votre espace…</div>
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
        if session.get("engie"):
            return page("ENGIE - Connexion", '<header><a id="header-connecte">Mon compte</a></header><p>Vous êtes '
                        f'déjà connecté.</p><a class="btn" href="{SITE}/espace-client/accueil.html">Accéder à '
                        "l'Espace Client</a>")
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
        session.permanent = True  # ENGIE keeps the login between browser sessions
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
        return jsonify(refBP=REF_BP, ccEnSession=CONTRACT,
                       listeComptesContrats=[{"compteContrat": c} for c in BILLS])

    @app.post(f"{SITE}/cel-ws/api/private/cookie/cookiesBPCC")
    def cookies_bpcc():
        logged()
        body = request.get_json(silent=True) or {}
        if body.get("compteContrat") not in BILLS or request.headers.get("demandeur") != "AUTH_FRONT":
            abort(400)
        response = make_response(jsonify(statut="OK"))
        response.set_cookie("BPCC", f"{REF_BP}-{body['compteContrat']}")
        return response

    def bpcc() -> str:
        logged()
        contract = request.cookies.get("BPCC", "").removeprefix(f"{REF_BP}-")
        if contract not in BILLS:
            abort(400)  # no contract chosen in this session
        return contract

    @app.get(f"{SITE}/cel-facturation-ws/api/private/situation-comptable/facture")
    def facture():
        archive, (doc, date, amount) = BILLS[bpcc()]
        return jsonify(historiqueFacture={"factures": {
            year: [{"date": day, "montant": value, "url": number} for number, day, value in bills]
            for year, bills in archive.items()}},
            derniereFacture={"dateDerniereFacture": date, "montantFacture": amount, "url": doc})

    @app.get(f"{SITE}/cel-ws/api/private/document/mobile/<doc>/SAE/<name>")
    def document(doc: str, name: str):
        archive, last = BILLS[bpcc()]
        archived = {number for bills in archive.values() for number, _, _ in bills}
        if (name, doc in archived, doc == last[0]) not in {("Facture de consommation", True, False),
                                                           ("facture.pdf", False, True)}:
            abort(404)
        return pdf_response(pdf(f"engie {doc}"))

    return replica
