"""Every API route fuzzed with hypothesis, through the real app (real keyring, real SQLite): never
a 5xx, always the one error shape, and a refused request (4xx) changes nothing — the database
(every table), the keyring entries it could touch, config.json and the files under the folder a
request may name are compared before and after. No answer ever shows a secret.

Inputs are drawn per route (the fields each body documents in /api/openapi.json, with any JSON
value), plus raw bodies (broken JSON, deep nesting, lone surrogates, invalid UTF-8), odd path ids,
query strings and headers. The engine is scripted here: what is fuzzed is the API."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import sqlite3
import urllib.parse
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend import paths
from backend.config import Settings
from backend.core import keyring_store
from backend.core.paired_browsers import PAIRINGS_USER
from backend.server.app import create_app
from tests.faults.harness import FIGURES, PROVIDER, RECIPES, require_keyring
from tests.faults.portal import LOGIN
from tests.server.conftest import BASE, PORT, ScriptedRunner, pair

pytestmark = pytest.mark.keyring

PASSWORD = "Fuzz-Account-Pw!8613"
SMTP_PASSWORD = "Fuzz-Smtp-Pw!2207"
FIELD_NAMES = ("email", "password", "totp_secret")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
STATS = {"requests": 0, "2xx": 0, "4xx": 0, "state checks": 0}


class World:
    def __init__(self, app, token: str, sandbox: Path):
        self.app, self.token, self.sandbox = app, token, sandbox
        self.client = app.test_client()
        self.services = app.extensions["invoice_collector"]
        self.openapi = self.call("GET", "/api/openapi.json").get_json()
        self.counted, self.checked = STATS["requests"], STATS["state checks"]  # figures: this module's share

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
             query: dict | None = None, json_body=None):
        sent = {"Authorization": f"Bearer {self.token}"}
        if json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        sent.update(headers or {})
        return self.client.open(path, method=method, data=body, headers=sent, query_string=query, base_url=BASE)

    def ids(self, table: str) -> list[int]:
        return [row["id"] for row in self.services.store.query(f"SELECT id FROM {table}")]

    def ensure_account(self) -> None:
        """A fuzzed DELETE may remove the account: put one back, so later inputs reach real rows."""
        if self.ids("accounts"):
            return
        answer = self.call("POST", "/api/accounts", json_body={
            "provider": PROVIDER, "terms_accepted": True, "since": "2000-01-01",
            "credentials": {"email": LOGIN, "password": PASSWORD}})
        assert answer.status_code == 201, answer.get_json()
        assert self.services.jobs.wait_idle(30)

    def snapshot(self, keyring_too: bool) -> dict:
        assert self.services.jobs.wait_idle(30)
        conn = sqlite3.connect(self.services.store.path)
        try:
            database = list(conn.iterdump())
        finally:
            conn.close()
        config = {p.name: p.read_bytes() for p in paths.config_dir().iterdir() if p.is_file()}
        files = sorted(str(p.relative_to(self.sandbox)) for p in self.sandbox.rglob("*"))
        state = {"database": database, "config": config, "sandbox": files}
        if keyring_too:
            ids = self.ids("accounts")
            users = [PAIRINGS_USER, "smtp-password"] + [f"account:{a}:{f}" for a in ids + [max(ids, default=0) + 1]
                                                     for f in FIELD_NAMES]
            service = keyring_store.service()  # this home's entries
            state["keyring"] = {user: keyring.get_password(service, user) for user in users}
        return state


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    require_keyring()
    root = tmp_path_factory.mktemp("fuzz")
    previous = os.environ.get("INVOICE_COLLECTOR_HOME")
    os.environ["INVOICE_COLLECTOR_HOME"] = str(root / "ic-home")
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):  # the fuzzer may save any SMTP host: never leave the machine
        if str(host) not in ("localhost", "127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, "the fuzz test resolves no outside name")
        return real_getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = loopback_only
    try:
        shutil.copyfile(RECIPES / "fault-portal.yaml", paths.user_recipes_dir() / "fault-portal.yaml")
        runner = ScriptedRunner()
        for n in range(3):
            runner.add(f"FZ-{n}", dt.date.today() - dt.timedelta(days=n + 1))
        app = create_app(Settings(port=PORT), runner=runner, code_timeout=0.5)
        world = World(app, pair(app), root / "sandbox")
        world.sandbox.mkdir()
        answer = world.call("PUT", "/api/settings/libeo", json_body={
            "enabled": True, "inbox": "acme@box.libeo.io", "sender": "compta@acme.fr", "smtp_host": "localhost",
            "smtp_port": 2525, "smtp_username": "compta@acme.fr", "smtp_password": SMTP_PASSWORD})
        assert answer.status_code == 200, answer.get_json()
        world.ensure_account()
        seen = world.snapshot(keyring_too=True)["keyring"]  # the keyring check sees the real entries
        assert seen["account:1:password"] == PASSWORD and seen["smtp-password"] == SMTP_PASSWORD
        yield world
        FIGURES["API requests fuzzed"] += STATS["requests"] - world.counted
        FIGURES["API refusals (4xx) checked for no state change"] += STATS["state checks"] - world.checked
        world.counted, world.checked = STATS["requests"], STATS["state checks"]
        world.services.stop(10)
    finally:
        socket.getaddrinfo = real_getaddrinfo
        if previous is None:
            os.environ.pop("INVOICE_COLLECTOR_HOME", None)
        else:
            os.environ["INVOICE_COLLECTOR_HOME"] = previous


# ---- inputs ------------------------------------------------------------------------------------------
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats()
           | st.text(max_size=30) | st.sampled_from(["", " ", "2026-02-30", "2026-11-24", "0", "-1", "1e309",
                                                     "test-portal", PROVIDER, "../../etc/passwd", "\u0000", "\ud800",
                                                     "é" * 300, "<script>", "acme@box.libeo.io", "starttls"]))
ANY_JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=8)
class Body(bytes):
    """A request body that shows as its start and length (failure reports stay readable)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: {bytes(self[:24])!r}…>" if len(self) > 40 else bytes.__repr__(self)


HOSTILE_BODIES = [b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000, b"\xff\xfe{}",
                  b'{"provider": "\\ud800"}', b"{" + b" " * 900_000 + b"}", b"9" * 5000, b"NaN", b'{"a": 1, "a": 2}',
                  b"null", b"[]", b'"x"', b"{", b"\x00", b"{}" * 1000]
HOSTILE_BODIES = [Body(body) for body in HOSTILE_BODIES]
ID_TEXTS = st.one_of(st.integers(min_value=-3, max_value=2**64).map(str),
                     st.sampled_from(["0", "00", "1.0", "1e3", " 1", "%00", "..", "null", "9" * 40]),
                     st.text(max_size=10))


def routes(world: World) -> list[tuple[str, str, dict]]:
    """(method, path template, documented body fields) of every operation in the OpenAPI document."""
    found = []
    for template, operations in world.openapi["paths"].items():
        for method, operation in operations.items():
            schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                      .get("schema", {}))
            found.append((method.upper(), template, schema.get("properties", {})))
    return sorted(found)


@st.composite
def requests_for(draw, world: World):
    method, template, fields = draw(st.sampled_from(routes(world)))
    if draw(st.integers(0, 9)) == 0:
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))

    def fill(name: str) -> str:
        table = {"account_id": "accounts", "job_id": "jobs", "invoice_id": "invoices"}.get(name)
        known = [str(i) for i in world.ids(table)] if table else [PROVIDER, "test-portal", "demo-energie"]
        # The draw never depends on the state (hypothesis replays draws): an index into what exists now.
        pick = draw(st.one_of(st.integers(0, 7), ID_TEXTS))
        choice = (known[pick % len(known)] if known else "1") if isinstance(pick, int) else pick
        return urllib.parse.quote(choice, safe="")
    path = template
    while "{" in path:
        start = path.index("{")
        end = path.index("}", start)
        path = path[:start] + fill(path[start + 1:end]) + path[end + 1:]
    query = draw(st.dictionaries(st.sampled_from(["account", "status", "from", "to", "page", "per_page", "q", "x"]),
                                 st.text(max_size=12) | ID_TEXTS, max_size=3))
    kind = draw(st.sampled_from(["fields", "fields", "fields", "json", "raw", "none"]))
    body: bytes | None
    if kind == "fields":
        names = list(fields) + ["unknown_field"]
        value = draw(st.dictionaries(st.sampled_from(names), ANY_JSON, max_size=len(names)))
        if "credentials" in fields and draw(st.booleans()):
            value["credentials"] = draw(st.dictionaries(st.sampled_from(list(FIELD_NAMES) + ["x"]), ANY_JSON,
                                                        max_size=3))
        if "path" in fields and draw(st.booleans()):  # the folder setting: only ever inside the sandbox
            value["path"] = str(world.sandbox / draw(st.text(max_size=12)))
        body = json.dumps(value).encode()
    elif kind == "json":
        body = json.dumps(draw(ANY_JSON)).encode()
    elif kind == "raw":
        body = draw(st.sampled_from(HOSTILE_BODIES) | st.binary(max_size=64))
    else:
        body = None
    headers = {"Content-Type": draw(st.sampled_from(["application/json"] * 6 + [
        "application/json; charset=latin-1", "text/plain", "application/x-www-form-urlencoded", ""]))}
    if draw(st.integers(0, 14)) == 0:
        headers["Authorization"] = draw(st.sampled_from(["", "Bearer", "Bearer x", "Basic eDp5"]))
    return method, path, query, body, headers


KEYRING_ROUTES = re.compile(r"^(POST /api/pair|POST /api/accounts|PUT /api/accounts/[^/]+/credentials|"
                            r"DELETE /api/accounts/[^/]+|PUT /api/settings/libeo)$")
SECRETS = (PASSWORD, SMTP_PASSWORD)


def check(world: World, request) -> None:
    method, path, query, body, headers = request
    world.ensure_account()
    keyring_too = bool(KEYRING_ROUTES.match(f"{method} {path}"))  # keyring reads are slow: only where it matters
    before = world.snapshot(keyring_too)
    answer = world.call(method, path, body, headers, query)
    STATS["requests"] += 1
    # The one documented 5xx: the login check relays the SMTP server's refusal as 502 (bad gateway).
    gateway = answer.status_code == 502 and method == "POST" and path == "/api/settings/libeo/test"
    assert answer.status_code < 500 or gateway, (method, path, answer.status_code, answer.get_data(as_text=True)[:300])
    raw = answer.get_data()
    assert not any(secret.encode() in raw for secret in SECRETS + (world.token,)), "an answer shows a secret"
    if gateway:
        STATS["502 (SMTP check)"] = STATS.get("502 (SMTP check)", 0) + 1
    elif answer.status_code >= 400:
        STATS["4xx"] += 1
        error = answer.get_json()["error"]
        assert error["code"] and error["message"] and isinstance(error["fields"], dict)
        if not path.startswith("/api/pair"):  # a pairing attempt is counted on purpose (brute force)
            after = world.snapshot(keyring_too)
            STATS["state checks"] += 1
            assert after == before, f"{method} {path} answered {answer.status_code} but changed the state"
    else:
        STATS["2xx"] += 1


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=not os.environ.get("FUZZ_RANDOM"), database=None)
@given(data=st.data())
def test_every_route_never_5xx_and_a_refusal_changes_nothing(world, data):
    check(world, data.draw(requests_for(world)))


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=lambda b: repr(b[:12]))
def test_hostile_bodies_on_every_state_changing_route(world, body):
    for method, template, _ in routes(world):
        if method == "GET":
            continue
        path = template.replace("{account_id}", "1").replace("{job_id}", "1").replace("{invoice_id}", "1")
        check(world, (method, path, {}, body, {"Content-Type": "application/json"}))



HOSTILE_VALUES = ["\ud800", "\u0000", "a\u0000b", "é" * 10_000, "\u202e", " ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "%s%n", "${jndi:x}",
                  "~no-such-user-here/factures"]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v[:8]))
def test_hostile_strings_in_every_secret_and_name_field(world, value):
    """Strings that break encoders (lone surrogates, NUL), huge ones, bidi overrides: each field
    that reaches the keyring, SQLite or the file system takes them or refuses them with a 400."""
    account = str(world.ids("accounts")[0])
    bodies = [
        ("POST", "/api/accounts", {"provider": PROVIDER, "terms_accepted": True,
                                   "credentials": {"email": value, "password": value}}),
        ("POST", "/api/accounts", {"provider": PROVIDER, "terms_accepted": True, "options": {"x": value},
                                   "credentials": {"email": f"x{len(value)}@e.fr", "password": "p"}}),
        ("PUT", f"/api/accounts/{account}/credentials", {"credentials": {"password": value}}),
        ("PUT", f"/api/accounts/{account}/credentials", {"credentials": {"totp_secret": value}}),
        ("PATCH", f"/api/accounts/{account}", {"options": {"contract": value}}),
        ("PUT", "/api/settings/libeo", {"smtp_password": value}),
        ("PUT", "/api/settings/libeo", {"sender": value, "smtp_username": value, "smtp_host": value}),
        ("PUT", "/api/settings/folder", {"path": str(world.sandbox / value[:200])}),
        ("PUT", "/api/settings/folder", {"path": value}),  # none of them is an absolute path
        ("POST", f"/api/jobs/{max(world.ids('jobs'))}/code", {"code": value}),
        ("POST", "/api/pair", {"code": value}),
        ("GET", "/api/providers?q=" + urllib.parse.quote(value[:100].encode("utf-8", "surrogatepass")), None),
        ("GET", "/api/invoices?status=" + urllib.parse.quote(value[:100].encode("utf-8", "surrogatepass")), None),
    ]
    for method, path, body in bodies:
        data = Body(json.dumps(body).encode()) if body is not None else None
        check(world, (method, path, None, data, {"Content-Type": "application/json"}))
