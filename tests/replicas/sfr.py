"""Replica of SFR's customer area (www.sfr.fr login, espace-client.sfr.fr bills).

Public shape reproduced (facts from the Cozy sfr konnector, 2023-2025, and the woob sfr module;
checked 2026-12-07): www.sfr.fr/mon-espace-client/ sends a visitor to the CAS login form
(#username, #password); the captcha is Google reCAPTCHA (`.g-recaptcha`); once logged in, pages
carry a logout link to /auth/realms/sfr/protocol/openid-connect/logout, and the dashboard links
each line's bills at espace-client.sfr.fr/facture-{mobile|fixe}/infoconso (2025-06). Those
pages come in two layouts:
- the older one: the last bill in div[class="sr-inline sr-xs-block "] (amount; payment date
  and bill date dd/mm/yyyy; links), older ones as #blocAjax .sr-container-content-line rows
  (amount "29,99 €", date "05 janv. 2024", links in the fifth cell: the PDF, then sometimes a
  detailed PDF), more loaded by button[onclick="plusFacture(); return false;"];
- the newer one: #lastFacture (the last bill, which may have no date yet; its PDF is
  #lien-telecharger-pdf, beside a "detailed bill" link), #historique rows whose PDF is
  [id*="lien-duplicata-pdf-"], more loaded by #plusFac.
"Information facture indisponible" is what the bill page says while SFR's billing is down.
Here the mobile line's page has the older layout, the fixed line's the newer one.
Assumed, not documented publicly: the error banner's wording and class, the lockout message,
the markup inside #lastFacture / #historique rows (classes below), the fixed line's path
parameters.
"""

from __future__ import annotations

from flask import abort, redirect, render_template_string, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

WWW, ESPACE = "/www.sfr.fr", "/espace-client.sfr.fr"
HOSTS = {"sfr": {"www": WWW, "espace": ESPACE}}
USER, BLOCKED, ROBOT = "0611223344", "0699999999", "0655555555"
PASSWORD = "Sfr#Box-4ever"
LOGOUT = '<a href="https://www.sfr.fr/auth/realms/sfr/protocol/openid-connect/logout?redirect_uri=x">Se déconnecter</a>'

# Mobile line, older layout.
LAST = ("2024-03-05", "05/03/2024", "10/03/2024", "42,99 €", "F240305")
OLDER = [  # (iso date, shown date, amount, bill number, has a detailed PDF)
    ("2024-02-05", "05 févr. 2024", "42,99 €", "F240205", True),
    ("2024-01-05", "05 janv. 2024", "39,99 €", "F240105", False),
    ("2023-12-05", "05 déc. 2023", "39,99 €", "F231205", False),
    ("2023-11-05", "05 nov. 2023", "39,99 €", "F231105", False),
    ("2023-10-05", "05 oct. 2023", "1 039,99 €", "F231005", False),
]
# Fixed line, newer layout: the last bill has no date yet; then its history.
FIXE_LAST = ("32,00 €", "X250301")
FIXE_HISTORY = [("05/02/2025", "32,00 €", "X250205"), ("05/01/2025", "32,00 €", "X250105"),
                ("05/12/2024", "29,99 €", "X241205")]
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

DOWNLOAD = "{{ espace }}/facture-{{ kind }}/infoconso/telechargement?numFacture="

LINE = """<div class="sr-container-content-line">
  <div><span>{{ b[2] }}</span></div>
  <div><span>{{ b[1] }}</span> Prélevé le {{ b[1][:2] }}&nbsp;-</div>
  <div>Forfait mobile</div><div>06 11 22 33 44</div>
  <div><a href="{{ download }}{{ b[3] }}">Télécharger</a>
  {% if b[4] %}<a href="{{ download }}{{ b[3] }}&amp;detail=1">Facture détaillée</a>{% endif %}</div>
</div>"""

OLD_LAYOUT = LOGOUT + """<h1>Mes factures mobile</h1>
<div class="sr-inline sr-xs-block ">
  <div><span>{{ last[3] }}</span></div>
  <div><span>Prélevé le {{ last[2] }}</span> <span>{{ last[1] }}</span></div>
  <div><div><a href="{{ download }}{{ last[4] }}">Télécharger ma facture</a></div>
    <a href="{{ download }}{{ last[4] }}&amp;detail=1">Facture détaillée</a></div>
</div>
<div id="blocAjax">{% for b in shown %}""" + LINE + """{% endfor %}</div>
<button onclick="plusFacture(); return false;">Afficher plus de factures</button>
<script>
let shown = {{ shown|length }};
async function plusFacture() {
  const response = await fetch('infoconso/plus?offset=' + shown);
  const data = await response.json();
  document.getElementById('blocAjax').insertAdjacentHTML('beforeend', data.html);
  shown += data.count;
  if (!data.more) document.querySelector('button[onclick]').remove();
}
</script>"""

ROW = """<li class="facture"><span class="date">{{ b[0] }}</span> <span class="montant">{{ b[1] }}</span>
  <a id="lien-duplicata-pdf-{{ b[2] }}" href="{{ download }}{{ b[2] }}">Duplicata</a>
  <a id="lien-facture-detaillee-{{ b[2] }}" href="{{ download }}{{ b[2] }}&amp;detail=1">Facture détaillée</a></li>"""

NEW_LAYOUT = LOGOUT + """<h1>Mes factures fixe</h1>
<section id="lastFacture"><h2>Ma dernière facture</h2>
  {% if last_date %}<span class="date">{{ last_date }}</span>{% else %}<p>Date d'émission à venir</p>{% endif %}
  <span class="montant">{{ last[0] }}</span>
  <a id="lien-telecharger-pdf" href="{{ download }}{{ last[1] }}">Télécharger</a>
  <a id="lien-telecharger-facture-detaillee" href="{{ download }}{{ last[1] }}&amp;detail=1">Facture détaillée</a>
</section>
<ul id="historique">{% for b in shown %}""" + ROW + """{% endfor %}</ul>
<button id="plusFac" type="button">Plus de factures</button>
<script>
let shown = {{ shown|length }};
document.getElementById('plusFac').addEventListener('click', async () => {
  const data = await (await fetch('infoconso/plus?offset=' + shown)).json();
  document.getElementById('historique').insertAdjacentHTML('beforeend', data.html);
  shown += data.count;
  if (!data.more) document.getElementById('plusFac').remove();
});
</script>"""

LAYOUTS = {"mobile": (OLD_LAYOUT, LINE, OLDER), "fixe": (NEW_LAYOUT, ROW, FIXE_HISTORY)}


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in (USER, BLOCKED, ROBOT)})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)
    replica.seen["last_fixe_date"] = [None]  # a test may give the fixed line's last bill its date

    def login_page(error: str | None = None, captcha: bool = False):
        return page("SFR - Connexion", LOGIN_FORM, error=error, captcha=captcha)

    @app.get(f"{WWW}/mon-espace-client/")
    def home():
        if not session.get("user"):
            return redirect(f"{WWW}/cas/login?service={request.url}")
        return page("Mon espace client", LOGOUT + '<h1>Bonjour</h1><ul>'
                    f'<li><a href="{ESPACE}/facture-mobile/infoconso">Ma ligne mobile</a></li>'
                    f'<li><a href="{ESPACE}/facture-fixe/infoconso">Ma box</a></li></ul>')

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

    @app.get(f"{ESPACE}/facture-<kind>/infoconso")
    def bills(kind: str):
        if kind not in LAYOUTS:
            abort(404)
        if not session.get("user"):
            return redirect(f"{WWW}/cas/login?service={request.url}")
        if replica.maintenance:
            return page("Mes factures", LOGOUT + "<p class='erreur'>Information facture indisponible. "
                        "Veuillez réessayer ultérieurement.</p>")
        layout, _, history = LAYOUTS[kind]
        download = render_template_string(DOWNLOAD, espace=ESPACE, kind=kind)
        return page("Mes factures", layout, shown=history[:FIRST_SHOWN], download=download,
                    last=LAST if kind == "mobile" else FIXE_LAST, last_date=replica.seen["last_fixe_date"][0])

    @app.get(f"{ESPACE}/facture-<kind>/infoconso/plus")
    def more(kind: str):
        if not session.get("user") or kind not in LAYOUTS:
            abort(401)
        _, row, history = LAYOUTS[kind]
        offset = int(request.args.get("offset", 0))
        chunk = history[offset:offset + PER_CLICK]
        replica.hits[f"more:{kind}"] += 1
        download = render_template_string(DOWNLOAD, espace=ESPACE, kind=kind)
        html = "".join(render_template_string(row, b=b, download=download) for b in chunk)
        return {"html": html, "count": len(chunk), "more": offset + len(chunk) < len(history)}

    @app.get(f"{ESPACE}/facture-<kind>/infoconso/telechargement")
    def download(kind: str):
        if not session.get("user"):
            abort(403)
        number = request.args.get("numFacture", "")
        known = {LAST[4], *(b[3] for b in OLDER)} if kind == "mobile" else {FIXE_LAST[1], *(b[2] for b in FIXE_HISTORY)}
        if number not in known:
            abort(404)
        replica.hits[f"pdf:{number}"] += 1
        return pdf_response(pdf(f"sfr {'detail' if request.args.get('detail') else 'facture'} {number}"))

    return replica
