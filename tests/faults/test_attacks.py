"""Attacks on the real `invoice-collector serve` (waitress on loopback):

- a real page on another origin (http://evil.localhost:PORT, a Flask app) loaded in real Chromium
  tries every way a web page can reach a local server — simple requests (text/plain and
  form-encoded fetch and <form> POSTs, sendBeacon, <img>), preflighted JSON requests, even with
  a stolen token — and nothing happens: no account, no job, no pairing attempt, no setting;
- DNS rebinding: the same requests with a foreign Host header (requests / http.client) are refused;
- pairing brute force is rate limited, and the attempts left survive a kill -9 restart;
- the token is never accepted from the query string."""

from __future__ import annotations

import http.client
import json
import os
import sqlite3

import pytest
import requests
from flask import Flask, request
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from backend.server import pairing
from tests.faults.harness import FIGURES, PROVIDER, Server, prepare_home, require_keyring, wait_for
from tests.faults.portal import LOGIN
from tests.helpers import free_port, serve

pytestmark = [pytest.mark.keyring, pytest.mark.browser]
ACCOUNT = {"provider": PROVIDER, "terms_accepted": True, "credentials": {"email": "mallory@example.com",
                                                                         "password": "Attack-Pw!0"}}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """The user's server, paired, with one account (the attacker wants to add, sync or delete)."""
    require_keyring()
    home = tmp_path_factory.mktemp("attacks") / "ic-home"
    port = free_port()
    prepare_home(home, port, "http://127.0.0.1:9")  # the portal is never reached here
    server = Server(home, port)
    previous = os.environ.get("INVOICE_COLLECTOR_HOME")
    os.environ["INVOICE_COLLECTOR_HOME"] = str(home)  # pairing windows are opened for this home
    try:
        server.start()
        server.pair()
        server.api("POST", "/api/accounts", {**ACCOUNT, "credentials": {"email": LOGIN, "password": "x"}},
                   expect=201)
        wait_for(lambda: not server.query("SELECT 1 FROM jobs WHERE state IN ('queued', 'running')"), 60,
                 "the first sync to end")
        yield server
    finally:
        server.cleanup()
        if previous is None:
            os.environ.pop("INVOICE_COLLECTOR_HOME", None)
        else:
            os.environ["INVOICE_COLLECTOR_HOME"] = previous


def state(server: Server) -> dict:
    """Everything an attack could change: every table, and the pairing window."""
    conn = sqlite3.connect(server.db_path)
    try:
        tables = list(conn.iterdump())
    finally:
        conn.close()
    window = pairing.pairing_file()
    return {"db": tables, "pairing": json.loads(window.read_text()) if window.exists() else None}


# ---- a hostile page in real Chromium --------------------------------------------------------------
ATTACK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Gagnez un iPhone</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f1" method="post" enctype="text/plain" target="sink" action="__BASE__/api/accounts">
  <input name='{"provider":"__PROVIDER__","terms_accepted":true,"credentials":{"email":"f1@evil.example","password":"' value='x"}}'>
</form>
<form id="f2" method="post" target="sink" action="__BASE__/api/pair"><input name="code" value="__CODE__"></form>
<form id="f3" method="post" enctype="text/plain" target="sink" action="__BASE__/api/accounts/1/sync">
  <input name='{"a":"' value='"}'></form>
<script>
const base = "__BASE__", token = "__TOKEN__", account = __ACCOUNT__;
const results = {};
async function attempt(name, fn) {
  try { const r = await fn(); results[name] = r.type === "opaque" ? "opaque" : "status " + r.status; }
  catch (e) { results[name] = "blocked: " + e.name; }
}
(async () => {
  const body = JSON.stringify(account);
  for (const host of [base, base.replace("127.0.0.1", "localhost")]) {
    await attempt(host + " text/plain POST", () => fetch(host + "/api/accounts",
      {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body}));
    await attempt(host + " form POST", () => fetch(host + "/api/accounts",
      {method: "POST", mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body}));
    await attempt(host + " sync text/plain", () => fetch(host + "/api/accounts/1/sync",
      {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}"}));
    await attempt(host + " pair text/plain", () => fetch(host + "/api/pair",
      {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: '{"code":"__CODE__"}'}));
    await attempt(host + " JSON POST (preflight)", () => fetch(host + "/api/accounts",
      {method: "POST", headers: {"Content-Type": "application/json"}, body}));
    await attempt(host + " JSON POST with a stolen token", () => fetch(host + "/api/accounts",
      {method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token}, body}));
    await attempt(host + " DELETE with a stolen token", () => fetch(host + "/api/accounts/1",
      {method: "DELETE", headers: {"Authorization": "Bearer " + token}}));
    await attempt(host + " PUT settings with a stolen token", () => fetch(host + "/api/settings/folder",
      {method: "PUT", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
       body: JSON.stringify({enabled: true, path: "/tmp/evil-copies"})}));
    await attempt(host + " read accounts with the token in the URL", () => fetch(host + "/api/accounts?token=" + token));
    await attempt(host + " read health", () => fetch(host + "/api/health"));
    results[host + " beacon"] = String(navigator.sendBeacon(host + "/api/accounts/1/sync", "{}"));
    await new Promise(done => { const img = new Image(); img.onload = img.onerror = done;
                                img.src = host + "/api/accounts?access_token=" + token; });
  }
  for (const id of ["f1", "f2", "f3"]) {
    await new Promise(done => { document.querySelector("iframe").onload = done; document.getElementById(id).submit(); });
  }
  await fetch("/done", {method: "POST", body: JSON.stringify(results)});
  window.attackDone = true;
})();
</script></body></html>"""


def attacker_app(base: str, token: str, code: str, reports: list) -> Flask:
    app = Flask("evil")

    @app.get("/")
    def page():
        return (ATTACK_PAGE.replace("__BASE__", base).replace("__TOKEN__", token).replace("__CODE__", code)
                .replace("__PROVIDER__", PROVIDER).replace("__ACCOUNT__", json.dumps(ACCOUNT)))

    @app.post("/done")
    def done():
        reports.append(json.loads(request.get_data()))
        return "", 204
    return app


def test_a_page_from_another_origin_cannot_do_anything_even_with_the_token(target, browser_config):
    code, _ = pairing.open_window()  # a pairing window is open: the page even knows its code
    before = state(target)
    reports: list = []
    options = webdriver.ChromeOptions()
    options.binary_location = browser_config.chrome_binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    with serve(attacker_app(target.base, target.token, code.replace("-", ""), reports)) as evil:
        evil_url = evil.replace("127.0.0.1", "evil.localhost")  # another origin, another name
        driver = webdriver.Chrome(service=Service(browser_config.chromedriver), options=options)
        try:
            driver.get(evil_url)
            wait_for(lambda: driver.execute_script("return window.attackDone === true"), 30, "the attack page")
        finally:
            driver.quit()
    [results] = reports
    FIGURES["cross-origin attempts from a page in Chromium"] += len(results) + 3  # and three <form> posts
    assert len(results) == 22, results  # every attempt ran (11 per host name)
    for name, outcome in results.items():
        if "(preflight)" in name or "token" in name or "read" in name:
            assert outcome.startswith("blocked"), f"{name}: {outcome}"  # no answer reached the page
        elif "beacon" not in name:
            assert outcome == "opaque", f"{name}: {outcome}"  # sent, never readable
    assert state(target) == before, "a cross-origin request changed the server's state"
    assert not any("mallory" in line or "evil" in line for line in state(target)["db"])
    assert pairing.pairing_file().exists() and json.loads(pairing.pairing_file().read_text())["attempts"] == 0


# ---- DNS rebinding ------------------------------------------------------------------------------------
REBINDING_HOSTS = ["evil.localhost:{port}", "attacker.example:{port}", "127.0.0.1.nip.io:{port}",
                   "localhost.evil.example:{port}", "127.0.0.1:{other}", "[::1]:{port}", "127.0.0.1"]


@pytest.mark.parametrize("host", REBINDING_HOSTS)
def test_dns_rebinding_requests_with_a_foreign_host_are_refused_even_with_the_token(target, host):
    """After a DNS rebinding, the attacker's page is same-origin with the server and can read its
    answers: only the Host header still tells. Sent with http.client, which sends it as given."""
    before = state(target)
    code, _ = pairing.open_window()
    sent_host = host.format(port=target.port, other=target.port + 1)
    attempts = [("GET", "/api/accounts", None), ("GET", "/api/health", None),
                ("POST", "/api/accounts", ACCOUNT), ("POST", "/api/accounts/1/sync", {}),
                ("DELETE", "/api/accounts/1", None), ("POST", "/api/pair", {"code": code}),
                ("PUT", "/api/settings/folder", {"enabled": True, "path": "/tmp/evil-copies"})]
    for method, path, body in attempts:
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        headers = {"Host": sent_host, "Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        answer = conn.getresponse()
        payload = answer.read()
        conn.close()
        assert answer.status == 403, (method, path, answer.status, payload[:200])
        assert b"mallory" not in payload and b'"accounts"' not in payload
    FIGURES["DNS-rebinding requests"] += len(attempts)
    after = state(target)
    after["pairing"], before["pairing"] = None, None  # a new window was opened by this test itself
    assert after == before
    assert json.loads(pairing.pairing_file().read_text())["attempts"] == 0


# ---- pairing and the token ---------------------------------------------------------------------------
def test_pairing_brute_force_is_rate_limited_and_its_count_survives_a_crash(target):
    code, _ = pairing.open_window()
    digits = code.replace("-", "")
    wrong = [f"{(int(digits) + n) % 1_000_000:06d}" for n in range(1, 40)]
    pair = lambda value: requests.post(f"{target.base}/api/pair", json={"code": value}, timeout=10)  # noqa: E731
    assert [pair(w).status_code for w in wrong[:3]] == [403, 403, 403]
    target.kill()  # the attacker crashes the server, hoping for a fresh count
    target.start()
    answers = [pair(w) for w in wrong[3:5]]
    assert [a.status_code for a in answers] == [403, 429]  # 5 attempts per window, whatever happened
    assert "no attempt left" in answers[-1].json()["error"]["message"]
    assert pair(digits).status_code == 403  # the right code is worthless now: the window is closed
    code, _ = pairing.open_window()  # a new window, and a fast attacker
    statuses = [pair(w).status_code for w in wrong[5:20]]
    assert statuses.count(429) >= 8 and 200 not in statuses  # 10 calls a minute at most, per server
    assert pair(code.replace("-", "")).status_code == 429  # even the right code waits a minute
    assert target.api("GET", "/api/accounts").status_code == 200


@pytest.mark.parametrize("name", ["token", "access_token", "api_key", "apikey", "key", "auth", "bearer",
                                  "authorization", "Token"])
def test_the_token_is_never_accepted_from_the_query_string(target, name):
    before = state(target)
    for method, path in (("GET", "/api/accounts"), ("POST", "/api/accounts/1/sync"), ("DELETE", "/api/accounts/1")):
        answer = requests.request(method, f"{target.base}{path}?{name}={target.token}", timeout=10,
                                  headers={"Content-Type": "application/json"}, data="{}" if method == "POST" else None)
        assert answer.status_code in (400, 401), (name, method, path, answer.status_code)
        assert "accounts" not in answer.json()
    assert state(target) == before
