"""Run a bundled provider's recipe against its replica, as the server would run it for real."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend import paths
from backend.collectors.language.catalog import load_catalog
from backend.collectors.model import BrowserConfig, Invoice, Provider, RunResult
from tests.helpers import run_recipe, serve
from tests.replicas.common import Replica

# The catalog under test: the bundled providers.yaml (IC_TEST_PROVIDERS may name a draft file).
CATALOG = Path(os.environ.get("IC_TEST_PROVIDERS") or paths.bundled_catalog())


@functools.cache
def provider(provider_id: str) -> Provider:
    """A bundled provider; its entry must load without any error."""
    catalog = load_catalog(files=[CATALOG])
    mine = [str(e) for e in catalog.errors if e.provider == provider_id]
    assert not mine, "\n".join(mine)
    assert provider_id in catalog.providers, f"{provider_id} is not in {CATALOG}"
    return catalog.providers[provider_id]


def running(replica: Replica) -> Iterator[Replica]:
    """For a module-scoped fixture: serve the replica for the whole module."""
    with serve(replica.app) as base:
        replica.base = base
        yield replica


@contextlib.contextmanager
def under_maintenance(replica: Replica) -> Iterator[Replica]:
    """The replica shows its portal's "down" signal (maintenance, billing unavailable…) meanwhile."""
    replica.maintenance = True
    try:
        yield replica
    finally:
        replica.maintenance = False


def run(provider_id: str, replica: Replica, tmp_path: Path, browser: BrowserConfig,
        credentials: dict[str, str], **options: Any) -> RunResult:
    """One collection run: PDFs under tmp_path/pdf, a trace under tmp_path/traces on failure."""
    options.setdefault("default_step_timeout", 10.0)  # as in production; refusals end on their signal
    options.setdefault("run_timeout", 90.0)
    return run_recipe(provider(provider_id), browser, credentials, replica.overrides(provider_id),
                      out_dir=tmp_path / "pdf", trace_dir=tmp_path / "traces", **options)


def pdf_bytes(invoices: list[Invoice]) -> dict[str, bytes]:
    """Each saved invoice's PDF, as written on disk."""
    return {i.key: Path(i.pdf_path).read_bytes() for i in invoices if i.pdf_path}


class CodeReader:
    """ask_code for a run: reads the code the replica "sent", as a user reads their phone."""

    def __init__(self, replica: Replica, login: str, wrong: bool = False):
        self.replica, self.login, self.wrong = replica, login, wrong
        self.prompts: list[tuple[str, str]] = []

    def __call__(self, prompt: str, kind: str) -> str | None:
        self.prompts.append((prompt, kind))
        code = self.replica.codes.sent.get(self.login)
        if code is None:
            return None
        return f"{(int(code) + 1) % 10**6:06d}" if self.wrong else code


def files_containing(folder: Path, needles: list[str]) -> list[str]:
    """Every file under folder whose bytes hold one of the needles (to hunt leaked secrets)."""
    found = []
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {n!r}" for n in needles if n.encode() in data]
    return found
