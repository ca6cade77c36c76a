"""Where the credentials go, as the user sees it: the add form lists the provider's origins; a
recipe file that later replaces the provider with another origin holds the account, whose card
lists the new origins (the unapproved one marked) until « Approuver cette recette ».

Real Chromium with the extension, the real server restarted after the file changes, and the
bundled demo provider (« Énergie Démo ») on its demo portal."""

from __future__ import annotations

import pytest

from backend import paths
from backend.collectors.language.catalog import load_catalog
from tests.helpers import wait_for
from tests.test_extension_panel import add_account, choose_provider, open_panel, pair
from tests.test_extension_portal import DemoEnergie
from tests.test_extension_support import ServerProcess, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

EXTRA = "https://sso.energie-demo.example"


@pytest.fixture
def world(home, tmp_path):
    server = ServerProcess(home)
    demo = DemoEnergie(server, tmp_path / "demo")
    server.start()
    driver = launch_chromium(tmp_path / "profile", "fr")
    yield server, demo, driver
    driver.quit()
    server.stop()
    demo.stop()


def override_with_another_origin() -> str:
    """A file in the recipes folder replacing the bundled demo provider, one origin added."""
    bundled = paths.bundled_catalog().read_text(encoding="utf-8")
    start = bundled.index("  - id: demo-energie")
    end = bundled.index("\n  - id:", start + 1)
    entry = bundled[start:end].replace("    urls:", f'    origins: ["{EXTRA}"]\n    urls:', 1)
    path = paths.user_recipes_dir() / "energie-demo.yaml"
    path.write_text("providers:\n" + entry + "\n", encoding="utf-8")
    return str(path)


def test_the_user_sees_where_credentials_go_and_approves_a_changed_recipe(world):
    server, demo, driver = world
    bundled_origins = load_catalog().get("demo-energie").trust["origins"]
    panel = open_panel(driver, "approval", server.port)
    pair(panel, server)
    panel.click("#add-account", "Ajouter un nouveau compte")
    choose_provider(panel, demo)
    origins = panel.find("fieldset.origins", "Où iront vos identifiants")
    assert [li.text for li in origins.find_elements("css selector", "li")] == bundled_origins
    panel.screenshot("add-form-origins")
    panel.click(".back", "Changer de fournisseur")
    panel.click(".back", "Comptes")
    add_account(panel, demo)
    panel.find("li.account .state-ok", "À jour", timeout=90)

    file = override_with_another_origin()
    server.stop()
    server.start()
    panel.find("li.account .state-error", "Recette modifiée : votre accord est demandé", timeout=60)
    panel.find("li.account .tag-local", "Recette locale")
    listed = panel.find("li.account .approval")
    shown = [(li.find_element("css selector", "code").text, [t.text for t in li.find_elements("css selector", ".tag")])
             for li in listed.find_elements("css selector", "li")]
    assert shown == sorted([(EXTRA, ["nouveau"])] + [(origin, []) for origin in bundled_origins])
    panel.screenshot("approval-needed")
    assert file  # doctor names it (tests/test_doctor.py)

    panel.click("li.account button.approve", "Approuver cette recette")
    panel.find(".notice", f"Recette de {demo.name} approuvée")
    wait_for(lambda: not driver.find_elements("css selector", "li.account .approval"), 30, "the approval to go")
    panel.find("li.account .state-ok", "À jour", timeout=90)
    assert panel.console_errors() == []
