"""A portal behind the web server's own login prompt (HTTP authentication): every page, JSON
answer and PDF asks for basic credentials, or digest ones (RFC 7616, MD5, qop=auth: werkzeug has
no server side for it, so it is here, minimal). Also a page that loads an image from another
origin, an address that redirects there and a PDF link that does: that origin (`outsider`)
challenges too, and records every Authorization header it receives.

create_app(state, scheme) serves one scheme; the tests run one server per scheme."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from flask import Flask, Response, abort, jsonify, redirect, render_template_string, request

from tests.helpers import make_pdf
from tests.portals.common import Hits

LOGIN = "compteur-42"
PASSWORD = "Ht7p&Auth\"pw:9<x>"  # a colon, quotes, HTML characters: hunted in traces
REALM = "Espace client Hydra"
INVOICES = [("FAC-H-001", "05/01/2024", "40,50 €", "2024-01-05", "40.50"),
            ("FAC-H-002", "05/02/2024", "38,20 €", "2024-02-05", "38.20")]
PDFS = {number: make_pdf(f"httpauth {number}") for number, *_ in INVOICES}


@dataclass
class State:
    hits: Hits = field(default_factory=Hits)
    outsider: str = ""  # the other origin's address, set by the test
    nonces: set[str] = field(default_factory=set)
    authorizations: list[str] = field(default_factory=list)  # what each protected request carried


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # RFC 7616 MD5, as such portals use it


def digest_valid(parameters: dict[str, str], method: str, nonces: set[str]) -> bool:
    """RFC 7616 with MD5 and qop=auth: the response a client that knows the password computes."""
    if parameters.get("username") != LOGIN or parameters.get("nonce") not in nonces:
        return False
    if parameters.get("qop") != "auth" or parameters.get("uri") != request.full_path.rstrip("?"):
        return False
    ha1 = _md5(f"{LOGIN}:{REALM}:{PASSWORD}")
    ha2 = _md5(f"{method}:{parameters['uri']}")
    expected = _md5(":".join([ha1, parameters["nonce"], parameters.get("nc", ""), parameters.get("cnonce", ""),
                              "auth", ha2]))
    return hmac.compare_digest(expected, parameters.get("response", ""))


def challenge(state: State, scheme: str) -> Response:
    if scheme == "digest":
        nonce = secrets.token_hex(16)
        state.nonces.add(nonce)
        header = f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{nonce}", opaque="{secrets.token_hex(8)}"'
    else:
        header = f'Basic realm="{REALM}", charset="UTF-8"'
    return Response("<h1>401 Identification refusée</h1>", 401, {"WWW-Authenticate": header})


def authorized(state: State, scheme: str) -> bool:
    auth = request.authorization
    state.authorizations.append(request.headers.get("Authorization", ""))
    if auth is None or auth.type != scheme:
        return False
    if scheme == "basic":
        return auth.username == LOGIN and auth.password == PASSWORD
    return digest_valid(auth.parameters, request.method, state.nonces)


LIST_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Factures</title></head><body>
<h1>Vos factures</h1>
<table id="factures"><tbody>
{% for number, date, amount, _, _ in invoices %}
<tr><td class="numero">{{ number }}</td><td class="date">{{ date }}</td><td class="montant">{{ amount }}</td>
<td><a class="pdf" href="{{ pdf_link(number) }}">PDF</a></td></tr>
{% endfor %}</tbody></table>
{% if outsider %}<img id="ailleurs" src="{{ outsider }}/logo.png" alt="">{% endif %}
</body></html>"""


def create_app(state: State, scheme: str, pdfs_elsewhere: bool = False) -> Flask:
    """The portal: `pdfs_elsewhere` makes the last PDF link redirect to the outsider origin."""
    app = Flask(f"httpauth-{scheme}")

    @app.before_request
    def protect():
        if not authorized(state, scheme):
            state.hits.add("challenged")
            return challenge(state, scheme)
        state.hits.add("authorized")
        return None

    def pdf_link(number: str) -> str:
        if pdfs_elsewhere and number == INVOICES[-1][0]:
            return f"/vers-ailleurs?to={state.outsider}/{number}.pdf"
        return f"/factures/{number}.pdf"

    @app.get("/factures")
    def invoices():
        return render_template_string(LIST_PAGE, invoices=INVOICES, pdf_link=pdf_link,
                                      outsider=state.outsider if pdfs_elsewhere else "")

    @app.get("/api/compte")
    def account():
        return jsonify({"client": "Mme Hydra", "factures": len(INVOICES)})

    @app.get("/factures/<number>.pdf")
    def pdf(number: str):
        if number not in PDFS:
            abort(404)
        state.hits.add(f"pdf:{number}")
        return Response(PDFS[number], mimetype="application/pdf")

    @app.get("/vers-ailleurs")
    def elsewhere():
        return redirect(request.args["to"])

    @app.get("/aller-ailleurs")
    def go_elsewhere():  # a page of the portal that sends the browser to the other origin
        return redirect(f"{state.outsider}/page")

    return app


def create_outsider(seen: list[str]) -> Flask:
    """Another origin, challenging for basic credentials: it must never receive any."""
    app = Flask("outsider")

    @app.before_request
    def record():
        seen.append(f"{request.path} {request.headers.get('Authorization', '')}")
        return Response("<h1>401 Ailleurs</h1>", 401, {"WWW-Authenticate": f'Basic realm="{REALM}"'})

    return app
