"""« Essayer avec un fournisseur de démonstration » and « SMTP trouvé pour vous » in real Chromium,
against a real `invoice-collector serve` that starts its own demo (portal and test inbox) on
demand: add the demo account, its first sync, a new invoice published and collected, delivered to
the local test inbox; the SMTP fields filled from a sender address; the demo gone with its account."""

from __future__ import annotations

import email
import email.policy

import psutil
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.test_extension_panel import gear, keep_for_docs, open_panel, pair
from tests.test_extension_support import ServerProcess, launch_chromium, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.keyring]
NAME = "Énergie Démo"


@pytest.fixture
def server(home):
    process = ServerProcess(home)
    yield process
    process.stop()


@pytest.fixture
def driver(tmp_path):
    launched = launch_chromium(tmp_path / "profile", "fr")
    yield launched
    launched.quit()


def demo_children(server: ServerProcess) -> list[psutil.Process]:
    running = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "backend.demo.service" in " ".join(child.cmdline()):
                running.append(child)
        except psutil.NoSuchProcess:  # it ended meanwhile (a zombie too: ended, waiting for its parent's wait)
            continue
    return running


def test_the_demo_and_smtp_autoconfiguration_from_the_panel(server, driver, home):
    server.start()
    panel = open_panel(driver, "demo", server.port)
    pair(panel, server)
    assert demo_children(server) == []  # nothing runs before the user asks

    # The empty accounts screen offers the demo; the add form opens on it, its credentials filled in.
    panel.find(".empty", "Aucun compte fournisseur pour l’instant")
    panel.click(".empty button.try-demo", "Essayer avec un fournisseur de démonstration")
    panel.find(".demo-banner", "Démonstration.")
    assert panel.field("Adresse e-mail").get_attribute("value") == "demo@example.com"
    assert panel.field("Mot de passe").get_attribute("value") == "demo-password"
    assert len(demo_children(server)) == 1  # started on demand
    terms = panel.field(f"J’ai lu et j’accepte les conditions d’utilisation de la collecte {NAME}.")
    panel.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", terms)
    terms.click()
    panel.click("#add-submit", "Ajouter le compte")
    panel.find("li.account .summary", "6 factures existantes mémorisées", timeout=90)  # the first sync: baseline

    # Libeo is not set up: the demo's card offers the local test inbox; then a new invoice.
    panel.click("li.account button.use-test-inbox", "Envoyer vers une boîte de test locale")
    panel.find("li.account .demo-inbox", "Envoi vers une boîte de test locale.")
    panel.click("li.account button.publish-demo", "Publier une nouvelle facture")
    number = panel.find(".notice", "publiée").text.split()[1]
    panel.find("li.account .summary", "1 nouvelle facture", timeout=90)
    panel.find("li.account .demo-inbox", "1 message reçu, adressé à demo-entreprise@box.libeo.io", timeout=60)
    keep_for_docs(panel.screenshot("demo-card"), "panel-demo")
    [received] = list(home.glob("data/demo/inbox/*.eml"))
    message = email.message_from_bytes(received.read_bytes(), policy=email.policy.default)
    assert message["To"] == "demo-entreprise@box.libeo.io"
    assert [part.get_filename() for part in message.iter_attachments()][0].endswith(f"{number}.pdf")
    panel.click("[role=tab]", "Factures")
    panel.find("li.invoice", number)
    panel.find("li.invoice .state", "Envoyée à Libeo", timeout=30)

    # Réglages › Envoi vers Libeo: the sender address fills the SMTP fields, which stay editable.
    panel.click("[role=tab]", "Réglages")
    sender = panel.field("Adresse d’expédition")
    panel.type(sender, "compta@orange.fr")
    panel.find("#smtp-found", "Réglages trouvés pour orange.fr (Orange)")
    assert panel.field("Serveur SMTP").get_attribute("value") == "smtp.orange.fr"
    assert panel.field("Port").get_attribute("value") == "465"
    assert Select(panel.field("Sécurité")).first_selected_option.get_attribute("value") == "tls"
    assert panel.field("Identifiant SMTP").get_attribute("value") == "compta@orange.fr"
    panel.type(sender, "compta@gmail.com")
    link = panel.find("#smtp-found a#smtp-app-password-link", "Créer un mot de passe d’application")
    assert link.get_attribute("href") == "https://myaccount.google.com/apppasswords"
    assert panel.field("Serveur SMTP").get_attribute("value") == "smtp.gmail.com"
    keep_for_docs(panel.screenshot("smtp-found"), "panel-smtp-found")
    assert panel.cut_at(320) == []

    # The demo account goes through the other flows too; deleting it stops the demo.
    panel.click("[role=tab]", "Comptes")
    gear(panel, NAME, "Modifier mes identifiants")
    assert panel.field("Adresse e-mail").get_attribute("value") == "demo@example.com"
    panel.click("[role=tab]", "Comptes")
    gear(panel, NAME, "Supprimer")
    panel.find("dialog[open]").find_element(By.XPATH, ".//button[normalize-space()='Supprimer']").click()
    panel.absent("li.account")
    wait_until(lambda: demo_children(server) == [], what="the demo to stop")
    assert panel.console_errors() == []
