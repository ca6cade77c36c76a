"""Replica of SFR's customer area (www.sfr.fr login, espace-client.sfr.fr bills).

Public shape reproduced (Cozy sfr konnector): www.sfr.fr/mon-espace-client/ sends a visitor to
the CAS login form (#username, #password); once logged in, pages carry a logout link to
/auth/realms/sfr/protocol/openid-connect/logout. The bill page
espace-client.sfr.fr/facture-mobile/consultation shows the last bill in
div[class="sr-inline sr-xs-block "] (amount; payment date and bill date dd/mm/yyyy; links)
and older ones as #blocAjax .sr-container-content-line rows (amount "29,99 €", date
"05 janv. 2024", links in the fifth cell: the PDF, then sometimes a detailed PDF), more of
them loaded by button[onclick="plusFacture(); return false;"] until none is left.
Assumed, not documented publicly: the error banner's wording and class, the lockout message
and the captcha block (SFR is known to show a captcha after failed logins).
"""

from __future__ import annotations

from flask import abort, redirect, render_template_string, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

WWW, ESPACE = "/www.sfr.fr", "/espace-client.sfr.fr"
HOSTS = {"sfr": {"www": WWW, "espace": ESPACE}}
USER, BLOCKED, ROBOT = "0611223344", "0699999999", "0655555555"
PASSWORD = "Sfr#Box-4ever"

LAST = ("2024-03-05", "05/03/2024", "10/03/2024", "42,99 €", "F240305")
OLDER = [  # (iso date, shown date, amount, bill number, has a detailed PDF)
    ("2024-02-05", "05 févr. 2024", "42,99 €", "F240205", True),
    ("2024-01-05", "05 janv. 2024", "39,99 €", "F240105", False),
    ("2023-12-05", "05 déc. 2023", "39,99 €", "F231205", False),
    ("2023-11-05", "05 nov. 2023", "39,99 €", "F231105", False),
    ("2023-10-05", "05 oct. 2023", "1 039,99 €", "F231005", False),
]
FIRST_SHOWN, PER_CLICK = 2, 2

LOGIN_FORM = """<h1>Connexion à mon espace client</h1>
{% if error %}<div class="error" id="erreur-login" role="alert">{{ error }}</div>{% endif %}
{% if captcha %}<div id="captcha" class="g-recaptcha">Cochez la case « Je ne suis pas un robot »</div>{% endif %}
<form id="loginForm" method="post">
  <label for="username">Identifiant (e-mail ou n° de mobile)</label><input id="username" name="username">
  <label for="password">Mot de passe</label><input id="password" name="password" type="password">
  <input type="hidden" name="lt" value="LT-1-replica"><input type="hidden" name="execution" value="e1s1">
  <button id="identifier" type="submit">S'identifier</button>
</form>"""

LINE = """<div class="sr-container-content-line">
  <div><span>{{ b[2] }}</span></div>
  <div><span>{{ b[1] }}</span> Prélevé le {{ b[1][:2] }}&nbsp;-</div>
  <div>Forfait mobile</div><div>06 11 22 33 44</div>
  <div><a href="{{ espace }}/facture-mobile/consultation/telechargement?numFacture={{ b[3] }}">Télécharger</a>
  {% if b[4] %}<a href="{{ espace }}/facture-mobile/consultation/telechargement?numFacture={{ b[3] }}&amp;detail=1">Facture détaillée</a>{% endif %}</div>
</div>"""

BILLS = """<a href="https://www.sfr.fr/auth/realms/sfr/protocol/openid-connect/logout?redirect_uri=x">Se déconnecter</a>
<h1>Mes factures</h1>
<div class="sr-inline sr-xs-block ">
  <div><span>{{ last[3] }}</span></div>
  <div><span>Prélevé le {{ last[2] }}</span> <span>{{ last[1] }}</span></div>
  <div><div><a href="{{ espace }}/facture-mobile/consultation/telechargement?numFacture={{ last[4] }}">Télécharger ma facture</a></div>
    <a href="{{ espace }}/facture-mobile/consultation/telechargement?numFacture={{ last[4] }}&amp;detail=1">Facture détaillée</a></div>
</div>
<div id="blocAjax">{% for b in shown %}""" + LINE + """{% endfor %}</div>
<button onclick="plusFacture(); return false;">Afficher plus de factures</button>
<script>
let shown = {{ shown|length }};
async function plusFacture() {
  const response = await fetch('consultation/plus?offset=' + shown);
  const data = await response.json();
  document.getElementById('blocAjax').insertAdjacentHTML('beforeend', data.html);
  shown += data.count;
  if (!data.more) document.querySelector('button[onclick]').remove();
}
</script>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (USER, BLOCKED, ROBOT)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)

    def login_page(error: str | None = None, captcha: bool = False):
        return page("SFR - Connexion", LOGIN_FORM, error=error, captcha=captcha)

    @app.get(f"{WWW}/mon-espace-client/")
    def home():
        if not session.get("user"):
            return redirect(f"{WWW}/cas/login?service={request.url}")
        return page("Mon espace client", '<a href="https://www.sfr.fr/auth/realms/sfr/protocol/openid-connect/'
                    'logout?redirect_uri=x">Se déconnecter</a><h1>Bonjour</h1>'
                    '<a href="https://www.sfr.fr/routage/info-conso">Infos conso</a>')

    @app.get(f"{WWW}/cas/login")
    def cas_form():
        return login_page()

    @app.post(f"{WWW}/cas/login")
    def cas_login():
        login = request.form.get("username", "").strip()
        if login == ROBOT:
            return login_page("Pour votre sécurité, confirmez que vous n'êtes pas un robot.", captcha=True)
        verdict = accounts.check(login, request.form.get("password", ""))
        if verdict == "locked":
            return login_page("Votre compte est bloqué suite à un trop grand nombre de tentatives. "
                              "Réinitialisez votre mot de passe pour le débloquer.")
        if verdict == "wrong":
            return login_page("Identifiant ou mot de passe incorrect.")
        session["user"] = login
        return redirect(request.args.get("service") or f"{WWW}/mon-espace-client/")

    @app.get(f"{ESPACE}/facture-mobile/consultation")
    def bills():
        if not session.get("user"):
            return redirect(f"{WWW}/cas/login?service={request.url}")
        return page("Mes factures", BILLS, last=LAST, shown=OLDER[:FIRST_SHOWN], espace=ESPACE)

    @app.get(f"{ESPACE}/facture-mobile/consultation/plus")
    def more():
        if not session.get("user"):
            abort(401)
        offset = int(request.args.get("offset", 0))
        chunk = OLDER[offset:offset + PER_CLICK]
        replica.hits["more"] += 1
        html = "".join(render_template_string(LINE, b=b, espace=ESPACE) for b in chunk)
        return {"html": html, "count": len(chunk), "more": offset + len(chunk) < len(OLDER)}

    @app.get(f"{ESPACE}/facture-mobile/consultation/telechargement")
    def download():
        if not session.get("user"):
            abort(403)
        number = request.args.get("numFacture", "")
        if number not in {LAST[4], *(b[3] for b in OLDER)}:
            abort(404)
        kind = "detail" if request.args.get("detail") else "facture"
        return pdf_response(pdf(f"sfr {kind} {number}"))

    return replica
