"""Every error the API returns reaches the user in their language: the panel sends its own
language (Accept-Language) and reads `message` and `fields` in it; `message_fr` and
`message_en` carry both. No API field name appears in what the user reads.

(That every error raised in the server and delivery code has a French twin is checked by the
type checker: ApiError takes a backend.i18n.Said, which only say(en, fr) makes.)"""

from __future__ import annotations

import re

import pytest

from backend.server import pairing
from tests.helpers import assert_api_error, free_port
from tests.server.conftest import PASSWORD

API_NAMES = re.compile(r"allow_other_inbox|smtp_\w+|interval_hours|terms_accepted|credential_fields|GET /api")
LIBEO = {"enabled": True, "inbox": "acme@box.libeo.io", "sender": "compta@acme.fr", "smtp_host": "localhost",
         "smtp_security": "starttls", "smtp_username": "compta@acme.fr", "smtp_password": "x"}


def both(api, method: str, path: str, body=None, token: bool = True):
    """The same request asked in French, then in English: the two error bodies."""
    saved = api.token
    if not token:
        api.token = None
    try:
        answers = [api.call(method, path, body, headers={"Accept-Language": lang}) for lang in ("fr-FR,fr;q=0.9", "en")]
    finally:
        api.token = saved
    return answers


CASES = [
    # (what the user did, method, path, body, status, code, field, French words, English words)
    ("a wrong pairing code", "POST", "/api/pair", {"code": "000-000"}, 403, "FORBIDDEN", "code",
     "code d'association", "pairing code"),
    ("the same login added twice", "POST", "/api/accounts", "DUPLICATE", 409, "ACCOUNT_EXISTS", None,
     "existe déjà", "already exists"),
    ("the Libeo inbox of another domain", "PUT", "/api/settings/libeo", LIBEO | {"inbox": "compta@acme.fr"},
     400, "BAD_REQUEST", "inbox", "Autoriser une adresse qui n’est pas en @box.libeo.io",
     "Allow an address outside @box.libeo.io"),
    ("Libeo on with no inbox", "PUT", "/api/settings/libeo", LIBEO | {"inbox": ""}, 400, "BAD_REQUEST", "inbox",
     "obligatoire pour envoyer à Libeo", "required to send to Libeo"),
    ("a date in the future", "POST", "/api/accounts", "FUTURE", 400, "BAD_REQUEST", "since",
     "ne doit pas être dans le futur", "must not be in the future"),
    ("an account that does not exist", "GET", "/api/accounts/999", None, 404, "NOT_FOUND", None,
     "Compte 999 introuvable", "account 999 not found"),
    ("a body that is not JSON", "POST", "/api/accounts", "NOT JSON", 400, "BAD_REQUEST", "body",
     "pas du JSON valide", "not valid JSON"),
    ("the SMTP test against a closed port", "POST", "/api/settings/libeo/test", "CLOSED PORT", 502,
     "UNAVAILABLE", "smtp_port", "a refusé la connexion", "refused the connection"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_error_in_french_and_in_english(make_api, runner, case):
    _, method, path, body, status, code, field, french, english = case
    api = make_api(runner=runner)
    kwargs = {}
    if body == "DUPLICATE":
        api.create()
        body = {"provider": "test-portal", "terms_accepted": True,
                "credentials": {"email": "alice@example.com", "password": PASSWORD}}
    elif body == "FUTURE":
        body = {"provider": "test-portal", "terms_accepted": True, "since": "2999-01-01",
                "credentials": {"email": "bob@example.com", "password": PASSWORD}}
    elif body == "CLOSED PORT":
        body = LIBEO | {"smtp_port": free_port()}
    elif body == "NOT JSON":
        body = None
        kwargs["data"] = "{not json"
    if path == "/api/pair":
        pairing.open_window()
    if kwargs:
        answers = [api.call(method, path, None, headers={"Accept-Language": lang, "Content-Type": "application/json"},
                            **kwargs) for lang in ("fr", "en")]
    else:
        answers = both(api, method, path, body)
    fr_error, en_error = (assert_api_error(answer, status, code, field) for answer in answers)
    assert french in fr_error["message"] + " ".join(fr_error["fields"].values()), fr_error
    assert english in en_error["message"] + " ".join(en_error["fields"].values()), en_error
    assert english in en_error["message_en"] + " ".join(en_error["fields"].values())
    assert fr_error["message"] == fr_error["message_fr"] and en_error["message"] == en_error["message_en"]
    for error in (fr_error, en_error):
        shown = error["message"] + " ".join(error["fields"].values())
        assert not API_NAMES.search(shown), shown


def test_english_when_the_language_is_neither(make_api, runner):
    api = make_api(runner=runner)
    answer = api.get("/api/accounts/999", headers={"Accept-Language": "de-DE"})
    assert assert_api_error(answer, 404)["message"] == "account 999 not found"
