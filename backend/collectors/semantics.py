"""Checks the schema cannot express: templates name known values, regexes compile,
credential names are unique, outcome codes exist."""

from __future__ import annotations

import re
from typing import Any

from backend.collectors.context import TEMPLATE
from backend.collectors.model import Position, RecipeError


def _walk(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def check_provider(entry: dict, file: str) -> list[RecipeError]:
    errors: list[RecipeError] = []
    base = getattr(entry, "pos", Position(file, 1, 1))

    def err(node: Any, message: str) -> None:
        pos = getattr(node, "pos", base)
        errors.append(RecipeError(file, pos.line, pos.column, message))

    names = [c["name"] for c in entry.get("credentials", [])]
    for c in entry.get("credentials", []):
        if names.count(c["name"]) > 1:
            err(c, f"credential field '{c['name']}' is listed twice")
    options = {o["name"] for o in entry.get("options", [])}
    urls = set((entry.get("urls") or {}))
    known_roots = set(names) | {"credentials", "options", "urls", "vars", "item"}
    stored = {str(v) for v in _stored_names(entry.get("steps", []))}
    for value in _walk(entry.get("steps", [])):
        if not isinstance(value, str):
            continue
        for match in TEMPLATE.finditer(value):
            path = match.group(1).split(".")
            root = path[0]
            if root == "credentials" and len(path) > 1 and path[1] not in names:
                err(value, f"template '{match.group(0)}': no credential field '{path[1]}'")
            elif root == "options" and len(path) > 1 and path[1] not in options:
                err(value, f"template '{match.group(0)}': no option '{path[1]}'")
            elif root == "urls" and len(path) > 1 and path[1] not in urls:
                err(value, f"template '{match.group(0)}': no url named '{path[1]}' under `urls:`")
            elif root not in known_roots and root not in stored:
                err(value, f"template '{match.group(0)}': '{root}' is not a credential field, option, url or "
                           f"variable set by an earlier step")
            if match.group(2) and match.group(2) not in ("url", "json"):
                err(value, f"template '{match.group(0)}': unknown filter '{match.group(2)}' (url, json)")
    for key, value in _pairs(entry.get("steps", [])):
        if key in ("regex", "url", "text") and isinstance(value, str) and key == "regex" or key == "url_regex":
            try:
                re.compile(value)
            except re.error as exc:
                err(value, f"invalid regular expression: {exc}")
    return errors


def _pairs(value: Any):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _pairs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _pairs(v)


def _stored_names(steps: Any):
    for key, value in _pairs(steps):
        if key in ("save_as", "name") and isinstance(value, str):
            yield value
        if key == "set" and isinstance(value, dict) and "name" in value:
            yield value["name"]
