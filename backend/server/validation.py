"""Checks for what the panel sends about an account. Each problem is reported under its field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from backend import totp
from backend.core.addresses import is_email
from backend.i18n import Said, say
from backend.server.errors import bad_request

if TYPE_CHECKING:
    from backend.collectors.model import Provider

MAX_VALUE_LENGTH = 4096
MIN_INTERVAL_HOURS, MAX_INTERVAL_HOURS = 1, 744


REQUIRED = say("required", "obligatoire")
TEXT_EXPECTED = say("expected text", "texte attendu")
TOO_LONG = say(f"too long (at most {MAX_VALUE_LENGTH} characters)", f"trop long ({MAX_VALUE_LENGTH} caractères au plus)")
DATE_EXPECTED = say("expected a date as YYYY-MM-DD", "date attendue au format AAAA-MM-JJ")


def not_a_date(value: str) -> Said:
    return say(f"{value} is not a real date", f"{value} n'est pas une date réelle")


def credentials(provider: Provider, data: Any, existing: set[str] | None = None,
                field_prefix: str = "credentials.") -> dict[str, str]:
    """Validated values for the provider's credential fields.

    `existing`: fields already in the keyring (an update may send only what changes)."""
    if not isinstance(data, dict):
        raise bad_request({"credentials": say("expected the credentials as an object", "identifiants attendus sous forme d'objet")})
    known = {f.name: f for f in provider.credentials}
    problems: dict[str, Said] = {}
    for name in data:
        if name not in known:
            problems[field_prefix + name] = say(f"unknown field for {provider.name} (expected: {', '.join(known)})",
                                                f"champ inconnu pour {provider.name} (attendu : {', '.join(known)})")
    values: dict[str, str] = {}
    for name, spec in known.items():
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required and not (existing and name in existing):
                problems[field_prefix + name] = REQUIRED
            continue
        if not isinstance(value, str):
            problems[field_prefix + name] = TEXT_EXPECTED
            continue
        if len(value) > MAX_VALUE_LENGTH:
            problems[field_prefix + name] = TOO_LONG
            continue
        if spec.type == "email":
            value = value.strip()
            if not is_email(value):
                problems[field_prefix + name] = say("not a valid e-mail address", "adresse e-mail invalide")
                continue
        elif spec.type == "totp_secret":
            key = totp.normalize(value)
            if key is None:
                problems[field_prefix + name] = say(
                    "not a valid TOTP key: expected the key shown when setting up the authenticator app "
                    "(letters A-Z and digits 2-7)",
                    "clé TOTP invalide : saisissez la clé affichée lors de la configuration de l'application "
                    "d'authentification (lettres A-Z et chiffres 2-7)")
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
        raise bad_request({"options": say("expected the options as an object", "options attendues sous forme d'objet")})
    known = {o.name: o for o in provider.options}
    problems: dict[str, Said] = {}
    values: dict[str, str] = {}
    for name, value in data.items():
        if name not in known:
            expected = ", ".join(known) or "none"
            problems[f"options.{name}"] = say(f"unknown option for {provider.name} (expected: {expected})",
                                              f"option inconnue pour {provider.name} (attendu : {expected})")
        elif not isinstance(value, str):
            problems[f"options.{name}"] = TEXT_EXPECTED
        elif len(value) > MAX_VALUE_LENGTH:
            problems[f"options.{name}"] = TOO_LONG
        elif value.strip():
            values[name] = value.strip()
    for name, spec in known.items():
        if spec.required and name not in values and spec.default is None and f"options.{name}" not in problems:
            problems[f"options.{name}"] = REQUIRED
    if problems:
        raise bad_request(problems)
    return values


def since(value: Any, today: dt.date) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise bad_request({"since": DATE_EXPECTED})
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise bad_request({"since": not_a_date(value)}) from None
    if day > today:
        raise bad_request({"since": say("must not be in the future", "ne doit pas être dans le futur")})
    return day.isoformat()


def interval_hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise bad_request({"interval_hours": say("expected a number of hours", "nombre d'heures attendu")})
    if not MIN_INTERVAL_HOURS <= value <= MAX_INTERVAL_HOURS:
        raise bad_request({"interval_hours": say(f"must be between {MIN_INTERVAL_HOURS} and {MAX_INTERVAL_HOURS} hours",
                                                 f"entre {MIN_INTERVAL_HOURS} et {MAX_INTERVAL_HOURS} heures")})
    return float(value)


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request({field: say("expected yes or no (true or false)", "oui ou non attendu (true ou false)")})
    return value


def positive_int(value: str | None, field: str, default: int, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    if not re.fullmatch(r"\d{1,9}", value) or int(value) < 1:
        raise bad_request({field: say("expected a positive whole number", "nombre entier positif attendu")})
    number = int(value)
    if maximum is not None and number > maximum:
        raise bad_request({field: say(f"at most {maximum}", f"{maximum} au plus")})
    return number


def date_param(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise bad_request({field: DATE_EXPECTED})
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise bad_request({field: not_a_date(value)}) from None


def amount_param(value: str | None, field: str) -> Decimal | None:
    """An amount typed by a person: 40, 40.5, 40,50 (French decimal comma), spaces allowed."""
    if value is None or value.strip() == "":
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", value).replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", cleaned):
        raise bad_request({field: say("expected an amount such as 40 or 40.50", "montant attendu, par exemple 40 ou 40,50")})
    return Decimal(cleaned)


def one_time_code(data: dict[str, Any]) -> str:
    """The code a user typed for a sync (or a recipe's test run) waiting for one."""
    code = data.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        raise bad_request({"code": say("type the code you received, e.g. 123456", "saisissez le code reçu, par exemple 123456")})
    return code.strip()
