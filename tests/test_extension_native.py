"""Native messaging in real Chromium: `invoice-collector native-host install` under a temporary HOME
whose ~/.config/chromium is the profile Chromium runs (Chromium reads NativeMessagingHosts/ in its
user data folder), then the panel starts the server and pairs itself, with no code typed."""

from __future__ import annotations

import pytest

from backend.autostart.browser_hosts import HOST_NAME
from backend.server.probe import stop_server
from tests.helpers import free_port
from tests.test_extension_support import (
    CHROMIUM_HAS_FRENCH,
    OPTIONS_URL,
    PANEL_URL,
    Panel,
    ServerProcess,
    launch_chromium,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


def test_the_panel_starts_the_server_and_pairs_itself_with_no_code(tmp_path, monkeypatch):
    user_home = tmp_path / "user-home"
    monkeypatch.setenv("HOME", str(user_home))  # for the install command and for Chromium alike
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    server = ServerProcess(tmp_path / "ic-home")  # its commands and port; the panel starts the server itself
    server.configure(port=server.port)
    installed = server.command("native-host", "install")
    assert installed.returncode == 0, installed.stderr
    profile = user_home / ".config" / "chromium"
    assert (profile / "NativeMessagingHosts" / f"{HOST_NAME}.json").is_file()

    driver = launch_chromium(profile)
    try:
        panel = Panel(driver, "native")
        panel.open(OPTIONS_URL)
        # The panel looks on another port: the host says where the server is and the panel follows.
        panel.set_storage(port=free_port(), **({} if CHROMIUM_HAS_FRENCH else {"language": "fr"}))
        panel.open(PANEL_URL)
        panel.find("h2", "Le serveur invoice-collector ne répond pas")
        panel.find("p", "son serveur n’est pas démarré")
        panel.find("code", "invoice-collector autostart enable")
        panel.screenshot("01-offline-start")
        panel.click("#start-server", "Démarrer le serveur")
        # Started, then paired through the host: straight to the accounts, no code typed.
        panel.find("h2", "Gérer les comptes existants", timeout=30)
        storage = panel.storage()
        assert storage["port"] == server.port and storage["token"]
        listed = server.command("pair", "--list", "--lang", "en")
        assert listed.stdout.count("\n") == 2, listed.stdout  # the header and this browser
        assert panel.console_errors() == []

        # Revoked from the terminal: the panel waits for a click before pairing itself again.
        server.revoke()
        panel.find("#pairing .banner-warning", "a expiré ou a été révoquée", timeout=20)
        panel.find("code", "invoice-collector pair")
        panel.click("#pair-native", "Associer automatiquement")
        panel.find("h2", "Gérer les comptes existants", timeout=20)
        wait_until(lambda: panel.storage().get("token") not in (None, storage["token"]), what="a new token")
    finally:
        driver.quit()
        stop_server(server.port)
