"""Where a recipe's values come from (yamlpos): the line and column of every value, and of a
character inside a text, as an error message names them."""

from __future__ import annotations

import pytest

from backend.collectors.language import yamlpos
from backend.collectors.model import Position


def test_every_value_knows_its_line_and_column_and_each_key_and_item_too():
    data = yamlpos.load("a: 1\nlist:\n  - x\n  -   y\nmap: {k: v}\n", "r.yaml")
    assert data.pos == Position("r.yaml", 1, 1)
    assert data.key_pos == {"a": Position("r.yaml", 1, 1), "list": Position("r.yaml", 2, 1),
                            "map": Position("r.yaml", 5, 1)}
    assert data.value_pos == {"a": Position("r.yaml", 1, 4), "list": Position("r.yaml", 3, 3),
                              "map": Position("r.yaml", 5, 6)}
    assert data["list"].item_pos == [Position("r.yaml", 3, 5), Position("r.yaml", 4, 7)]
    assert data["list"][1].pos == Position("r.yaml", 4, 7)
    assert data["map"]["k"].pos == Position("r.yaml", 5, 10)


def test_position_of_a_value_without_one_is_the_default():
    data = yamlpos.load("n: 12\ns: text\n", "r.yaml")
    default = Position("r.yaml", 9, 9)
    assert yamlpos.position_of(data["n"], default) == default  # a number carries no position
    assert yamlpos.position_of(data["s"], default) == Position("r.yaml", 2, 4)


@pytest.mark.parametrize("line, column", [
    ("v: abc {{ x }}", 4),  # plain: the text starts where the value does
    ("v: 'abc {{ x }}'", 5),  # quoted: one column further
    ('v: "abc {{ x }}"', 5),
])
def test_a_character_inside_a_text_has_its_own_column(line, column):
    text = yamlpos.load(line + "\n", "r.yaml")["v"]
    assert text.pos_at(0) == Position("r.yaml", 1, column)
    assert text.pos_at(4) == Position("r.yaml", 1, column + 4)  # the template's first brace
    assert text.pos_at(len(text)) == Position("r.yaml", 1, column + len(text))  # just after the end


@pytest.mark.parametrize("line", [
    'v: "a\\tb {{ x }}"',  # an escape: columns no longer map one to one
    "v: >\n  folded {{ x }}\n  text",  # over several lines
])
def test_a_character_of_a_text_whose_columns_do_not_map_is_placed_at_the_text(line):
    text = yamlpos.load(line + "\n", "r.yaml")["v"]
    assert text.pos_at(3) == text.pos


def test_an_offset_outside_the_text_is_placed_at_the_text():
    text = yamlpos.load("v: 'abc'\n", "r.yaml")["v"]
    assert text.pos_at(-1) == text.pos_at(4) == text.pos == Position("r.yaml", 1, 4)
    assert text.pos_at(3) == Position("r.yaml", 1, 8)


def test_a_text_built_elsewhere_is_placed_at_its_start():
    text = yamlpos.PosStr("abc")
    text.pos = Position("r.yaml", 3, 5)
    assert text.pos_at(1) == Position("r.yaml", 3, 5)  # no raw_offset: nothing to map


def test_a_key_written_as_a_number_or_a_boolean_stays_text():
    data = yamlpos.load("401: a\non: b\n1.5: c\n", "r.yaml")
    assert list(data) == ["401", "on", "1.5"]
    assert data.key_pos["on"] == Position("r.yaml", 2, 1)


@pytest.mark.parametrize("text, error", [
    ("a: &x 1\nb: &x 2\n", "r.yaml:2:4: YAML syntax: duplicate anchor 'x' (first at line 1)"),
    ('a: "unclosed\n', "r.yaml:2:1: YAML syntax: found unexpected end of stream (while scanning a quoted scalar)"),
    ("a: 1\n---\nb: 2\n",
     "r.yaml:2:1: YAML syntax: expected a single document in the stream (line 1), but found another document"),
    ("a: {b: [c}\n", "r.yaml:1:10: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence that "
                     "starts at line 1, column 8)"),
    ("a: b: c\n", "r.yaml:1:5: YAML syntax: mapping values are not allowed in this context; put the value in quotes "
                  "when it contains ': ' (as in \"Erreur : …\")"),
    ("k: v\n- a : b\n", "r.yaml:2:1: YAML syntax: did not find expected key (while parsing a block mapping that starts "
                        "at line 1, column 1); put the value in quotes when it contains ': ' (as in \"Erreur : …\")"),
    ("k: v\n- a\n", "r.yaml:2:1: YAML syntax: did not find expected key (while parsing a block mapping that starts "
                    "at line 1, column 1)"),
    ("a:\n\t- b\n", "r.yaml:2:1: YAML syntax: found character that cannot start any token (while scanning for the "
                    "next token); indent with spaces, not tabs"),
    ("a: 1\n  b\x00c: 2\n", "r.yaml:2:4: unacceptable character U+0000: control characters are not allowed"),
    ("a: 1\nb: 2\nc: x\x07y\n", "r.yaml:3:5: unacceptable character U+0007: control characters are not allowed"),
    ("a: !!set {x}\n", "r.yaml:1:4: the YAML tag !!set is not allowed in recipes"),
])
def test_a_file_that_does_not_load_is_refused_with_its_place_and_what_to_do(text, error):
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load(text, "r.yaml")
    assert str(refused.value) == error


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_file_is_nothing_not_an_error(text):
    assert yamlpos.load_tolerant(text, "r.yaml") == (None, [])


def test_a_date_no_calendar_has_and_a_key_that_is_not_text_are_reported_and_the_rest_loads():
    data, problems = yamlpos.load_tolerant("d: 2024-02-30\n? [a, b]\n: c\nok: 2024-02-29\n", "r.yaml")
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, 4, "'2024-02-30' reads as a date that does not exist: put it in quotes"),
        (2, 3, "a key must be a plain text, not a list or a mapping")]
    assert data == {"d": "2024-02-30", "ok": __import__("datetime").date(2024, 2, 29)}
    assert data["d"].pos == Position("r.yaml", 1, 4)
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load("d: 2024-02-30\n", "r.yaml")  # the strict loader stops at the first problem
    assert str(refused.value) == "r.yaml:1:4: '2024-02-30' reads as a date that does not exist: put it in quotes"


def test_values_may_nest_64_levels_deep_not_65():
    assert yamlpos.load("[" * 64 + "]" * 64, "r.yaml") is not None
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load("[" * 65 + "]" * 65, "r.yaml")
    assert str(refused.value) == "r.yaml:1:65: values nested deeper than 64 levels"


def test_an_alias_may_bring_its_value_up_to_64_levels_not_beyond():
    anchored = "[" * 60 + "x" + "]" * 60  # 61 levels with the anchor's own list
    fits = f"a: &a {anchored}\nb: [[*a]]\n"  # the root mapping, two lists, then the 61 levels of *a: 64
    assert yamlpos.load(fits, "r.yaml")["b"][0][0] == yamlpos.load(fits, "r.yaml")["a"]
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load(f"a: &a {anchored}\nb: [[[*a]]]\n", "r.yaml")
    assert str(refused.value) == "r.yaml:2:7: alias *a nests values deeper than 64 levels"


def test_a_duplicate_key_is_reported_and_the_keys_after_it_still_load():
    data, problems = yamlpos.load_tolerant("a: 1\na: 2\nb: 3\n", "r.yaml")
    assert data == {"a": 1, "b": 3}
    assert [(p.line, p.column, p.message) for p in problems] == [
        (2, 1, "duplicate key 'a' (first at line 1); the first one is used")]


def values(count_before_last: int, alias_last: bool) -> str:
    """A file of exactly `count_before_last` + 1000 values once its aliases are expanded (the last
    thousand brought by an alias when alias_last, else by plain values), cheap to compose."""
    anchor = "a: &a [" + ", ".join(["x"] * 999) + "]\n"  # key a, the list and its items: 1 + 1000 values
    # the root mapping 1, key and list a 1001, keys b and c and their lists 4: 1006 values; an alias of a: 1000
    fill = count_before_last - 1006
    aliases, plain = divmod(fill, 1000)
    if alias_last:
        return anchor + "c: [" + ", ".join(["y"] * plain) + "]\nb: [" + ", ".join(["*a"] * (aliases + 1)) + "]\n"
    return (anchor + "b: [" + ", ".join(["*a"] * aliases) + "]\nc: ["
            + ", ".join(["y"] * (plain + 1000)) + "]\n")


@pytest.mark.parametrize("alias_last", [False, True])
def test_a_file_may_hold_100_000_values_not_one_more(alias_last):
    assert yamlpos.MAX_VALUES == 100_000
    exactly = yamlpos.load(values(99_000, alias_last), "r.yaml")
    assert len(exactly["a"]) == 999 and exactly["b"][-1] == exactly["a"]
    with pytest.raises(yamlpos.YamlLoadError) as refused:
        yamlpos.load(values(99_001, alias_last), "r.yaml")
    if alias_last:
        assert str(refused.value).endswith(": alias *a expands the file beyond 100,000 values (refusing a possible "
                                           "alias bomb)")
    else:
        assert str(refused.value).endswith(": the file holds more than 100,000 values")


def test_mappings_nested_63_levels_load_with_their_text_at_the_bottom():
    text = "".join("  " * n + "k:\n" for n in range(62)) + "  " * 62 + "k: end\n"  # 63 mappings, then the text: 64
    data = yamlpos.load(text, "r.yaml")
    for _ in range(62):
        data = data["k"]
    assert data == {"k": "end"}
