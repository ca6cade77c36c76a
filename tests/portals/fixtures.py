"""pytest fixtures serving the fixture portals: one server per test module, state reset per test.

tests/conftest.py registers this module as a plugin: a test names the fixture it needs."""

from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import serve
from tests.portals import broken, challenge, classic, otp, spa, twostep

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


@pytest.fixture(scope="module")
def _challenge_server():
    yield from _server(challenge)


@pytest.fixture
def challenge_portal(_challenge_server):
    _challenge_server.state.solved_with.clear()
    return _fresh(_challenge_server)


@pytest.fixture(scope="session")
def x_display():
    """An X screen for headed Chromium (Debian's Xvfb) on a free display number, for the session."""
    # -displayfd: Xvfb picks a free display itself and writes its number once it listens (two test
    # workers choosing "the first free number" at once would pick the same one).
    read_end, write_end = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1920x1080x24",
                                "-nolisten", "tcp"], pass_fds=(write_end,),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        number = announced.readline().strip()
    assert number.isdigit(), f"Xvfb did not start (exit status {process.poll()})"
    yield f":{number}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def on_screen(x_display, monkeypatch):
    """The Xvfb screen as this test's only display: a hand-over shows its window there."""
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return x_display
