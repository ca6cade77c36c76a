"""Provider portals the extension's browser tests collect from (no tests here), and what a user
types and sees for each: the bundled demo provider « Énergie Démo » (backend/demo/portal.py),
the server tests' fixture portal, which can ask for a one-time code, and a site with a "not a robot"
check that only a person in its window can pass."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from pathlib import Path

from backend.demo.portal import DEMO_LOGIN, DEMO_PASSWORD, start_demo_portal
from backend.demo.store import load_invoices, publish_invoice
from tests.helpers import serve
from tests.portals import challenge
from tests.portals.common import RECIPES
from tests.server.conftest import RECIPE
from tests.server.portal import Portal


class PortalUnderTest:
    provider_id: str
    name: str
    search: str
    login: str
    password: str
    labels_fr: tuple[str, str]  # login, password
    labels_en: tuple[str, str]

    def __init__(self) -> None:
        self.stack = ExitStack()

    def credentials(self, lang: str = "fr") -> dict[str, str]:
        login_label, password_label = self.labels_fr if lang == "fr" else self.labels_en
        return {login_label: self.login, password_label: self.password}

    def password_label(self, lang: str = "fr") -> str:
        return (self.labels_fr if lang == "fr" else self.labels_en)[1]

    def login_label(self, lang: str = "fr") -> str:
        return (self.labels_fr if lang == "fr" else self.labels_en)[0]

    def stop(self) -> None:
        self.stack.close()


class DemoEnergie(PortalUnderTest):
    """« Énergie Démo », the bundled demo provider: six invoices already issued."""
    provider_id = "demo-energie"
    name = "Énergie Démo"
    search = "energie demo"  # accents do not matter to the search
    login = DEMO_LOGIN
    password = DEMO_PASSWORD
    labels_fr = ("Adresse e-mail", "Mot de passe")
    labels_en = ("E-mail address", "Password")

    def __init__(self, server, state_dir: Path) -> None:
        """Starts the portal and points the server's recipe at it (before the server starts)."""
        super().__init__()
        self.state_dir = state_dir
        running = self.stack.enter_context(start_demo_portal(state_dir))
        # A fresh browser profile at each run, so that a changed password is really tried.
        server.configure(url_overrides={self.provider_id: {"portal": running.url}}, persistent_profiles=False)

    def invoices(self) -> list[dict]:
        return load_invoices(self.state_dir)

    @property
    def initial_count(self) -> int:
        return len(self.invoices())

    def publish_new(self) -> str:
        """Issues a new invoice on the portal; returns its number."""
        return publish_invoice(self.state_dir, "57.30")["number"]


class CodePortal(PortalUnderTest):
    """The server tests' fixture portal: asks for an SMS code after the password."""
    provider_id = "test-portal"
    name = "Portail Test Énergie"
    search = "test"
    login = "alice@example.com"
    password = "correct horse"
    labels_fr = ("Adresse e-mail", "Mot de passe")
    labels_en = ("Email address", "Password")
    code = "424242"
    beta_note = "Nouveau site depuis octobre : signalez-nous toute facture manquante."
    initial_count = 2

    def __init__(self, server) -> None:
        super().__init__()
        self.portal = Portal(otp_code=self.code)
        for month in range(self.initial_count):
            self.portal.publish(f"FA-{month + 1}", dt.date(2026, 9 + month, 5))
        base_url = self.stack.enter_context(serve(self.portal.app()))
        recipes = server.home / "config" / "providers.d"
        recipes.mkdir(parents=True, exist_ok=True)
        # Marked beta here, to see how the panel presents a beta provider.
        recipe = RECIPE.read_text(encoding="utf-8").replace(
            "    category: energy\n", f"    category: energy\n    status: beta\n    status_note: \"{self.beta_note}\"\n", 1)
        assert self.beta_note in recipe
        (recipes / RECIPE.name).write_text(recipe, encoding="utf-8")
        server.configure(url_overrides={self.provider_id: {"portal": base_url}})


class ChallengeSite(PortalUnderTest):
    """A site with a "not a robot" check after the password (tests/portals/challenge.py)."""
    provider_id = "challenge"
    name = "Portail avec vérification"
    search = "verification"
    login = challenge.LOGIN
    password = challenge.PASSWORD
    labels_fr = ("Identifiant", "Mot de passe")
    labels_en = ("Login", "Password")

    def __init__(self, server) -> None:
        super().__init__()
        self.state = challenge.State()
        base_url = self.stack.enter_context(serve(challenge.create_app(self.state)))
        recipes = server.home / "config" / "providers.d"
        recipes.mkdir(parents=True, exist_ok=True)
        (recipes / "challenge.yaml").write_text((RECIPES / "challenge.yaml").read_text(encoding="utf-8"),
                                                encoding="utf-8")
        server.configure(url_overrides={self.provider_id: {"portal": base_url}})
