"""Replica of EDF's customer area for individuals (OpenAM login, then REST services).

Public shape reproduced (woob modules/edfparticulier):
- particulier.edf.fr/fr/accueil/espace-client/tableau-de-bord.html sends a visitor to the
  OpenAM page espace-client.edf.fr/sso/XUI/#login/&realm=/INTERNET&goto=… whose script talks to
  /sso/json/authenticate: stage UsernameAuth2 (e-mail), then HOTPcust3 — a code sent by SMS or
  e-mail — on a browser EDF does not know yet, or PasswordAuth2 on a known one (EDF then skips
  the password the first time and the code afterwards). A wrong password repeats PasswordAuth2
  with the number of attempts left in callbacks[1]; at zero the account is blocked until the
  password is reset ("Vous avez atteint…"). A wrong code repeats the stage with "Code incorrect".
- particulier.edf.fr/services/rest: openid/checkAuthenticate must be called first,
  edoc/getMyDocuments before edoc/getBillsDocuments ([{bpDto.bpNumber, listOfBillsByAccDTO[
  {accDTO.numAcc, listOfbills[{documentNumber, creationDate (epoch ms), billAmount, parNumber}]}]}]);
  a PDF takes a CSRF token from init/initPage (`data`), a POST to document/dataUserDocumentGetX
  and a GET of document/getDocumentGetXByData?csrfToken&dn&pn&di&bn&an.
Not reproduced: the Akamai bot manager in front of the real site. The page markup (ids,
data-stage) is an assumption; the JSON and the stages come from the public code.
"""

from __future__ import annotations

import datetime as dt
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

XUI = """<div id="content"><h1>Connexion à mon Espace Client EDF</h1><div id="stage"></div></div>
<script>
const goto = decodeURIComponent((location.hash.match(/goto=([^&]*)/) || [])[1] || '');
const stage = document.getElementById('stage');
const labels = {UsernameAuth2: ['Adresse e-mail', 'text', 'Suivant'],
                PasswordAuth2: ['Mot de passe', 'password', 'Se connecter'],
                HOTPcust3: ['Code reçu', 'text', 'Valider']};
let current = null;
async function authenticate(body) {
  const r = await fetch('../json/authenticate?realm=%2FINTERNET', {method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
      body: body ? JSON.stringify(body) : ''});
  const data = await r.json();
  if (data.tokenId) { location.href = goto; return; }
  current = data;
  const [label, type, button] = labels[data.stage];
  const message = (data.callbacks[1] || {}).output;
  stage.innerHTML = '<form data-stage="' + data.stage + '">' + (data.header ? '<p>' + data.header + '</p>' : '') +
    (message ? '<div class="alert alert-danger" role="alert">' + message[0].value + '</div>' : '') +
    '<label for="idToken1">' + label + '</label><input id="idToken1" type="' + type + '">' +
    '<button id="loginButton_0" type="submit">' + button + '</button></form>';
  stage.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    current.callbacks[0].input[0].value = document.getElementById('idToken1').value;
    authenticate(current);
  });
}
authenticate(null);
</script>"""

DASHBOARD_PAGE = """<div id="tableau-de-bord"><h1>Bonjour</h1><p>Compte client {{ bp }}</p>
<a href="{{ particulier }}/fr/accueil/espace-client/factures-et-paiements.html">Mes factures</a></div>"""


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
        return jsonify([{"bpDto": {"bpNumber": BP}, "listOfBillsByAccDTO": [
            {"accDTO": {"numAcc": account}, "listOfbills": [
                {"documentNumber": number, "creationDate": _ms(day), "billAmount": amount, "parNumber": par}
                for number, day, amount, par in bills]}
            for account, bills in BILLS.items()]}])

    @app.get(f"{PARTICULIER}/services/rest/init/initPage")
    def init_page():
        rest("checked")
        token = secrets.token_hex(10)
        csrf.add(token)
        return jsonify(errorCode=0, data=token)

    @app.post(f"{PARTICULIER}/services/rest/document/dataUserDocumentGetX")
    def document_data():
        rest("documents")
        body = request.get_json(silent=True) or {}
        if body.get("csrfToken") not in csrf or body.get("docName") != "FACTURE" or body.get("bpNumber") != BP:
            abort(403)
        if not any(b[0] == body.get("docId") and b[3] == body.get("parNumber") for b in BILLS.get(body.get("numAcc"), [])):
            abort(404)
        return jsonify({k: body[k] for k in ("bpNumber", "docId", "docName", "numAcc", "parNumber")})

    @app.get(f"{PARTICULIER}/services/rest/document/getDocumentGetXByData")
    def document_file():
        rest("documents")
        args = request.args
        if args.get("csrfToken") not in csrf or args.get("dn") != "FACTURE" or args.get("bn") != BP:
            abort(403)
        if not any(b[0] == args.get("di") for b in BILLS.get(args.get("an", ""), [])):
            abort(404)
        return pdf_response(pdf(f"edf {args['di']}"))

    return replica
