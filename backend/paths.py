"""Where the program writes. INVOICE_COLLECTOR_HOME, when set, holds everything."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from backend import APP_NAME

HOME_ENV = "INVOICE_COLLECTOR_HOME"
REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser().resolve() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def config_dir() -> Path:
    home = _home()
    return _ensure(home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME)))


def data_dir() -> Path:
    home = _home()
    return _ensure(home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME)))


def log_dir() -> Path:
    home = _home()
    return _ensure(home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME)))


def user_recipes_dir() -> Path:
    """providers.d/ under the config dir: user recipes that add or override bundled ones."""
    return _ensure(config_dir() / "providers.d")


def profiles_dir() -> Path:
    return _ensure(data_dir() / "profiles")


def grid_sessions_dir() -> Path:
    """One file per sync holding a Selenium Grid session (collectors/run/grid.py)."""
    return _ensure(data_dir() / "grid-sessions")


def traces_dir() -> Path:
    return _ensure(data_dir() / "traces")


def pdf_dir() -> Path:
    return _ensure(data_dir() / "pdf")


def bundled_catalog() -> Path:
    """providers.yaml: at the repository root in a checkout, inside the package once installed."""
    for candidate in (REPO_ROOT / "providers.yaml", PACKAGE_DIR / "providers.yaml"):
        if candidate.is_file():
            return candidate
    return REPO_ROOT / "providers.yaml"


def recipe_files(folder: Path) -> list[Path]:
    """The recipe files of a folder (*.yaml, *.yml), in the order they are read: by name."""
    return sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def extension_dir() -> Path:
    """extension/: at the repository root in a checkout, inside the package once installed."""
    for candidate in (REPO_ROOT / "extension", PACKAGE_DIR / "extension"):
        if (candidate / "manifest.json").is_file():
            return candidate
    return REPO_ROOT / "extension"
