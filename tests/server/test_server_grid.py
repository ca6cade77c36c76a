"""A server killed while its syncs held Selenium Grid sessions: the next start ends them through the Grid
(their records in data/grid-sessions), so their slots are free at once instead of after the Grid's timeout."""

from __future__ import annotations

import pytest

from backend import paths
from backend.collectors.model import BrowserConfig
from backend.collectors.run.browser import Browser
from backend.config import Settings
from backend.server import recovery
from backend.server.app import create_app
from backend.server.services import EXTENSION_KEY
from tests.grid import SLOTS
from tests.helpers import wait_for
from tests.server.conftest import PORT

pytestmark = pytest.mark.browser


def test_the_next_start_ends_the_grid_sessions_a_killed_server_left(home, keyring_ready, grid, tmp_path):
    record = paths.grid_sessions_dir() / "job-7.json"
    # What a sync's collection process leaves when it and its server are killed: the session, its record.
    left = Browser(BrowserConfig(remote_url=grid.url, session_record=record), tmp_path / "downloads")
    assert record.exists() and grid.free_slots() == SLOTS - 1
    app = create_app(Settings(port=PORT, remote_webdriver_url=grid.url))
    try:
        done = recovery.recover(app.extensions[EXTENSION_KEY])  # as `serve` does, before it listens
    finally:
        app.extensions[EXTENSION_KEY].stop()
    assert done["grid_sessions"] == 1
    # The Grid's /status catches up with the DELETE within moments, not the node's 300 s session timeout.
    wait_for(lambda: grid.free_slots() == SLOTS, 5, "the slot to be free")
    assert left.driver.session_id not in grid.sessions()
    assert not record.exists()
