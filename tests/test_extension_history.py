"""« Historique » in real Chromium against a real `invoice-collector serve`: the gear menu opens the
account's last syncs, newest first, each with its time, outcome label and message, counts,
duration and what started it, in French then in English. The syncs are written into the database before the server starts
(no portal, no browser run: a few seconds in all)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from backend.core.store import Store
from tests.helpers import wait_for
from tests.test_delivery_support import add_account
from tests.test_extension_panel import gear, open_panel
from tests.test_extension_support import ServerProcess, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.keyring]

# trigger, state, started, seconds, code, message, listed, known, new, baseline (oldest first)
SYNCS = [
    ("create", "succeeded", "2026-11-20T08:00:00Z", 42, "OK", None, 6, 0, 0, 6),
    ("schedule", "succeeded", "2026-11-21T08:00:00Z", 75, "OK", None, 9, 6, 3, 0),
    ("manual", "failed", "2026-11-22T08:00:00Z", 12, "LOGIN_FAILED",
     "the portal said: Identifiant ou mot de passe incorrect.", None, None, 0, 0),
]


def seed_history(store: Store) -> int:
    """An account whose last sync was refused (blocked: the server starts no sync of its own)."""
    account_id = add_account(store)
    with store.transaction() as conn:
        for trigger, job_state, started, seconds, code, message, listed, known, new, baseline in SYNCS:
            conn.execute(
                "INSERT INTO jobs(account_id, trigger, state, created_at, started_at, finished_at, outcome_code, "
                "outcome_message, listed, known, new_invoices, baseline) "
                "VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', ?, ?), ?, ?, ?, ?, ?, ?)",
                (account_id, trigger, job_state, started, started, started, f"+{seconds} seconds", code, message,
                 listed, known, new, baseline))
        conn.execute("UPDATE accounts SET last_code = 'LOGIN_FAILED', blocked_code = 'LOGIN_FAILED', "
                     "last_sync_at = '2026-11-22T08:00:12Z' WHERE id = ?", (account_id,))
    return account_id


def test_the_history_lists_the_syncs_of_an_account(home, tmp_path):
    seed_history(Store())
    server = ServerProcess(home)
    server.start()
    driver = launch_chromium(tmp_path / "profile", "fr")
    try:
        panel = open_panel(driver, "history", server.port)
        panel.set_storage(token=server.pair())
        gear(panel, "Énergie Démo", "Historique")
        panel.find("h2#history-title", "Historique — Énergie Démo")
        items = wait_for(lambda: len(found := driver.find_elements(By.CSS_SELECTOR, "ol.sync-list > li")) == 3
                         and found, 10, "the three syncs")
        # Intl writes "12 s" with a narrow no-break space
        failed, scheduled, first = (item.text.replace("\u202f", " ").replace("\xa0", " ") for item in items)
        assert "Échec" in failed and "Identifiant ou mot de passe refusé" in failed
        assert "Détail : the portal said: Identifiant ou mot de passe incorrect." in failed
        assert "À la demande" in failed and "12 s" in failed and "FACTURES" not in failed  # it counted nothing
        assert "Réussie" in scheduled and "3 nouvelles, 6 connues" in scheduled and "1 min 15 s" in scheduled
        assert "Automatiquement" in scheduled
        assert "Réussie" in first and "0 nouvelle, 6 connues" in first and "À l’ajout du compte" in first
        assert [h.tag_name for h in driver.find_elements(By.CSS_SELECTOR, "ol.sync-list h3")] == ["h3"] * 3
        assert panel.find("[role=status]", "3 synchronisations")
        assert driver.switch_to.active_element.get_attribute("id") == "history-title"
        panel.screenshot("history")  # test-artifacts/extension/history-history.png, 400 px wide
        assert panel.console_errors() == []
        panel.click("button.back")
        panel.find("h2#accounts-title")

        panel.set_storage(language="en")  # the options page's choice: the panel reloads in English
        gear(panel, "Énergie Démo", "History", label="Actions for")
        failed = panel.find("ol.sync-list > li", "Failed")
        assert "The provider rejected the login or password" in failed.text and "On demand" in failed.text
        assert "Detail: the portal said: Identifiant ou mot de passe incorrect." in failed.text
        panel.find("ol.sync-list > li", "3 new, 6 known")
    finally:
        driver.quit()
        server.stop()
