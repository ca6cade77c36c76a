"""The collection engine: declarative YAML recipes run with Selenium in headless Chromium.

Public entry points: load_catalog() and run_collection(); data types in model.py.

The names below are imported on first use (PEP 562): importing backend.collectors.model (the
CLI, the server's routes) must not pull in Selenium and the recipe validator, which cost about
half a second of CPU at every `invoice-collector` start."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "BrowserConfig", "Catalog", "CollectionError", "CredentialField", "Invoice", "Progress", "Provider",
    "RecipeError", "RunRequest", "RunResult", "load_catalog", "run_collection",
]
_WHERE = dict.fromkeys(__all__, "model") | {"load_catalog": "language.catalog", "run_collection": "run.runner"}

if TYPE_CHECKING:
    from backend.collectors.language.catalog import load_catalog
    from backend.collectors.model import (
        BrowserConfig,
        Catalog,
        CollectionError,
        CredentialField,
        Invoice,
        Progress,
        Provider,
        RecipeError,
        RunRequest,
        RunResult,
    )
    from backend.collectors.run.runner import run_collection


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'backend.collectors' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"backend.collectors.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
