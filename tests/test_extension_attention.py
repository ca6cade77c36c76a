"""The user is told when an account needs them, even with the panel closed: the toolbar badge
counts what needs them, one desktop notification per event, and the panel opened from a
notification shows that account. Real Chromium with the extension, the real server, the demo
portal (a wrong password: the account is blocked, LOGIN_FAILED)."""

from __future__ import annotations

import pytest

from tests.helpers import wait_for
from tests.test_extension_panel import card, open_panel
from tests.test_extension_portal import DemoEnergie
from tests.test_extension_support import OPTIONS_URL, PANEL_URL, ServerProcess, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


@pytest.fixture
def world(home, tmp_path):
    server = ServerProcess(home)
    demo = DemoEnergie(server, tmp_path / "demo")
    server.start()
    token = server.pair()
    driver = launch_chromium(tmp_path / "profile", "fr")
    yield server, demo, token, driver
    driver.quit()
    server.stop()
    demo.stop()


def blocked_account(server, demo) -> dict:
    """An account whose first sync is refused (wrong password): blocked until the user acts."""
    body = {"provider": demo.provider_id, "terms_accepted": True,
            "credentials": {"login": demo.login, "password": "not-the-password"}}
    answer = server.http.post(f"{server.base}/api/accounts", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    account_id = answer.json()["account"]["id"]

    def blocked():
        account = server.http.get(f"{server.base}/api/accounts/{account_id}", timeout=10).json()["account"]
        return account if account["blocked"] else None
    return wait_for(blocked, 90, "the wrong password to block the account")


def check(panel) -> dict:
    """What the service worker's minute alarm does, asked for now."""
    return panel.driver.execute_async_script(
        "chrome.runtime.sendMessage({type: 'check-attention'}).then(arguments[0])")


def badge(panel) -> str:
    return panel.driver.execute_async_script("chrome.action.getBadgeText({}).then(arguments[0])")


def notifications(panel) -> dict:
    return panel.driver.execute_async_script("chrome.notifications.getAll().then(arguments[0])")


def test_badge_and_one_notification_per_event_then_the_panel_opens_on_the_account(world):
    server, demo, token, driver = world
    panel = open_panel(driver, "attention", server.port)
    panel.set_storage(token=token)
    assert check(panel)["count"] == 0 and badge(panel) == "" and notifications(panel) == {}

    account = blocked_account(server, demo)
    found = check(panel)
    key = f"blocked:{account['id']}:{account['last_sync_at']}"
    assert found == {"count": 1, "keys": [key]}
    assert badge(panel) == "1"
    assert notifications(panel) == {key: True}

    # Once per event: checked again (every minute), it is not notified a second time.
    panel.driver.execute_async_script("chrome.notifications.clear(arguments[0]).then(arguments[1])", key)
    assert check(panel)["count"] == 1 and notifications(panel) == {}
    assert panel.storage()["notified"] == {key: account["id"]}

    # Clicking the notification stores its account for the panel (service-worker.js); the panel
    # then shows that card and puts the keyboard focus on it.
    # (Written from the options page: an open panel would take the request itself, as it should.)
    panel.open(OPTIONS_URL)
    panel.set_storage(focusAccount=account["id"])
    panel.open(PANEL_URL)
    shown = card(panel, demo.name)
    wait_for(lambda: "card-attention" in shown.get_attribute("class"), 10, "the card to be highlighted")
    assert panel.driver.switch_to.active_element == shown
    panel.screenshot("attention-card")  # test-artifacts/extension/: the card the notification led to
    assert "focusAccount" not in panel.storage()  # taken once

    # The user fixes the password: nothing needs them any more, the badge clears.
    answer = server.http.put(f"{server.base}/api/accounts/{account['id']}/credentials",
                             json={"credentials": {"password": demo.password}}, timeout=30)
    assert answer.status_code == 200, answer.text
    wait_for(lambda: check(panel)["count"] == 0, 90, "the account to sync again")
    assert badge(panel) == "" and panel.storage()["notified"] == {}
