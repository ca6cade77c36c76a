"""Replica of Orange's customer areas: Orange and Sosh (particuliers) and Orange Pro.

Public shape reproduced (facts from the Cozy orange/sosh konnectors, 2023-2025, and the woob
orange module, 2024; checked 2026-12-07):
- login.orange.fr is one page whose script posts JSON to /api/login {login} then
  /api/password {password}; 401 = wrong password (JSON `message`), JSON 403 = account blocked
  for a while. It shows other states in between: a consent banner (Didomi), an account chooser
  (several remembered logins), the password alone for one remembered login, Mobile Connect (a
  notification to approve on the phone, with a way back to the password), « rester connecté »,
  and a captcha detected by a `captcha_responseContainer` element (not a /captcha URL). An
  address Orange does not trust gets a 403 block page instead of the form.
- Logged-in pages carry the `elcos-header` web component; its log-out link sits in its open
  shadow root (the `.o-ribbon-is-connected` marker is gone since 2024-02).
- espace-client.orange.fr, all wanting the X-Orange-Caller-Id: ECQ header: the customer area's
  own script fetches /ecd_wp/portfoliomanager/portfolio (contracts, since 2023-10);
  /ecd_wp/facture/v2.0/billsAndPaymentInfos/users/current/contracts/{cid} →
  billsHistory.billList[{id, date, amount (cents), hrefPdf}] and billsHistory.oldBillsHref
  (bills older than about 12 months: /ecd_wp/facture/historicBills…, each PDF at
  /ecd_wp/facture/historicPDF?…); 412 when the user is not the contract's holder;
  /ecd_wp/facture/v1.0/pdf{hrefPdf} → the PDF (404 without the header; some accounts get a 403
  on a recent bill's PDF).
- espaceclientpro.orange.fr: /api/contracts?page&nbcontractsbypage → {contracts[{id, name,
  mainLine, status, offerNature}], totalContracts}; /api/contract/{id}/bills?count=72 →
  bills[{id, dueDate, amountIncludingTax, amountExcludingTax, documents[{mainDir, subDir}]}]
  (an empty body when there is none; the provisional current bill may be listed twice); the
  PDF (since 2023-06) at /api/contract/{id}/bill/{mainDir}/{subDir}/Facture Orange <mois
  abrégé> <année>?billId&billDate&billFreeDuty&billDuty.
Assumed, not public: the markup and wording of each login state (ids below), the portfolio's
and historicBills' field names (kept as the older endpoints spelt them), the 403 page's text.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, jsonify, redirect, request, session

from tests.portals import challenge
from tests.replicas.common import (
    ELCOS_HEADER,
    HUMAN_CHECK,
    Accounts,
    Replica,
    new_app,
    page,
    passed_human_check,
    pdf,
    pdf_response,
)

LOGIN, PORTAL, SOSH = "/login.orange.fr", "/www.orange.fr", "/www.sosh.fr"
ESPACE, PRO, LOUNGE = "/espace-client.orange.fr", "/espaceclientpro.orange.fr", "/businesslounge.orange.fr"
HOSTS = {"orange": {"login": LOGIN, "portal": PORTAL, "espace": ESPACE},
         "sosh": {"login": LOGIN, "portal": SOSH, "espace": ESPACE},
         "orange-pro": {"login": LOGIN, "lounge": LOUNGE, "pro": PRO}}

PARTICULIER, SOSH_USER, PRO_USER, BLOCKED, CAPTCHA, MOBILE_CONNECT = (
    "claire.martin@orange.fr", "0612345678", "gerant@boulangerie-martin.fr", "bloque@orange.fr",
    "robot@orange.fr", "0687654321")
OTHER = "voisin@orange.fr"  # someone else's login remembered by the same browser
PASSWORD = "Or4nge!Fibre-2024"

# Particuliers: contract id -> recent bills (id, date, cents); None = not the holder (412);
# OLD_BILLS: the bills older than ~12 months, behind billsHistory.oldBillsHref.
PAR_CONTRACTS = {
    PARTICULIER: [("9001234567", "Livebox Fibre", [("FA-240305", "2024-03-05", 4999),
                                                   ("FA-240205", "2024-02-05", 4999)]),
                  ("9007654321", "Forfait mobile 100 Go", [("FM-240312", "2024-03-12", 1599),
                                                           ("FM-240212", "2024-02-12", 1599)]),
                  ("9000000042", "Ligne de ma fille", None)],
    SOSH_USER: [("9123456780", "Forfait Sosh 40 Go", [("SO-240320", "2024-03-20", 1099)])],
    CAPTCHA: [("9555555555", "Livebox", [("RB-240301", "2024-03-01", 3999)])],
    MOBILE_CONNECT: [("9666666666", "Forfait mobile 5 Go", [("MC-240310", "2024-03-10", 999)])],
    BLOCKED: [],
}
OLD_BILLS = {"9001234567": [("FA-230105", "2023-01-05", 4599)]}
PDF_FORBIDDEN = {"FM-240312"}  # Orange answers 403 on this recent bill's PDF
# Orange Pro: 17 contracts over two pages of 15; two of them have bills.
PRO_CONTRACTS = [(f"70000000{n:02d}", f"Ligne {n}") for n in range(1, 18)]
PRO_BILLS = {
    "7000000001": [("B-1001", "2024-03-15", 59.9, "2024", "FACTURE"),
                   ("B-1001-P", "2024-03-15", 59.9, "2024", "FACTURE"),  # provisional duplicate
                   ("B-0901", "2024-02-15", 59.9, "2024", "FACTURE")],
    "7000000016": [("B-1600", "2024-03-01", 120.0, "2024", "FACTURE")],
}
MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
CAPTCHA_TITLE = challenge.TITLE  # the person finds the window by this title

LOGIN_PAGE = """
<div id="o-ribbon">Orange — Identifiez-vous</div>
{% if consent %}<div id="didomi-notice" style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:9">
  <p style="background:#fff;padding:1em">Orange et ses partenaires utilisent des cookies.</p>
  <button id="didomi-notice-agree-button">Accepter</button>
  <button id="didomi-notice-disagree-button">Continuer sans accepter</button></div>{% endif %}
<section id="account-chooser" data-testid="account-chooser" class="view hidden"><h1>Choisissez un compte</h1>
  {% for known in remembered %}<button type="button" data-testid="choose-account" data-login="{{ known }}">{{ known }}</button>
  {% endfor %}<button type="button" id="other-account">Utiliser un autre compte</button></section>
<form id="login-form" class="view hidden">
  <div id="login-step"><label for="login">Adresse e-mail ou numéro de mobile</label>
    <input id="login" name="login" autocomplete="username"></div>
  <div id="password-step" class="hidden"><p data-testid="selected-account-login"></p>
    <a href="#" id="changeAccountLink">Changer de compte</a>
    <label for="password">Mot de passe</label>
    <input id="password" name="password" type="password" autocomplete="current-password"></div>
  <p id="login-error" role="alert" class="hidden"></p>
  <button id="btnSubmit" type="submit">Continuer</button>
</form>
<section id="mobile-connect" class="view hidden"><h1>Validez sur votre mobile</h1>
  <p>Nous avons envoyé une notification Mobile Connect sur votre téléphone.</p>
  <button type="button" id="btnPasswordInstead">Utiliser mon mot de passe</button></section>
<section id="captcha_responseContainer" class="view hidden">
  <form id="captcha-form">{{ human_check | safe }}</form></section>
<section id="keep-connected" class="view hidden"><h1>Rester connecté ?</h1>
  <p>Restez connecté sur cet appareil pour ne plus saisir votre mot de passe.</p>
  <button type="button" id="btnStayConnected">Oui, rester connecté</button>
  <button type="button" id="btnLater">Plus tard</button></section>
<script>
const returnUrl = new URLSearchParams(location.search).get('return_url') || '{{ portal }}';
const error = document.getElementById('login-error');
function show(view, login) {
  document.querySelectorAll('.view').forEach((v) => v.classList.add('hidden'));
  error.classList.add('hidden');
  if (view === 'identifier' || view === 'password') {
    document.getElementById('login-form').classList.remove('hidden');
    document.getElementById('login-step').classList.toggle('hidden', view !== 'identifier');
    document.getElementById('password-step').classList.toggle('hidden', view !== 'password');
    document.querySelector('[data-testid="selected-account-login"]').textContent = login || '';
  } else {
    document.getElementById(view).classList.remove('hidden');
  }
  document.title = view === 'captcha_responseContainer' ? '{{ captcha_title }}' : 'Identifiez-vous avec votre compte';
}
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                               body: JSON.stringify(body || {})});
  return [r.status, await r.json()];
}
function follow([status, data]) {
  if (data.view) { show(data.view, data.login); return; }
  error.textContent = data.message;
  error.classList.remove('hidden');
}
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!document.getElementById('login-step').classList.contains('hidden')) {
    follow(await post('api/login', {login: document.getElementById('login').value}));
  } else {
    follow(await post('api/password', {password: document.getElementById('password').value}));
  }
});
document.querySelectorAll('[data-testid="choose-account"]').forEach((b) => b.addEventListener('click',
  async () => follow(await post('api/login', {login: b.dataset.login}))));
document.getElementById('other-account').addEventListener('click', () => show('identifier'));
document.getElementById('changeAccountLink').addEventListener('click', (e) => { e.preventDefault(); show('identifier'); });
document.getElementById('btnPasswordInstead').addEventListener('click', async () => follow(await post('api/mobile-connect/password')));
document.getElementById('captcha-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  follow(await post('api/captcha', Object.fromEntries(new FormData(event.target))));
});
for (const id of ['btnStayConnected', 'btnLater']) {
  document.getElementById(id).addEventListener('click', () => { location.href = returnUrl; });
}
const agree = document.getElementById('didomi-notice-agree-button');
if (agree) agree.addEventListener('click', () => {
  document.cookie = 'didomi_token=1; path=/'; document.getElementById('didomi-notice').remove(); });
show('{{ view }}', '{{ pending }}');
</script>"""

CONNECTED = ELCOS_HEADER + """<h1>{{ heading }}</h1><a href="{{ espace }}/accueil">Espace client</a>"""

ESPACE_HOME = ELCOS_HEADER + """<h1>Mon espace client</h1><ul id="contracts"></ul>
<script>
fetch('ecd_wp/portfoliomanager/portfolio', {headers: {'X-Orange-Caller-Id': 'ECQ'}})
  .then((r) => r.json()).then((data) => {
    for (const c of data.contracts) {
      document.getElementById('contracts').insertAdjacentHTML('beforeend', `<li>${c.offerName}</li>`);
    }
  });
</script>"""


def bill_name(date: str) -> str:
    """Orange Pro's PDF name for a bill of that date: « Facture Orange févr. 2024 »."""
    return f"Facture Orange {MONTHS[int(date[5:7]) - 1]} {date[:4]}"


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (*PAR_CONTRACTS, PRO_USER, OTHER)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    # What this browser is known for, set by a test: logins it remembers, an address Orange blocks.
    replica.seen.update(remembered=[], blocked_address=[])

    def caller_id() -> None:
        if request.headers.get("X-Orange-Caller-Id") != "ECQ":
            abort(404)

    def logged_in(kind: str = "par") -> str:
        user = session.get("user")
        if not user or (kind == "pro") != (user == PRO_USER):
            abort(401)
        return user

    def view(name: str, login: str = "") -> dict:
        return jsonify(view=name, login=login)

    @app.get(f"{LOGIN}/")
    def login_page():
        if replica.seen["blocked_address"]:
            return page("Accès refusé", "<h1>Accès refusé</h1><p>Votre accès au service a été bloqué "
                        "(erreur 403). Réessayez plus tard.</p>", status=403)
        if session.get("user"):
            return redirect(request.args.get("return_url") or PORTAL + "/portail")
        remembered = replica.seen["remembered"]
        start = "account-chooser" if len(remembered) > 1 else "password" if remembered else "identifier"
        session["pending"] = remembered[0] if len(remembered) == 1 else ""
        return page("Identifiez-vous avec votre compte", LOGIN_PAGE, portal=replica.base + PORTAL + "/portail",
                    consent="didomi_token" not in request.cookies, remembered=remembered, view=start,
                    pending=session["pending"], human_check=HUMAN_CHECK, captcha_title=CAPTCHA_TITLE)

    @app.post(f"{LOGIN}/api/login")
    def api_login():
        login = (request.get_json(silent=True) or {}).get("login", "").strip()
        session["pending"] = login
        if login == CAPTCHA and not session.get("human"):
            return view("captcha_responseContainer")
        if login == MOBILE_CONNECT:
            return view("mobile-connect")
        return view("password", login)

    @app.post(f"{LOGIN}/api/captcha")
    def api_captcha():
        seen = request.get_json(silent=True) or {}
        if not passed_human_check(seen):
            return jsonify(message="Vérification échouée, recommencez."), 400
        replica.seen.setdefault("human_checks", []).append(seen)
        session["human"] = True
        return view("password", session.get("pending", ""))

    @app.post(f"{LOGIN}/api/mobile-connect/password")
    def api_mobile_connect_password():
        return view("password", session.get("pending", ""))

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
        return view("keep-connected")

    @app.get(f"{PORTAL}/portail")
    @app.get(f"{SOSH}/")
    def portal():
        user = session.get("user")
        if not user:
            return redirect(f"{LOGIN}/")
        return page("Accueil", CONNECTED, espace=ESPACE, heading="Sosh" if request.path.startswith(SOSH) else "Orange")

    @app.get(f"{LOUNGE}/")
    def lounge():
        if session.get("user") != PRO_USER:
            return redirect(f"{LOGIN}/")
        return page("Business Lounge", CONNECTED, espace=PRO, heading="Orange Business")

    @app.get(f"{ESPACE}/accueil")
    def espace_home():
        if not session.get("user"):
            return redirect(f"{LOGIN}/")
        return page("Espace client", ESPACE_HOME)

    @app.get(f"{ESPACE}/ecd_wp/portfoliomanager/portfolio")
    def portfolio():
        caller_id()
        user = logged_in()
        replica.hits["portfolio"] += 1
        return jsonify(contracts=[{"cid": cid, "offerName": name, "status": "Actif",
                                   "telco": {"marketType": "PAR"}}
                                  for cid, name, _ in PAR_CONTRACTS.get(user, [])])

    def par_contract(cid: str):
        user = logged_in()
        found = next((c for c in PAR_CONTRACTS.get(user, []) if c[0] == cid), None)
        if found is None:
            abort(404)
        return found

    def bill_json(cid: str, bid: str, date: str, cents: int, href: str) -> dict:
        return {"id": bid, "date": date, "amount": cents,
                "hrefPdf": href + "?" + urlencode({"billDate": date, "idFacture": bid, "cid": cid})}

    @app.get(f"{ESPACE}/ecd_wp/facture/v2.0/billsAndPaymentInfos/users/current/contracts/<cid>")
    def bills(cid: str):
        caller_id()
        _, _, bills_list = par_contract(cid)
        if bills_list is None:
            return jsonify(error={"code": "412", "customerMessage": {
                "subMessage": "Vous n'êtes pas le titulaire de ce contrat."}}), 412
        return jsonify(billsHistory={"billList": [bill_json(cid, *b, href="") for b in bills_list],
                                     "oldBillsHref": "/ecd_wp/facture/historicBills?" + urlencode({"cid": cid})})

    @app.get(f"{ESPACE}/ecd_wp/facture/historicBills")
    def historic_bills():
        caller_id()
        cid = request.args.get("cid", "")
        par_contract(cid)
        return jsonify(bills=[bill_json(cid, *b, href="/ecd_wp/facture/historicPDF")
                              for b in OLD_BILLS.get(cid, [])])

    @app.get(f"{ESPACE}/ecd_wp/facture/v1.0/pdf")
    @app.get(f"{ESPACE}/ecd_wp/facture/historicPDF")
    def bill_pdf():
        caller_id()
        cid, bid = request.args.get("cid", ""), request.args.get("idFacture")
        _, _, bills_list = par_contract(cid)
        listed = OLD_BILLS.get(cid, []) if request.path.endswith("historicPDF") else bills_list or []
        if not any(b[0] == bid for b in listed):
            abort(404)
        replica.hits[f"pdf:{bid}"] += 1
        if bid in PDF_FORBIDDEN:
            return jsonify(error={"code": "403", "message": "Forbidden"}), 403
        return pdf_response(pdf(f"orange {bid}"))

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
                               "amountExcludingTax": round(amount / 1.2, 2),
                               "documents": [{"mainDir": main, "subDir": sub}]}
                              for bid, date, amount, main, sub in PRO_BILLS[cid]])

    @app.get(f"{PRO}/api/contract/<cid>/bill/<main>/<sub>/<name>")
    def pro_pdf(cid: str, main: str, sub: str, name: str):
        logged_in("pro")
        args = request.args
        bill = next((b for b in PRO_BILLS.get(cid, []) if b[0] == args.get("billId") and b[1] == args.get("billDate")
                     and (b[3], b[4]) == (main, sub) and name == bill_name(b[1])
                     and args.get("billDuty") == str(b[2]) and args.get("billFreeDuty") == str(round(b[2] / 1.2, 2))),
                    None)
        if bill is None:
            abort(404)
        replica.hits[f"pdf:{bill[0]}"] += 1
        return pdf_response(pdf(f"orange pro {bill[0]}"))

    return replica
