"""No secret ever reaches a file. Runs of the real `invoice-collector serve` use DISTINCTIVE values —
account passwords (right, wrong, changed), TOTP seeds (right and wrong), the SMTP password (right
and a wrong one tried in the login check) and the API token — through successful collections and
deliveries, LOGIN_FAILED / OTP_WRONG / RECIPE_BROKEN runs (traces with screenshots and HTML dumps
of pages that echo what was typed), then a kill -9 (the WAL stays). Every file under
INVOICE_COLLECTOR_HOME — the database and its -wal, logs, traces, HTML dumps, config.json, the
browser profiles, the server's output — is read in every spelling a secret can take (as typed,
HTML entities, URL and JSON escapes): none is found."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.demo.inbox import LocalSmtpServer
from tests.faults.harness import FIGURES, PROVIDER, Server, prepare_home, require_keyring, wait_for
from tests.faults.portal import LOGIN, FaultPortal
from tests.helpers import free_port, serve
from tests.portals.common import leaks
from tests.test_delivery_support import CERT, ScriptedInbox, server_tls_context

pytestmark = [pytest.mark.keyring, pytest.mark.browser]

PASSWORD = "Zq7!pw-Alice<&>\"'#9413"
TOTP_SEED = "KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD"
WRONG_TOTP_SEED = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE4TT"
WRONG_PASSWORD = "Wr0ng%Bob&pass=\"x\"<y>'7781"
CHANGED_WRONG_PASSWORD = "Ch4nged+Wrong/Bob?pw=5521"
SMTP_USER = "compta@acme.fr"
SMTP_PASSWORD = "Smtp#Pa55-Wd!7720&x"
WRONG_SMTP_PASSWORD = "Bad$Smtp-Pw!9930"
BOB = "bob@example.com"
TODAY = dt.date.today()


@pytest.fixture
def secret_world(home, tmp_path):
    require_keyring()
    portal = FaultPortal(password=PASSWORD, totp_secret=TOTP_SEED, other_users={BOB: "Bob-Right-Pw!1"})
    for n in range(3):
        portal.publish(f"SEC-{n}", TODAY - dt.timedelta(days=n + 1))
    smtp = LocalSmtpServer(ScriptedInbox(tmp_path / "inbox"), tls="starttls", tls_context=server_tls_context(),
                           users={SMTP_USER: SMTP_PASSWORD}).start()
    try:
        with serve(portal.app()) as url:
            port = free_port()
            prepare_home(home, port, url)
            server = Server(home, port, env={"SSL_CERT_FILE": str(CERT)})
            try:
                yield portal, smtp, server
            finally:
                portal.released.set()
                server.cleanup()
    finally:
        smtp.stop()


def settled(server: Server, account_id: int) -> dict | None:
    shown = server.api("GET", f"/api/accounts/{account_id}", expect=200).json()["account"]
    return shown if shown["state"] not in ("new", "syncing") else None


def sync(server: Server, account_id: int) -> dict:
    server.api("POST", f"/api/accounts/{account_id}/sync", expect=202)
    return wait_for(lambda: settled(server, account_id), 60, "the sync to end")


def test_no_secret_in_any_file_after_runs_that_used_them(secret_world):
    portal, smtp, server = secret_world
    server.start()
    token = server.pair()
    libeo = {"enabled": True, "inbox": "acme@box.libeo.io", "sender": SMTP_USER, "smtp_host": "localhost",
             "smtp_port": smtp.port, "smtp_security": "starttls", "smtp_username": SMTP_USER}
    refused = server.api("POST", "/api/settings/libeo/test", {**libeo, "smtp_password": WRONG_SMTP_PASSWORD})
    assert refused.status_code == 400 and WRONG_SMTP_PASSWORD not in refused.text  # 535 from the server
    server.api("PUT", "/api/settings/libeo", {**libeo, "smtp_password": SMTP_PASSWORD}, expect=200)

    alice = server.api("POST", "/api/accounts", {
        "provider": PROVIDER, "terms_accepted": True, "since": "2000-01-01",
        "credentials": {"email": LOGIN, "password": PASSWORD, "totp_secret": TOTP_SEED}}, expect=201).json()
    alice_id = alice["account"]["id"]
    shown = wait_for(lambda: settled(server, alice_id), 60, "alice's first sync (password + TOTP)")
    assert shown["last_outcome"]["code"] == "OK" and shown["invoices_collected"] == 3
    wait_for(lambda: len(smtp.handler.messages()) == 3, 30, "three invoices mailed with the SMTP password")

    bob = server.api("POST", "/api/accounts", {
        "provider": PROVIDER, "terms_accepted": True,
        "credentials": {"email": BOB, "password": WRONG_PASSWORD}}, expect=201).json()["account"]["id"]
    assert wait_for(lambda: settled(server, bob), 60, "bob's sync")["last_outcome"]["code"] == "LOGIN_FAILED"
    server.api("PUT", f"/api/accounts/{bob}/credentials", {"credentials": {"password": CHANGED_WRONG_PASSWORD}},
               expect=200)
    wait_for(lambda: portal.hits[f"login_post:{BOB}"] == 2 and settled(server, bob), 60, "bob's second try",
             explain=server.diagnose)

    portal.layout = "v2"  # a redesign: a trace of the page alice sees once logged in
    assert sync(server, alice_id)["last_outcome"]["code"] == "RECIPE_BROKEN"
    portal.layout = "v1"
    server.api("PUT", f"/api/accounts/{alice_id}/credentials", {"credentials": {"totp_secret": WRONG_TOTP_SEED}},
               expect=200)  # new credentials are tried at once by the scheduler
    wait_for(lambda: (settled(server, alice_id) or {}).get("last_outcome", {}).get("code") == "OTP_WRONG", 60,
             "a sync with the wrong TOTP seed")

    traces = sorted((server.home / "data" / "traces").iterdir())
    assert len(traces) == 4 and all((t / "page.html").is_file() and (t / "screenshot.png").is_file() for t in traces)
    server.kill()  # the WAL is left as a crash leaves it
    assert (server.db_path.parent / (server.db_path.name + "-wal")).exists()

    secrets = [PASSWORD, WRONG_PASSWORD, CHANGED_WRONG_PASSWORD, TOTP_SEED, WRONG_TOTP_SEED, SMTP_PASSWORD,
               WRONG_SMTP_PASSWORD, token]
    files = [p for p in server.home.rglob("*") if p.is_file()]
    assert len(files) > 50 and sum(p.stat().st_size for p in files) > 1_000_000  # the profiles are in there too
    assert leaks(server.home, secrets) == []
    FIGURES["files searched for secrets"] += len(files)
    FIGURES["distinct secrets searched (each in 5 spellings)"] += len(secrets)
    assert "data-last-attempt=\"••••••\"" in "".join((t / "page.html").read_text() for t in traces)  # masked
    for key in ("SEC-0", "SEC-1", "SEC-2"):
        assert server.query("SELECT 1 FROM invoices WHERE key = ? AND sha256 IS NOT NULL", (key,))
    assert not any(s.encode() in (server.home / "serve-output.txt").read_bytes() for s in secrets)
