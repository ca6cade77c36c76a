"""The server and a Selenium Grid: a server killed while its syncs held Grid sessions has the next start end
them through the Grid (their records in data/grid-sessions), so their slots are free at once instead of after
the Grid's timeout; each account's cookies travel between remote syncs with a key of its own in the keyring."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from backend import paths
from backend.collectors.model import BrowserConfig
from backend.collectors.run.browser import Browser
from backend.config import Settings
from backend.core.keyring_store import COOKIE_KEY_FIELD, service
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


def test_each_account_has_its_own_cookie_key_in_the_keyring_gone_with_the_account(make_api, runner):
    # A Grid's browser starts logged out: the account's cookies are kept encrypted between syncs, with a
    # key of its own in the keyring (never in config.json or the database), forgotten with the account.
    api = make_api(runner=runner, settings=Settings(port=PORT, persistent_profiles=True,
                                                    remote_webdriver_url="http://127.0.0.1:9"))
    first, second = api.create()["account"]["id"], api.create(
        credentials={"email": "bob@example.com", "password": "other"})["account"]["id"]
    api.wait_idle()
    api.post(f"/api/accounts/{first}/sync")
    api.wait_idle()
    keys = [(r.browser.profile_dir, r.browser.cookie_key) for r in runner.requests]
    assert [profile.name for profile, _ in keys] == [str(first), str(second), str(first)]
    assert keys[0][1] == keys[2][1] != keys[1][1] and all(key for _, key in keys)
    stored = keyring.get_password(service(), f"account:{first}:{COOKIE_KEY_FIELD}")
    assert stored == keys[0][1]
    assert stored not in repr(runner.requests[0].browser)
    written = [f for f in Path(os.environ["INVOICE_COLLECTOR_HOME"]).rglob("*") if f.is_file()]
    assert written and not [f for f in written if stored.encode() in f.read_bytes()]  # database, logs, config
    assert api.delete(f"/api/accounts/{first}").status_code == 204
    assert keyring.get_password(service(), f"account:{first}:{COOKIE_KEY_FIELD}") is None
    assert keyring.get_password(service(), f"account:{second}:{COOKIE_KEY_FIELD}") == keys[1][1]


def test_a_local_browser_needs_no_cookie_key(api, runner):
    api.create()
    api.wait_idle()
    assert runner.requests[0].browser.cookie_key is None  # its persistent profile keeps the cookies itself
