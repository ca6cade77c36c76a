"""Turn JSON Schema errors into FILE:LINE:COL messages a recipe author can act on.

jsonschema says "'abc' is not of type 'number'" or "… is not valid under any of the given
schemas"; a recipe author needs "timeout: must be a number, not the text 'abc'" at the exact
line and column of `abc`. Positions come from the positioned tree built by yamlpos.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from backend.collectors.model import Position, RecipeError

TYPE_WORDS = {"string": "a text", "number": "a number", "integer": "a whole number", "boolean": "true or false",
              "object": "a mapping (key: value)", "array": "a list", "null": "nothing"}
REF_WORDS = {"steps": "a list of steps", "fields": "a mapping of field name to field spec",
             "field": "a field spec (css, xpath, path or value, then filters)", "case": "a case mapping",
             "state": "a state mapping",
             "detail": "a mapping with fields and/or steps", "outcome": "an outcome code",
             "provider": "a provider mapping", "step": "a step"}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'click'?)' for the closest choice (case-insensitive), or ''."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


def locate(root: Any, path: Iterable[Any], key: str | None = None) -> Position | None:
    """Position of the value at `path` in a positioned tree (or of key `key` inside it)."""
    node, best = root, getattr(root, "pos", None)
    for part in path:
        if isinstance(node, dict) and part in node:
            best = getattr(node, "value_pos", {}).get(part, best)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            items = getattr(node, "item_pos", [])
            best = items[part] if part < len(items) else best
            node = node[part]
        else:
            break
        best = getattr(node, "pos", best)
    key_pos: dict[str, Position] = getattr(node, "key_pos", {}) if isinstance(node, dict) else {}
    if key is not None and key in key_pos:
        return key_pos[key]
    return best


def key_position(mapping: Any, key: str, default: Position) -> Position:
    return getattr(mapping, "key_pos", {}).get(key, default)


def value_position(mapping: Any, key: str, default: Position) -> Position:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return getattr(value, "pos", None) or getattr(mapping, "value_pos", {}).get(key, default)


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the text '{shown}'"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def describe_schema(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "something else"
    if "$ref" in schema:
        return REF_WORDS.get(schema["$ref"].rsplit("/", 1)[-1], "a valid value")
    if "enum" in schema:
        return "one of: " + ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    branches = schema.get("anyOf", [])
    if len(branches) == 2 and branches[1].get("type") == "array" and branches[1].get("items") == branches[0]:
        return f"{describe_schema(branches[0])}, or a list of them"  # one value, or alternatives
    for word in ("anyOf", "oneOf"):
        if word in schema and all(isinstance(s, dict) and ("type" in s or "$ref" in s or "enum" in s or "const" in s)
                                  for s in schema[word]):
            return " or ".join(dict.fromkeys(describe_schema(s) for s in schema[word]))
    kind = schema.get("type", "")
    if isinstance(kind, list):
        return " or ".join(TYPE_WORDS.get(k) or k for k in kind)
    return TYPE_WORDS.get(kind, "a valid value")


def _quote_hint(instance: Any, schema: Mapping[str, Any]) -> str:
    wants_text = schema.get("type") == "string" or "string" in (schema.get("type") or [])
    if wants_text and isinstance(instance, (bool, int, float, dt.date)) or (wants_text and instance is None):
        return " (put it in quotes: YAML reads yes/no/on/off, numbers, dates and empty values as non-text)"
    return ""


def _accepts_type(schema: Any, instance: Any, defs: dict) -> bool:
    """Could `instance` be meant for this branch (same kind of value)?"""
    if not isinstance(schema, dict):
        return True
    if "$ref" in schema:
        return _accepts_type(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), instance, defs)
    if "type" in schema:
        return jsonschema.Draft202012Validator({"type": schema["type"]}).is_valid(instance)
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return any(type(instance) is type(v) for v in values)
    for word in ("anyOf", "oneOf"):
        if word in schema:
            return any(_accepts_type(s, instance, defs) for s in schema[word])
    return True


def _text_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SchemaReporter:
    """Validates a value against a schema and reports each problem once, positioned."""

    def __init__(self, schema: dict, defs: dict):
        self.defs = defs
        self.validator = jsonschema.Draft202012Validator(schema | {"$defs": defs})

    def errors(self, data: Any, file: str, base: Position, prefix: str = "",
               path_prefix: tuple = ()) -> list[RecipeError]:
        found: list[RecipeError] = []
        for error in sorted(self.validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
            for pos, message in self._explain(error, data, base, path_prefix):
                found.append(RecipeError(file, pos.line, pos.column, prefix + message))
        return list(dict.fromkeys(found))

    def _explain(self, error: ValidationError, data: Any, base: Position,
                 path_prefix: tuple = ()) -> list[tuple[Position, str]]:
        path = list(error.absolute_path)
        where = _text_path(list(path_prefix) + path)
        lead = f"{where}: " if where else ""
        at = locate(data, path) or base
        # jsonschema types these `… | Unset`, the default of an error built by hand: a validator sets them all on the
        # errors it yields. The schema is a bool only for a `false` subschema, whose error has no keyword (kind None).
        schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
        instance: Any = error.instance
        expected: Any = error.validator_value
        kind = error.validator
        if kind == "additionalProperties":
            known = list(schema.get("properties", {}))
            out = []
            for extra in [k for k in instance if k not in schema.get("properties", {})]:
                hint = did_you_mean(extra, known) or (f"; expected one of: {', '.join(known)}" if known else "")
                out.append((locate(data, path, extra) or at, f"{lead}unknown key '{extra}'{hint}"))
            return out
        if kind == "required":
            missing = [k for k in expected if k not in instance]
            return [(at, f"{lead}missing {', '.join(missing)}")]
        if kind in ("anyOf", "oneOf"):
            branches = expected
            if all(isinstance(b, dict) and list(b) == ["required"] for b in branches):
                keys = [k for b in branches for k in b["required"]]
                return [(at, f"{lead}needs one of: {', '.join(keys)}")]
            fitting = [i for i, b in enumerate(branches) if _accepts_type(b, instance, self.defs)]
            if fitting and kind == "anyOf" or len(fitting) == 1:
                inner = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] in fitting]
                if inner:
                    best = min(inner, key=lambda e: (-len(e.absolute_path), e.validator in ("type", "anyOf")))
                    return self._explain(best, data, base, path_prefix)
            return [(at, f"{lead}must be {describe_schema(schema)}, not {describe_value(instance)}"
                         f"{_quote_hint(instance, {'type': ['string']}) if 'a text' in describe_schema(schema) else ''}")]
        if kind == "not":
            keys = sorted({k for b in schema["not"].get("anyOf", []) for k in b.get("required", [])})
            given = [k for k in keys if isinstance(instance, dict) and k in instance]
            return [(at, f"{lead}use only one of {', '.join(keys)} (found {', '.join(given)})")]
        if kind in ("type", "$ref"):
            return [(at, f"{lead}must be {describe_schema(schema)}, not {describe_value(instance)}"
                         f"{_quote_hint(instance, schema)}")]
        if kind == "enum":
            hint = did_you_mean(instance, expected) if isinstance(instance, str) else ""
            return [(at, f"{lead}{describe_value(instance)} is not allowed; use {describe_schema(schema)}{hint}")]
        if kind == "const":
            return [(at, f"{lead}must be {json.dumps(expected)}")]
        if kind == "pattern" and "propertyNames" in error.schema_path:
            what = schema.get("patternErrorMessage") or f"a name matching {expected}"
            return [(locate(data, path, instance) or at, f"{lead}key '{instance}' is not valid here: expected {what}")]
        if kind == "pattern":
            what = schema.get("patternErrorMessage") or f"text matching {expected}"
            return [(at, f"{lead}'{instance}' is not valid here: expected {what}")]
        if kind in ("minLength", "minItems", "minProperties"):
            return [(at, f"{lead}must not be empty")]
        if kind == "maxProperties" and expected == 1:
            return [(at, f"{lead}holds {len(instance)} entries; put each on its own list item")]
        if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                     "exclusiveMaximum": "less than"}
            return [(at, f"{lead}must be {words[kind]} {expected}, not {instance}")]
        return [(at, f"{lead}{error.message}")]
