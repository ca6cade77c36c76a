"""The JSON Schema of recipe files, built from the step and filter tables.

`invoice-collector recipe schema --write` writes it to backend/collectors/recipe.schema.json,
which editors use to complete and check providers.yaml (add the line
`# yaml-language-server: $schema=backend/collectors/recipe.schema.json` at the top of a file).
A test fails when the shipped file is stale. The validator uses the same pieces, so what an
editor accepts and what `recipe check` accepts cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.collectors.steps import STEPS
from backend.collectors.steps.filters import FILTERS, MODIFIER_KEYS, SOURCE_KEYS
from backend.collectors.steps.registry import (
    CONDITION_KEYS,
    LOCATOR_CONDITIONS,
    LOCATOR_REF,
    OUTCOME_REF,
    STEPS_REF,
    Arg,
    StepSpec,
)
from backend.errors import CODES

SCHEMA_FILE = Path(__file__).parent.parent / "recipe.schema.json"  # where editors find it
SCHEMA_ID = "https://invoice-collector.local/recipe.schema.json"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,62}$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"  # credential and option names
# An origin (scheme, host, optional port; no path): https://auth.example.fr, or https://*.example.fr.
ORIGIN_PATTERN = r"^https?://(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$"
# An origin, or {{ urls.NAME }} (the origin of a url) as the whole value.
ORIGIN_OR_URL_PATTERN = f"(?:{ORIGIN_PATTERN})" + r"|^\{\{\s*urls\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$"
IDENT = {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$", "patternErrorMessage": "letters, digits and _ (usable in templates)"}
CASE_ACTION_KEYS = ("fail", "message", "message_from", "then")


def step_args_schema(spec: StepSpec) -> dict[str, Any]:
    """The value under a step name: a mapping of its arguments, its shorthand scalar, or nothing."""
    props = {a.name: a.schema | {"description": _arg_doc(a)} for a in spec.args.values()}
    obj: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [a.name for a in spec.args.values() if a.required]
    if required:
        obj["required"] = required
    if spec.any_of:
        obj["anyOf"] = [{"required": [k]} for k in spec.any_of.keys]
    variants = [obj]
    if spec.shorthand:
        variants.insert(0, dict(spec.args[spec.shorthand].schema))
    if not required:
        variants.append({"type": "null"})
    if len(variants) == 1:
        return {"description": spec.doc} | obj
    return {"description": spec.doc, "anyOf": variants}


def _arg_doc(arg: Arg) -> str:
    suffix = "" if arg.required or arg.default is None else f" (default: {json.dumps(arg.default)})"
    return (arg.doc or arg.name) + suffix


def alternatives_of(one: dict[str, Any], what: str) -> dict[str, Any]:
    """One value, or a non-empty list of alternatives tried in order (the first that matches wins)."""
    return {"anyOf": [one, {"type": "array", "minItems": 1, "items": one,
                            "description": f"alternatives, tried in order: the first {what} that matches wins"}]}


TEXT = {"type": "string", "minLength": 1}
LOCATOR = alternatives_of(TEXT, "locator") | {
    "description": "an element: a CSS selector, or xpath=…, id=…, name=…, link=…, partial_link=…, text=…, "
                   "`host >> inner` into shadow roots; or a list of these, tried in order"}
SELECTOR_SOURCES = ("css", "xpath")  # field sources that take alternatives like a locator


def field_spec_schema() -> dict[str, Any]:
    props: dict[str, Any] = {k: (alternatives_of(TEXT, k) if k in SELECTOR_SOURCES else dict(TEXT)) | {"description": d}
                             for k, d in SOURCE_KEYS.items()}
    props["attr"] = {"type": "string", "minLength": 1, "description": MODIFIER_KEYS["attr"]}
    props["optional"] = {"type": "boolean", "description": MODIFIER_KEYS["optional"]}
    props["default"] = {"description": MODIFIER_KEYS["default"]}
    props["scope"] = {"enum": ["item", "page"], "description": "Look inside the item (default) or the whole page."}
    for name, spec in FILTERS.items():
        props[name] = spec.arg_schema | {"description": spec.doc}
    sources = list(SOURCE_KEYS)
    pairs = [[a, b] for i, a in enumerate(sources) for b in sources[i + 1:]]
    return {"type": "object", "properties": props, "additionalProperties": False,
            "not": {"anyOf": [{"required": pair} for pair in pairs]},
            "description": "One source (css, xpath, path or value; none reads the item itself), "
                           "then modifiers and filters applied in the order written."}


CONDITION_WORDS = {
    "present": "this element is in the page (any of the alternatives of a list)",
    "visible": "this element is visible (any of the alternatives of a list)",
    "absent": "no such element is in the page (none of the alternatives of a list)",
    "url": "the current URL matches this regular expression",
    "text": "the page's visible text contains this (case-insensitive)",
}


def condition_properties() -> dict[str, Any]:
    return {key: (LOCATOR_REF if key in LOCATOR_CONDITIONS else {"type": "string", "minLength": 1})
            | {"description": CONDITION_WORDS[key]} for key in CONDITION_KEYS}


def case_schema() -> dict[str, Any]:
    props = condition_properties() | {
        "fail": OUTCOME_REF | {"description": "end the run with this outcome code"},
        "message": {"type": "string", "description": "what to tell the user (with fail)"},
        "message_from": LOCATOR_REF | {"description": "read the message from this element (with fail)"},
        "then": STEPS_REF | {"description": "steps to run when this state shows"},
    }
    return {"type": "object", "properties": props, "additionalProperties": False,
            "anyOf": [{"required": [k]} for k in CONDITION_KEYS],
            "description": "A page state (all its conditions hold) and what to do then."}


def state_schema() -> dict[str, Any]:
    """until_done's state: a case, named, whose `then` is followed by another look (`done` ends)."""
    case = case_schema()
    props = case["properties"] | {
        "name": {"type": "string", "minLength": 1, "description": "what to call this state in the step log and "
                                                               "in the message when the rounds run out"},
        "then": STEPS_REF | {"description": "steps to run when this state shows; then the page is looked at again"},
        "done": {"const": True, "description": "the final state: the step ends and the recipe goes on"},
    }
    return case | {"properties": props,
                   "description": "A page state (all its conditions hold) and one of: then (act, look again), "
                                  "fail (end the run), done (go on after the step)."}


def provider_schema() -> dict[str, Any]:
    label = {"type": "string", "minLength": 1}
    name = {"type": "string", "pattern": NAME_PATTERN,
            "patternErrorMessage": "lower case letters, digits and _, starting with a letter"}
    http_url = {"type": "string", "pattern": "^https?://", "patternErrorMessage": "an http:// or https:// address"}
    credential = {
        "type": "object", "additionalProperties": False, "required": ["name", "label_fr", "label_en"],
        "properties": {
            "name": name | {"description": "Used in templates: {{ NAME }}. Call them login and password."},
            "label_fr": label, "label_en": label,
            "type": {"enum": ["text", "email", "password", "totp_secret"], "default": "text",
                     "description": "password and totp_secret values are secret: masked everywhere."},
            "required": {"type": "boolean", "default": True},
            "help_fr": {"type": "string"}, "help_en": {"type": "string"}}}
    option = {
        "type": "object", "additionalProperties": False, "required": ["name", "label_fr", "label_en"],
        "properties": {"name": name | {"description": "Used in templates: {{ options.NAME }}."},
                       "label_fr": label, "label_en": label, "required": {"type": "boolean"},
                       "default": {"type": "string"}}}
    terms = {"type": "object", "additionalProperties": False, "required": ["version"],
             "anyOf": [{"required": ["url"]}, {"required": ["text"]}],
             "description": "Terms of use the user accepts before the first collection (url and/or text).",
             "properties": {"version": label | {"description": "Change it to ask users to accept again."},
                            "url": http_url, "text": {"type": "string", "description": "In French."},
                            "text_en": {"type": "string", "description": "The same in English (the panel "
                                        "shows the French when it is missing)."}}}
    return {
        "type": "object", "additionalProperties": False,
        "required": ["id", "name", "homepage", "category", "terms", "credentials", "steps"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN, "description": "Stable identifier; a user file "
                   "with the same id replaces the bundled provider.",
                   "patternErrorMessage": "2 to 63 lower case letters, digits, - and _"},
            "name": label | {"description": "Display name."},
            "homepage": http_url | {"description": "The provider's public site (shown in the panel)."},
            "category": {"type": "string", "minLength": 1,
                         "description": "énergie, télécom, hébergement, eau, logiciel, autre…"},
            "logo": {"type": "string", "description": "A file name under backend/logos/ (bundled, never remote)."},
            "description": {"type": "string", "description": "One sentence shown in the panel, in French."},
            "description_en": {"type": "string", "description": "The description in English."},
            "terms": terms,
            "credentials": {"type": "array", "items": credential, "minItems": 1},
            "options": {"type": "array", "items": option,
                        "description": "Per-account settings such as a customer number."},
            "urls": {"type": "object", "propertyNames": IDENT,
                     "additionalProperties": http_url,
                     "description": "Named base URLs used as {{ urls.NAME }}; tests and demos may override them."},
            "origins": {"type": "array", "uniqueItems": True,
                        "items": {"type": "string", "pattern": ORIGIN_PATTERN,
                                  "patternErrorMessage": "an origin such as https://auth.example.fr (no path)"},
                        "description": "Other origins the login or the invoices use, beyond homepage and urls "
                                       "(https://auth.example.fr, or https://*.example.fr for its subdomains). "
                                       "Credentials go nowhere else; the user approves this list."},
            "http_auth": {
                "type": "object", "additionalProperties": False, "required": ["username", "password"],
                "description": "The site's own login prompt (HTTP basic or digest authentication), answered in the "
                               "browser and in downloads, only for the provider's origins (see HTTP authentication "
                               "below). Keys: username, password (templates such as {{ login }} and "
                               "{{ password }}), origins (optional: some of the provider's origins).",
                "properties": {
                    "username": label | {"description": "The user name, e.g. {{ login }}."},
                    "password": label | {"description": "The password: a template naming a secret credential "
                                                        "field, e.g. {{ password }}."},
                    "origins": {"type": "array", "uniqueItems": True, "minItems": 1,
                                "items": {"type": "string", "pattern": ORIGIN_OR_URL_PATTERN,
                                          "patternErrorMessage": "an origin such as https://espace.example.fr, "
                                                                 "or {{ urls.NAME }}"},
                                "description": "Where the credentials answer a challenge, among the provider's "
                                               "origins (default: all of them); {{ urls.NAME }} names the "
                                               "origin of a url."}}},
            "interval_hours": {"type": "number", "minimum": 1, "maximum": 24 * 31,
                               "description": "Default time between two collections."},
            "status": {"enum": ["stable", "beta"], "description": "stable (default) or beta."},
            "status_note": {"type": "string", "description": "Shown next to the status, e.g. for beta recipes "
                            "(French)."},
            "status_note_en": {"type": "string", "description": "The status note in English."},
            "expect_invoices": {"type": "boolean", "description": "false: a run that lists no invoice is fine."},
            "steps": STEPS_REF}}


def build_schema() -> dict[str, Any]:
    steps = {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
             "properties": {name: step_args_schema(spec) for name, spec in STEPS.items()},
             "description": "One step: its name, then its arguments."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "invoice-collector recipe file",
        "description": "providers: followed by a list of providers, or a single provider (user files).",
        "anyOf": [{"type": "object", "additionalProperties": False, "required": ["providers"],
                   "properties": {"version": {"const": 1},
                                  "providers": {"type": "array", "items": {"$ref": "#/$defs/provider"}}}},
                  {"$ref": "#/$defs/provider"}],
        "$defs": {
            "provider": provider_schema(),
            "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
            "step": steps,
            "fields": {"type": "object", "propertyNames": IDENT,
                       "additionalProperties": {"$ref": "#/$defs/field"}},
            "field": field_spec_schema(),
            "case": case_schema(),
            "state": state_schema(),
            "condition": {"type": "object", "minProperties": 1, "additionalProperties": False,
                          "properties": condition_properties(),
                          "description": "A page state: every condition given holds."},
            "locator": LOCATOR,
            "detail": {"type": "object", "additionalProperties": False,
                       "properties": {"fields": {"$ref": "#/$defs/fields"}, "steps": STEPS_REF},
                       "description": "Steps and fields for each invoice's own page."},
            "outcome": {"enum": list(CODES), "description": "An outcome code (see docs/recipes.md)."},
        },
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
