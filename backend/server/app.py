"""The Flask app factory. `invoice-collector serve` runs it with waitress on 127.0.0.1.

    app = create_app(settings)             # checks the keyring, opens the store (recipes load on first use)
    app.extensions["invoice_collector"]    # the Services: store, jobs, scheduler…
    services.start() / services.stop()     # background services (scheduler, delivery worker)

It builds and nothing else: `serve` puts right what a crashed server left (recovery.py), then
listens, then starts the background services. Route tests use the app as is."""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from backend import paths
from backend.config import Settings
from backend.config import load as load_settings
from backend.core.clock import Clock, utcnow
from backend.core.keyring_store import KeyringUnavailable, check_backend
from backend.core.store import Store
from backend.i18n import say
from backend.server import (
    accounts,
    browsers,
    delivery_settings,
    demo,
    errors,
    invoice_export,
    invoices,
    meta,
    providers,
    recipes,
    security,
    smtp_autoconfig,
)
from backend.server.jobs import JobManager
from backend.server.pairing import PairingGate
from backend.server.scheduler import Scheduler
from backend.server.services import EXTENSION_KEY, Services

if TYPE_CHECKING:
    from backend.collectors import Catalog, RunRequest, RunResult

log = logging.getLogger("invoice_collector.server")


class IdConverter(IntegerConverter):
    """A database id in a path: 1 … 2^63-1. Anything else is a 404, never an overflow in SQLite."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=2**63 - 1)


def create_app(settings: Settings | None = None, *, store: Store | None = None, catalog: Catalog | None = None,
               runner: Callable[[RunRequest], RunResult] | None = None, clock: Clock | None = None,
               code_timeout: float = 300.0, poll_seconds: float = 60.0, manifest: Path | None = None) -> Flask:
    """Build the app. Raises KeyringUnavailable (with how to fix it) when secrets would not be safe."""
    settings = settings or load_settings()
    backend_name = check_backend()
    log.info("keyring backend: %s", backend_name)
    services = Services(settings, store or Store(), catalog or load_recipes, runner or run_engine,
                        clock or utcnow, random.Random(), PairingGate(clock or utcnow))
    services.jobs = JobManager(services, workers=settings.workers, code_timeout=code_timeout)
    services.scheduler = Scheduler(services, poll_seconds=poll_seconds)

    app = Flask("invoice_collector", static_folder=None)
    app.url_map.converters["id"] = IdConverter
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own provider: no json_provider_class is set
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = 1_000_000  # no request needs more; bigger bodies get a 413
    app.extensions[EXTENSION_KEY] = services
    errors.install(app)

    @app.errorhandler(KeyringUnavailable)
    def keyring_unavailable(exc: KeyringUnavailable) -> Response:
        log.error("%s", exc)
        return errors.error_response(503, "UNAVAILABLE", say(str(exc), f"le trousseau de cet ordinateur est "
                                                                    f"indisponible : {exc}"))

    security.install(app, settings, settings.port, manifest)
    modules = [meta, browsers, providers, recipes, accounts, invoices, invoice_export, delivery_settings, smtp_autoconfig,
               demo]
    for module in modules:
        app.register_blueprint(module.bp)
    app.extensions["openapi_modules"] = modules
    return app


def load_recipes() -> Catalog:
    if "backend.collectors.language.catalog" in sys.modules:  # already imported here (tests, a host app): no child
        from backend.collectors.language.catalog import load_catalog
        catalog = load_catalog()
    else:  # in a child process: the validator and the engine it imports never weigh on the server
        from backend.collectors.run.isolated import load_catalog_isolated
        catalog = load_catalog_isolated(paths.data_dir() / "tmp")
    for problem in catalog.errors:
        log.warning("recipe problem: %s", problem)
    log.info("%d providers loaded", len(catalog.providers))
    return catalog


def run_engine(request: RunRequest) -> RunResult:
    from backend.collectors.run.isolated import run_collection_isolated
    return run_collection_isolated(request, paths.data_dir() / "tmp")
