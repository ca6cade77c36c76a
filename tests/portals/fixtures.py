"""pytest fixtures serving the fixture portals: one server per test module, state reset per test.

tests/conftest.py registers this module as a plugin: a test names the fixture it needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import serve
from tests.portals import broken, classic, otp, spa, twostep

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in test output


@dataclass
class Portal:
    url: str
    state: Any


def _server(module):
    state = module.State()
    with serve(module.create_app(state)) as url:
        yield Portal(url, state)


def _fresh(portal: Portal) -> Portal:
    portal.state.hits.clear()
    return portal


@pytest.fixture(scope="module")
def _classic_server():
    yield from _server(classic)


@pytest.fixture
def classic_portal(_classic_server):
    _classic_server.state.maintenance = False
    yield _fresh(_classic_server)
    _classic_server.state.maintenance = False


@pytest.fixture(scope="module")
def _twostep_server():
    yield from _server(twostep)


@pytest.fixture
def twostep_portal(_twostep_server):
    return _fresh(_twostep_server)


@pytest.fixture(scope="module")
def _spa_server():
    yield from _server(spa)


@pytest.fixture
def spa_portal(_spa_server):
    return _fresh(_spa_server)


@pytest.fixture(scope="module")
def _otp_server():
    yield from _server(otp)


@pytest.fixture
def otp_portal(_otp_server):
    return _fresh(_otp_server)


@pytest.fixture(scope="module")
def _broken_server():
    yield from _server(broken)


@pytest.fixture
def broken_portal(_broken_server):
    return _fresh(_broken_server)
