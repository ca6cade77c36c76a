"""Portal 2: a two-step login (identifier page, then password page) behind a cookie banner
that covers the page, an alert() on the list page, and invoices whose PDF link is only on
each invoice's detail page (the newest one has none yet). The session and the consent last
beyond the browser's life, as on portals that keep you logged in: a kept profile skips both.

State.paging shows the cards a few at a time: « Afficher plus » adds the next ones to the list
(`more`, fetched by the page's script), or « Page suivante » opens the next page (`next`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import Flask, abort, make_response, redirect, render_template_string, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "jean.dupont"
PASSWORD = "Tw0-St3p\"pw'#41"

# id, number, date as shown, amount as shown, due date (detail page only), ISO date, ISO due, amount
INVOICES = [
    ("b-7781", "2024-0601", "5 juin 2024", "62,40 €", "20 juin 2024", "2024-06-05", "2024-06-20", "62.40"),
    ("b-7650", "2024-0501", "1er mai 2024", "1\u202f080,00 €", "16 mai 2024", "2024-05-01", "2024-05-16", "1080.00"),
    ("b-7512", "2024-0401", "3 avril 2024", "58,75 €", "18 avril 2024", "2024-04-03", "2024-04-18", "58.75"),
]
PDFS = {row[0]: make_pdf(f"twostep {row[0]}") for row in INVOICES}
# The newest bill is listed before its PDF exists (its detail page has no link yet).
PENDING = ("b-7902", "2024-0701", "5 juillet 2024", "71,10 €", "20 juillet 2024")


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    paging: str | None = None  # None: every card on one page; "more" or "next": PAGE_SIZE at a time
    # Off for the recorder's test: chromedriver cannot reach a tab the extension opened while an alert() blocks it.
    list_alert: bool = True


PAGE_SIZE = 2


LAYOUT = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mon compte</title>
<style>#cookies{position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:10;display:none}
#cookies .box{background:#fff;margin:20% auto;width:300px;padding:1em}</style></head><body>
<div id="cookies"><div class="box"><p>Nous utilisons des cookies.</p>
<button id="accept-cookies">Tout accepter</button></div></div>
<main>{{ body|safe }}</main>
<script>
// The banner shows a moment after load (as consent managers do) and covers every button.
if (!document.cookie.includes('consent=1')) {
  setTimeout(() => { document.getElementById('cookies').style.display = 'block'; }, 300);
}
document.getElementById('accept-cookies').addEventListener('click', () => {
  document.cookie = 'consent=1; path=/; max-age=31536000';
  document.getElementById('cookies').style.display = 'none';
});
</script></body></html>"""

IDENTIFIER = """<h1>Connexion</h1><form method="post" action="/connexion">
<label>Identifiant <input id="identifier" name="identifier"></label><button id="next">Continuer</button></form>"""

PASSWORD_PAGE = """<h1>Bonjour {{ who }}</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/connexion/mot-de-passe">
<label>Mot de passe <input id="pwd" name="password" type="password"></label><button id="signin">Se connecter</button></form>"""

CARDS = """{% for row in rows %}<li class="bill" data-id="{{ row[0] }}"><span class="num">Facture n° {{ row[1] }}</span>
<span class="when">{{ row[2] }}</span> <span class="total">{{ row[3] }}</span>
<a class="more" href="/factures/{{ row[0] }}">Voir le détail</a></li>{% endfor %}"""

LIST = """<h1>Mes factures</h1>
{% if alert %}<script>alert('Nouveau : passez à la facture électronique !');</script>{% endif %}<ul id="bills">
{{ cards|safe }}</ul>
{% if more %}<button type="button" id="show-more" class="btn">Afficher plus de factures</button>
<script>
// The next cards come from the portal a few at a time, added below the ones shown.
document.getElementById('show-more').addEventListener('click', async () => {
  const shown = document.querySelectorAll('#bills li.bill').length;
  const answer = await fetch('/factures/suite?depuis=' + shown);
  document.getElementById('bills').insertAdjacentHTML('beforeend', await answer.text());
  if (answer.headers.get('X-Last') === '1') document.getElementById('show-more').remove();
});
</script>{% endif %}
{% if next_page %}<nav class="pages"><a class="page-next" href="/factures?page={{ next_page }}">Page suivante</a></nav>{% endif %}"""

DETAIL = """<h1>Facture n° {{ row[1] }}</h1><p>À payer avant le <span id="due">{{ row[4] }}</span></p>
{% if pending %}<p>Votre facture est en cours d'édition.</p>
{% else %}<a id="download" href="/factures/{{ row[0] }}/document.pdf">Télécharger la facture (PDF)</a>{% endif %}"""


def page(body: str, **values):
    return render_template_string(LAYOUT, body=render_template_string(body, **values))


def create_app(state: State) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    def signed_in() -> bool:
        return session.get("user") == LOGIN

    @app.get("/connexion")
    def identifier_form():
        return page(IDENTIFIER)

    @app.post("/connexion")
    def identifier():
        if request.cookies.get("consent") != "1":
            abort(400)  # the banner was in the way: a real user could not have clicked
        session["identifier"] = request.form.get("identifier", "")
        return redirect("/connexion/mot-de-passe")

    @app.get("/connexion/mot-de-passe")
    def password_form():
        return page(PASSWORD_PAGE, who=session.get("identifier", ""), error=None)

    @app.post("/connexion/mot-de-passe")
    def password():
        if session.get("identifier") != LOGIN or request.form.get("password") != PASSWORD:
            return page(PASSWORD_PAGE, who=session.get("identifier", ""), error="Mot de passe incorrect.")
        state.hits.add("login")
        session.permanent = True  # kept by a persistent browser profile
        session["user"] = LOGIN
        return redirect("/factures")

    rows = [PENDING] + INVOICES

    @app.get("/factures")
    def invoices():
        if not signed_in():
            return redirect("/connexion")
        shown, more, next_page = rows, False, None
        if state.paging == "more":
            shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        elif state.paging == "next":
            number = max(1, int(request.args.get("page", 1)))
            shown = rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
            next_page = number + 1 if number * PAGE_SIZE < len(rows) else None
        return page(LIST, cards=render_template_string(CARDS, rows=shown), more=more, next_page=next_page,
                    alert=state.list_alert)

    @app.get("/factures/suite")
    def more_invoices():
        """The cards after the first `depuis`, for « Afficher plus »."""
        if not signed_in():
            abort(403)
        start = int(request.args.get("depuis", 0))
        response = make_response(render_template_string(CARDS, rows=rows[start:start + PAGE_SIZE]))
        response.headers["X-Last"] = "1" if start + PAGE_SIZE >= len(rows) else "0"
        return response

    @app.get("/factures/<bill>")
    def detail(bill: str):
        if not signed_in():
            return redirect("/connexion")
        row = next((r for r in rows if r[0] == bill), None)
        if row is None:
            abort(404)
        state.hits.add(f"detail:{bill}")
        return page(DETAIL, row=row, pending=row is PENDING)

    @app.get("/factures/<bill>/document.pdf")
    def pdf(bill: str):
        if not signed_in() or bill not in PDFS:
            abort(403)
        state.hits.add(f"pdf:{bill}")
        response = make_response(PDFS[bill])
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="facture-{bill}.pdf"'
        return response

    return app
