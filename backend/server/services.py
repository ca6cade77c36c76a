"""What the server's parts share: settings, store, catalog, jobs, scheduler, delivery worker, clock.

`Services.start()` / `Services.stop()` are the one place where background services start and
stop: the scheduler and the delivery worker (after `serve` has run crash recovery, recovery.py)."""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app

from backend.config import DEMO_PROVIDER, Settings
from backend.core.clock import Clock
from backend.core.store import Store
from backend.delivery import settings as delivery_settings
from backend.delivery.worker import DeliveryWorker
from backend.server.catalog_watch import WatchedCatalog
from backend.server.demo_portal import DemoPortal, DemoUnavailable
from backend.server.pairing import PairingGate

if TYPE_CHECKING:
    from backend.collectors import Catalog, RunRequest, RunResult
    from backend.server.jobs import JobManager
    from backend.server.scheduler import Scheduler

log = logging.getLogger("invoice_collector.server")
EXTENSION_KEY = "invoice_collector"


class Services:
    # Made by create_app() right after this object, which both need.
    jobs: JobManager
    scheduler: Scheduler

    def __init__(self, settings: Settings, store: Store, catalog: Catalog | Callable[[], Catalog],
                 runner: Callable[[RunRequest], RunResult], clock: Clock, rng: random.Random,
                 pairing: PairingGate):
        self.settings = settings
        self.port = settings.port
        self.store = store
        self.runner = runner
        self.clock = clock
        self.random = rng
        self.pairing = pairing
        self.delivery: DeliveryWorker | None = None  # set by start(): only `serve` delivers
        self.demo = DemoPortal(settings)
        # A loader is watched (edited recipe files are read again); a given catalog stays as it is.
        self._catalog = None if callable(catalog) else catalog
        self._watched = WatchedCatalog(catalog) if callable(catalog) else None
        self._started = False

    @property
    def catalog(self) -> Catalog:
        """Loaded on first use (or by start()), so that the server answers before recipes are parsed;
        read again when a recipe file changed (server/catalog_watch.py)."""
        if self._watched is not None:
            return self._watched.get()
        assert self._catalog is not None  # __init__ kept either a catalog or a loader
        return self._catalog

    def provider_name(self, provider_id: str) -> str:
        provider = self.catalog.get(provider_id)
        return provider.name if provider else provider_id

    def default_interval(self, provider_id: str) -> float:
        provider = self.catalog.get(provider_id)
        return provider.interval_hours if provider else 24.0

    def interval_hours(self, account: sqlite3.Row) -> float:
        if account["interval_hours"] is not None:
            return float(account["interval_hours"])
        return self.default_interval(account["provider"])

    def url_overrides(self, provider_id: str) -> dict[str, str]:
        """The recipe's URLs pointed elsewhere: the demo's portal wherever it runs (started if
        needed), or what the settings say."""
        if provider_id == DEMO_PROVIDER:
            try:
                return {"portal": self.demo.ensure_running(self.store)}
            except DemoUnavailable as exc:
                log.error("%s", exc)  # the sync then fails on an unreachable portal, and says so
        return dict(self.settings.url_overrides.get(provider_id, {}))

    def notify_delivery(self) -> None:
        """New outbox rows were committed: wake the delivery worker if this process runs one."""
        if self.delivery is not None:
            self.delivery.notify()

    def retry_delivery(self) -> None:
        """The user asked for a retry, or saved settings that work: lift a pause (a refused login…)
        and look now."""
        delivery_settings.resume_libeo(self.store)
        self.notify_delivery()

    def start(self) -> None:
        """Start the background services (called by `serve`, not by tests of the routes)."""
        if self._started:
            return
        self._started = True
        threading.Thread(target=lambda: self.catalog, name="ic-catalog", daemon=True).start()
        self.scheduler.start()
        self.delivery = DeliveryWorker(self.store, provider_name=self.provider_name).start()
        if self.store.query_one("SELECT 1 FROM accounts WHERE provider = ? LIMIT 1", (DEMO_PROVIDER,)):
            # Its test inbox must answer the delivery worker before any sync starts it.
            threading.Thread(target=self.url_overrides, args=(DEMO_PROVIDER,), name="ic-demo", daemon=True).start()
        log.info("started the scheduler and the delivery worker")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop background services, then let running jobs end (code prompts are cut short)."""
        if self.delivery is not None:
            self.delivery.stop()
            self.delivery = None
        if self._started:
            self.scheduler.stop()
        self.jobs.stop(timeout)
        self.demo.stop()
        self._started = False


def current() -> Services:
    """The Services of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]
