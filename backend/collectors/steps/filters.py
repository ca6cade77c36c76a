"""Filters applied to extracted values, in the order written in the recipe.

Like the steps, each filter is a small function registered in one table (FILTERS), which
also feeds the JSON Schema and docs/recipes.md. French formats are first-class:
"05/06/2024", "5 juin 2024", "1er juin 2024", "44,20 €", "1 234,56 €" (narrow no-break space).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.collectors.patterns import PatternError, compile_pattern

FR_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
    "mars": 3, "mar": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
    "août": 8, "aout": 8, "aoû": 8, "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
}
EN_MONTHS = {m.lower(): i for i, m in enumerate(
    ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"]) if m} | {
    m.lower(): i for i, m in enumerate(["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"]) if m}
CURRENCY_SIGNS = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
                  "£": "GBP", "gbp": "GBP", "chf": "CHF"}
SPACES = "\u00a0\u202f\u2009\u2007 "


class FilterError(ValueError):
    """A value that a filter could not read; the message names the value."""


def clean_text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


NUMBER_RUN = re.compile(r"\d[\d.,' ]*\d|\d")
SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?")
MINUS_SIGNS = ("-", "\u2212", "\u2013")  # hyphen, minus sign, en dash


def _number_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each number; '1 234,56' (space-grouped thousands) is one number,
    '2 factures 88,40' two."""
    tokens = []
    for run in NUMBER_RUN.finditer(text):
        if " " in run.group() and not SPACE_GROUPED.fullmatch(run.group()):
            tokens += [(run.start() + m.start(), run.start() + m.end(), m.group())
                       for m in NUMBER_RUN.finditer(run.group().replace(" ", "\n"))]
        else:
            tokens.append((run.start(), run.end(), run.group()))
    return tokens


def parse_amount(value: Any, style: str = "auto") -> Decimal:
    """'44,20 €' → 44.20; '1 234,56 €' → 1234.56; '1,234.56' (en) → 1234.56; '-12,00' → -12.00.

    The text must hold exactly one number: '44,20 € payée le 05/06/2024' is refused (pick the
    amount with a regex first) rather than read as a wrong amount."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value)
    for ch in SPACES:
        text = text.replace(ch, " ")
    tokens = _number_tokens(text)
    if not tokens:
        raise FilterError(f"no amount in '{value}'")
    if len(tokens) > 1:
        numbers = ", ".join(t[2] for t in tokens)
        raise FilterError(f"'{value}' holds several numbers ({numbers}): pick the amount with a regex filter")
    start, end, token = tokens[0]
    before = re.sub(r"[€$£]\s*$", "", text[:start].rstrip()).rstrip()
    after = text[end:]
    negative = before.endswith(MINUS_SIGNS) or after.startswith(MINUS_SIGNS) or \
        (before.endswith("(") and ")" in after)
    digits = token.replace(" ", "").replace("'", "")
    commas, dots = digits.count(","), digits.count(".")
    if style == "auto":
        if commas and dots:
            style = "fr" if digits.rfind(",") > digits.rfind(".") else "en"
        elif commas > 1 or (dots == 1 and not commas):
            style = "en"  # 1,234,567 or 44.2 (a decimal point, as JSON writes it)
        else:
            style = "fr"  # 44,20 or 1.234.567
    thousands, decimal = (".", ",") if style == "fr" else (",", ".")
    grouped = rf"\d{{1,3}}(?:\{thousands}\d{{3}})*(?:\{decimal}\d+)?|\d+(?:\{decimal}\d+)?"
    if not re.fullmatch(grouped, digits):
        raise FilterError(f"cannot read '{value}' as an amount ({style} style)")
    digits = digits.replace(thousands, "").replace(decimal, ".")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise FilterError(f"cannot read '{value}' as an amount ({style} style)") from None
    return -amount if negative else amount


def parse_date(value: Any, fmt: str = "auto") -> dt.date:
    """'05/06/2024', '5 juin 2024', '1er juin 2024', 'juin 2024', '2024-06-05', ISO datetimes."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # epoch, s or ms
        if value < 1e8:  # before 1973: a year or a count, not a timestamp
            raise FilterError(f"{value} is not a date (a timestamp in seconds or milliseconds is expected)")
        seconds = value / 1000 if value > 1e11 else value
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date()
    text = clean_text(value)
    if fmt != "auto":
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            raise FilterError(f"'{value}' does not match the date format '{fmt}'") from None
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        year, month, day = map(int, match.groups())
        return _date(year, month, day, value)
    match = re.search(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b", text)
    if match:  # 2024/06/05
        year, month, day = map(int, match.groups())
        return _date(year, month, day, value)
    match = re.search(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b", text)
    if match:  # day first, as in France
        day, month, year = map(int, match.groups())
        year += 2000 if year < 100 else 0
        return _date(year, month, day, value)
    match = re.search(r"(?<![\d/])(\d{1,2})/(\d{4})\b", text)
    if match:  # a billing month: 06/2024
        return _date(int(match.group(2)), int(match.group(1)), 1, value)
    lowered = text.lower()
    match = re.search(r"\b(\d{1,2})(?:er)?\s+([a-zéèûô]+)\.?\s+(\d{4})\b", lowered)
    if match:
        day_text, name, year_text = match.groups()
        named_month = FR_MONTHS.get(name) or EN_MONTHS.get(name)
        if named_month:
            return _date(int(year_text), named_month, int(day_text), value)
    match = re.search(r"\b([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b", lowered)
    if match and match.group(1) in EN_MONTHS:
        return _date(int(match.group(3)), EN_MONTHS[match.group(1)], int(match.group(2)), value)
    match = re.search(r"\b([a-zéèûô]+)\.?\s+(\d{4})\b", lowered)
    if match:
        named_month = FR_MONTHS.get(match.group(1)) or EN_MONTHS.get(match.group(1))
        if named_month:
            return dt.date(int(match.group(2)), named_month, 1)
    raise FilterError(f"cannot read '{value}' as a date")


def _date(year: int, month: int, day: int, original: Any) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise FilterError(f"'{original}' is not a real date") from None


def parse_currency(value: Any) -> str:
    """'44,20 €' → EUR, 'CHF 10' → CHF, 'usd' → USD. Words count whole: 'heure' is no euro."""
    text = clean_text(value)
    for sign, code in CURRENCY_SIGNS.items():
        if not sign.isalpha() and sign in text:
            return code
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        if word in CURRENCY_SIGNS:
            return CURRENCY_SIGNS[word]
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    raise FilterError(f"no currency in '{value}'")


# ---- the filter table ------------------------------------------------------------------------

@dataclass(frozen=True)
class FilterSpec:
    name: str
    func: Callable[[Any, Any, dict], Any]  # (value, argument, context) -> value
    arg_schema: dict[str, Any]
    doc: str
    example: str


def _pattern(pattern: str) -> Any:
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise FilterError(f"'{pattern}': {exc}") from None


def _regex(value: Any, pattern: str, ctx: dict) -> str:
    match = _pattern(pattern).search(clean_text(value))
    if not match:
        raise FilterError(f"'{pattern}' does not match '{clean_text(value)}'")
    return match.group(1) if match.groups() else match.group(0)


def _replace(value: Any, pairs: dict, ctx: dict) -> str:
    text = str(value)
    for pattern, replacement in pairs.items():
        text = _pattern(pattern).sub(replacement, text)
    return text


def _absolute(value: Any, _: Any, ctx: dict) -> str:
    from urllib.parse import urljoin
    return urljoin(ctx.get("base_url", ""), str(value).strip())


def _divide(value: Any, by: Any, ctx: dict) -> Decimal:
    return parse_amount(value) / Decimal(str(by))


def _local_date(value: Any, zone: str, ctx: dict) -> dt.date:
    """A UTC instant (ISO text with Z/offset, or epoch s/ms) -> the calendar date in `zone`."""
    from zoneinfo import ZoneInfo
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        instant = dt.datetime.fromtimestamp(value / 1000 if value > 1e11 else value, dt.timezone.utc)
    else:
        try:
            instant = dt.datetime.fromisoformat(clean_text(value).replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(f"cannot read '{value}' as a date and time") from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.timezone.utc)
    return instant.astimezone(ZoneInfo(zone)).date()


def _map(value: Any, table: dict, ctx: dict) -> Any:
    key = clean_text(value)
    if key not in table:
        raise FilterError(f"'{key}' is not one of {', '.join(map(str, table))}")
    return table[key]


FILTERS: dict[str, FilterSpec] = {f.name: f for f in (
    FilterSpec("text", lambda v, a, c: clean_text(v), {"const": True},
               "Collapse whitespace (including no-break spaces) and trim.", "text: true"),
    FilterSpec("regex", _regex, {"type": "string"},
               "Keep the first group of a regular expression (or the whole match).", r"regex: 'N°\s*(\S+)'"),
    FilterSpec("replace", _replace, {"type": "object", "additionalProperties": {"type": "string"}},
               "Replace each regular expression by its replacement, in order.", 'replace: {"^FAC-": ""}'),
    FilterSpec("date", lambda v, a, c: parse_date(v, "auto" if a in (True, "auto") else a),
               {"anyOf": [{"type": "string"}, {"const": True}]},
               "Read a date: 'auto' knows French and ISO forms, or give a strptime format.",
               'date: "%d/%m/%Y"'),
    FilterSpec("amount", lambda v, a, c: parse_amount(v, "auto" if a is True else a),
               {"enum": ["auto", "fr", "en", True]},
               "Read an amount: 'fr' for 1 234,56 €, 'en' for 1,234.56, 'auto' guesses.", "amount: fr"),
    FilterSpec("currency", lambda v, a, c: parse_currency(v) if a is True else a,
               {"anyOf": [{"type": "string"}, {"const": True}]},
               "Read a currency from a symbol or code (true), or set a fixed one ('EUR').", "currency: EUR"),
    FilterSpec("absolute_url", _absolute, {"const": True},
               "Make a relative link absolute against the page's URL.", "absolute_url: true"),
    FilterSpec("map", _map, {"type": "object"},
               "Replace a value by the one the table gives for it.", 'map: {"Payée": paid}'),
    FilterSpec("lower", lambda v, a, c: str(v).lower(), {"const": True}, "Lower-case the text.", "lower: true"),
    FilterSpec("divide", _divide, {"type": "number", "exclusiveMinimum": 0},
               "Divide a number, for amounts given in cents.", "divide: 100"),
    FilterSpec("local_date", _local_date, {"type": "string"},
               "The date, in this time zone, of a UTC time (ISO text or epoch seconds/milliseconds).",
               "local_date: Europe/Paris"),
)}

SOURCE_KEYS = {
    "css": "Read from the element matching this CSS selector inside the item (or the page).",
    "xpath": "Read from the element matching this XPath inside the item (or the page).",
    "path": "Read from a JSON item by a dotted path, e.g. billDate or amount.value.",
    "value": "A fixed value or a template, e.g. '{{ item.contract }}_{{ item.date }}' (the fields read so far are under item).",
}
MODIFIER_KEYS = {
    "attr": "Read this attribute (href, src, data-id…) instead of the text; href and src come back absolute.",
    "optional": "A missing value is not an error: the field stays empty.",
    "default": "The value to use when the source is missing or empty.",
}


def apply_filters(value: Any, spec: dict, context: dict) -> Any:
    for key, argument in spec.items():
        if key in FILTERS:
            value = FILTERS[key].func(value, argument, context)
    return value


def json_path(data: Any, path: str) -> Any:
    """'bills' / 'data.items' / 'contracts.0.id' in nested JSON (a first part may be a variable)."""
    current = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current
