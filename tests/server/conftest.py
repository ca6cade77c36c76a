"""Fixtures of the server tests: the real app (Flask test client), the real keyring, a fixture
portal and its recipe, and a scripted engine for the tests that are about the server's logic."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backend import paths
from backend.collectors.model import HandOver, Invoice, Progress, RunRequest, RunResult
from backend.config import Settings
from backend.core.keyring_store import KeyringUnavailable, check_backend
from backend.server import pairing
from backend.server.app import create_app
from backend.server.services import EXTENSION_KEY, Services
from tests.helpers import make_pdf, serve, wait_for  # noqa: F401 — wait_for: for the tests importing it from here
from tests.server.portal import Portal

PORT = 47311
BASE = f"http://127.0.0.1:{PORT}"
RECIPE = Path(__file__).parent / "recipes" / "test-portal.yaml"
EXTENSION_ORIGIN = "chrome-extension://jkchianpjnkiakaaelbicibbfbgdngeg"
PASSWORD = "correct horse"


@pytest.fixture
def keyring_ready() -> None:
    if os.environ.get("REQUIRE_SECRET_SERVICE") == "1":
        import keyring
        from keyring.backends.SecretService import Keyring as SecretService
        assert isinstance(keyring.get_keyring(), SecretService), keyring.get_keyring()
    try:
        check_backend()
    except KeyringUnavailable as exc:
        if os.environ.get("REQUIRE_SECRET_SERVICE") == "1":  # scripts/test.sh, bench/mutation.py: a skip would hide it
            pytest.fail(f"the test keyring is locked or gone: {exc}")
        pytest.skip(f"needs an unlocked Secret Service keyring (run bash scripts/test.sh): {exc}")


@pytest.fixture
def clean_keyring(keyring_ready, home) -> None:
    """Account ids restart at 1 in each fresh database, and the test keyring lives for the whole
    run: remove what earlier tests (any suite) left under the first ids."""
    import keyring
    import keyring.errors

    from backend.core.keyring_store import service
    for account_id in range(1, 21):
        for name in ("email", "password", "login", "totp_secret", "customer_number"):
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(service(), f"account:{account_id}:{name}")


@pytest.fixture
def recipes(home) -> Path:
    target = paths.user_recipes_dir() / RECIPE.name
    shutil.copyfile(RECIPE, target)
    return target


# ---- a scripted engine ---------------------------------------------------------------------------
@dataclass
class ScriptedRunner:
    """Plays the engine's part of the contract: skips known keys, asks want_pdf, saves PDFs,
    calls on_invoice as each one is saved. Tests set what the portal lists and the outcome."""
    listed: list[Invoice] = field(default_factory=list)
    outcome: str = "OK"
    message: str = ""
    ask: tuple[str, str] | None = None  # (prompt, kind): ask a one-time code first
    before: Callable[[RunRequest], None] | None = None
    requests: list[RunRequest] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    pdfs: dict[str, bytes] = field(default_factory=dict)
    hand_over: HandOver | None = None  # show the window first; the person is done when `handed_back` is set
    handed_back: threading.Event = field(default_factory=threading.Event)

    def add(self, key: str, date: dt.date, pdf: bytes | None = None, amount: str = "44.20") -> None:
        from decimal import Decimal
        self.listed.append(Invoice(key=key, number=f"N{key}", date=date, amount=Decimal(amount), currency="EUR"))
        self.pdfs[key] = pdf or make_pdf(f"invoice {key}")

    def __call__(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        if self.before:
            self.before(request)
        if self.ask:
            code = request.ask_code(*self.ask)
            self.codes.append(code)
            if not code:
                return RunResult("OTP_REQUIRED", "no one-time code was entered in time")
        if self.hand_over:
            if request.on_hand_over is None:
                return RunResult("CAPTCHA", f"{self.hand_over.message_en} This sync ran without you")
            request.on_hand_over(self.hand_over)
            self.handed_back.wait(30)
            request.on_hand_over(None)
        if self.outcome != "OK":
            return RunResult(self.outcome, self.message)
        new = []
        for listed in self.listed:
            if listed.key in request.known_keys:
                continue
            invoice = Invoice(**{k: getattr(listed, k) for k in ("key", "number", "date", "amount", "currency")})
            if request.want_pdf is None or request.want_pdf(invoice):
                data = self.pdfs[invoice.key]
                request.out_dir.mkdir(parents=True, exist_ok=True)
                path = request.out_dir / f"{invoice.key}.pdf"
                path.write_bytes(data)
                invoice.pdf_path, invoice.sha256, invoice.size = path, hashlib.sha256(data).hexdigest(), len(data)
            new.append(invoice)
            if request.on_progress:
                request.on_progress(Progress(1, "invoices", None, len(self.listed), len(new)))
            request.on_invoice(invoice)
        return RunResult("OK", "", new, len(self.listed), len(self.listed) - len(new))


# ---- the app --------------------------------------------------------------------------------------
class Api:
    """The real app through Flask's test client, as the extension calls it."""

    def __init__(self, app, token: str | None = None):
        self.app = app
        self.client = app.test_client()
        self.token = token
        self.services: Services = app.extensions[EXTENSION_KEY]

    def call(self, method: str, path: str, json: Any = None, headers: dict | None = None, **kwargs):
        sent = {"Origin": EXTENSION_ORIGIN}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if method in ("POST", "PUT", "PATCH") and json is None and "data" not in kwargs:
            json = {}
        sent.update(headers or {})
        return self.client.open(path, method=method, json=json, headers=sent, base_url=BASE, **kwargs)

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw):
        return self.call("POST", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw):
        return self.call("PUT", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw):
        return self.call("PATCH", path, json, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)

    def wait_idle(self, timeout: float = 60) -> None:
        assert self.services.jobs.wait_idle(timeout), "jobs still running"

    def job(self, job_id: int) -> dict:
        return self.get(f"/api/jobs/{job_id}").get_json()["job"]

    def account(self, account_id: int) -> dict:
        return self.get(f"/api/accounts/{account_id}").get_json()["account"]

    def invoices(self, **params) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.get(f"/api/invoices?per_page=200&{query}").get_json()["invoices"]

    def create(self, **body) -> dict:
        data = {"provider": "test-portal", "terms_accepted": True,
                "credentials": {"email": "alice@example.com", "password": PASSWORD}} | body
        response = self.post("/api/accounts", data)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def pair(app) -> str:
    code, _ = pairing.open_window()
    response = app.test_client().post("/api/pair", json={"code": code}, base_url=BASE)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def make_api(home, recipes, clean_keyring):
    """make_api(runner=…, portal_url=…, **create_app options) → a paired Api; stopped after the test."""
    made: list[Api] = []

    def build(runner=None, portal_url: str | None = None, settings: Settings | None = None, **options) -> Api:
        settings = settings or Settings(port=PORT, persistent_profiles=True)
        if portal_url:
            settings.url_overrides = {"test-portal": {"portal": portal_url}}
        app = create_app(settings, runner=runner, **options)
        api = Api(app, pair(app))
        made.append(api)
        return api

    yield build
    for api in made:
        api.services.stop(timeout=30)


@pytest.fixture
def runner() -> ScriptedRunner:
    return ScriptedRunner()


@pytest.fixture
def api(make_api, runner) -> Api:
    return make_api(runner=runner)


# ---- the fixture portal, one server per test module ---------------------------------------------------
@pytest.fixture(scope="module")
def portal_server():
    portal = Portal()
    with serve(portal.app()) as url:
        yield portal, url


@pytest.fixture
def portal(portal_server) -> Portal:
    portal, url = portal_server
    fresh = Portal()
    portal.users, portal.invoices, portal.otp_code = fresh.users, [], None
    portal.login_posts = portal.pdf_downloads = 0
    portal.url = url
    return portal
