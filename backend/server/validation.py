"""Checks for what the panel sends about an account. Each problem is reported under its field."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from backend import totp
from backend.core.addresses import is_email
from backend.server.errors import bad_request

if TYPE_CHECKING:
    from backend.collectors.model import Provider

MAX_VALUE_LENGTH = 4096
MIN_INTERVAL_HOURS, MAX_INTERVAL_HOURS = 1, 744


def credentials(provider: Provider, data: Any, existing: set[str] | None = None,
                field_prefix: str = "credentials.") -> dict[str, str]:
    """Validated values for the provider's credential fields.

    `existing`: fields already in the keyring (an update may send only what changes)."""
    if not isinstance(data, dict):
        raise bad_request({"credentials": "must be an object of credential fields"})
    known = {f.name: f for f in provider.credentials}
    problems: dict[str, str] = {}
    for name in data:
        if name not in known:
            problems[field_prefix + name] = f"unknown field for {provider.name} (expected: {', '.join(known)})"
    values: dict[str, str] = {}
    for name, spec in known.items():
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required and not (existing and name in existing):
                problems[field_prefix + name] = "required"
            continue
        if not isinstance(value, str):
            problems[field_prefix + name] = "must be a string"
            continue
        if len(value) > MAX_VALUE_LENGTH:
            problems[field_prefix + name] = f"too long (at most {MAX_VALUE_LENGTH} characters)"
            continue
        if spec.type == "email":
            value = value.strip()
            if not is_email(value):
                problems[field_prefix + name] = "not a valid e-mail address"
                continue
        elif spec.type == "totp_secret":
            key = totp.normalize(value)
            if key is None:
                problems[field_prefix + name] = ("not a valid TOTP key: expected the base32 key shown when "
                                                 "setting up the authenticator app (letters A-Z and digits 2-7)")
                continue
            value = key
        elif spec.type == "text":
            value = value.strip()
        values[name] = value
    if problems:
        raise bad_request(problems)
    return values


def options(provider: Provider, data: Any) -> dict[str, str]:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad_request({"options": "must be an object of options"})
    known = {o.name: o for o in provider.options}
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, value in data.items():
        if name not in known:
            expected = ", ".join(known) or "none"
            problems[f"options.{name}"] = f"unknown option for {provider.name} (expected: {expected})"
        elif not isinstance(value, str):
            problems[f"options.{name}"] = "must be a string"
        elif len(value) > MAX_VALUE_LENGTH:
            problems[f"options.{name}"] = "too long"
        elif value.strip():
            values[name] = value.strip()
    for name, spec in known.items():
        if spec.required and name not in values and spec.default is None and f"options.{name}" not in problems:
            problems[f"options.{name}"] = "required"
    if problems:
        raise bad_request(problems)
    return values


def since(value: Any, today: dt.date) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise bad_request({"since": "expected a date as YYYY-MM-DD"})
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise bad_request({"since": f"{value} is not a real date"}) from None
    if day > today:
        raise bad_request({"since": "must not be in the future"})
    return day.isoformat()


def interval_hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise bad_request({"interval_hours": "expected a number of hours"})
    if not MIN_INTERVAL_HOURS <= value <= MAX_INTERVAL_HOURS:
        raise bad_request({"interval_hours": f"must be between {MIN_INTERVAL_HOURS} and {MAX_INTERVAL_HOURS} hours"})
    return float(value)


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request({field: "expected true or false"})
    return value


def positive_int(value: str | None, field: str, default: int, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    if not re.fullmatch(r"\d{1,9}", value) or int(value) < 1:
        raise bad_request({field: "expected a positive whole number"})
    number = int(value)
    if maximum is not None and number > maximum:
        raise bad_request({field: f"at most {maximum}"})
    return number


def date_param(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise bad_request({field: "expected a date as YYYY-MM-DD"})
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise bad_request({field: f"{value} is not a real date"}) from None
