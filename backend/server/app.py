"""The Flask app factory. `invoice-collector serve` runs it with waitress on 127.0.0.1.

    app = create_app(settings)             # checks the keyring, opens the store (recipes load on first use)
    app.extensions["invoice_collector"]    # the Services: store, jobs, scheduler…
    services.start() / services.stop()     # background services (scheduler, delivery worker)

Route tests use the app as is (no background services); `serve` starts them."""

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
from backend.server import accounts, errors, invoices, meta, providers, security
from backend.server.clock import Clock, iso, utcnow
from backend.server.jobs import JobManager
from backend.server.keyring_store import KeyringUnavailable, check_backend
from backend.server.pairing import PairingGate
from backend.server.scheduler import Scheduler
from backend.server.services import EXTENSION_KEY, Services, optional_module
from backend.server.store import Store

if TYPE_CHECKING:
    from backend.collectors import Catalog, RunRequest, RunResult

log = logging.getLogger("invoice_collector.server")
DELIVERY_API = "backend.delivery.api"  # issue 4's routes (a Blueprint `bp`), registered when present


class IdConverter(IntegerConverter):
    """A database id in a path: 1 … 2^63-1. Anything else is a 404, never an overflow in SQLite."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=2**63 - 1)


def create_app(settings: Settings | None = None, *, store: Store | None = None, catalog: Catalog | None = None,
               runner: Callable[[RunRequest], RunResult] | None = None, clock: Clock | None = None,
               code_timeout: float = 300.0, poll_seconds: float = 60.0, manifest: Path | None = None,
               start_background: bool = False) -> Flask:
    """Build the app. Raises KeyringUnavailable (with how to fix it) when secrets would not be safe."""
    settings = settings or load_settings()
    backend_name = check_backend()
    log.info("keyring backend: %s", backend_name)
    services = Services(settings, store or Store(), catalog or load_recipes, runner or run_engine,
                        clock or utcnow, random.Random(), PairingGate(clock or utcnow))
    services.jobs = JobManager(services, workers=settings.workers, code_timeout=code_timeout)
    services.scheduler = Scheduler(services, poll_seconds=poll_seconds)
    if services.jobs.claim():  # the process that runs jobs cleans up after a crashed one
        services.jobs.recover()
        _reschedule_orphans(services)

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
        return errors.error_response(503, "UNAVAILABLE", str(exc))

    security.install(app, settings, settings.port, manifest)
    modules = [meta, providers, accounts, invoices]
    delivery_api = optional_module(DELIVERY_API)
    if delivery_api is not None:
        modules.append(delivery_api)
    for module in modules:
        app.register_blueprint(module.bp)
    app.extensions["openapi_modules"] = modules
    if start_background:
        services.start()
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


def _reschedule_orphans(services: Services) -> None:
    """An account created just before a crash may have neither a job nor a next run: give it one."""
    with services.store.transaction() as conn:
        conn.execute("UPDATE accounts SET next_run_at = ? WHERE next_run_at IS NULL AND blocked_code IS NULL "
                     "AND enabled = 1", (iso(services.clock()),))
