"""« Diagnostiquer la recette » in real Chromium against a real `invoice-collector serve`: an account whose
last sync ended RECIPE_BROKEN offers the check; the server runs the recipe once (the real engine against
the bundled demo portal), stores and sends nothing, and the panel downloads the report, which holds no
credential and no invoice number."""

from __future__ import annotations

import json
import re

import pytest

from backend.config import DEMO_LOGIN, DEMO_PASSWORD
from backend.core import keyring_store
from backend.core.store import Store
from tests.test_delivery_support import add_account
from tests.test_extension_panel import open_panel
from tests.test_extension_support import ServerProcess, launch_chromium, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.keyring]


def broken_account(store: Store) -> int:
    """The demo account after a sync the recipe could not finish (a redesigned site), nothing planned soon."""
    account_id = add_account(store, login=DEMO_LOGIN)
    keyring_store.set_credentials(account_id, {"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    with store.transaction() as conn:
        conn.execute("UPDATE accounts SET credential_fields = ?, baseline_done = 1, last_code = 'RECIPE_BROKEN', "
                     "last_message = 'the page no longer matches the recipe', last_sync_at = '2026-12-01T08:00:00Z', "
                     "next_run_at = '2099-01-01T00:00:00Z' WHERE id = ?",
                     (json.dumps(["login", "password"]), account_id))
        conn.execute("INSERT INTO jobs(account_id, trigger, state, created_at, started_at, finished_at, "
                     "outcome_code, outcome_message) VALUES (?, 'schedule', 'failed', '2026-12-01T08:00:00Z', "
                     "'2026-12-01T08:00:00Z', '2026-12-01T08:00:09Z', 'RECIPE_BROKEN', "
                     "'the page no longer matches the recipe')", (account_id,))
    return account_id


def test_a_broken_recipe_is_checked_from_its_card_and_the_report_downloaded(home, tmp_path):
    store = Store()
    account_id = broken_account(store)
    server = ServerProcess(home)
    server.start()
    driver = launch_chromium(tmp_path / "profile", "fr")
    downloads = tmp_path / "downloads"
    try:
        panel = open_panel(driver, "recipe-check", server.port)
        panel.set_storage(token=server.pair())
        card = panel.find(f"li.account[data-account-id='{account_id}']", "Diagnostiquer la recette")
        assert "sans rien enregistrer ni envoyer" in card.text
        panel.screenshot("recipe-broken")
        panel.click("button.diagnose", "Diagnostiquer la recette")
        panel.find(".notice", "Diagnostic lancé : Énergie Démo")
        panel.find("li.account .check-summary", "Diagnostic terminé : la recette a fonctionné sur votre compte",
                   timeout=90)
        panel.screenshot("recipe-checked")
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        panel.click("button.report", "Télécharger le rapport")
        report = wait_until(lambda: next(downloads.glob("verify-demo-energie-*.md"), None),
                            what="the report in the downloads folder")
        text = report.read_text(encoding="utf-8")
        assert text.startswith("# Recipe check: Énergie Démo (`demo-energie`)\n\n**OK**")
        assert re.search(r"\| invoices \| \d+ listed", text)
        for personal in (DEMO_LOGIN, DEMO_PASSWORD, "FA2026-", "FA2025-", "ED-0"):  # the demo's invoice numbers
            assert personal not in text, personal
        assert panel.console_errors() == []
    finally:
        driver.quit()
        server.stop()
    # A check is not a sync: nothing stored, the account's state as it was.
    assert store.query_one("SELECT COUNT(*) AS n FROM invoices")["n"] == 0
    row = store.query_one("SELECT last_code, last_sync_at, next_run_at FROM accounts WHERE id = ?", (account_id,))
    assert tuple(row) == ("RECIPE_BROKEN", "2026-12-01T08:00:00Z", "2099-01-01T00:00:00Z")
