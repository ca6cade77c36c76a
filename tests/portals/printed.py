"""A portal whose invoices are web pages, with no PDF to download: the list links to each
invoice's own page (a styled HTML invoice). `password_on_pages` puts a filled password field on
them (a page that must never be printed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, abort, render_template_string

from tests.portals.common import Hits

# number, date as shown, amount as shown, ISO date, amount
INVOICES = [("FA-2024-0611", "11/06/2024", "86,40 €", "2024-06-11", "86.40"),
            ("FA-2024-0712", "12/07/2024", "91,05 €", "2024-07-12", "91.05")]


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    password_on_pages: bool = False


LIST_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mes factures</title></head>
<body><table class="factures"><tbody>
{% for number, date, amount, _, _ in invoices %}
<tr><td class="numero">{{ number }}</td><td class="date">{{ date }}</td><td class="total">{{ amount }}</td>
<td><a class="voir-facture" href="/factures/{{ number }}">Voir la facture</a></td></tr>
{% endfor %}</tbody></table></body></html>"""

INVOICE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Facture {{ number }}</title>
<style>body{font-family:sans-serif;margin:2cm} header{background:#0b4f6c;color:#fff;padding:1em}
td{padding:.3em 1em}</style></head><body>
<header><h1>Facture {{ number }}</h1><p>Imprimerie Locale SARL</p></header>
<p>Date : {{ date }}</p>
<table><tr><td>Abonnement mensuel</td><td>{{ amount }}</td></tr><tr><th>Total TTC</th><th>{{ amount }}</th></tr></table>
{% if password %}<form><input type="password" name="pw" value="motdepasse-du-portail"></form>{% endif %}
</body></html>"""


def create_app(state: State) -> Flask:
    app = Flask("printed")
    by_number = {row[0]: row for row in INVOICES}

    @app.get("/factures")
    def invoices():
        return render_template_string(LIST_PAGE, invoices=INVOICES)

    @app.get("/factures/<number>")
    def invoice(number: str):
        if number not in by_number:
            abort(404)
        state.hits.add(f"page:{number}")
        _, date, amount, _, _ = by_number[number]
        return render_template_string(INVOICE_PAGE, number=number, date=date, amount=amount,
                                      password=state.password_on_pages)

    return app
