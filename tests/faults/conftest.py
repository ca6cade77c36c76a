"""Fixtures of the fault suite: the fault portal (one server per module, reset per test) and an
in-process collector — the real app, the real engine (Chromium), the real keyring — whose runs
use short timeouts, as a user's settings could, so that a hanging portal ends in seconds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from backend import paths
from backend.collectors.model import RunRequest, RunResult
from backend.config import Settings
from backend.core.keyring_store import KeyringUnavailable, check_backend
from backend.server.app import create_app, run_engine
from tests.faults.harness import FIGURES, PROVIDER, RECIPES, wait_for
from tests.faults.portal import LOGIN, FaultPortal
from tests.helpers import serve
from tests.server.conftest import PORT, Api, pair
from tests.test_delivery_support import CERT

TODAY = dt.date.today()
PAGE_LOAD_TIMEOUT = 3.0
RUN_TIMEOUT = 12.0
STEP_TIMEOUT = 3.0


@pytest.fixture
def keyring_ready() -> None:
    try:
        check_backend()
    except KeyringUnavailable as exc:
        pytest.skip(f"needs an unlocked Secret Service keyring (run bash scripts/test.sh): {exc}")


@pytest.fixture
def trust_test_cert(monkeypatch):
    """The SMTP client trusts the throwaway certificate of the test SMTP servers."""
    monkeypatch.setenv("SSL_CERT_FILE", str(CERT))
    return CERT


@pytest.fixture(scope="module")
def _fault_portal_server():
    portal = FaultPortal()
    with serve(portal.app()) as url:
        portal.url = url
        yield portal
    portal.released.set()


@pytest.fixture
def fault_portal(_fault_portal_server) -> FaultPortal:
    portal = _fault_portal_server
    portal.reset()
    yield portal
    portal.released.set()  # ends any answer a test left hanging


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "fault suite figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


def quick_engine(request: RunRequest) -> RunResult:
    """The real engine with short limits (page load, whole run, each step)."""
    FIGURES["collections (in-process, real engine)"] += 1
    browser = dataclasses.replace(request.browser, page_load_timeout=PAGE_LOAD_TIMEOUT)
    return run_engine(dataclasses.replace(request, browser=browser, run_timeout=RUN_TIMEOUT,
                                          default_step_timeout=STEP_TIMEOUT))


class Collector:
    """The user's side: an account on the fault portal, syncs, and what the panel shows."""

    def __init__(self, api: Api, portal: FaultPortal):
        self.api, self.portal = api, portal
        self.services = api.services
        self.account_id: int | None = None

    def add_account(self, password: str | None = None, **body: Any) -> dict:
        """All invoices dated after `since` are new (downloaded, queued), as after a first sync."""
        data = {"provider": PROVIDER, "terms_accepted": True, "since": "2000-01-01",
                "credentials": {"email": LOGIN, "password": password or self.portal.password}} | body
        response = self.api.post("/api/accounts", data)
        assert response.status_code == 201, response.get_json()
        created = response.get_json()
        self.account_id = created["account"]["id"]
        return self.finished(created["job"]["id"])

    def sync(self) -> dict:
        response = self.api.post(f"/api/accounts/{self.account_id}/sync")
        assert response.status_code == 202, response.get_json()
        return self.finished(response.get_json()["job"]["id"])

    def finished(self, job_id: int, timeout: float = 90) -> dict:
        done = self.services.jobs.wait_idle(timeout)
        job = self.api.job(job_id)
        assert done, f"job still {job['state']} after {timeout}s at {job['progress']}"
        return job

    def account(self) -> dict:
        return self.api.account(self.account_id)

    def invoices(self) -> dict[str, dict]:
        return {inv["key"]: inv for inv in self.api.invoices(account=self.account_id)}

    def stored_pdf(self, key: str) -> bytes:
        invoice = self.invoices()[key]
        response = self.api.get(invoice["pdf_url"])
        assert response.status_code == 200
        return response.data

    def trace_of(self, job_id: int):
        row = self.services.store.query_one("SELECT trace_path FROM jobs WHERE id = ?", (job_id,))
        return Path(row["trace_path"]) if row and row["trace_path"] else None


@pytest.fixture
def collector(home, keyring_ready, fault_portal):
    """collector(**Settings fields) -> a Collector on a fresh app; its services stop after the test."""
    made: list[Api] = []
    shutil.copyfile(RECIPES / "fault-portal.yaml", paths.user_recipes_dir() / "fault-portal.yaml")

    def build(runner=quick_engine, **settings: Any) -> Collector:
        app = create_app(Settings(port=PORT, url_overrides={PROVIDER: {"portal": fault_portal.url}}, **settings),
                         runner=runner)
        api = Api(app, pair(app))
        made.append(api)
        return Collector(api, fault_portal)

    yield build
    for api in made:
        api.services.stop(timeout=30)


__all__ = ["Collector", "TODAY", "wait_for", "LOGIN"]
