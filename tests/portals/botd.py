"""A portal behind a bot check: FingerprintJS BotD (the open-source detector, served from loopback)
decides, as DataDome or Akamai would, whether the visitor sees the invoice list or a block page.

BotD itself is not in the repository: scripts/setup.sh fetches @fingerprintjs/botd with `npm pack`
into tests/.vendor/ (BOTD_FILE), checking the SHA-256 below. The `/signals` page reports every
signal a bot check reads (main document, an iframe and a worker) so that a regression names it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, jsonify, request

from tests.helpers import make_pdf
from tests.portals.common import Hits

BOTD_VERSION = "2.0.0"
BOTD_FILE = Path(__file__).resolve().parents[1] / ".vendor" / f"botd-{BOTD_VERSION}" / "botd.esm.js"
BOTD_SHA256 = "f438ed251dc7414ece9d4a2b6941441ad9ffae1a1905817f5f0c7366e701dd86"
PDF = make_pdf("invoice behind a bot check")

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Espace client</title></head>
<body><h1>Espace client</h1><main id="main">Vérification de votre navigateur…</main>
<script type="module">
import {load} from '/botd.esm.js';
const botd = await load({monitoring: false});
const verdict = botd.detect();
await fetch('/verdict', {method: 'POST', headers: {'Content-Type': 'application/json'},
                         body: JSON.stringify({verdict, detections: botd.getDetections()})});
document.getElementById('main').innerHTML = verdict.bot
  ? '<div id="blocked">Accès refusé : vous êtes un robot (' + verdict.botKind + ').</div>'
  : '<table id="factures"><tbody><tr><td class="numero">FB-001</td><td class="date">05/03/2024</td>'
    + '<td class="montant">42,00 €</td><td><a class="pdf" href="/facture.pdf">PDF</a></td></tr></tbody></table>';
</script></body></html>"""

SIGNALS = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Signaux</title></head><body>
<iframe id="frame" src="/frame"></iframe>
<script>
const read = () => ({ua: navigator.userAgent, webdriver: navigator.webdriver,
  brands: navigator.userAgentData ? navigator.userAgentData.brands.map(b => b.brand) : null});
window.signals = new Promise(async resolve => {
  const worker = await new Promise(done => {
    const w = new Worker('/worker.js'); w.onmessage = e => done(e.data); });
  await new Promise(done => { const f = document.getElementById('frame');
    if (f.contentWindow && f.contentWindow.document.readyState === 'complete') done(); else f.onload = done; });
  const frame = document.getElementById('frame').contentWindow.read();
  const query = await navigator.permissions.query({name: 'notifications'});
  resolve({main: read(), frame, worker,
    automation: Object.getOwnPropertyNames(window).filter(p => /^[a-z]{3}_.*_(Array|Promise|Symbol)$/.test(p)),
    window: [outerWidth, outerHeight], screen: [screen.width, screen.height],
    languages: navigator.languages, offset: new Date(2024, 0, 15).getTimezoneOffset(),
    summerOffset: new Date(2024, 6, 15).getTimezoneOffset(),
    plugins: navigator.plugins.length, notification: [Notification.permission, query.state]});
});
</script></body></html>"""
FRAME = ("<!doctype html><html><body>cadre<script>window.read = () => ({ua: navigator.userAgent, "
         "webdriver: navigator.webdriver});</script></body></html>")
WORKER = "postMessage({ua: navigator.userAgent, webdriver: navigator.webdriver});"


@dataclass
class State:
    verdicts: list[dict] = field(default_factory=list)
    hits: Hits = field(default_factory=Hits)


def botd_source() -> bytes:
    data = BOTD_FILE.read_bytes()  # missing: run scripts/setup.sh (it fetches BotD with npm pack)
    assert hashlib.sha256(data).hexdigest() == BOTD_SHA256, f"{BOTD_FILE} is not BotD {BOTD_VERSION}"
    return data


def create_app(state: State) -> Flask:
    app = Flask("botd_portal")
    source = botd_source()

    @app.get("/")
    def home() -> str:
        return PAGE

    @app.get("/botd.esm.js")
    def botd() -> Response:
        return Response(source, mimetype="text/javascript")

    @app.post("/verdict")
    def verdict() -> Response:
        state.verdicts.append(request.get_json())
        return jsonify(ok=True)

    @app.get("/facture.pdf")
    def pdf() -> Response:
        state.hits.add("pdf")
        return Response(PDF, mimetype="application/pdf")

    @app.get("/signals")
    def signals() -> str:
        return SIGNALS

    @app.get("/frame")
    def frame() -> str:
        return FRAME

    @app.get("/worker.js")
    def worker() -> Response:
        return Response(WORKER, mimetype="text/javascript")

    return app
