"""The demo portal (Énergie Démo) and its bundled recipe, end to end in real Chromium."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from backend import paths
from backend.collectors.language.catalog import load_catalog
from backend.collectors.model import RunRequest
from backend.collectors.run.runner import run_collection
from backend.demo import DEMO_LOGIN, DEMO_PASSWORD, create_demo_app, load_invoices, publish_invoice, start_demo_portal
from backend.demo.portal import LOGIN_ERROR
from tests.helpers import free_port

NNBSP, NBSP = "\u202f", "\u00a0"
REPO = Path(__file__).resolve().parent.parent


def pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


# ---- the portal itself (Flask test client, no browser) ---------------------------------------

@pytest.fixture
def client(tmp_path):
    app = create_demo_app(tmp_path / "demo")
    return app.test_client()


def login(client, password=DEMO_PASSWORD):
    return client.post("/connexion", data={"email": DEMO_LOGIN, "password": password})


def test_first_visit_seeds_six_monthly_invoices(tmp_path):
    invoices = load_invoices(tmp_path)
    assert len(invoices) == 6
    today = dt.date.today()
    dates = [dt.date.fromisoformat(i["date"]) for i in invoices]
    assert all(d.day == 5 and d < today for d in dates) and dates == sorted(dates)
    assert len({(d.year, d.month) for d in dates}) == 6
    assert "1234.56" in [i["amount"] for i in invoices]
    assert json.loads((tmp_path / "invoices.json").read_text(encoding="utf-8"))["invoices"] == invoices


def test_wrong_password_shows_a_french_error_banner(client):
    page = login(client, "nope").get_data(as_text=True)
    assert f'<div class="alert alert-error" role="alert">{LOGIN_ERROR}</div>' in page
    assert client.get("/espace-client/factures").status_code == 302


def test_invoice_list_in_french_with_distinct_real_pdfs(client, tmp_path):
    assert login(client).status_code == 302
    page = client.get("/espace-client/factures").get_data(as_text=True)
    assert "Mes factures" in page and 'id="cookie-banner"' in page
    assert f"1{NNBSP}234,56{NBSP}€" in page
    invoices = load_invoices(tmp_path / "demo")
    first = dt.date.fromisoformat(invoices[0]["date"])
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
    assert f"5 {months[first.month - 1]} {first.year}" in page
    bodies = []
    for invoice in invoices:
        answer = client.get(f"/espace-client/factures/{invoice['id']}.pdf")
        assert answer.mimetype == "application/pdf"
        assert answer.headers["Content-Disposition"].startswith("attachment;")
        text = pdf_text(answer.data)
        assert f"Facture n° {invoice['number']}" in text and "Énergie Démo" in text
        bodies.append(answer.data)
    assert len(set(bodies)) == len(invoices)
    assert client.get(f"/espace-client/factures/{invoices[0]['id']}.pdf").data == bodies[0]  # stable bytes


def test_pdfs_need_a_session(client, tmp_path):
    invoice = load_invoices(tmp_path / "demo")[0]
    assert client.get(f"/espace-client/factures/{invoice['id']}.pdf").status_code == 403


def test_publish_by_http_and_by_function_share_one_persisted_list(client, tmp_path):
    state = tmp_path / "demo"
    answer = client.post("/admin/publish", json={"amount": "42.50", "date": "2024-07-01"})
    assert answer.status_code == 201
    published = answer.get_json()
    assert (published["id"], published["amount"], published["date"]) == ("ED-000007", "42.50", "2024-07-01")
    second = publish_invoice(state)
    assert second["id"] == "ED-000008" and second["date"] == dt.date.today().isoformat()
    # A new app on the same folder (a restart, another process) sees both.
    restarted = create_demo_app(state).test_client()
    assert [i["id"] for i in restarted.get("/admin/invoices").get_json()["invoices"]][-2:] == \
        ["ED-000007", "ED-000008"]
    login(restarted)
    assert "1er juillet 2024" in restarted.get("/espace-client/factures").get_data(as_text=True)


def test_publish_refuses_bad_requests_clearly(client):
    form = client.post("/admin/publish", data={"amount": "1"})
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]
    assert client.post("/admin/publish", json={"amount": "beaucoup"}).status_code == 400
    assert client.post("/admin/publish", json={"date": "05/06/2024"}).status_code == 400
    assert client.post("/admin/publish", json={"amount": -5}).status_code == 400
    assert client.post("/admin/publish", json=[1]).status_code == 400


def test_concurrent_publishers_never_reuse_a_number(tmp_path):
    state = tmp_path / "demo"
    load_invoices(state)
    script = "import sys; from pathlib import Path; from backend.demo import publish_invoice; " \
             "[publish_invoice(Path(sys.argv[1])) for _ in range(5)]"
    others = [subprocess.Popen([sys.executable, "-c", script, str(state)], cwd=REPO) for _ in range(2)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: publish_invoice(state), range(10)))
    assert [p.wait(30) for p in others] == [0, 0]
    ids = [i["id"] for i in load_invoices(state)]
    assert len(ids) == len(set(ids)) == 6 + 10 + 10


def test_serve_demo_portal_serves_with_waitress_in_its_own_process(tmp_path):
    state, port = tmp_path / "demo", free_port()
    script = "import sys; from pathlib import Path; from backend.demo import serve_demo_portal; " \
             "serve_demo_portal(Path(sys.argv[1]), int(sys.argv[2]))"
    process = subprocess.Popen([sys.executable, "-c", script, str(state), str(port)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, page = time.monotonic() + 20, None
        while page is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/connexion", timeout=2)
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.05)  # polling for the port to open, bounded by the deadline
        assert page.status_code == 200 and "Énergie Démo" in page.text
        assert page.headers["Server"] == "energie-demo"
        published = publish_invoice(state)  # from this process: the served portal shows it
        listing = requests.get(f"http://127.0.0.1:{port}/admin/invoices", timeout=5).json()["invoices"]
        assert listing[-1] == published
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def test_the_demo_child_moves_to_another_port_when_its_own_is_taken(tmp_path):
    """Another server's demo (or another program) holds the demo's port: the child starts anyway
    on a free port and says which, and the server points the recipe at it."""
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = subprocess.Popen([sys.executable, "-m", "backend.demo.service", "--portal-state",
                                  str(tmp_path / "portal"), "--inbox", str(tmp_path / "inbox"), "--port", str(port)],
                                 cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            started = json.loads(child.stdout.readline())
            assert started["portal"].startswith("http://127.0.0.1:") and not started["portal"].endswith(f":{port}")
            assert "Énergie Démo" in requests.get(f"{started['portal']}/connexion", timeout=5).text
        finally:
            child.stdin.close()  # the child's signal to stop
            assert child.wait(10) == 0
            child.stdout.close()


# ---- the bundled recipe against the demo portal, in Chromium ---------------------------------

@pytest.fixture(scope="module")
def demo_provider():
    catalog = load_catalog([paths.bundled_catalog()])
    assert not catalog.errors, "\n".join(map(str, catalog.errors))
    provider = catalog.get("demo-energie")
    assert provider.urls == {"portal": "http://127.0.0.1:47312"}
    assert (provider.status, provider.category, provider.terms.version) == ("stable", "énergie", "2024-06")
    assert [(c.name, c.label_fr, c.label_en, c.type) for c in provider.credentials] == [
        ("login", "Adresse e-mail", "E-mail address", "email"),
        ("password", "Mot de passe", "Password", "password")]
    return provider


def collect(provider, portal_url, tmp_path, browser_config, password=DEMO_PASSWORD, known=()):
    return run_collection(RunRequest(
        provider=provider, credentials={"login": DEMO_LOGIN, "password": password}, out_dir=tmp_path / "pdf",
        known_keys=set(known), url_overrides={"portal": portal_url}, browser=browser_config,
        trace_dir=tmp_path / "traces"))


def expected(invoice: dict) -> tuple:
    return (invoice["id"], invoice["number"], invoice["date"], invoice["due_date"],
            str(Decimal(invoice["amount"])), "EUR")


@pytest.mark.browser
def test_demo_recipe_collects_every_invoice_then_only_the_new_one(demo_provider, browser_config, tmp_path):
    state = tmp_path / "demo"
    with start_demo_portal(state) as portal:
        first = collect(demo_provider, portal.url, tmp_path / "1", browser_config)
        assert first.outcome == "OK", first.message
        newest_first = sorted(load_invoices(state), key=lambda i: i["date"], reverse=True)
        got = [(i.key, i.number, i.date.isoformat(), i.due_date.isoformat(), str(i.amount), i.currency)
               for i in first.invoices]
        assert got == [expected(i) for i in newest_first]
        for invoice in first.invoices:
            assert f"Facture n° {invoice.number}" in pdf_text(invoice.pdf_path.read_bytes())

        published = publish_invoice(state, amount="1234.5")
        second = collect(demo_provider, portal.url, tmp_path / "2", browser_config,
                         known={i.key for i in first.invoices})
        assert second.outcome == "OK", second.message
        assert (second.listed, second.known) == (7, 6)
        assert [(i.key, i.number, i.date.isoformat(), str(i.amount)) for i in second.invoices] == \
            [(published["id"], published["number"], dt.date.today().isoformat(), "1234.50")]
        assert "Montant TTC : 1 234,50 €" in pdf_text(second.invoices[0].pdf_path.read_bytes())


@pytest.mark.browser
def test_demo_recipe_wrong_password_is_login_failed_in_french(demo_provider, browser_config, tmp_path):
    with start_demo_portal(tmp_path / "demo") as portal:
        result = collect(demo_provider, portal.url, tmp_path, browser_config, password="Not-The-Demo-pw&1")
    assert (result.outcome, result.message) == ("LOGIN_FAILED", LOGIN_ERROR)
