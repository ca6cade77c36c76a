"""Replica of EDF's customer area for individuals (OpenAM login, then REST services).

Public shape reproduced (facts from the woob edfparticulier module and the Cozy edf konnector,
2023-2025; checked 2026-12-07):
- particulier.edf.fr/fr/accueil/espace-client/tableau-de-bord.html sends a visitor to the
  OpenAM page espace-client.edf.fr/sso/XUI/#login/&realm=/INTERNET&goto=… whose script talks to
  /sso/json/authenticate: stage UsernameAuth2 (e-mail), then HOTPcust3 — a code sent by SMS or
  e-mail — on a browser EDF does not know yet, or PasswordAuth2 on a known one. The page shows
  them as `.auth #email` → `#username-next-button`, `#password2-password-field` →
  `#password2-next-button`, the code page titled `.auth #title-hotp3`; a refusal shows
  `.field-container--error` (a wrong password with the number of attempts left; at zero the
  account is blocked until the password is reset: "Vous avez atteint…"; a wrong code: "Code
  incorrect"). Logged in, pages show `.isAuthentified.show` and `.selected-contrat`.
- particulier.edf.fr/services/rest: openid/checkAuthenticate must be called first,
  edoc/getMyDocuments before edoc/getBillsDocuments ([{bpDto.bpNumber, listOfBillsByAccDTO[
  {accDTO.numAcc, listOfbills[{documentNumber, creationDate (epoch ms), billAmount, parNumber}]}]}]);
  the PDF is one GET of document/getDocumentGetXByData?csrfToken&dn=FACTURE&pn&di&bn=…&an=…
  where bn and an are the encrypted business partner and account numbers, the CSRF token from
  init/initPage (`data`).
- Akamai protects the site: a browser it distrusts gets its "Access Denied" page (403).
Assumed, not public: the code page's field and button ids, the encrypted numbers' field names
(bpNumberCrypt, numAccCrypt) and values, the error texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import abort, jsonify, make_response, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

ESPACE, PARTICULIER = "/espace-client.edf.fr", "/particulier.edf.fr"
HOSTS = {"edf": {"espace": ESPACE, "particulier": PARTICULIER}}
DASHBOARD = f"{PARTICULIER}/fr/accueil/espace-client/tableau-de-bord.html"

USER, BLOCKED = "marie.curie@example.fr", "pierre@example.fr"
PASSWORD = "Edf-Bleu-Ciel-2024"
BP = "0301234567"
PARIS = ZoneInfo("Europe/Paris")


def _ms(day: str) -> int:
    """Epoch milliseconds of midnight, Paris time, as EDF sends creationDate."""
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=PARIS).timestamp() * 1000)


BILLS = {  # account -> (document number, local day, amount, par number)
    "004001234567": [("10012345678", "2024-03-05", 85.32, "PAR-1"), ("10012340001", "2024-01-05", 120.10, "PAR-1")],
    "004007654321": [("20098765432", "2024-02-20", 42.0, "PAR-2")],
}

XUI = """<div class="auth"><h1>Connexion à mon Espace Client EDF</h1><div id="stage"></div></div>
<script>
const goto = decodeURIComponent((location.hash.match(/goto=([^&]*)/) || [])[1] || '');
const stage = document.getElementById('stage');
const forms = {
  UsernameAuth2: '<label for="email">Adresse e-mail</label><input id="email" type="email">'
    + '<button id="username-next-button" type="submit">Suivant</button>',
  PasswordAuth2: '<label for="password2-password-field">Mot de passe</label>'
    + '<input id="password2-password-field" type="password"><button id="password2-next-button" type="submit">Se connecter</button>',
  HOTPcust3: '<h2 id="title-hotp3">Saisissez le code reçu</h2><input id="hotp3-code-field" inputmode="numeric">'
    + '<button id="hotp3-next-button" type="submit">Valider</button>'};
let current = null;
async function authenticate(body) {
  const r = await fetch('../json/authenticate?realm=%2FINTERNET', {method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
      body: body ? JSON.stringify(body) : ''});
  const data = await r.json();
  if (data.tokenId) { location.href = goto; return; }
  current = data;
  const message = (data.callbacks[1] || {}).output;
  stage.innerHTML = '<form>' + (data.header ? '<p>' + data.header + '</p>' : '') +
    (message ? '<div class="field-container field-container--error" role="alert">' + message[0].value + '</div>' : '') +
    forms[data.stage] + '</form>';
  stage.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    current.callbacks[0].input[0].value = stage.querySelector('input').value;
    authenticate(current);
  });
}
authenticate(null);
</script>"""

AKAMAI = """<h1>Access Denied</h1><p>You don't have permission to access "{{ url }}" on this server.</p>
<p>Reference #18.5f3c1002.1733600000.2a1b3c4d</p>"""

DASHBOARD_PAGE = """<header><div class="isAuthentified show">Marie C. — Se déconnecter</div></header>
<div id="tableau-de-bord"><h1>Bonjour</h1><p class="selected-contrat">Compte client {{ bp }}</p>
<a href="{{ particulier }}/fr/accueil/espace-client/factures-et-paiements.html">Mes factures</a></div>"""


def crypt(number: str) -> str:
    """EDF's encrypted form of a number (opaque to the recipe, which only passes it on)."""
    return hashlib.sha256(f"edf:{number}".encode()).hexdigest()[:24]


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({USER: {"password": PASSWORD}, BLOCKED: {"password": PASSWORD}})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    flows: dict[str, dict] = {}  # authId -> {login, stage}
    devices: dict[str, str] = {}  # device token -> login
    csrf: set[str] = set()

    def stage(auth_id: str, name: str, message: str | None = None, header: str = "") -> dict:
        flows[auth_id]["stage"] = name
        callbacks = [{"type": "PasswordCallback" if name == "PasswordAuth2" else "NameCallback",
                      "output": [{"name": "prompt", "value": name}], "input": [{"name": "IDToken1", "value": ""}]}]
        if message is not None:
            callbacks.append({"type": "TextOutputCallback", "output": [{"name": "message", "value": message}]})
        return {"authId": auth_id, "stage": name, "header": header, "callbacks": callbacks}

    @app.get(DASHBOARD)
    def dashboard():
        if replica.maintenance:  # here: Akamai distrusts this browser
            return page("Access Denied", AKAMAI, status=403, url=request.url)
        if not session.get("edf"):
            goto = quote(request.url, safe="")
            return redirect(f"{ESPACE}/sso/XUI/#login/&realm=%2FINTERNET&goto={goto}")
        return page("Tableau de bord", DASHBOARD_PAGE, bp=BP, particulier=PARTICULIER)

    @app.get(f"{ESPACE}/sso/XUI/")
    def xui():
        return page("EDF - Connexion", XUI)

    @app.post(f"{ESPACE}/sso/json/authenticate")
    def authenticate():
        data = request.get_json(silent=True) or {}
        auth_id = data.get("authId")
        if auth_id not in flows:
            auth_id = secrets.token_hex(8)
            flows[auth_id] = {"login": None}
            return jsonify(stage(auth_id, "UsernameAuth2"))
        flow = flows[auth_id]
        value = (data.get("callbacks") or [{}])[0].get("input", [{}])[0].get("value", "")
        if flow["stage"] == "UsernameAuth2":
            login = value.strip().lower()
            if login not in accounts.users:
                return jsonify(stage(auth_id, "UsernameAuth2", "Adresse e-mail inconnue. Vérifiez votre saisie."))
            flow["login"] = login
            if login in accounts.locked:
                return jsonify(stage(auth_id, "PasswordAuth2", "Vous avez atteint le nombre maximal de "
                                     "tentatives : votre compte est bloqué. Réinitialisez votre mot de passe."))
            if devices.get(request.cookies.get("edf_device", "")) == login:
                return jsonify(stage(auth_id, "PasswordAuth2"))
            replica.codes.send(login)
            return jsonify(stage(auth_id, "HOTPcust3", header="Un code a été envoyé au 06 •• •• •• 21"))
        login = flow["login"]
        if flow["stage"] == "HOTPcust3":
            if not replica.codes.check(login, value):
                return jsonify(stage(auth_id, "HOTPcust3", "Code incorrect"))
            device = secrets.token_hex(12)
            devices[device] = login
            response = make_response(jsonify(tokenId=secrets.token_hex(16), successUrl=""))
            response.set_cookie("edf_device", device, max_age=365 * 86400)
        else:
            verdict = accounts.check(login, value)
            if verdict == "locked":
                return jsonify(stage(auth_id, "PasswordAuth2", "Vous avez atteint le nombre maximal de "
                                     "tentatives : votre compte est bloqué. Réinitialisez votre mot de passe."))
            if verdict == "wrong":
                left = accounts.remaining(login)
                return jsonify(stage(auth_id, "PasswordAuth2", f"Mot de passe incorrect. Il vous reste {left} "
                                     f"tentative{'s' if left > 1 else ''}."))
            response = make_response(jsonify(tokenId=secrets.token_hex(16), successUrl=""))
        flows.pop(auth_id)
        session.clear()
        session["edf"] = login
        replica.hits[f"login:{login}"] += 1
        return response

    def rest(step: str | None = None) -> str:
        if not session.get("edf"):
            abort(401)
        if step and not session.get(step):
            return abort(500)  # EDF answers an error when the calls come out of order
        return session["edf"]

    @app.get(f"{PARTICULIER}/services/rest/openid/checkAuthenticate")
    def check_authenticate():
        rest()
        session["checked"] = True
        return jsonify(False)

    @app.get(f"{PARTICULIER}/services/rest/edoc/getMyDocuments")
    def my_documents():
        rest("checked")
        session["documents"] = True
        return jsonify(errorCode=0, data=[])

    @app.get(f"{PARTICULIER}/services/rest/edoc/getBillsDocuments")
    def bills_documents():
        rest("documents")
        return jsonify([{"bpDto": {"bpNumber": BP, "bpNumberCrypt": crypt(BP)}, "listOfBillsByAccDTO": [
            {"accDTO": {"numAcc": account, "numAccCrypt": crypt(account)}, "listOfbills": [
                {"documentNumber": number, "creationDate": _ms(day), "billAmount": amount, "parNumber": par}
                for number, day, amount, par in bills]}
            for account, bills in BILLS.items()]}])

    @app.get(f"{PARTICULIER}/services/rest/init/initPage")
    def init_page():
        rest("checked")
        token = secrets.token_hex(10)
        csrf.add(token)
        return jsonify(errorCode=0, data=token)

    @app.get(f"{PARTICULIER}/services/rest/document/getDocumentGetXByData")
    def document_file():
        rest("documents")
        args = request.args
        if args.get("csrfToken") not in csrf or args.get("dn") != "FACTURE" or args.get("bn") != crypt(BP):
            abort(403)
        account = next((a for a in BILLS if crypt(a) == args.get("an")), "")
        if not any(b[0] == args.get("di") and b[3] == args.get("pn") for b in BILLS.get(account, [])):
            abort(404)
        return pdf_response(pdf(f"edf {args['di']}"))

    return replica
