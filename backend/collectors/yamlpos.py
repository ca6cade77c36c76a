"""Load YAML while remembering where every value came from.

Mappings, lists and strings come back as PosDict / PosList / PosStr carrying `.pos`
(1-based line, column); a PosDict also knows where each of its keys is, so an error about
a key or a value can name FILE:LINE:COL. Hostile input is bounded: size, alias count and depth.
"""

from __future__ import annotations

from typing import Any

import yaml

from backend.collectors.model import Position, RecipeError

MAX_BYTES = 2_000_000
MAX_ALIASES = 100
MAX_DEPTH = 64


class PosDict(dict):
    pos: Position
    key_pos: dict[str, Position]


class PosList(list):
    pos: Position


class PosStr(str):
    pos: Position


class _Scalar:
    """Non-string scalars (int, bool, None…) can't carry attributes; positions live in parents."""


def position_of(value: Any, default: Position) -> Position:
    return getattr(value, "pos", default)


class YamlLoadError(Exception):
    def __init__(self, error: RecipeError):
        super().__init__(str(error))
        self.error = error


def _pos(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.aliases = 0
        self.seen: dict[int, int] = {}
        self.scalar_loader = yaml.SafeLoader("")

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self._error(node, f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self.seen:  # an alias: count it, refuse alias bombs
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self._error(node, f"more than {MAX_ALIASES} aliases (refusing a possible alias bomb)")
        self.seen[id(node)] = 1
        if isinstance(node, yaml.MappingNode):
            result = PosDict()
            result.pos = _pos(self.file, node)
            result.key_pos = {}
            self.scalar_loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.build(key_node, depth + 1)
                if not isinstance(key, str):
                    raise self._error(key_node, "keys must be text")
                if key in result:
                    raise self._error(key_node, f"duplicate key '{key}'")
                result[PosStr(key)] = self.build(value_node, depth + 1)
                result.key_pos[key] = _pos(self.file, key_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            result = PosList(self.build(child, depth + 1) for child in node.value)
            result.pos = _pos(self.file, node)
            return result
        value = self.scalar_loader.construct_object(node, deep=True)
        if isinstance(value, str):
            text = PosStr(value)
            text.pos = _pos(self.file, node)
            return text
        return value

    def _error(self, node: yaml.Node, message: str) -> YamlLoadError:
        mark = node.start_mark
        return YamlLoadError(RecipeError(self.file, mark.line + 1, mark.column + 1, message))


def load(text: str, file: str) -> Any:
    """Parse one YAML document; raise YamlLoadError naming FILE:LINE:COL on any problem."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise YamlLoadError(RecipeError(file, 1, 1, f"file larger than {MAX_BYTES // 1_000_000} MB"))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlLoadError(RecipeError(file, line, col, f"YAML syntax: {problem}")) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(RecipeError(file, 1, 1, f"YAML error: {exc}")) from None
    if node is None:
        return None
    try:
        return _Builder(file).build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlLoadError(RecipeError(file, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                                        f"YAML value: {exc.problem}")) from None
    except RecursionError:
        raise YamlLoadError(RecipeError(file, 1, 1, "YAML nested too deeply")) from None
