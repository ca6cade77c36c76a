"""What the door answers when it refuses a request: the panel shows these messages as they are,
so each says what was wrong and what to do, in both languages; and the spellings of a valid
request it lets through (a Host in capitals, a JSON type with its charset, spaces around the token)."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from backend.config import Settings
from backend.server import security
from tests.helpers import assert_api_error
from tests.server.conftest import BASE, EXTENSION_ORIGIN, PORT
from tests.server.test_server_security import BODY, nothing_happened


def test_a_foreign_host_is_named_and_the_right_address_given(api):
    error = assert_api_error(api.call("GET", "/api/accounts", headers={"Host": "Evil.Example:47311"}), 403, "FORBIDDEN")
    assert (error["message_en"], error["message_fr"]) == (
        f"Host 'evil.example:47311' is not allowed: use http://127.0.0.1:{PORT}",
        f"l'hôte « evil.example:47311 » n'est pas permis : utilisez http://127.0.0.1:{PORT}")


@pytest.mark.parametrize("host", [f"LocalHost:{PORT}", f"127.0.0.1:{PORT}", f"localhost:{PORT}"])
def test_our_own_address_is_let_through_whatever_its_case(api, host):
    assert api.call("GET", "/api/accounts", headers={"Host": host}).status_code == 200


def test_a_foreign_origin_is_named(api):
    error = assert_api_error(api.call("POST", "/api/accounts", BODY, headers={"Origin": "https://evil.example"}),
                             403, "FORBIDDEN")
    assert (error["message_en"], error["message_fr"]) == (
        "requests from https://evil.example are not allowed",
        "les requêtes venant de https://evil.example ne sont pas permises")
    nothing_happened(api)


def test_a_token_in_the_address_is_refused_saying_where_it_belongs(api):
    error = assert_api_error(api.get(f"/api/accounts?token={api.token}"), 400, "BAD_REQUEST", field="token")
    assert (error["message_en"], error["message_fr"]) == (
        "never put the token in the URL: send the header `Authorization: Bearer <token>`",
        "ne mettez jamais le jeton dans l'adresse : envoyez l'en-tête `Authorization: Bearer <jeton>`")
    assert error["fields"]["token"] == "not allowed in the query string"
    french = api.get(f"/api/accounts?token={api.token}", headers={"Accept-Language": "fr"}).get_json()["error"]
    assert french["fields"]["token"] == "interdit dans l'adresse"


def test_a_missing_token_asks_to_pair_and_an_unknown_one_to_pair_again(api):
    token, api.token = api.token, None
    try:
        missing = assert_api_error(api.get("/api/accounts"), 401, "UNAUTHORIZED")
        unknown = assert_api_error(api.get("/api/accounts", headers={"Authorization": "Bearer not-a-token"}),
                                   401, "UNAUTHORIZED")
        blank = assert_api_error(api.get("/api/accounts", headers={"Authorization": "Bearer    "}),
                                 401, "UNAUTHORIZED")
        assert api.get("/api/accounts", headers={"Authorization": f"Bearer   {token}  "}).status_code == 200
    finally:
        api.token = token
    assert (missing["message_en"], missing["message_fr"]) == (
        "missing `Authorization: Bearer <token>`: pair the extension with `invoice-collector pair`",
        "ce navigateur n'est pas associé : associez-le avec `invoice-collector pair`")
    assert blank["message_en"] == missing["message_en"]
    assert (unknown["message_en"], unknown["message_fr"]) == (
        "unknown or revoked token: pair the extension again with `invoice-collector pair`",
        "association inconnue ou révoquée : associez à nouveau ce navigateur avec `invoice-collector pair`")


def test_a_body_that_is_not_json_is_refused_saying_what_to_send(api):
    error = assert_api_error(api.call("POST", "/api/accounts", data=json.dumps(BODY),
                                      headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert (error["message_en"], error["message_fr"]) == (
        "send `Content-Type: application/json` with a JSON body",
        "envoyez `Content-Type: application/json` avec un corps JSON")
    nothing_happened(api)
    with_charset = api.call("POST", "/api/accounts", data=json.dumps({"provider": "nope"}),
                            headers={"Content-Type": "application/json; charset=utf-8"})
    assert with_charset.status_code == 400  # through the door: the route itself refuses the unknown provider


def test_an_extension_id_that_is_not_one_is_ignored_with_a_warning_naming_it(caplog):
    caplog.set_level("WARNING", logger="invoice_collector.security")
    manifest_id = EXTENSION_ORIGIN.removeprefix("chrome-extension://")
    origins = security.allowed_origins(Settings(extension_ids=["not an id", manifest_id, "", "b" * 32]))
    assert origins == ["chrome-extension://" + "b" * 32, EXTENSION_ORIGIN]  # each once, sorted
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring extension id 'not an id' from the settings: expected 32 letters a-p"]


def test_a_request_without_a_host_header_is_refused_not_an_error(api):
    """HTTP/1.0 lets a client leave Host out: refused like a foreign one (no 500)."""
    environ = EnvironBuilder(path="/api/accounts", base_url=BASE,
                             headers={"Authorization": f"Bearer {api.token}"}).get_environ()
    del environ["HTTP_HOST"]
    environ["SERVER_PROTOCOL"] = "HTTP/1.0"
    response = Response.from_app(api.app, environ)
    assert response.status_code == 403
    assert json.loads(response.get_data())["error"]["message_en"].startswith("Host '' is not allowed")


def test_the_extension_allowed_is_the_one_of_the_manifest_the_app_is_given(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"key": "AAEC"}), encoding="utf-8")  # the bytes 00 01 02
    assert security.allowed_origins(Settings(), manifest) == ["chrome-extension://koeldciaofgocpkpidpebekgodnklojn"]
