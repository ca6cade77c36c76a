"""What a destination needs to know about one stored invoice, and its clean file name."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.core.store import Store


@dataclass
class InvoiceFacts:
    id: int
    account_id: int
    provider: str  # provider id, e.g. "edf"
    provider_name: str  # shown to people, e.g. "EDF"
    key: str  # the provider's invoice id: stable across runs
    pdf_path: Path
    number: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    amount: str | None = None  # decimal as text, e.g. "42.50"
    currency: str | None = None
    account_login: str | None = None
    collected_at: str | None = None

    @property
    def label(self) -> str:
        """The number, or the provider's key when the portal shows no number."""
        return self.number or self.key


def message_id(facts: InvoiceFacts) -> str:
    """Deterministic: a resend of the same invoice carries the same Message-ID."""
    digest = hashlib.sha256(f"{facts.account_id}|{facts.provider}|{facts.key}".encode()).hexdigest()
    return f"<{digest[:32]}@invoice-collector.local>"


def _slug(text: str, limit: int) -> str:
    """Accents dropped (é -> e), anything else but letters, digits and single dots becomes '-'."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    cleaned = re.sub(r"[^A-Za-z0-9.]+|\.{2,}", "-", letters)
    return re.sub(r"-{2,}", "-", cleaned).strip(".-")[:limit].strip(".-")


def file_name(facts: InvoiceFacts) -> str:
    """YYYY-MM-DD_provider_number.pdf, ASCII letters, digits, '.', '-' only (safe everywhere)."""
    day = facts.date.isoformat() if facts.date else (facts.collected_at or "0000-00-00")[:10]
    provider = _slug(facts.provider, 40) or "provider"
    number = _slug(facts.label, 80) or hashlib.sha256(facts.key.encode()).hexdigest()[:12]
    return f"{day}_{provider}_{number}.pdf"


def parse_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def load(store: Store, invoice_id: int, provider_name: Callable[[str], str]) -> InvoiceFacts | None:
    """Read one stored invoice with its account; None when it is gone (account deleted)."""
    row = store.query_one(
        "SELECT i.*, a.provider AS provider, a.login AS login FROM invoices i "
        "JOIN accounts a ON a.id = i.account_id WHERE i.id = ?", (invoice_id,))
    if row is None:
        return None
    return InvoiceFacts(
        id=row["id"], account_id=row["account_id"], provider=row["provider"],
        provider_name=provider_name(row["provider"]), key=row["key"],
        pdf_path=store.pdf_path(row["sha256"]) if row["sha256"] else Path("/nonexistent"),
        number=row["number"], date=parse_date(row["date"]), due_date=parse_date(row["due_date"]),
        amount=row["amount"], currency=row["currency"], account_login=row["login"] or None,
        collected_at=row["collected_at"])
