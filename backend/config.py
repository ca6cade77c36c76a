"""Non-secret settings in config.json under the config dir. Secrets live in the keyring."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backend import paths

log = logging.getLogger("invoice_collector.config")
DEFAULT_PORT = 47311  # fixed and documented; clear of Anki-Connect (8765), Zotero (23119), Joplin (41184)
# The bundled demo supplier (backend/demo/): its recipe's id and preferred port, the demo login the
# portal accepts, and the Libeo destination of its local test inbox. Known here because both the
# server (which starts the demo on demand) and the demo itself need them.
DEMO_PROVIDER = "demo-energie"
DEMO_PORTAL_PORT = 47312
DEMO_LOGIN = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_INBOX = "demo-entreprise@box.libeo.io"
DEMO_SENDER = "demo@invoice-collector.example"


@dataclass
class Settings:
    port: int = DEFAULT_PORT
    extension_ids: list[str] = field(default_factory=list)  # extra allowed ids (a store build)
    workers: int = 2  # browsers at once
    chrome_binary: str | None = None
    chromedriver: str | None = None
    remote_webdriver_url: str | None = None
    headed: bool = False
    persistent_profiles: bool = True
    # provider id -> {url name -> base URL}: points a recipe at a local portal (demo, tests)
    url_overrides: dict[str, dict[str, str]] = field(default_factory=dict)


def settings_path() -> Path:
    return paths.config_dir() / "config.json"


def load() -> Settings:
    """The settings, the Grid's credentials (kept in the keyring) back in remote_webdriver_url. Credentials
    found in config.json itself (typed there by hand) move to the keyring, and out of the file."""
    path = settings_path()
    if not path.exists():
        return Settings()
    data = json.loads(path.read_text(encoding="utf-8"))
    known = {k: v for k, v in data.items() if k in Settings.__dataclass_fields__}
    settings = Settings(**known)
    if settings.remote_webdriver_url:
        from backend.collectors.run import grid
        from backend.core.keyring_store import KeyringUnavailable
        if grid.split_credentials(settings.remote_webdriver_url)[1] is not None:
            try:
                save(settings)
            except (OSError, KeyringUnavailable) as exc:  # the URL works; the file keeps the password for now
                log.warning("cannot move the Selenium Grid's credentials from %s to the keyring: %s", path, exc)
        else:
            settings.remote_webdriver_url = _with_grid_credentials(settings.remote_webdriver_url)
    return settings


def _with_grid_credentials(url: str) -> str:
    from backend.collectors.run import grid
    from backend.core import keyring_store
    try:
        found = keyring_store.get_grid_credentials(grid.origin(url))
    except keyring_store.KeyringUnavailable as exc:
        log.warning("the Selenium Grid's credentials cannot be read from the keyring: %s", exc)
        return url
    return grid.with_credentials(url, *found) if found else url


def save(settings: Settings) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a config. The Grid's credentials
    go to the keyring, never into the file (the keyring refusing them stops the save)."""
    data = asdict(settings)
    if settings.remote_webdriver_url:
        from backend.collectors.run import grid
        from backend.core import keyring_store
        bare, user, password = grid.split_credentials(settings.remote_webdriver_url)
        if user is not None:
            keyring_store.set_grid_credentials(grid.origin(bare), user, password)
        data["remote_webdriver_url"] = bare
    path = settings_path()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)
