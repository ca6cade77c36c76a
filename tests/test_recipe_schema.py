"""The shipped JSON Schema: up to date, valid, and in agreement with `recipe check`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from backend import paths
from backend.collectors.language import yamlpos
from backend.collectors.language.catalog import load_file
from backend.collectors.language.schema import SCHEMA_FILE, build_schema, schema_text
from backend.collectors.steps import STEPS

RECIPES = sorted((Path(__file__).parent / "portals" / "recipes").glob("*.yaml"))
BUNDLED = [paths.bundled_catalog()] if paths.bundled_catalog().is_file() else []
VALIDATOR = jsonschema.Draft202012Validator(build_schema())


def test_the_shipped_schema_file_is_up_to_date():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), \
        "backend/collectors/recipe.schema.json is stale: run `invoice-collector recipe schema --write`"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["step"]["properties"]) == set(STEPS)


@pytest.mark.parametrize("path", RECIPES + BUNDLED, ids=lambda p: p.name)
def test_recipes_that_check_cleanly_also_satisfy_the_schema(path):
    providers, errors = load_file(path)
    assert errors == [] and providers
    data = yamlpos.load(path.read_text(encoding="utf-8"), str(path))
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []


HEADER = """\
id: acme
name: Acme
homepage: https://acme.example
category: x
terms: {version: "1", text: ok}
credentials: [{name: login, label_fr: a, label_en: b}]
steps:
"""


@pytest.mark.parametrize("steps", [
    "  - clik: a\n",
    "  - fill: {locator: '#a'}\n",
    "  - fill: {locator: '#a', value: x, colour: red}\n",
    "  - wait_for: {present: '#a', timeout: soon}\n",
    "  - wait_for: {timeout: 5}\n",
    "  - fail_if: {present: '#a', code: LOGIN_FAIL}\n",
    "  - wait_for_any: [{present: '#a'}, {colour: red}]\n",
    "  - pause: {seconds: 60, reason: x}\n",
    "  - invoices: {items: tr, fields: {number: {css: td}}}\n",
    "  - invoices: {items: tr, fields: {id: {css: td, xpath: //td}}}\n",
    "  - click: '#a'\n    timeout: 5\n",
    "  - if: {present: '#a', then: [{clik: b}]}\n",
])
def test_what_recipe_check_refuses_the_schema_refuses_too(tmp_path, steps):
    """Editors flag the same mistakes as `recipe check` (the schema is not looser)."""
    path = tmp_path / "r.yaml"
    path.write_text(HEADER + steps)
    _, errors = load_file(path)
    assert errors
    assert not VALIDATOR.is_valid(yamlpos.load(path.read_text(), str(path)))


def test_a_single_provider_user_file_satisfies_the_schema(tmp_path):
    data = yamlpos.load(HEADER + "  - open: https://acme.example\n  - back:\n", "r.yaml")
    assert VALIDATOR.is_valid(data)
