"""« Résoudre maintenant »: a captcha settled from the panel, in the site's own window.

Real Chromium with the extension (the panel), the real server, and the collection's own headed
Chromium on an Xvfb screen; the person clicks with real X input events (xdotool). The server
first runs where there is no screen (the sync cannot show a window: the card says what to do),
then in a desktop session, where « Résoudre maintenant » shows the site's window and the panel
follows the hand-over live."""

from __future__ import annotations

import pytest

from tests.helpers import wait_for
from tests.portals import challenge
from tests.test_extension_panel import add_account, keep_for_docs, open_panel, pair
from tests.test_extension_portal import ChallengeSite
from tests.test_extension_support import ServerProcess, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


@pytest.fixture
def world(home, tmp_path):
    server = ServerProcess(home)
    site = ChallengeSite(server)
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # started outside a desktop session first
        server.env.pop(name, None)
    server.start()
    driver = launch_chromium(tmp_path / "profile", "fr")
    yield server, site, driver
    driver.quit()
    server.stop()
    site.stop()


def test_a_captcha_is_resolved_from_the_panel_in_the_sites_window(world, x_display):
    server, site, driver = world
    panel = open_panel(driver, "hand-over", server.port)
    pair(panel, server)
    add_account(panel, site)

    # No screen to show a window on: the sync ends CAPTCHA, and the card says what to do.
    panel.find("li.account button.resolve", "Résoudre maintenant", timeout=90)
    assert "Cliquez sur « Résoudre maintenant »" in panel.find("li.account .state-detail").text
    panel.screenshot("resolve-now")

    server.stop()
    server.env["DISPLAY"] = x_display  # the server in the user's desktop session
    server.start()
    wait_for(lambda: not any(e.is_displayed() for e in panel.driver.find_elements("css selector", "#offline")),
             30, "the panel to reconnect")
    panel.click("li.account button.resolve", "Résoudre maintenant")

    panel.find("li.account .state-warning", "Terminez la connexion dans la fenêtre ouverte", timeout=90)
    panel.find("li.account .state-detail", "Cliquez sur « Je ne suis pas un robot ».")
    first = panel.find("li.account .state-countdown", "Temps restant").text
    assert first.startswith(("Temps restant : 1 min 5", "Temps restant : 2 min"))
    wait_for(lambda: panel.find("li.account .state-countdown").text != first, 10, "the countdown to move")
    keep_for_docs(panel.screenshot("hand-over"), "panel-hand-over")

    where = challenge.solve_in_window(x_display)
    assert where["X"] >= 0 and where["Y"] >= 0  # shown on the screen, not left off it
    panel.find("li.account .summary", "1 facture existante mémorisée", timeout=90)
    panel.absent("li.account .state-countdown")
    assert len(site.state.solved_with) == 1 and site.state.solved_with[0]["moves"] > 0
    assert panel.console_errors() == []
