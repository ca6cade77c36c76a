"""UTC times as the API and the database write them: "2026-11-24T05:00:00Z"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import overload

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@overload
def iso(value: dt.datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@overload
def parse(value: str) -> dt.datetime: ...
@overload
def parse(value: str | None) -> dt.datetime | None: ...
def parse(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
