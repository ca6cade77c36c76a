"""The provider portal the extension's browser tests collect from (no tests here).

It wraps the fixture portal and recipe of the server tests, and tells the panel tests what a
user would type and see for it."""

from __future__ import annotations

import datetime as dt
import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field

from tests.helpers import serve
from tests.server.conftest import RECIPE
from tests.server.portal import Portal


@dataclass
class DemoPortal:
    portal: Portal
    base_url: str
    stack: ExitStack
    provider_id: str = "test-portal"
    name: str = "Portail Test Énergie"
    search: str = "energie"  # accents do not matter to the search
    login: str = "alice@example.com"
    password: str = "correct horse"
    login_label_fr: str = "Adresse e-mail"
    password_label_fr: str = "Mot de passe"
    login_label_en: str = "Email address"
    password_label_en: str = "Password"
    initial_keys: list[str] = field(default_factory=lambda: ["FA-1001", "FA-1002"])
    new_key: str = "FA-2001"

    @classmethod
    def start(cls, server, otp_code: str | None = None) -> "DemoPortal":
        """Starts the portal and points the server's recipe at it (before the server starts)."""
        stack = ExitStack()
        portal = Portal(otp_code=otp_code)
        base_url = stack.enter_context(serve(portal.app()))
        cls._copy_recipe(server)
        server.configure(url_overrides={"test-portal": {"portal": base_url}})
        return cls(portal, base_url, stack)

    @staticmethod
    def _copy_recipe(server) -> None:
        target = server.home / "config" / "providers.d"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RECIPE, target / RECIPE.name)

    @property
    def credentials_fr(self) -> dict[str, str]:
        return {self.login_label_fr: self.login, self.password_label_fr: self.password}

    @property
    def credentials_en(self) -> dict[str, str]:
        return {self.login_label_en: self.login, self.password_label_en: self.password}

    @property
    def secret_labels_fr(self) -> list[str]:
        return [self.password_label_fr]

    @property
    def secret_labels_en(self) -> list[str]:
        return [self.password_label_en]

    def publish_initial(self) -> None:
        for n, key in enumerate(self.initial_keys):
            self.portal.publish(key, dt.date(2026, 9 + n, 5), amount=f"{40 + n},10 €")

    def publish_new(self) -> str:
        self.portal.publish(self.new_key, dt.date(2026, 11, 5), amount="57,30 €")
        return self.new_key

    def number_of(self, key: str) -> str:
        return key

    def stop(self) -> None:
        self.stack.close()
