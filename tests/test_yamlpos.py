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
