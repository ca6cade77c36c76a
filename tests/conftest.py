from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.collectors.model import BrowserConfig

pytest_plugins = ["tests.portals.fixtures"]  # the fixture portals, for any test that names one

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


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


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
