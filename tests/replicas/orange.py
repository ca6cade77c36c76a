"""Replica of Orange's customer areas: Orange and Sosh (particuliers) and Orange Pro.

Public shape reproduced (woob modules/orange, Cozy orange/sosh konnectors):
- login.orange.fr: a two-step form (#login then #password, both sent with #btnSubmit) whose
  script posts JSON to /api/login {login, params.return_url} then /api/password {password,
  remember}. 401 = wrong password (JSON `message`), JSON 403 = account blocked for a while
  after several bad passwords, /captcha = the anti-bot captcha page.
- www.orange.fr/portail (or www.sosh.fr/) shows `.o-ribbon-is-connected` once logged in.
- espace-client.orange.fr JSON, all wanting the X-Orange-Caller-Id: ECQ header:
  /ecd_wp/portfoliomanager/contracts/users/current → contracts[{cid, offerName, status}];
  /ecd_wp/facture/v2.0/billsAndPaymentInfos/users/current/contracts/{cid} →
  billsHistory.billList[{id, date, amount (cents), hrefPdf}], 412 when the user is not the
  contract's holder; /ecd_wp/facture/v1.0/pdf{hrefPdf} → the PDF (404 without the header).
- espaceclientpro.orange.fr: /api/contracts?page&nbcontractsbypage → {contracts[{id, name,
  mainLine, status, offerNature}], totalContracts}; /api/contract/{id}/bills?count=72 →
  bills[{id, dueDate, amountIncludingTax, documents[{mainDir, subDir}]}] (an empty body when
  there is none; the provisional current bill may be listed twice);
  /api/contract/{id}/bill/{mainDir}/{subDir}/?billid&billDate → the PDF.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, jsonify, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

LOGIN, PORTAL, SOSH = "/login.orange.fr", "/www.orange.fr", "/www.sosh.fr"
ESPACE, PRO, LOUNGE = "/espace-client.orange.fr", "/espaceclientpro.orange.fr", "/businesslounge.orange.fr"
HOSTS = {"orange": {"login": LOGIN, "portal": PORTAL, "espace": ESPACE},
         "sosh": {"login": LOGIN, "portal": SOSH, "espace": ESPACE},
         "orange-pro": {"login": LOGIN, "lounge": LOUNGE, "pro": PRO}}

PARTICULIER, SOSH_USER, PRO_USER, BLOCKED, CAPTCHA = (
    "claire.martin@orange.fr", "0612345678", "gerant@boulangerie-martin.fr", "bloque@orange.fr",
    "robot@orange.fr")
PASSWORD = "Or4nge!Fibre-2024"

# Particuliers: contract id -> bills (id, date, amount in cents); None = not the holder (412).
PAR_CONTRACTS = {
    PARTICULIER: [("9001234567", "Livebox Fibre", [("FA-240305", "2024-03-05", 4999),
                                                   ("FA-240205", "2024-02-05", 4999)]),
                  ("9007654321", "Forfait mobile 100 Go", [("FM-240312", "2024-03-12", 1599)]),
                  ("9000000042", "Ligne de ma fille", None)],
    SOSH_USER: [("9123456780", "Forfait Sosh 40 Go", [("SO-240320", "2024-03-20", 1099)])],
    BLOCKED: [], CAPTCHA: [],
}
# Orange Pro: 17 contracts over two pages of 15; two of them have bills.
PRO_CONTRACTS = [(f"70000000{n:02d}", f"Ligne {n}") for n in range(1, 18)]
PRO_BILLS = {
    "7000000001": [("B-1001", "2024-03-15", 59.9, "2024", "FACTURE"),
                   ("B-1001-P", "2024-03-15", 59.9, "2024", "FACTURE"),  # provisional duplicate
                   ("B-0901", "2024-02-15", 59.9, "2024", "FACTURE")],
    "7000000016": [("B-1600", "2024-03-01", 120.0, "2024", "FACTURE")],
}

LOGIN_PAGE = """
<div id="o-ribbon">Orange — Identifiez-vous</div>
<form id="login-form">
  <div id="login-step"><label id="login-label" for="login">Adresse e-mail ou numéro de mobile</label>
    <input id="login" name="login" autocomplete="username"></div>
  <div id="password-step" class="hidden"><p data-testid="selected-account-login"></p>
    <label id="password-label" for="password">Mot de passe</label>
    <input id="password" name="password" type="password" autocomplete="current-password"></div>
  <p id="login-error" role="alert" class="hidden"></p>
  <button id="btnSubmit" type="submit">Continuer</button>
</form>
<script>
const returnUrl = new URLSearchParams(location.search).get('return_url') || '{{ portal }}';
let step = 'login';
const error = document.getElementById('login-error');
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                               body: JSON.stringify(body)});
  return [r.status, await r.json()];
}
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  error.classList.add('hidden');
  if (step === 'login') {
    const login = document.getElementById('login').value;
    const [status, data] = await post('api/login', {login, params: {return_url: returnUrl}});
    if (data.redirect) { location.href = data.redirect; return; }
    if (status !== 200) { error.textContent = data.message; error.classList.remove('hidden'); return; }
    step = 'password';
    document.querySelector('[data-testid="selected-account-login"]').textContent = login;
    document.getElementById('login-step').classList.add('hidden');
    document.getElementById('password-step').classList.remove('hidden');
  } else {
    const password = document.getElementById('password').value;
    const [status, data] = await post('api/password', {password, remember: false});
    if (status === 200) { location.href = returnUrl; return; }
    error.textContent = data.message;
    error.classList.remove('hidden');
  }
});
</script>"""

CONNECTED = """<div id="o-ribbon" class="o-ribbon-is-connected">Bonjour {{ user }}</div>
<h1>{{ heading }}</h1><a href="{{ espace }}/accueil">Espace client</a>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (*PAR_CONTRACTS, PRO_USER)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)

    def caller_id() -> None:
        if request.headers.get("X-Orange-Caller-Id") != "ECQ":
            abort(404)

    def logged_in(kind: str = "par") -> str:
        user = session.get("user")
        if not user or (kind == "pro") != (user == PRO_USER):
            abort(401)
        return user

    @app.get(f"{LOGIN}/")
    def login_page():
        return page("Identifiez-vous avec votre compte", LOGIN_PAGE, portal=replica.base + PORTAL + "/portail")

    @app.post(f"{LOGIN}/api/login")
    def api_login():
        login = (request.get_json(silent=True) or {}).get("login", "").strip()
        if login == CAPTCHA:
            return jsonify(redirect=f"{LOGIN}/captcha")
        session.clear()
        session["pending"] = login
        return jsonify(step="password")

    @app.post(f"{LOGIN}/api/password")
    def api_password():
        login = session.get("pending", "")
        verdict = accounts.check(login, (request.get_json(silent=True) or {}).get("password", ""))
        if verdict == "locked":
            return jsonify(message="Suite à plusieurs tentatives infructueuses, votre compte est "
                                   "temporairement bloqué. Réessayez dans 15 minutes."), 403
        if verdict == "wrong":
            return jsonify(message="Mot de passe incorrect. Vérifiez votre saisie."), 401
        replica.hits["login"] += 1
        session["user"] = login
        return jsonify(status="OK")

    @app.get(f"{LOGIN}/captcha")
    def captcha():
        return page("Vérification", '<div class="captcha_responseContainer"><h1>Vérifions que vous '
                    'n\'êtes pas un robot</h1><p>Sélectionnez les images correspondantes.</p></div>')

    @app.get(f"{PORTAL}/portail")
    @app.get(f"{SOSH}/")
    def portal():
        user = session.get("user")
        if not user:
            return redirect(f"{LOGIN}/")
        return page("Accueil", CONNECTED, user=user, espace=ESPACE,
                    heading="Sosh" if request.path.startswith(SOSH) else "Orange")

    @app.get(f"{LOUNGE}/")
    def lounge():
        if session.get("user") != PRO_USER:
            return redirect(f"{LOGIN}/")
        return page("Business Lounge", CONNECTED, user=PRO_USER, espace=PRO, heading="Orange Business")

    @app.get(f"{ESPACE}/ecd_wp/portfoliomanager/contracts/users/current")
    def contracts():
        caller_id()
        user = logged_in()
        return jsonify(contracts=[{"cid": cid, "offerName": name, "status": "Actif",
                                   "telco": {"marketType": "PAR"}}
                                  for cid, name, _ in PAR_CONTRACTS.get(user, [])])

    def par_contract(cid: str):
        user = logged_in()
        found = next((c for c in PAR_CONTRACTS.get(user, []) if c[0] == cid), None)
        if found is None:
            abort(404)
        return found

    @app.get(f"{ESPACE}/ecd_wp/facture/v2.0/billsAndPaymentInfos/users/current/contracts/<cid>")
    def bills(cid: str):
        caller_id()
        _, _, bills_list = par_contract(cid)
        if bills_list is None:
            return jsonify(error={"code": "412", "customerMessage": {
                "subMessage": "Vous n'êtes pas le titulaire de ce contrat."}}), 412
        return jsonify(billsHistory={"billList": [
            {"id": bid, "date": date, "amount": cents,
             "hrefPdf": "?" + urlencode({"billDate": date, "idFacture": bid, "cid": cid})}
            for bid, date, cents in bills_list]})

    @app.get(f"{ESPACE}/ecd_wp/facture/v1.0/pdf")
    def bill_pdf():
        caller_id()
        _, _, bills_list = par_contract(request.args.get("cid", ""))
        if not any(b[0] == request.args.get("idFacture") for b in bills_list or []):
            abort(404)
        replica.hits[f"pdf:{request.args['idFacture']}"] += 1
        return pdf_response(pdf(f"orange {request.args['idFacture']}"))

    @app.get(f"{PRO}/api/contracts")
    def pro_contracts():
        logged_in("pro")
        size = int(request.args.get("nbcontractsbypage", 15))
        number = int(request.args.get("page", 1))
        chunk = PRO_CONTRACTS[(number - 1) * size:number * size]
        replica.hits["pro_contract_pages"] += 1
        return jsonify(totalContracts=len(PRO_CONTRACTS), contracts=[
            {"id": cid, "name": name, "mainLine": "01 23 45 67 89", "status": "OK",
             "offerNature": "PROFESSIONAL"} for cid, name in chunk])

    @app.get(f"{PRO}/api/contract/<cid>/bills")
    def pro_bills(cid: str):
        logged_in("pro")
        if not PRO_BILLS.get(cid):
            return "", 200  # the pro API answers an empty body when there is no bill
        return jsonify(bills=[{"id": bid, "dueDate": date, "amountIncludingTax": amount,
                               "documents": [{"mainDir": main, "subDir": sub}]}
                              for bid, date, amount, main, sub in PRO_BILLS[cid]])

    @app.get(f"{PRO}/api/contract/<cid>/bill/<main>/<sub>/")
    def pro_pdf(cid: str, main: str, sub: str):
        logged_in("pro")
        bill = next((b for b in PRO_BILLS.get(cid, []) if b[0] == request.args.get("billid")
                     and b[1] == request.args.get("billDate") and (b[3], b[4]) == (main, sub)), None)
        if bill is None:
            abort(404)
        replica.hits[f"pdf:{bill[0]}"] += 1
        return pdf_response(pdf(f"orange pro {bill[0]}"))

    return replica
