"""Hostile recipe files: refused with a FILE:LINE:COL error, in bounded time and memory, never a crash."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.collectors.language import yamlpos
from backend.collectors.language.catalog import load_file

VALID = """\
providers:
  - id: acme
    name: Acme
    homepage: https://acme.example
    category: x
    terms: {version: "1", text: ok}
    credentials: [{name: login, label_fr: a, label_en: b}, {name: password, label_fr: c, label_en: d, type: password}]
    steps:
      - open: "https://acme.example/login"
      - fill: {locator: "#u", value: "{{ login }}"}
      - invoices: {items: tr, fields: {id: {css: td}, amount: {css: .a, amount: fr}}}
"""


def bounded_load(path: Path, seconds: float = 3.0, megabytes: float | None = 60.0):
    """load_file, asserting it stays within a time budget (and a memory budget, measured on a second
    run under tracemalloc, which slows Python down too much to time it)."""
    seconds *= float(os.environ.get("IC_TIME_BUDGET_SCALE", "1"))  # bench/mutation.py: mutmut traces every call
    started = time.monotonic()
    result = load_file(path)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f}s"
    if megabytes is not None:
        tracemalloc.start()
        try:
            again = load_file(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert again == result
        assert peak < megabytes * 1e6, f"peak memory {peak / 1e6:.0f} MB"
    return result


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        prev, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_the_alias_that_explodes(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs())
    providers, errors = bounded_load(path, seconds=1.0, megabytes=20)
    assert providers == []
    # a: 11 values, b: 111, c: 1,111, d: 11,111 (12,351 with the keys and e's list); each *d adds 11,111,
    # so e's 8th alias (column 36) crosses 100,000.
    assert [str(e) for e in errors] == [
        f"{path}:5:36: alias *d expands the file beyond 100,000 values (refusing a possible alias bomb)"]


def test_merge_key_bomb_is_refused_too(tmp_path):
    lines = ["a0: &a0 {x: 1, y: 2, z: 3, w: 4}"]
    lines += [f"a{n}: &a{n} {{" + ", ".join(f"k{k}: *a{n - 1}" for k in range(8)) + "}" for n in range(1, 9)]
    path = tmp_path / "merge.yaml"
    path.write_text("\n".join(lines) + "\n")
    _, errors = bounded_load(path, seconds=1.0, megabytes=20)
    assert len(errors) == 1 and "expands the file beyond 100,000 values" in errors[0].message
    assert errors[0].line == 6


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("providers: &p\n  - *p\n")
    _, errors = bounded_load(path)
    assert [str(e) for e in errors] == [f"{path}:2:5: alias *p refers to a value that contains it"]


def test_an_alias_of_a_text_is_its_text():
    # A scalar anchor is complete as soon as it is read: an alias to it later in the file is no loop.
    text = "a: &greeting {<<: {x: 1}, hello: &word bonjour}\nb: [*word, *word]\nc: *greeting\n"
    data, errors = yamlpos.load_tolerant(text, "text-alias.yaml")
    assert errors == [] and data["b"] == ["bonjour", "bonjour"] and data["c"]["hello"] == "bonjour"


def test_reasonable_anchors_and_merge_keys_work(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(VALID.replace("    terms:", "    x-unused: 1\n    terms:").replace("    x-unused: 1\n", "")
                    + "  - <<: &base {name: Other, homepage: https://o.example, category: x}\n"
                      "    id: other\n    terms: {version: \"1\", text: ok}\n"
                      "    credentials: [{name: login, label_fr: a, label_en: b}]\n"
                      "    steps: &login\n      - open: https://o.example\n"
                      "  - {<<: *base, id: third, terms: {version: \"1\", text: ok},"
                      " credentials: [{name: login, label_fr: a, label_en: b}], steps: *login}\n")
    providers, errors = bounded_load(path)
    assert errors == []
    assert [(p.id, p.name) for p in providers] == [("acme", "Acme"), ("other", "Other"), ("third", "Other")]


def test_deep_nesting_is_refused_without_recursion_errors(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("providers: " + "[" * 5000 + "]" * 5000 + "\n")
    _, errors = bounded_load(flow)
    # The mapping is level 1, the first '[' (column 12) level 2: the 64th '[' is level 65.
    assert [str(e) for e in errors] == [f"{flow}:1:75: values nested deeper than 64 levels"]
    block = tmp_path / "block.yaml"
    block.write_text("providers:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, 100)) + "  " * 100 + "end\n")
    _, errors = bounded_load(block)
    assert [(e.line, e.message) for e in errors] == [(64, "values nested deeper than 64 levels")]


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "w") as handle:
        handle.write("providers:\n")
        for n in range(200_000):  # ~5 MB
            handle.write(f"  - id: provider-number-{n}\n")
    providers, errors = bounded_load(path, seconds=1.0, megabytes=30)
    assert providers == []
    assert [str(e) for e in errors] == [f"{path}:1:1: the file is larger than 2 MB"]


def test_too_many_values_under_the_size_limit_is_refused_in_bounded_time(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("providers:\n" + "".join(f"  - [{n}, {n}, {n}, {n}, {n}, {n}, {n}, {n}, {n}]\n"
                                             for n in range(12_500)))
    assert path.stat().st_size < yamlpos.MAX_BYTES
    _, errors = bounded_load(path, seconds=10.0, megabytes=None)  # ~1 s; generous for busy machines
    assert len(errors) == 1 and errors[0].message == "the file holds more than 100,000 values"
    assert errors[0].line == 10_001  # 10 values a line


def test_binary_garbage_gets_a_position(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(b"providers:\n  - id: x\x00y\n")
    _, errors = bounded_load(path)
    assert [str(e) for e in errors] == [f"{path}:2:10: unacceptable character U+0000: control characters are not allowed"]
    png = tmp_path / "image.yaml"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _, errors = bounded_load(png)
    assert [str(e) for e in errors] == [f"{png}:1:1: the file is not UTF-8 text; save it as UTF-8"]


def test_non_text_keys_and_odd_scalars(tmp_path):
    path = tmp_path / "keys.yaml"
    path.write_text("providers:\n  - ? [a, b]\n    : 1\n    id: acme\n")
    _, errors = bounded_load(path)
    assert (2, 7, "a key must be a plain text, not a list or a mapping") in [(e.line, e.column, e.message) for e in errors]
    several = tmp_path / "docs.yaml"
    several.write_text("providers: []\n---\nproviders: []\n")
    _, errors = bounded_load(several)
    assert [str(e) for e in errors] == [
        f"{several}:2:1: YAML syntax: expected a single document in the stream (line 1), but found another document"]


def test_python_tags_are_never_constructed(tmp_path):
    path = tmp_path / "tags.yaml"
    path.write_text("providers:\n  - !!python/object/apply:os.system ['touch pwned']\n"
                    "  - {id: !!python/name:os.system x}\n")
    _, errors = bounded_load(path)
    assert not (tmp_path / "pwned").exists()
    assert [str(e) for e in errors] == [f"{path}:2:5: the YAML tag !!python/object/apply:os.system is not allowed in recipes"]
    path.write_text("providers:\n  - {id: !!python/name:os.system x}\n")
    _, errors = bounded_load(path)
    assert [(e.line, e.column) for e in errors] == [(2, 10)]
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'" in errors[0].message


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("providers:-[]{}&*!|>'\"#%@`\t\n ,?<=id0aZé\\")), max_size=200))
def test_any_text_yields_errors_or_providers_never_an_exception(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "r.yaml"
    path.write_text(text, encoding="utf-8")
    providers, errors = load_file(path)
    lines = text.count("\n") + 2
    for error in errors:
        assert error.file == str(path) and 1 <= error.line <= lines and error.column >= 1 and error.message


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.sampled_from(["", " ", ":", "-", "{", "\n", "'", "x"]))
def test_a_mutated_valid_recipe_never_crashes_the_validator(tmp_path_factory, where, insert):
    text = VALID[:where] + insert + VALID[where + 1:]
    path = tmp_path_factory.mktemp("mutant") / "r.yaml"
    path.write_text(text, encoding="utf-8")
    providers, errors = load_file(path)
    assert providers or errors  # a broken part never silences the file
    for error in errors:
        assert 1 <= error.line <= text.count("\n") + 2 and error.column >= 1
