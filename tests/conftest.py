from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.collectors.model import BrowserConfig

pytest_plugins = ["tests.portals.fixtures", "tests.grid"]  # the fixture portals and the Selenium Grid, by name


class BufferedClient(FlaskClient):
    """Flask's test client, reading and closing every answer as a real HTTP server does: a PDF sent
    with send_file would otherwise keep its file open until garbage collection (a ResourceWarning,
    which pytest turns into an error)."""

    def open(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = BufferedClient

# The whole suite runs on two workers (pytest-xdist, scripts/test.sh). Tests that share something costly
# of the session stay on one worker: the Selenium Grid (one JVM, its slots counted by the tests).
SHARED_BY_GROUP = {"selenium_grid": "grid"}
WORKER_KEYRING = pytest.StashKey[Any]()  # each worker's own Secret Service (tests/worker_keyring.py)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in SHARED_BY_GROUP.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("REQUIRE_SECRET_SERVICE") == "1":  # inside scripts/test.sh's private session
        from tests.worker_keyring import WorkerKeyring
        config.stash[WORKER_KEYRING] = keyring = WorkerKeyring(worker)
        keyring.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if (keyring := config.stash.get(WORKER_KEYRING, None)) is not None:
        keyring.stop()


os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _secret_patterns_compiled_afresh():
    """Each test compiles the secrets' patterns itself: one cached by an earlier test would make a
    test depend on the order, and would hide from the mutation run (bench/mutation.py, which maps
    each test to the functions it calls) every test of the redactor but the first per secret."""
    from backend.redact import secret_pattern

    secret_pattern.cache_clear()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh INVOICE_COLLECTOR_HOME: everything the program writes goes under it."""
    path = tmp_path / "ic-home"
    path.mkdir()
    monkeypatch.setenv("INVOICE_COLLECTOR_HOME", str(path))
    return path


@pytest.fixture
def browser_config() -> BrowserConfig:
    return BrowserConfig(chrome_binary=os.environ.get("CHROME_BIN", "/usr/bin/chromium"),
                         chromedriver=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))


@pytest.fixture
def browser(browser_config, tmp_path):
    """A Chromium the engine drives (the extension's journeys define their own `browser`)."""
    from backend.collectors.run.browser import Browser
    with Browser(browser_config, tmp_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
