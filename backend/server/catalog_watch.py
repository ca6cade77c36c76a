"""Recipe files edited while the server runs are read again: before a sync or a catalog answer,
at most once a second, the files' modification times and sizes are compared with the last read
(a stat each, no parsing). A broken edit does not take a provider away: its last good version
keeps running, marked with the problem (FILE:LINE:COL), which the account card and `doctor`
show; the next good edit replaces it. A changed recipe goes through the approval rules
(server/approval.py) like any other."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from backend import paths

if TYPE_CHECKING:
    from backend.collectors.model import Catalog

log = logging.getLogger("invoice_collector.catalog")
Stamp = tuple[tuple[str, int, int], ...]


def recipe_files_stamp() -> Stamp:
    """(path, mtime in ns, size) of the bundled catalog and each file of the recipes folder."""
    found = []
    for path in [paths.bundled_catalog(), *paths.recipe_files(paths.user_recipes_dir())]:
        try:
            info = Path(path).stat()
        except OSError:
            continue  # removed meanwhile: the next look sees the folder without it
        found.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(found)


def keep_last_good(previous: Catalog, fresh: Catalog) -> Catalog:
    """`fresh`, plus each provider of `previous` that a broken file no longer defines."""
    for provider_id, provider in previous.providers.items():
        source = provider.source.file if provider.source else None
        broken = [e for e in fresh.errors if source and e.file == source]
        if provider_id not in fresh.providers and broken:
            provider.problem = str(broken[0])
            fresh.providers[provider_id] = provider
            log.warning("recipe of %s no longer loads (%s): its last good version keeps running", provider_id,
                        broken[0])
    return fresh


class WatchedCatalog:
    def __init__(self, load: Callable[[], Catalog], stamp: Callable[[], Stamp] = recipe_files_stamp,
                 every: float = 1.0):
        self._load, self._stamp_of, self._every = load, stamp, every
        self._catalog: Catalog | None = None
        self._stamp: Stamp = ()
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        with self._lock:
            now = time.monotonic()
            if self._catalog is None or now - self._checked >= self._every:
                self._checked = now
                stamp = self._stamp_of()
                if self._catalog is None or stamp != self._stamp:
                    fresh = self._load()
                    if self._catalog is not None:
                        log.info("recipe files changed: catalog read again")
                        fresh = keep_last_good(self._catalog, fresh)
                    self._catalog, self._stamp = fresh, stamp
            return self._catalog
