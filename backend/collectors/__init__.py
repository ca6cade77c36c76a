"""The collection engine: declarative YAML recipes run with Selenium in headless Chromium.

Public entry points: load_catalog() and run_collection(); data types in model.py."""

from backend.collectors.catalog import Catalog, load_catalog
from backend.collectors.model import (BrowserConfig, CollectionError, CredentialField, Invoice, Progress,
                                      Provider, RecipeError, RunRequest, RunResult)
from backend.collectors.runner import run_collection

__all__ = ["BrowserConfig", "Catalog", "CollectionError", "CredentialField", "Invoice", "Progress", "Provider",
           "RecipeError", "RunRequest", "RunResult", "load_catalog", "run_collection"]
