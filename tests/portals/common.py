"""Shared pieces for the fixture portals: recipe loading, one-call runs, portal counters."""

from __future__ import annotations

import hashlib
import html
import threading
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from backend.collectors.language.catalog import load_file
from backend.collectors.model import BrowserConfig, Provider, RunResult
from tests.helpers import run_recipe

RECIPES = Path(__file__).resolve().parent / "recipes"


def load_recipe(name: str, provider_id: str | None = None) -> Provider:
    """A provider from tests/portals/recipes/NAME.yaml; the file must validate cleanly."""
    providers, errors = load_file(RECIPES / f"{name}.yaml")
    assert not errors, "\n".join(map(str, errors))
    if provider_id is None:
        assert len(providers) == 1
        return providers[0]
    return next(p for p in providers if p.id == provider_id)


def run(provider: Provider, portal_url: str, tmp_path: Path, browser: BrowserConfig,
        credentials: dict[str, str], **options: Any) -> RunResult:
    """Run a recipe once against a local portal, PDFs under tmp_path/pdf."""
    options.setdefault("out_dir", tmp_path / "pdf")
    options.setdefault("default_step_timeout", 5.0)
    return run_recipe(provider, browser, credentials, {"portal": portal_url}, **options)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hits:
    """Thread-safe request counters a portal keeps (PDF downloads, logins…)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self.counts[name]

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()


def leaks(folder: Path, secrets: list[str]) -> list[str]:
    """Every file under folder showing a secret, as typed or in any HTML / URL / JSON spelling."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        readings = [text, html.unescape(text), urllib.parse.unquote(text), urllib.parse.unquote_plus(text),
                    text.replace('\\"', '"').replace("\\\\", "\\")]
        found += [f"{path.name}: {s!r}" for s in secrets if any(s in r for r in readings)]
    return found
