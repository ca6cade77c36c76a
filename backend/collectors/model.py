"""The engine's public data: providers read from recipes, run requests, invoices, outcomes.

The engine knows nothing of Flask, SQLite or Libeo. A caller (the server, the CLI, a test)
builds a RunRequest, calls run_collection() and gets a RunResult; it may also receive each
invoice as soon as its PDF is saved (on_invoice), so that a crash mid-run loses nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from backend.errors import CODES
from backend.redact import redact

# A template in a recipe value: {{ name }}, {{ a.b }}, {{ x | url }}. Filled at run time, checked by the validator.
TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|\s*(\w+))?\s*\}\}")

SECRET_FIELD_TYPES = ("password", "totp_secret")


@dataclass(frozen=True)
class Position:
    """Where a value came from in a recipe file (1-based line and column)."""
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class CredentialField:
    name: str
    label_fr: str
    label_en: str
    type: str = "text"  # text | email | password | totp_secret
    required: bool = True
    help_fr: str = ""
    help_en: str = ""

    @property
    def secret(self) -> bool:
        return self.type in SECRET_FIELD_TYPES


@dataclass(frozen=True)
class OptionField:
    name: str
    label_fr: str
    label_en: str
    required: bool = False
    default: str | None = None


@dataclass(frozen=True)
class Terms:
    version: str
    url: str | None = None
    text: str | None = None  # French, as Libeo's users read it first
    text_en: str | None = None


# The catalog's categories, named in both languages for the panel; a recipe may use another word
# (shown as written).
CATEGORY_NAMES = {
    "énergie": ("Énergie", "Energy"), "télécom": ("Télécom", "Telecoms"), "eau": ("Eau", "Water"),
    "hébergement": ("Hébergement", "Hosting"), "logiciel": ("Logiciel", "Software"),
    "assurance": ("Assurance", "Insurance"), "transport": ("Transport", "Transport"),
    "fournitures": ("Fournitures", "Supplies"), "autre": ("Autre", "Other"),
}


def in_both_languages(french: str | None, english: str | None) -> dict[str, str | None]:
    """A text the panel shows: French, and English when the recipe gives it (else the French)."""
    return {"fr": french, "en": english or french}


@dataclass
class Provider:
    id: str
    name: str
    homepage: str
    category: str
    terms: Terms
    credentials: list[CredentialField]
    steps: list[Any]  # validated step mappings, with positions (see yamlpos)
    options: list[OptionField] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # named base URLs, {{ urls.NAME }}
    origins: list[str] = field(default_factory=list)  # more origins its secrets may go to (run/origins.py)
    http_auth: dict[str, Any] | None = None  # {username, password, origins}: run/httpauth.py
    interval_hours: float = 24.0
    status: str = "stable"  # stable | beta
    status_note: str | None = None  # shown in the panel, e.g. for beta recipes
    logo: str | None = None
    description: str | None = None  # French; description_en is its English twin
    description_en: str | None = None
    status_note_en: str | None = None
    expect_invoices: bool = True  # zero invoices listed = RECIPE_BROKEN
    source: Position | None = None  # where the provider is defined
    local: bool = False  # from the user's recipes folder, not the bundled catalog
    problem: str | None = None  # its file was edited and no longer loads: this last good version still runs
    trust: dict[str, Any] = field(default_factory=dict)  # language/trust.py: {"origins": [...], "fingerprint": …}

    def public(self) -> dict[str, Any]:
        """What the panel may show: everything but the steps."""
        return {
            "id": self.id, "name": self.name, "homepage": self.homepage,
            "category": self.category, "status": self.status, "status_note": self.status_note,
            "logo": self.logo, "description": self.description,
            # The panel shows these in its own language: {"fr": …, "en": …}.
            "texts": {
                "category": in_both_languages(*CATEGORY_NAMES.get(self.category.lower(), (self.category, None))),
                "description": in_both_languages(self.description, self.description_en),
                "status_note": in_both_languages(self.status_note, self.status_note_en),
                "terms": in_both_languages(self.terms.text, self.terms.text_en)},
            "interval_hours": self.interval_hours,
            "terms": {"version": self.terms.version, "url": self.terms.url, "text": self.terms.text},
            "credentials": [vars(f) | {"secret": f.secret} for f in self.credentials],
            "options": [vars(o) for o in self.options],
            # Where the credentials may go, shown before the user gives them; a local recipe is flagged.
            "origins": self.trust.get("origins", []), "local": self.local,
        }


@dataclass
class Invoice:
    """One invoice listed by a portal. pdf_path is set once its PDF has been saved."""
    key: str  # the provider's invoice id: dedup key within an account
    number: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    amount: Decimal | None = None
    currency: str | None = None
    url: str | None = None
    pdf_path: Path | None = None
    sha256: str | None = None
    size: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "amount": str(self.amount) if self.amount is not None else None,
            "currency": self.currency, "url": redact(self.url, ()) if self.url else None,
            "pdf_path": str(self.pdf_path) if self.pdf_path else None,
            "sha256": self.sha256, "size": self.size, "extra": self.extra,
        }


@dataclass
class Progress:
    step_index: int
    step_name: str
    line: int | None
    listed: int = 0  # invoices seen on the portal so far
    downloaded: int = 0
    message: str = ""


@dataclass
class BrowserConfig:
    chrome_binary: str | None = None  # default: $CHROME_BIN or /usr/bin/chromium
    chromedriver: str | None = None  # default: $CHROMEDRIVER or /usr/bin/chromedriver
    headed: bool = False
    remote_url: str | None = None  # a Selenium Grid / remote WebDriver (user:password@ allowed)
    # Where the run records its Grid session while it holds it (run/grid.py): a run that dies leaves the
    # file, and whoever finds it ends the session, freeing the slot.
    session_record: Path | None = None
    profile_dir: Path | None = None  # persistent profile for this account (fewer 2FA prompts)
    # On a Grid, the key the account's cookies are kept with between syncs (run/cookie_jar.py). A secret.
    cookie_key: str | None = field(default=None, repr=False)
    extra_args: list[str] = field(default_factory=list)
    page_load_timeout: float = 30.0
    # Inline PDFs saved as downloads (`download: browser` needs it). It also turns off Chromium's PDF
    # viewer, whose plugins bot checks look for, so the runner asks for it only when a recipe needs it.
    pdfs_as_downloads: bool = False
    stealth: bool = True  # run/stealth.py: what gives an automated browser away, hidden (off: to compare)
    # Headed, but off-screen until a `hand_over` step shows it to the user (set by the runner).
    hidden_window: bool = False


AskCode = Callable[[str, str], "str | None"]
"""ask_code(prompt, kind) -> the code typed by the user, or None if none came in time."""


@dataclass(frozen=True)
class HandOver:
    """What the user is told while the run waits for them in its browser window (`hand_over`)."""
    message_fr: str
    message_en: str
    timeout: float  # seconds the run waits for them


OnHandOver = Callable[["HandOver | None"], None]
"""on_hand_over(HandOver) when the window is shown to the user, on_hand_over(None) once they are done."""


@dataclass
class RunRequest:
    provider: Provider
    credentials: dict[str, str]
    out_dir: Path  # PDFs are written here
    options: dict[str, str] = field(default_factory=dict)
    known_keys: set[str] = field(default_factory=set)  # never downloaded again
    want_pdf: Callable[[Invoice], bool] | None = None  # None = every new invoice
    url_overrides: dict[str, str] = field(default_factory=dict)  # replaces provider.urls[name]
    trace_dir: Path | None = None  # a failure leaves a trace folder under it
    ask_code: AskCode | None = None
    # Set only for a sync a person started and can attend: then a `hand_over` step may show them the window.
    on_hand_over: OnHandOver | None = None
    on_progress: Callable[[Progress], None] | None = None
    on_invoice: Callable[[Invoice], None] | None = None
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    run_timeout: float = 600.0
    default_step_timeout: float = 10.0
    diagnose: bool = False  # `recipe verify`: RunResult.diagnosis reports what the run saw (run/diagnosis.py)


@dataclass
class RunResult:
    outcome: str  # "OK" or one of backend.errors.CODES
    message: str = ""
    invoices: list[Invoice] = field(default_factory=list)  # new (not known) invoices
    listed: int = 0
    known: int = 0
    trace_path: Path | None = None
    failed_step: int | None = None
    failed_line: int | None = None
    session_reused: bool = False  # a `login` step found the account's profile still logged in
    diagnosis: dict[str, Any] | None = None  # with RunRequest.diagnose: no secret, no personal data

    @property
    def ok(self) -> bool:
        return self.outcome == "OK"


class CollectionError(Exception):
    """Raised inside the engine; turned into a RunResult outcome by the runner."""

    def __init__(self, code: str, message: str = "", detail: str = ""):
        if code not in CODES:
            raise ValueError(f"unknown outcome code {code}")
        super().__init__(message or CODES[code].en)
        self.code = code
        self.message = message or CODES[code].en
        self.detail = detail


@dataclass(frozen=True)
class RecipeError:
    """A problem found in a recipe file, reported as FILE:LINE:COL: message."""
    file: str
    line: int
    column: int
    message: str
    provider: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass
class Catalog:
    """Every valid provider, and every problem found in the recipe files (FILE:LINE:COL)."""
    providers: dict[str, Provider] = field(default_factory=dict)
    errors: list[RecipeError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    overridden: dict[str, Position] = field(default_factory=dict)  # id -> the bundled definition replaced

    def get(self, provider_id: str) -> Provider | None:
        return self.providers.get(provider_id)

    @property
    def ok(self) -> bool:
        return not self.errors
