"""Destination settings and retries through the real app (token, keyring, SQLite, SMTP on loopback)."""

from __future__ import annotations

import secrets

import keyring
import pytest

from backend.collectors import load_catalog
from backend.config import Settings
from backend.core import keyring_store, paired_browsers
from backend.delivery import settings as dsettings
from backend.demo.inbox import free_port
from backend.server.app import create_app
from backend.server.services import EXTENSION_KEY
from tests.helpers import make_pdf
from tests.test_delivery_support import (
    SMTP_PASSWORD,
    SMTP_USER,
    add_account,
    add_invoice,
    delivery,
    start_smtp,
    trust_test_cert,
    wait_for,
)

pytestmark = pytest.mark.keyring
__all__ = ["trust_test_cert"]
PORT = 47311
GOOD = {"inbox": "acme-sarl@box.libeo.io", "sender": "jeanne@acme.fr", "smtp_host": "smtp.example.com",
        "smtp_port": 587, "smtp_security": "starttls", "smtp_username": SMTP_USER}


@pytest.fixture
def app(home):
    application = create_app(Settings(port=PORT), catalog=load_catalog())
    yield application
    application.extensions[EXTENSION_KEY].stop(5)
    dsettings.set_password(None)


@pytest.fixture
def api(app):
    token = secrets.token_urlsafe(16)
    paired_browsers.add(token)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body=None):
        response = client.open(path, method=method, json=body, headers=headers,
                               base_url=f"http://127.0.0.1:{PORT}")
        return response.status_code, response.get_json()
    yield call
    paired_browsers.revoke_all()


def test_libeo_defaults(api):
    status, body = api("GET", "/api/settings/libeo")
    assert status == 200
    assert body["libeo"] == {"enabled": False, "inbox": "", "allow_other_inbox": False, "sender": "",
                             "smtp_host": "", "smtp_port": 587, "smtp_security": "starttls", "smtp_username": "",
                             "smtp_ca_cert": "",
                             "password_set": False, "paused_reason": None, "waiting": 0}


@pytest.mark.parametrize("body, field, words", [
    ({"inbox": "acme@gmail.com"}, "inbox", "box.libeo.io"),
    ({"inbox": "not an address"}, "inbox", "not an e-mail address"),
    ({"sender": "jeanne"}, "sender", "Libeo"),
    ({"smtp_host": "bad host!"}, "smtp_host", "host name"),
    ({"smtp_port": 70000}, "smtp_port", "between 1 and 65535"),
    ({"smtp_port": "587"}, "smtp_port", "whole number"),
    ({"smtp_security": "ssl"}, "smtp_security", "starttls, tls, plain"),
    ({"smtp_host": "smtp.example.com", "smtp_security": "plain"}, "smtp_security", "localhost"),
    ({"enabled": "yes"}, "enabled", "true or false"),
    ({"colour": "blue"}, "colour", "unknown field"),
    ({"smtp_password": 1234}, "smtp_password", "expected text"),
    ({"enabled": True}, "inbox", "required"),
    ({**GOOD, "enabled": True}, "smtp_password", "required"),
])
def test_libeo_bad_input_names_the_field(api, body, field, words):
    status, answer = api("PUT", "/api/settings/libeo", body)
    assert status == 400, answer
    assert answer["error"]["code"] == "BAD_REQUEST"
    assert words in answer["error"]["fields"][field]
    assert api("GET", "/api/settings/libeo")[1]["libeo"]["inbox"] == ""  # nothing saved


def test_libeo_save_keeps_the_password_in_the_keyring_only(api, app):
    status, body = api("PUT", "/api/settings/libeo", {**GOOD, "enabled": True, "smtp_password": SMTP_PASSWORD})
    assert status == 200, body
    assert body["libeo"]["password_set"] is True and body["libeo"]["enabled"] is True
    assert SMTP_PASSWORD not in str(body)
    assert keyring.get_password(keyring_store.service(), "smtp-password") == SMTP_PASSWORD
    store = app.extensions[EXTENSION_KEY].store
    for path in store.path.parent.glob(store.path.name + "*"):
        assert SMTP_PASSWORD.encode() not in path.read_bytes()
    status, body = api("PUT", "/api/settings/libeo", {"inbox": "other@example.org", "allow_other_inbox": True})
    assert status == 200 and body["libeo"]["inbox"] == "other@example.org"
    assert body["libeo"]["sender"] == "jeanne@acme.fr"  # a partial update keeps the rest
    status, body = api("PUT", "/api/settings/libeo", {"smtp_password": None, "enabled": False})
    assert status == 200 and body["libeo"]["password_set"] is False
    assert keyring.get_password(keyring_store.service(), "smtp-password") is None


def test_login_check_route(api, trust_test_cert, tmp_path):
    with start_smtp(tmp_path / "inbox") as server:
        api("PUT", "/api/settings/libeo", {**GOOD, "smtp_host": "localhost", "smtp_port": server.port,
                                           "smtp_password": SMTP_PASSWORD})
        assert api("POST", "/api/settings/libeo/test", {}) == (200, {"ok": True})
        status, body = api("POST", "/api/settings/libeo/test", {"smtp_password": "wrong"})
        assert status == 400
        assert "535" in body["error"]["message"] and "535" in body["error"]["fields"]["smtp_password"]
        assert server.handler.messages() == []
    status, body = api("POST", "/api/settings/libeo/test", {"smtp_port": free_port()})
    assert status == 502 and body["error"]["code"] == "UNAVAILABLE"
    assert "refused the connection" in body["error"]["message"]
    status, body = api("POST", "/api/settings/libeo/test", {"smtp_host": ""})
    assert status == 400 and "smtp_host" in body["error"]["fields"]


def test_folder_settings(api, tmp_path):
    assert api("GET", "/api/settings/folder") == (200, {"folder": {"enabled": False, "path": ""}})
    (tmp_path / "a-file").write_text("x")
    for body, words in (({"path": "relative/dir"}, "full path"), ({"path": str(tmp_path / "a-file")}, "not a folder"),
                        ({"enabled": True}, "required"), ({"enabled": 1}, "true or false")):
        status, answer = api("PUT", "/api/settings/folder", body)
        assert status == 400 and words in next(iter(answer["error"]["fields"].values())), answer
    target = tmp_path / "Factures" / "2026"
    status, answer = api("PUT", "/api/settings/folder", {"enabled": True, "path": str(target)})
    assert status == 200 and answer["folder"] == {"enabled": True, "path": str(target)}
    assert target.is_dir()


def test_permanent_failure_then_manual_retry_through_the_api(api, app, trust_test_cert, tmp_path):
    services = app.extensions[EXTENSION_KEY]
    with start_smtp(tmp_path / "inbox") as server:
        server.handler.replies = ["550 5.7.1 Sender not allowed to post to this inbox"]
        api("PUT", "/api/settings/libeo", {**GOOD, "enabled": True, "smtp_host": "localhost",
                                           "smtp_port": server.port, "smtp_password": SMTP_PASSWORD})
        invoice = add_invoice(services.store, add_account(services.store), "k1", make_pdf("retry"), number="R-1")
        services.start()
        wait_for(lambda: delivery(services.store, invoice)["status"] == "failed", what="failed")
        status, body = api("GET", f"/api/invoices/{invoice}")
        libeo = body["invoice"]["delivery"]["libeo"]
        assert libeo["status"] == "failed" and "550 5.7.1 Sender not allowed" in libeo["last_error"]
        status, body = api("POST", f"/api/invoices/{invoice}/retry", {})
        assert status == 200, body
        wait_for(lambda: delivery(services.store, invoice)["status"] == "sent", what="sent after manual retry")
        assert len(server.handler.messages()) == 1
        assert api("GET", f"/api/invoices/{invoice}")[1]["invoice"]["delivery"]["libeo"]["status"] == "sent"
        assert api("POST", f"/api/invoices/{invoice}/retry", {})[0] == 409
