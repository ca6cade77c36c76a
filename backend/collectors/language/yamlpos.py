"""Load YAML while remembering where every value came from.

Mappings, lists and strings come back as PosDict / PosList / PosStr carrying `.pos`
(1-based line, column). A PosDict also knows where each key and each value is (`key_pos`,
`value_pos`) and a PosList where each item is (`item_pos`), so an error about a number or a
boolean can still name FILE:LINE:COL.

Mapping keys are always text, as written (`401:` is "401", `on:` is "on"): YAML 1.1 would
turn them into numbers and booleans, which no recipe ever means.

Hostile input is bounded while composing, before anything is expanded: the file size, the
nesting depth and the number of values once aliases are expanded (a "billion laughs" file
is refused at the alias that crosses the limit, in time proportional to the file's size).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import yaml

from backend.collectors.model import Position, RecipeError

YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
MAX_BYTES = 2_000_000
MAX_VALUES = 100_000  # values after expanding aliases (a big catalog holds a few 10,000s)
MAX_DEPTH = 64


class PosDict(dict):
    pos: Position
    key_pos: dict[str, Position]
    value_pos: dict[str, Position]


class PosList(list):
    pos: Position
    item_pos: list[Position]


class PosStr(str):
    pos: Position
    raw_offset: int | None  # where the text starts inside its source token, when columns map 1:1

    def pos_at(self, offset: int) -> Position:
        """Position of the character at `offset` in the value (its start when escapes get in the way)."""
        shift = getattr(self, "raw_offset", None)
        if shift is None or not 0 <= offset <= len(self):
            return self.pos
        return Position(self.pos.file, self.pos.line, self.pos.column + shift + offset)


def position_of(value: Any, default: Position) -> Position:
    return getattr(value, "pos", default)


class YamlLoadError(Exception):
    def __init__(self, error: RecipeError):
        super().__init__(str(error))
        self.error = error


class _Mark(Protocol):
    """A position in the text: yaml.Mark, or the C parser's own Mark class."""

    line: int
    column: int


class _Limit(Exception):
    def __init__(self, mark: _Mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


def _pos(file: str, mark: yaml.Mark) -> Position:
    return Position(file, mark.line + 1, mark.column + 1)


try:  # libyaml parses ~10x faster; composing stays in Python so that it can be bounded
    from yaml._yaml import CParser as _Parser

    def _init_parser(loader: Any, text: str) -> None:
        _Parser.__init__(loader, text)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        pass

    def _init_parser(loader: Any, text: str) -> None:
        yaml.reader.Reader.__init__(loader, text)
        yaml.scanner.Scanner.__init__(loader)
        yaml.parser.Parser.__init__(loader)


class _BoundedLoader(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver, _Parser):
    """A safe loader whose composer measures every node (expanded size and depth) as it goes."""

    def __init__(self, text: str):
        _init_parser(self, text)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        yaml.composer.Composer.__init__(self)
        self.depth = 0
        self.spent = 0
        self.size: dict[int, int] = {}  # id(node) -> values once expanded
        self.height: dict[int, int] = {}  # id(node) -> nesting levels once expanded

    def _spend(self, amount: int, mark: Any, alias: str | None = None) -> None:
        self.spent += amount
        if self.spent > MAX_VALUES and alias:
            raise _Limit(mark, f"alias *{alias} expands the file beyond {MAX_VALUES:,} values "
                               f"(refusing a possible alias bomb)")
        if self.spent > MAX_VALUES:
            raise _Limit(mark, f"the file holds more than {MAX_VALUES:,} values")

    def compose_node(self, parent: Any, index: Any) -> yaml.Node:
        event = self.peek_event()
        assert event is not None and event.start_mark is not None  # the parser marks every event up to stream end
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                # A collection is measured once it is complete: one not measured yet is still being
                # composed, so the alias is inside it. A scalar is complete at once (size and height 1).
                if not isinstance(node, yaml.ScalarNode) and id(node) not in self.size:
                    raise _Limit(mark, f"alias *{event.anchor} refers to a value that contains it")
                if self.depth + self.height.get(id(node), 1) > MAX_DEPTH:
                    raise _Limit(mark, f"alias *{event.anchor} nests values deeper than {MAX_DEPTH} levels")
                self._spend(self.size.get(id(node), 1), mark, event.anchor)
            return self._composed(super().compose_node(parent, index))
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Limit(mark, f"values nested deeper than {MAX_DEPTH} levels")
        self._spend(1, mark)
        try:
            node = self._composed(super().compose_node(parent, index))
        finally:
            self.depth -= 1
        if isinstance(node, yaml.ScalarNode):  # size 1, height 1: the default, not stored
            return node
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        size, height = self.size, self.height
        total, tallest = 1, 0
        for child in children:
            key = id(child)
            total += size.get(key, 1)
            tallest = max(tallest, height.get(key, 1))
        size[id(node)], height[id(node)] = total, tallest + 1
        return node

    @staticmethod
    def _composed(node: yaml.Node | None) -> yaml.Node:
        assert node is not None  # PyYAML's composer returns a node or raises, never None
        return node


_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Builder:
    def __init__(self, file: str, text: str):
        self.file = file
        self.problems: list[RecipeError] = []  # mistakes that don't stop the rest of the file from loading
        self.lines = YAML_LINE_BREAK.split(text)  # as YAML counts lines (NEL, U+2028… break them too)
        self.built = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.built += 1
        if depth > MAX_DEPTH or self.built > MAX_VALUES:  # the composer's limits make this a safety net
            raise _Limit(node.start_mark, "the file is too large or too deeply nested")
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Limit(node.start_mark, f"the YAML tag {tag} is not allowed in recipes")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            result = PosList()
            result.pos = _pos(self.file, node.start_mark)
            result.item_pos = []
            for child in node.value:
                result.append(self.build(child, depth + 1))
                result.item_pos.append(_pos(self.file, child.start_mark))
            return result
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):  # 0000-00-00, 2024-02-30: a YAML date no calendar has
            self._problem(node, f"'{node.value}' reads as a date that does not exist: put it in quotes")
            return self._text(str(node.value), node)
        return self._text(value, node) if isinstance(value, str) else value

    def _mapping(self, node: yaml.MappingNode, depth: int) -> PosDict:
        result = PosDict()
        result.pos = _pos(self.file, node.start_mark)
        result.key_pos, result.value_pos = {}, {}
        self.constructor.flatten_mapping(node)  # `<<: *defaults` merge keys
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "a key must be a plain text, not a list or a mapping")
                continue
            key = self._text(str(key_node.value), key_node)
            if key in result:
                first = result.key_pos[key]
                self._problem(key_node, f"duplicate key '{key}' (first at line {first.line}); the first one is used")
                continue
            result[key] = self.build(value_node, depth + 1)
            result.key_pos[key] = key.pos
            result.value_pos[key] = _pos(self.file, value_node.start_mark)
        return result

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(RecipeError(self.file, node.start_mark.line + 1, node.start_mark.column + 1, message))

    def _text(self, value: str, node: yaml.Node) -> PosStr:
        text = PosStr(value)
        text.pos = _pos(self.file, node.start_mark)
        start, end = node.start_mark, node.end_mark
        raw = self.lines[start.line][start.column:end.column] if start.line == end.line else None
        text.raw_offset = None if raw is None else 0 if raw == value else \
            1 if raw[1:-1] == value and raw[:1] in "'\"" else None
        return text


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _limit_crossed_before(text: str, index: int) -> _Limit | None:
    """The size or depth limit crossed in text[:index], if any.

    A YAML library may refuse hostile input itself (PyYAML 6.0.4 caps flow nesting at 1,000
    levels, scanning ahead of the composer); composing the part it accepted tells whether our
    own, lower limit was crossed first, so the author sees our message and position."""
    loader = _BoundedLoader(text[:index])
    try:
        loader.get_single_node()
    except _Limit as exc:
        return exc
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()
    return None


def load(text: str, file: str) -> Any:
    """Parse one YAML document; raise YamlLoadError naming FILE:LINE:COL on any problem."""
    data, problems = load_tolerant(text, file)
    if problems:
        raise YamlLoadError(problems[0])
    return data


def load_tolerant(text: str, file: str) -> tuple[Any, list[RecipeError]]:
    """Parse one YAML document. Duplicate and non-text keys are skipped and returned as problems
    (so that the caller can blame only the provider holding them); anything else raises YamlLoadError."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise YamlLoadError(RecipeError(file, 1, 1, f"the file is larger than {MAX_BYTES // 1_000_000} MB"))
    loader = None
    try:
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, []
        builder = _Builder(file, text)
        return builder.build(node), builder.problems
    except _Limit as exc:
        line, col = exc.mark.line + 1, exc.mark.column + 1
        raise YamlLoadError(RecipeError(file, line, col, exc.message)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        earlier = _limit_crossed_before(text, mark.index) if mark else None
        if earlier is not None:  # our limit, crossed before the library gave up: the same message whatever its version
            raise YamlLoadError(RecipeError(file, earlier.mark.line + 1, earlier.mark.column + 1, earlier.message)) from None
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            where = f"line {exc.context_mark.line + 1}" if exc.context_mark else "earlier"
            if "duplicate anchor" in exc.context:
                problem = exc.context.split(";")[0].replace("found ", "") + f" (first at {where})"
            elif exc.context.startswith("while parsing") and exc.context_mark:
                start = exc.context_mark
                problem = f"{problem} ({exc.context} that starts at line {start.line + 1}, column {start.column + 1})"
            elif exc.context.startswith("while"):
                problem = f"{problem} ({exc.context})"
            else:
                problem = f"{exc.context} ({where}), {problem}"
        source_line = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") + 1 else ""
        if "mapping values are not allowed" in problem or " : " in source_line:
            problem += "; put the value in quotes when it contains ': ' (as in \"Erreur : …\")"
        source_lines = text.split("\n")
        if mark and mark.line < len(source_lines) and source_lines[mark.line][mark.column:mark.column + 1] == "\t":
            problem += "; indent with spaces, not tabs"
        raise YamlLoadError(RecipeError(file, line, col, f"YAML syntax: {problem}")) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        what = f"character U+{exc.character:04X}" if isinstance(exc.character, int) else "character"
        raise YamlLoadError(RecipeError(file, line, col, f"unacceptable {what}: {exc.reason}")) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(RecipeError(file, 1, 1, f"YAML error: {exc}")) from None
    except RecursionError:  # the limits above should make this unreachable
        raise YamlLoadError(RecipeError(file, 1, 1, "values nested too deeply")) from None
    finally:
        if loader is not None:
            loader.dispose()
