"""docs/recipes.md: generated from the tables, never stale, and every example in it checks cleanly."""

from __future__ import annotations

import re
import textwrap

import pytest

from backend.collectors.language.catalog import load_catalog, load_file
from backend.collectors.language.docexamples import (
    EXAMPLE_HEADER,
    HTTP_AUTH_EXAMPLE,
    OUTCOME_ADVICE,
    STATE_LOGIN_EXAMPLE,
    WORKED_EXAMPLE,
)
from backend.collectors.language.docgen import DOCS_FILE, render
from backend.collectors.steps import STEPS
from backend.collectors.steps.filters import FILTERS
from backend.errors import CODES


@pytest.fixture(scope="module")
def docs() -> str:
    return DOCS_FILE.read_text(encoding="utf-8")


def test_docs_are_up_to_date(docs):
    assert docs == render(), "docs/recipes.md is stale: run `invoice-collector recipe docs --write`"


def test_every_step_and_filter_and_code_is_documented(docs):
    assert all(spec.example for spec in STEPS.values()), "each step needs describe(example=…) in the step table"
    for name in STEPS:
        assert f"### `{name}`" in docs
    for name in FILTERS:
        assert f"| `{name}` |" in docs
    assert set(OUTCOME_ADVICE) == set(CODES)
    for code in CODES:
        assert f"| `{code}` |" in docs
    for prefix in ("xpath=", "id=", "name=", "link=", "text="):
        assert f"`{prefix}" in docs
    for template in ("{{ login }}", "{{ password }}", "{{ options.", "{{ urls.", "{{ item.", "\\| url }}", "\\| json }}"):
        assert template in docs
    assert "providers.d" in docs and "INVOICE_COLLECTOR_HOME" in docs
    assert "recipe check" in docs and "--headed" in docs and "--trace" in docs


def _provider_with(steps: str) -> str:
    return EXAMPLE_HEADER + textwrap.indent(steps, "  ") + "\n"


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_example_checks_cleanly(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(_provider_with(STEPS[name].example), encoding="utf-8")
    providers, errors = load_file(path)
    assert [str(e) for e in errors] == []
    assert any(name in step for step in _all_steps(providers[0].steps))


def _all_steps(value):
    """Every step in a step tree: nested steps, cases, detail pages included."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in STEPS:
            yield value
        for inner in value.values():
            yield from _all_steps(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _all_steps(inner)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filter_example_checks_cleanly(tmp_path, name):
    example = FILTERS[name].example
    steps = f"- invoices:\n    items: tr\n    fields:\n      id: {{css: td}}\n      value: {{css: td, {example}}}"
    path = tmp_path / "filter.yaml"
    path.write_text(_provider_with(steps), encoding="utf-8")
    _, errors = load_file(path)
    assert [str(e) for e in errors] == []


def test_the_worked_example_in_the_docs_is_a_valid_user_recipe(docs, tmp_path):
    block = re.search(r"## A worked example\n.*?```yaml\n(.*?)```", docs, re.S).group(1)
    assert block == WORKED_EXAMPLE
    folder = tmp_path / "providers.d"
    folder.mkdir()
    (folder / "hydra-eau.yaml").write_text(block, encoding="utf-8")
    bundled = tmp_path / "bundled.yaml"
    bundled.write_text("providers: []\n")
    catalog = load_catalog(user_dir=folder, bundled=bundled)
    assert catalog.errors == []
    provider = catalog.providers["hydra-eau"]
    assert [c.name for c in provider.credentials] == ["login", "password"]
    used = {name for step in _all_steps(provider.steps) for name in step}
    assert {"open", "click_if_present", "login", "fill", "click", "wait_for_any", "invoices"} <= used
    assert len(block.splitlines()) <= 40  # short enough to read at once


def test_the_http_auth_example_is_a_valid_recipe(docs, tmp_path):
    assert f"```yaml\n{HTTP_AUTH_EXAMPLE}```" in docs
    path = tmp_path / "vieux-portail.yaml"
    path.write_text(HTTP_AUTH_EXAMPLE, encoding="utf-8")
    providers, errors = load_file(path)
    assert [str(e) for e in errors] == []
    assert providers[0].http_auth == {"username": "{{ login }}", "password": "{{ password }}",
                                      "origins": ["{{ urls.extranet }}"]}


def test_every_yaml_block_in_the_docs_parses(docs, tmp_path):
    """Snippets shown in the docs (steps, detail pages) are valid YAML step lists."""
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.S)
    assert len(blocks) > len(STEPS)
    for n, block in enumerate(blocks):
        if block in (WORKED_EXAMPLE, HTTP_AUTH_EXAMPLE) or block.startswith("# no example yet"):
            continue
        path = tmp_path / f"block{n}.yaml"
        path.write_text(_provider_with(block.rstrip("\n")), encoding="utf-8")
        _, errors = load_file(path)
        assert [str(e) for e in errors] == [], block


def test_the_state_driven_login_example_is_in_the_docs_and_checks_cleanly(docs, tmp_path):
    assert f"```yaml\n{STATE_LOGIN_EXAMPLE}\n```" in docs
    path = tmp_path / "states.yaml"
    path.write_text(_provider_with(STATE_LOGIN_EXAMPLE), encoding="utf-8")
    providers, errors = load_file(path)
    assert [str(e) for e in errors] == []
    (until_done,) = [step["until_done"] for step in _all_steps(providers[0].steps) if "until_done" in step]
    actions = [next(k for k in ("done", "fail", "then") if k in case) for case in until_done["cases"]]
    assert actions[:3] == ["done", "fail", "fail"] and set(actions[3:]) == {"then"}
    used = {name for step in _all_steps(providers[0].steps) for name in step}
    assert {"hand_over", "one_time_code", "fill", "click"} <= used
