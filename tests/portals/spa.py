"""Portal 3: a single-page app. Its login form is rendered twice (hydration replaces every
element) with a styled checkbox whose input is hidden; the login posts JSON to an API; the
invoice list is rendered by JavaScript from a JSON endpoint, with French amounts and dates as
strings and numbers, one row per bill with its PDF link; going to it is a history.pushState."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from flask import Flask, jsonify, make_response, request, session

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "marie@example.com"
PASSWORD = "Sp4-Api-pw%2F&x"
TOKEN = "tok-" + secrets.token_hex(12)  # the access token its script keeps in sessionStorage
CUSTOMER = "C-7731"

# What the API answers: French strings and plain numbers mixed, as real APIs do.
BILLS = [
    {"billId": "E-2024-03", "reference": "FA 2024 03", "issued": "15/03/2024", "total": "1 234,56 €",
     "due": "2024-03-30", "links": {"pdf": "/api/bills/E-2024-03/pdf"}},
    {"billId": "E-2024-02", "reference": "FA 2024 02", "issued": "15 février 2024", "total": 87.5,
     "due": "2024-02-29T00:00:00+01:00", "links": {"pdf": "/api/bills/E-2024-02/pdf"}},
    {"billId": "E-2024-01", "reference": "FA 2024 01", "issued": "2024-01-15", "total": "-20,00\u00a0€",
     "due": None, "links": {"pdf": "/api/bills/E-2024-01/pdf"}},
]
PDFS = {b["billId"]: make_pdf(f"spa {b['billId']}") for b in BILLS}


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    widgets_from: str | None = None  # another site the bill page also fetches from (an ad or a chat widget)


SHELL = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace client</title></head>
<body><div id="app">Chargement…</div>
<script>
const app = document.getElementById('app');
function loginView(error) {
  // Rendered twice, as frameworks hydrate: the second pass replaces every element (what was typed
  // and ticked is kept). It lands while the password is being typed, as a slow bundle's does: the
  // first keystroke goes to the old field, every later one to a detached element.
  const typed = ['email', 'password'].map(id => (document.getElementById(id) || {}).value || '');
  const ticked = (document.getElementById('stay') || {}).checked || false;
  app.innerHTML = '<form id="login"><input id="email" type="email"><input id="password" type="password">' +
    '<label class="switch"><input id="stay" type="checkbox" style="display:none"><span>Rester connecté</span></label>' +
    '<button id="go" type="submit">Connexion</button><p id="error"></p></form>';
  ['email', 'password'].forEach((id, n) => { document.getElementById(id).value = typed[n]; });
  document.getElementById('stay').checked = ticked;
  if (!error && !loginView.hydrated) {
    document.getElementById('password').addEventListener('input', () => {
      if (!loginView.hydrated) { loginView.hydrated = true; loginView(); }
    });
  }
  if (error) document.getElementById('error').textContent = error;
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({email: document.getElementById('email').value,
                            password: document.getElementById('password').value,
                            stay: document.getElementById('stay').checked})});
    if (answer.ok) {
      // Where single-page apps keep what their API calls need: a token, the customer.
      const login = await answer.json();
      sessionStorage.setItem('spa-access_token', login.token);
      localStorage.setItem('spa-user', JSON.stringify({customer: {id: login.customer}}));
      history.pushState({}, '', '/app/factures'); billsView();
    }
    else loginView((await answer.json()).message);
  });
}
async function billsView() {
  app.innerHTML = '<p class="loading">Chargement de vos factures…</p>';
  const answer = await fetch('/api/bills');
  if (!answer.ok) return loginView();
  const data = await answer.json();
  app.innerHTML = '<h1>Mes factures</h1><table id="bills"></table>';
  for (const bill of data.items) {
    const row = document.createElement('tr');
    row.className = 'bill';
    for (const [name, text] of [['ref', bill.reference], ['issued', bill.issued], ['total', bill.total]]) {
      const cell = row.insertCell();
      cell.className = name;
      cell.textContent = typeof text === 'number' ? text.toFixed(2).replace('.', ',') + ' €' : text;
    }
    const link = document.createElement('a');
    link.href = bill.links.pdf;
    link.textContent = 'PDF';
    row.insertCell().appendChild(link);
    document.getElementById('bills').appendChild(row);
  }
  if (window.WIDGETS) fetch(window.WIDGETS + '/widgets.json');
}
fetch('/api/me').then(r => r.ok ? billsView() : loginView());
</script></body></html>"""


def create_app(state: State) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(16)

    @app.get("/")
    @app.get("/app/factures")
    def shell():
        if state.widgets_from:
            return SHELL.replace("<body>", f"<body><script>window.WIDGETS = '{state.widgets_from}';</script>")
        return SHELL

    @app.post("/api/login")
    def login():
        body = request.get_json(silent=True) or {}
        if body.get("email") != LOGIN or body.get("password") != PASSWORD:
            return jsonify(message="Adresse e-mail ou mot de passe invalide."), 401
        state.hits.add("login")
        state.hits.add(f"stay:{bool(body.get('stay'))}")
        session["user"] = LOGIN
        return jsonify(ok=True, token=TOKEN, customer=CUSTOMER)

    @app.get("/api/me")
    def me():
        return (jsonify(user=LOGIN), 200) if session.get("user") == LOGIN else (jsonify(message="401"), 401)

    @app.get("/api/bills")
    def bills():
        if session.get("user") != LOGIN and request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(message="not signed in"), 401
        state.hits.add("api:bills")
        return jsonify(count=len(BILLS), items=BILLS)

    @app.get("/api/bills/<bill>/pdf")
    def pdf(bill: str):
        if session.get("user") != LOGIN or bill not in PDFS:
            return jsonify(message="forbidden"), 403
        state.hits.add(f"pdf:{bill}")
        response = make_response(PDFS[bill])
        response.headers["Content-Type"] = "application/pdf"
        return response

    @app.get("/api/bills/<bill>/content")
    def content(bill: str):
        """Some APIs hand the PDF over as base64 inside JSON."""
        if session.get("user") != LOGIN or bill not in PDFS:
            return jsonify(message="forbidden"), 403
        state.hits.add(f"content:{bill}")
        return jsonify(fileName=f"{bill}.pdf", fileContent=base64.b64encode(PDFS[bill]).decode())

    return app
