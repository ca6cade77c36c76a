"""Credentials in the real Secret Service keyring (gnome-keyring under scripts/test.sh), and a
password that never shows up anywhere else: database, logs, traces, browser profile."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from backend import paths
from backend.config import Settings
from backend.core.keyring_store import KeyringUnavailable, check_backend, service
from backend.server.app import create_app
from backend.server.cli import setup_logging
from tests.server.conftest import PORT

DISTINCTIVE = "Zq7!pelican-ORCHID-9041"


def test_the_backend_is_secret_service(keyring_ready):
    from keyring.backends.SecretService import Keyring as SecretService
    assert isinstance(keyring.get_keyring(), SecretService)
    assert check_backend() == "keyring.backends.SecretService.Keyring"


def never_picked(cls):
    raise RuntimeError("a test double: keyring must never choose it on its own")


class PlaintextKeyring(KeyringBackend):  # stands for keyrings.alt's file backend (not installed)
    priority = classproperty(never_picked)  # not viable, so keyring's automatic choice ignores it

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        raise AssertionError("must never be used")

    def delete_password(self, service, username):
        pass


@pytest.mark.parametrize("backend, why", [
    (keyring.backends.fail.Keyring(), "no keyring backend"),
    (keyring.backends.null.Keyring(), "no keyring backend"),
    (PlaintextKeyring(), "readable by anyone"),
])
def test_unsafe_backends_are_refused_with_a_fix(home, backend, why):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(KeyringUnavailable) as refused:
            create_app(Settings(port=PORT))
        assert why in str(refused.value) and "gnome-keyring" in str(refused.value)
        assert not (paths.data_dir() / "invoice-collector.sqlite3").exists()  # refused before anything
    finally:
        keyring.set_keyring(previous)


def test_a_chain_with_an_unsafe_member_is_refused(keyring_ready):
    previous = keyring.get_keyring()

    class Chain(ChainerBackend):  # what keyring picks when keyrings.alt sits next to SecretService
        priority = classproperty(never_picked)
        backends = [previous, PlaintextKeyring()]
    keyring.set_keyring(Chain())
    try:
        with pytest.raises(KeyringUnavailable, match="unsafe backend"):
            check_backend()
    finally:
        keyring.set_keyring(previous)


@pytest.mark.browser
def test_round_trip_deletion_and_no_secret_anywhere_after_real_runs(make_api, portal):
    handler = setup_logging(verbose=True)
    try:
        portal.users = {"dora@example.com": DISTINCTIVE, "eve@example.com": "other"}
        portal.publish("S1", dt.date.today() - dt.timedelta(days=2))
        api = make_api(portal_url=portal.url)
        good = api.create(credentials={"email": "dora@example.com", "password": DISTINCTIVE},
                          since=(dt.date.today() - dt.timedelta(days=7)).isoformat())["account"]
        bad = api.create(credentials={"email": "eve@example.com", "password": DISTINCTIVE})["account"]
        api.wait_idle(90)
        assert api.account(good["id"])["state"] == "ok" and api.invoices(account=good["id"])[0]["pdf_url"]
        assert api.account(bad["id"])["last_outcome"]["code"] == "LOGIN_FAILED"
        assert any(paths.traces_dir().iterdir()), "a failed run leaves a trace"
        assert keyring.get_password(service(), f"account:{good['id']}:password") == DISTINCTIVE
        for path in ("/api/accounts", f"/api/accounts/{good['id']}", "/api/invoices", "/api/openapi.json"):
            assert DISTINCTIVE not in api.get(path).get_data(as_text=True)
        api.services.stop()
        handler.flush()
        assert (paths.log_dir() / "invoice-collector.log").stat().st_size > 0
        leaks = []
        for root, _, files in os.walk(paths.data_dir().parent):  # database (+ WAL), logs, traces, profiles
            for name in files:
                path = os.path.join(root, name)
                if DISTINCTIVE.encode() in Path(path).read_bytes():
                    leaks.append(path)
        assert leaks == []
        assert api.delete(f"/api/accounts/{good['id']}").status_code == 204
        assert keyring.get_password(service(), f"account:{good['id']}:password") is None
        assert keyring.get_password(service(), f"account:{good['id']}:email") is None
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_the_grids_credentials_move_from_config_json_to_the_keyring(keyring_ready, home):
    from backend import config
    from backend.core import keyring_store
    path = config.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    typed = "http://ops:p%40ss-Grid9@grid.example:4444/wd/hub"  # as a user types it into config.json
    path.write_text(json.dumps({"remote_webdriver_url": typed, "workers": 3}), encoding="utf-8")
    try:
        assert config.load().remote_webdriver_url == typed  # the run still gets them
        on_disk = path.read_text(encoding="utf-8")
        assert json.loads(on_disk)["remote_webdriver_url"] == "http://grid.example:4444/wd/hub"
        assert "p@ss" not in on_disk and "p%40ss" not in on_disk and "ops" not in on_disk
        assert json.loads(on_disk)["workers"] == 3
        assert config.load().remote_webdriver_url == typed  # read back from the keyring
        # Saved settings never write them either; another Grid never receives them.
        config.save(config.Settings(remote_webdriver_url="http://other.example:4444"))
        assert config.load().remote_webdriver_url == "http://other.example:4444"
        config.save(config.Settings(remote_webdriver_url=typed))
        assert "p@ss" not in path.read_text(encoding="utf-8") and config.load().remote_webdriver_url == typed
    finally:
        keyring.delete_password(service(), keyring_store.grid_user("http://grid.example:4444"))
