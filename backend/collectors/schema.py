"""The JSON Schema of recipe files, built from the step and filter tables.

`invoice-collector recipe schema` writes it to backend/collectors/recipe.schema.json, which
editors use to complete providers.yaml; a test fails when the shipped file is stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.collectors.filters import FILTERS, MODIFIER_KEYS, SOURCE_KEYS
from backend.collectors.steps import STEPS

SCHEMA_FILE = Path(__file__).with_name("recipe.schema.json")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,62}$"


def field_spec_schema() -> dict[str, Any]:
    props: dict[str, Any] = {k: {"type": "string", "description": d} for k, d in SOURCE_KEYS.items()}
    props["attr"] = {"type": "string", "description": MODIFIER_KEYS["attr"]}
    props["optional"] = {"type": "boolean", "description": MODIFIER_KEYS["optional"]}
    props["default"] = {"description": MODIFIER_KEYS["default"]}
    props["scope"] = {"enum": ["item", "page"], "description": "Look inside the item (default) or the whole page."}
    for name, spec in FILTERS.items():
        props[name] = spec.arg_schema | {"description": spec.doc}
    return {"type": "object", "properties": props, "additionalProperties": False}


def build_schema() -> dict[str, Any]:
    step_variants = [{"type": "object", "properties": {name: spec.schema()}, "required": [name],
                      "additionalProperties": False} for name, spec in STEPS.items()]
    label = {"type": "string", "minLength": 1}
    credential = {
        "type": "object", "additionalProperties": False, "required": ["name", "label_fr", "label_en"],
        "properties": {
            "name": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}, "label_fr": label, "label_en": label,
            "type": {"enum": ["text", "email", "password", "totp_secret"], "default": "text"},
            "required": {"type": "boolean", "default": True},
            "help_fr": {"type": "string"}, "help_en": {"type": "string"}}}
    option = {
        "type": "object", "additionalProperties": False, "required": ["name", "label_fr", "label_en"],
        "properties": {"name": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}, "label_fr": label,
                       "label_en": label, "required": {"type": "boolean"}, "default": {"type": "string"}}}
    provider = {
        "type": "object", "additionalProperties": False,
        "required": ["id", "name", "homepage", "category", "terms", "credentials", "steps"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN, "description": "Stable identifier (lower case)."},
            "name": label, "homepage": {"type": "string", "pattern": "^https?://"},
            "category": {"type": "string", "description": "énergie, télécom, hébergement, eau, logiciel, autre…"},
            "logo": {"type": "string", "description": "A file name under backend/logos/ (bundled, never remote)."},
            "description": {"type": "string"},
            "terms": {"type": "object", "additionalProperties": False, "required": ["version"],
                      "anyOf": [{"required": ["url"]}, {"required": ["text"]}],
                      "properties": {"version": {"type": "string", "minLength": 1},
                                     "url": {"type": "string", "pattern": "^https?://"}, "text": {"type": "string"}}},
            "credentials": {"type": "array", "items": credential, "minItems": 1},
            "options": {"type": "array", "items": option},
            "urls": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^https?://"},
                     "description": "Named base URLs used as {{ urls.NAME }}; tests and demos may override them."},
            "interval_hours": {"type": "number", "minimum": 1, "maximum": 24 * 31},
            "status": {"enum": ["stable", "beta"]},
            "status_note": {"type": "string"},
            "expect_invoices": {"type": "boolean"},
            "steps": {"$ref": "#/$defs/steps"}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://invoice-collector.local/recipe.schema.json",
        "title": "invoice-collector recipe file",
        "type": "object", "additionalProperties": False, "required": ["providers"],
        "properties": {"version": {"const": 1}, "providers": {"type": "array", "items": {"$ref": "#/$defs/provider"}}},
        "$defs": {
            "provider": provider,
            "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
            "step": {"oneOf": step_variants},
            "fields": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
            "field": field_spec_schema(),
        },
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
