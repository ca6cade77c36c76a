"""The door: every refusal happens before any side effect (no account, no keyring entry, no job).

Web pages can send "simple" requests (GET, form and text/plain POSTs) that CORS does not stop;
DNS rebinding sends them with a hostile Host. All must do nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import keyring
import pytest

from backend.config import Settings
from backend.core import paired_browsers
from backend.core.keyring_store import service
from backend.core.paired_browsers import PAIRINGS_USER
from backend.server import pairing, security
from backend.server.app import create_app
from tests.helpers import assert_api_error
from tests.server.conftest import BASE, EXTENSION_ORIGIN, PASSWORD, pair

BODY = {"provider": "test-portal", "terms_accepted": True,
        "credentials": {"email": "mallory@example.com", "password": PASSWORD}}


def nothing_happened(api) -> None:
    assert api.services.store.query("SELECT * FROM accounts") == []
    assert api.services.store.query("SELECT * FROM jobs") == []
    assert keyring.get_password(service(), "account:1:password") is None


def test_extension_id_is_derived_from_the_manifest_key():
    assert security.manifest_extension_id() == "jkchianpjnkiakaaelbicibbfbgdngeg"
    origins = security.allowed_origins(Settings(extension_ids=["abcdefghijklmnopabcdefghijklmnop", "not an id"]))
    assert origins == ["chrome-extension://abcdefghijklmnopabcdefghijklmnop", EXTENSION_ORIGIN]


@pytest.mark.parametrize("host", ["evil.example:47311", "127.0.0.1:8080", "localhost", "127.0.0.1.nip.io:47311",
                                  "[::1]:47311", ""])
def test_foreign_host_is_refused_before_anything(api, host):
    response = api.call("POST", "/api/accounts", BODY, headers={"Host": host})
    assert_api_error(response, 403, "FORBIDDEN")
    assert api.call("GET", "/api/health", headers={"Host": host}).status_code == 403
    nothing_happened(api)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:47311",
                                    "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
def test_foreign_origin_is_refused_before_any_side_effect(api, origin):
    response = api.call("POST", "/api/accounts", BODY, headers={"Origin": origin})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    nothing_happened(api)
    pairing_code, _ = pairing.open_window()
    response = api.client.post("/api/pair", json={"code": pairing_code}, base_url=BASE, headers={"Origin": origin})
    assert response.status_code == 403 and "token" not in response.get_json()
    assert pairing.pairing_file().exists()  # not even an attempt was counted
    assert json.loads(pairing.pairing_file().read_text())["attempts"] == 0


def test_our_extension_gets_cors_headers_and_preflights_answer_only_it(api):
    response = api.get("/api/accounts")
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    preflight = api.client.options("/api/accounts", base_url=BASE, headers={
        "Origin": EXTENSION_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert preflight.headers.get("Access-Control-Allow-Private-Network") in (None, "false")
    hostile = api.client.options("/api/accounts", base_url=BASE, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert hostile.status_code == 403 and "Access-Control-Allow-Origin" not in hostile.headers


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "token"])
def test_missing_or_wrong_token_is_refused(api, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    client_token, api.token = api.token, None
    try:
        for method, path in (("POST", "/api/accounts"), ("GET", "/api/accounts"), ("GET", "/api/openapi.json"),
                             ("GET", "/api/invoices"), ("DELETE", "/api/accounts/1")):
            response = api.call(method, path, BODY if method == "POST" else None, headers=headers)
            assert_api_error(response, 401, "UNAUTHORIZED")
    finally:
        api.token = client_token
    nothing_happened(api)


@pytest.mark.parametrize("name", ["token", "access_token", "api_key"])
def test_a_token_in_the_query_string_is_refused_even_with_a_valid_header(api, name):
    response = api.call("POST", f"/api/accounts?{name}={api.token}", BODY)
    assert_api_error(response, 400, field="token")
    assert api.get(f"/api/accounts?{name}={api.token}").status_code == 400
    nothing_happened(api)


def test_text_plain_and_form_posts_do_nothing(api):
    as_text = api.call("POST", "/api/accounts", data=json.dumps(BODY), headers={"Content-Type": "text/plain"})
    assert_api_error(as_text, 415, "UNSUPPORTED_MEDIA_TYPE")
    as_form = api.call("POST", "/api/accounts", data={"provider": "test-portal", "terms_accepted": "true"})
    assert as_form.status_code == 415
    no_type = api.call("POST", "/api/accounts", data=json.dumps(BODY), headers={"Content-Type": ""})
    assert no_type.status_code == 415
    nothing_happened(api)


def test_delete_with_a_non_json_body_does_nothing(api, runner):
    account = api.create()["account"]
    api.wait_idle()
    response = api.call("DELETE", f"/api/accounts/{account['id']}", data="x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert api.get(f"/api/accounts/{account['id']}").status_code == 200
    assert api.delete(f"/api/accounts/{account['id']}").status_code == 204  # no body, no type: fine


def test_sync_needs_json_too(api, runner):
    account = api.create()["account"]
    api.wait_idle()
    response = api.call("POST", f"/api/accounts/{account['id']}/sync", data="",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert len(runner.requests) == 1


# ---- pairing ------------------------------------------------------------------------------------------
def test_pairing_window_file_is_private_and_holds_no_code(home, keyring_ready):
    code, expires = pairing.open_window()
    path = pairing.pairing_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert code.replace("-", "") not in text and code not in text
    assert len(code) == 7 and code[3] == "-"
    assert dt.timedelta(seconds=100) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(seconds=120)


def test_pairing_gives_a_token_kept_only_as_a_hash(make_api):
    api = make_api()
    stored = keyring.get_password(service(), PAIRINGS_USER)
    assert stored and api.token not in stored
    assert [p["digest"] for p in json.loads(stored)] == [paired_browsers.token_digest(api.token)]
    assert not pairing.pairing_file().exists()  # one use only
    assert api.get("/api/accounts").status_code == 200


def test_without_a_window_or_with_an_expired_code_pairing_is_refused(make_api):
    api = make_api()
    response = api.client.post("/api/pair", json={"code": "123-456"}, base_url=BASE)
    assert "invoice-collector pair" in assert_api_error(response, 403)["message"]
    code, _ = pairing.open_window(now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3))
    response = api.client.post("/api/pair", json={"code": code}, base_url=BASE)
    assert "expired" in assert_api_error(response, 403)["message"]
    assert not pairing.pairing_file().exists()


@pytest.mark.parametrize("code", ["12345", "abc-def", "1234567", 123456, None])
def test_malformed_codes_are_400(make_api, code):
    api = make_api()
    pairing.open_window()
    response = api.client.post("/api/pair", json={"code": code}, base_url=BASE)
    assert_api_error(response, 400, field="code")


def test_brute_force_closes_the_window_and_is_rate_limited(make_api):
    api = make_api()
    token_before = keyring.get_password(service(), PAIRINGS_USER)
    code, _ = pairing.open_window()
    wrong = [f"{(int(code.replace('-', '')) + n) % 1_000_000:06d}" for n in range(1, 7)]
    statuses = [api.client.post("/api/pair", json={"code": w}, base_url=BASE).status_code for w in wrong[:5]]
    assert statuses == [403, 403, 403, 403, 429]
    right = api.client.post("/api/pair", json={"code": code}, base_url=BASE)
    assert right.status_code == 403 and "token" not in right.get_json()  # the window closed
    assert keyring.get_password(service(), PAIRINGS_USER) == token_before
    code, _ = pairing.open_window()
    statuses = [api.client.post("/api/pair", json={"code": "000-000"}, base_url=BASE).status_code for _ in range(5)]
    assert statuses[-1] == 429  # 10 calls a minute at most, whatever the window
    assert api.client.post("/api/pair", json={"code": code}, base_url=BASE).status_code == 429


def test_revoking_the_token_locks_the_door(make_api):
    api = make_api()
    assert api.get("/api/accounts").status_code == 200
    paired_browsers.revoke_all()
    assert api.get("/api/accounts").status_code == 401
    api.token = pair(api.app)
    assert api.get("/api/accounts").status_code == 200


def test_a_second_app_sees_the_pairings_made_and_revoked_by_the_first(make_api):
    first = make_api()
    second = create_app(Settings(port=47311))
    try:
        client = second.test_client()
        headers = {"Authorization": f"Bearer {first.token}"}
        assert client.get("/api/accounts", base_url=BASE, headers=headers).status_code == 200
        other = pair(first.app)
        assert client.get("/api/accounts", base_url=BASE,
                          headers={"Authorization": f"Bearer {other}"}).status_code == 200
        paired_browsers.revoke_all()
        assert client.get("/api/accounts", base_url=BASE, headers=headers).status_code == 401
    finally:
        second.extensions["invoice_collector"].stop(5)
