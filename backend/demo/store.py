"""The demo portal's invoices: a JSON file in a state folder, shared by every process that
opens it (the portal, a test, the CLI publishing an invoice) and kept across restarts."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

from backend.core.locks import exclusive

STATE_FILE = "invoices.json"
SEED_MONTHS = 6
# Monthly amounts of the seeded history (one above 1 000 € shows the thousands separator).
SEED_AMOUNTS = ["84.20", "91.75", "1234.56", "102.30", "77.90", "68.45"]

FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]


def french_date(day: dt.date) -> str:
    """5 juin 2024, 1er juillet 2024."""
    return f"{'1er' if day.day == 1 else day.day} {FR_MONTHS[day.month - 1]} {day.year}"


def french_amount(amount: Decimal) -> str:
    """1 234,56 € — narrow no-break space between thousands, no-break space before €."""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    return f"{sign}{int(whole):,}".replace(",", "\u202f") + f",{cents}\u00a0€"


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _invoice(seq: int, issued: dt.date, amount: Decimal) -> dict[str, Any]:
    period = _month_start(issued, 1)
    return {"id": f"ED-{seq:06d}", "number": f"FA{issued.year}-{seq:05d}", "date": issued.isoformat(),
            "due_date": (issued + dt.timedelta(days=15)).isoformat(), "amount": str(amount),
            "period": f"{FR_MONTHS[period.month - 1].capitalize()} {period.year}"}


def seed(today: dt.date) -> list[dict[str, Any]]:
    """Six monthly invoices, issued on the 5th of the months before this one."""
    issued = [_month_start(today, back).replace(day=5) for back in range(SEED_MONTHS, 0, -1)]
    return [_invoice(n, day, Decimal(SEED_AMOUNTS[n - 1])) for n, day in enumerate(issued, 1)]


def _locked(state_dir: Path) -> AbstractContextManager[None]:
    """A lock file keeps two processes from publishing the same number."""
    state_dir.mkdir(parents=True, exist_ok=True)
    return exclusive(state_dir / ".lock")


def _read(state_dir: Path) -> list[dict[str, Any]] | None:
    try:
        return json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))["invoices"]
    except FileNotFoundError:
        return None


def _write(state_dir: Path, invoices: list[dict[str, Any]]) -> None:
    """Temp file then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".invoices-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "invoices": invoices}, handle, indent=2, ensure_ascii=False)
    os.replace(tmp, state_dir / STATE_FILE)


def load_invoices(state_dir: Path) -> list[dict[str, Any]]:
    """Every invoice, oldest first; the first call seeds the history."""
    state_dir = Path(state_dir)
    invoices = _read(state_dir)
    if invoices is not None:
        return invoices
    with _locked(state_dir):
        invoices = _read(state_dir)
        if invoices is None:
            invoices = seed(dt.date.today())
            _write(state_dir, invoices)
        return invoices


def publish_invoice(state_dir: Path, amount: Decimal | str | None = None,
                    date: dt.date | None = None) -> dict[str, Any]:
    """Add the next monthly invoice (dated today unless told) and return it."""
    state_dir = Path(state_dir)
    load_invoices(state_dir)
    with _locked(state_dir):
        invoices = _read(state_dir) or []
        seq = max((int(i["id"].split("-")[1]) for i in invoices), default=0) + 1
        value = Decimal(str(amount)) if amount is not None else Decimal(60 + (seq * 37) % 50) + Decimal("0.40")
        invoice = _invoice(seq, date or dt.date.today(), value.quantize(Decimal("0.01")))
        _write(state_dir, invoices + [invoice])
        return invoice
