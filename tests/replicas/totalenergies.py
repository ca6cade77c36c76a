"""Replica of TotalEnergies' customer area for individuals (www.totalenergies.fr/clients).

Public shape reproduced (Cozy totalenergies konnector): the login form's fields are
#formz-authentification-form-login and #formz-authentification-form-password, with
#formz-authentification-form-reste-connecte and the #js--btn-validation button; the anti-bot
page has #captcha_audio; maintenance redirects to maintenance.direct-energie.com (text in
.big). Logged-in pages link to /clients/connexion?logintype=logout. With several contracts
the login lands on /clients/selection-compte (#js--listjs-comptes-actifs ul > li, each with an
a[href*="?tx_demmcompte"]). /clients/mes-factures/mon-historique-de-factures lists
div.detail-facture rows in #js--historique-container-elec and -gaz: a first cell whose
third child reads "N° …", the date dd/mm/yyyy, the payment status, the amount, and the
download link as fifth child.
Assumed, not documented publicly: the error banner (.alert--error) and the lockout wording.
"""

from __future__ import annotations

from flask import abort, redirect, request, session

from tests.replicas.common import Accounts, Replica, new_app, page, pdf, pdf_response

WWW, MAINTENANCE = "/www.totalenergies.fr", "/maintenance.direct-energie.com"
HOSTS = {"totalenergies": {"www": WWW}}
USER, MULTI, BLOCKED, ROBOT = "alice@example.fr", "bob@example.fr", "bloque@example.fr", "robot@example.fr"
PASSWORD = "Total-Energies#1"

CONTRACTS = {  # contract -> {energy: [(number, date, status, amount or None, title)]}
    "C-100200300": {"elec": [("100234567", "05/03/2024", "Payée le 15/03/2024", "112,40 €", "Facture"),
                             ("100134567", "05/01/2024", "Payée le 15/01/2024", "98,10 €", "Facture")],
                    "gaz": [("200234567", "20/02/2024", "En cours", "1 204,05 €", "Facture de régularisation"),
                            ("200134567", "20/12/2023", "", None, "Facture à 0 €")]},
    "C-900800700": {"elec": [("900111222", "10/03/2024", "Payée le 20/03/2024", "55,00 €", "Facture")], "gaz": []},
    "C-555666777": {"elec": [("555000111", "11/03/2024", "Payée le 21/03/2024", "77,70 €", "Facture")], "gaz": []},
}
USER_CONTRACTS = {USER: ["C-100200300"], MULTI: ["C-900800700", "C-555666777"], BLOCKED: [], ROBOT: []}

LOGIN = """<h1>Mon Espace Client</h1>
{% if error %}<div class="alert--error" role="alert">{{ error }}</div>{% endif %}
<form method="post" action="{{ www }}/clients/connexion">
  <label for="formz-authentification-form-login">E-mail</label><input id="formz-authentification-form-login" name="login">
  <label for="formz-authentification-form-password">Mot de passe</label>
  <input id="formz-authentification-form-password" name="password" type="password">
  <label><input id="formz-authentification-form-reste-connecte" type="checkbox" name="remember"> Rester connecté</label>
  <button id="js--btn-validation" type="submit">Me connecter</button>
</form>"""

HEADER = """<a href="{{ www }}/clients/connexion?logintype=logout">Déconnexion</a>
<a href="{{ www }}/clients/mon-compte/gerer-mes-comptes">Gérer mes comptes</a>
<a href="{{ www }}/clients/mes-factures">Mes factures</a>"""

SELECTION = HEADER + """<h1>Choisissez un compte</h1><div id="js--listjs-comptes-actifs"><ul>
{% for c in contracts %}<li><span class="js--listjs__item-refclient">{{ c }}</span>
<span class="js--listjs__item-adresse">1 rue de la Paix, 75002 Paris</span>
<a href="{{ www }}/clients/accueil?tx_demmcompte={{ c }}">Accéder</a></li>{% endfor %}</ul></div>"""

HISTORY = HEADER + """<main><div><h1>Mon historique de factures</h1></div>
{% for energy in ("elec", "gaz") %}{% if bills[energy] %}<div id="js--historique-container-{{ energy }}">
{% for number, date, status, amount, title in bills[energy] %}<div class="detail-facture"><div><span>{{ title }}</span>
<span>{{ "Électricité" if energy == "elec" else "Gaz" }}</span><span>N° {{ number }}</span></div><div>{{ date }}</div>
<div>{{ status }}</div><div>{{ amount or "" }}</div>
<a href="{{ www }}/clients/mes-factures/telecharger?facture={{ number }}">Télécharger</a></div>
{% endfor %}</div>{% endif %}{% endfor %}</main>"""


def create() -> Replica:
    app = new_app(__name__)
    accounts = Accounts({u: {"password": PASSWORD} for u in USER_CONTRACTS})
    accounts.lock(BLOCKED)
    replica = Replica(app, HOSTS, accounts)

    @app.before_request
    def maintenance():
        if replica.maintenance and not request.path.startswith(MAINTENANCE):
            return redirect(f"{MAINTENANCE}/")
        return None

    @app.get(f"{MAINTENANCE}/")
    def maintenance_page():
        return page("TotalEnergies", '<p class="big">Notre site est actuellement en maintenance. '
                    'Merci de revenir un peu plus tard.</p>', status=503)

    def login_form(error: str | None = None, status: int = 200):
        return page("Connexion - TotalEnergies", LOGIN, error=error, www=WWW, status=status)

    @app.get(f"{WWW}/clients/connexion")
    def connexion():
        if request.args.get("logintype") == "logout":
            session.clear()
        if session.get("contract"):
            return redirect(f"{WWW}/clients/accueil")
        return login_form()

    @app.post(f"{WWW}/clients/connexion")
    def login():
        login_ = request.form.get("login", "").strip()
        if login_ == ROBOT:
            return page("Vérification", '<h2>Non, je ne suis pas un robot !</h2><audio id="captcha_audio"></audio>')
        verdict = accounts.check(login_, request.form.get("password", ""))
        if verdict == "locked":
            return login_form("Votre compte est temporairement bloqué suite à plusieurs tentatives infructueuses. "
                              "Réessayez dans 30 minutes.")
        if verdict == "wrong":
            return login_form("L'adresse e-mail ou le mot de passe est incorrect.")
        session.clear()
        session["user"] = login_
        if len(USER_CONTRACTS[login_]) > 1:
            return redirect(f"{WWW}/clients/selection-compte")
        session["contract"] = USER_CONTRACTS[login_][0]
        return redirect(f"{WWW}/clients/accueil")

    @app.get(f"{WWW}/clients/selection-compte")
    def selection():
        if not session.get("user"):
            return redirect(f"{WWW}/clients/connexion")
        return page("Sélection du compte", SELECTION, www=WWW, contracts=USER_CONTRACTS[session["user"]])

    @app.get(f"{WWW}/clients/accueil")
    def home():
        if not session.get("user"):
            return redirect(f"{WWW}/clients/connexion")
        chosen = request.args.get("tx_demmcompte")
        if chosen in USER_CONTRACTS[session["user"]]:
            session["contract"] = chosen
        if not session.get("contract"):
            return redirect(f"{WWW}/clients/selection-compte")
        return page("Accueil", HEADER + '<h1>Bonjour</h1><div class="cadre2">Contrat {{ c }}</div>',
                    www=WWW, c=session["contract"])

    @app.get(f"{WWW}/clients/mes-factures/mon-historique-de-factures")
    def history():
        if not session.get("contract"):
            return redirect(f"{WWW}/clients/connexion")
        return page("Mon historique de factures", HISTORY, www=WWW, bills=CONTRACTS[session["contract"]])

    @app.get(f"{WWW}/clients/mes-factures/telecharger")
    def download():
        bills = CONTRACTS.get(session.get("contract", ""), {})
        number = request.args.get("facture", "")
        if not any(b[0] == number for energy in bills.values() for b in energy):
            abort(404)
        return pdf_response(pdf(f"totalenergies {number}"))

    return replica
