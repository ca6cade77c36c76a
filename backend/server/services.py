"""What the server's parts share: settings, store, catalog, jobs, scheduler, clock.

`Services.start()` / `Services.stop()` are the one place where background services start and
stop: the scheduler, then each module of BACKGROUND_MODULES that exists. Such a module has
`start(services) -> handle`, where handle has `stop()` (or is a callable, or None); it gets this
object, so it can use `services.store`, `services.settings` and `services.clock`."""

from __future__ import annotations

import importlib
import logging
import random
import sqlite3
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import current_app

from backend.config import Settings
from backend.server.clock import Clock
from backend.server.pairing import PairingGate
from backend.server.store import Store

if TYPE_CHECKING:
    from backend.collectors import Catalog, RunRequest, RunResult

log = logging.getLogger("invoice_collector.server")
EXTENSION_KEY = "invoice_collector"
BACKGROUND_MODULES = ["backend.delivery.worker"]  # the delivery worker (issue 4), when present


def optional_module(name: str) -> ModuleType | None:
    """Import a module another part of the project may not have written yet; nothing else is hidden."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, name.rsplit(".", 1)[0]):
            return None
        raise


class Services:
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
        self.jobs: Any = None  # JobManager
        self.scheduler: Any = None  # Scheduler
        self.delivery: Any = None  # the delivery worker, set by its start() when it runs in this process
        self._catalog = None if callable(catalog) else catalog
        self._load_catalog = catalog if callable(catalog) else None
        self._catalog_lock = threading.Lock()
        self._running: list[Any] = []
        self._started = False

    @property
    def catalog(self) -> Catalog:
        """Loaded on first use (or by start()), so that the server answers before recipes are parsed."""
        if self._catalog is None:
            with self._catalog_lock:
                if self._catalog is None:
                    assert self._load_catalog is not None  # __init__ kept a loader when given no catalog
                    self._catalog = self._load_catalog()
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

    def notify_delivery(self) -> None:
        """New outbox rows were committed: wake the delivery worker if this process runs one."""
        if self.delivery is not None and hasattr(self.delivery, "notify"):
            self.delivery.notify()

    def start(self) -> None:
        """Start the background services (called by `serve`, not by tests of the routes)."""
        if self._started:
            return
        self._started = True
        if self.jobs.claim():  # the process that runs jobs cleans what a crashed one left (none runs yet)
            from backend.server import leftovers
            leftovers.clean(self.store)
        threading.Thread(target=lambda: self.catalog, name="ic-catalog", daemon=True).start()
        self.scheduler.start()
        self._running.append(self.scheduler)
        for name in BACKGROUND_MODULES:
            module = optional_module(name)
            if module is not None and hasattr(module, "start"):
                handle = module.start(self)
                if handle is not None:
                    self._running.append(handle)
                log.info("started %s", name)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop background services, then let running jobs end (code prompts are cut short)."""
        for handle in reversed(self._running):
            try:
                handle.stop() if hasattr(handle, "stop") else handle()
            except Exception:
                log.exception("could not stop %r", handle)
        self._running.clear()
        self.jobs.stop(timeout)
        self._started = False


def current() -> Services:
    """The Services of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]
