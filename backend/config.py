"""Non-secret settings in config.json under the config dir. Secrets live in the keyring."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backend import paths

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
    path = settings_path()
    if not path.exists():
        return Settings()
    data = json.loads(path.read_text(encoding="utf-8"))
    known = {k: v for k, v in data.items() if k in Settings.__dataclass_fields__}
    return Settings(**known)


def save(settings: Settings) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a config."""
    path = settings_path()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(settings), handle, indent=2)
    os.replace(tmp, path)
