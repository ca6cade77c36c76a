"""The catalog reads a recipe file only up to the size limit (issue 16): a file that never ends
is refused like a big one, a file cut by the limit inside a character is still refused for its
size, and a file exactly at the limit is read as the UTF-8 text it must be."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.collectors.language import yamlpos
from backend.collectors.language.catalog import load_file

TOO_BIG = "the file is larger than 2 MB"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_recipe_path_that_never_ends_is_read_only_up_to_the_limit():
    providers, errors = load_file(Path("/dev/zero"))
    assert providers == [] and [str(e) for e in errors] == [f"/dev/zero:1:1: {TOO_BIG}"]


def test_a_big_file_cut_inside_a_character_is_refused_for_its_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "é" * (yamlpos.MAX_BYTES // 2 + 1) + "\nproviders: []\n", encoding="utf-8")
    # the limit's byte (the last one read) is the first of an é's two: the text read ends mid-character
    assert path.read_bytes()[yamlpos.MAX_BYTES:yamlpos.MAX_BYTES + 2] == "é".encode()
    assert [e.message for e in load_file(path)[1]] == [TOO_BIG]


def test_a_file_exactly_at_the_limit_must_be_utf8(tmp_path):
    path = tmp_path / "limit.yaml"
    head = b"providers: []\n# "
    path.write_bytes(head + b"x" * (yamlpos.MAX_BYTES - len(head) - 1) + b"\xff")
    assert path.stat().st_size == yamlpos.MAX_BYTES
    assert [str(e) for e in load_file(path)[1]] == [
        f"{path}:2:{yamlpos.MAX_BYTES - len(b'providers: []') - 1}: the file is not UTF-8 text; save it as UTF-8"]
    path.write_bytes(head + b"x" * (yamlpos.MAX_BYTES - len(head)))
    assert load_file(path) == ([], [])
