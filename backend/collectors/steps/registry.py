"""The one table of step handlers.

A handler is a small function `handler(ctx, *, arg=…)`: its keyword arguments are its YAML
arguments. Their annotations (typing.Annotated[type, "doc"]) feed the JSON Schema that
validates recipes and the generated reference in docs/recipes.md, so the three cannot drift.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin


class StepList(list):
    """Annotation marker: an argument that holds nested steps."""


class Locator(str):
    """Annotation marker: an element locator (css by default; xpath=, id=, name=, link=, text=)."""


# The optional `timeout:` argument of every step that waits.
Timeout = typing.Annotated[float | None, "seconds to wait before giving up (default: the run's step timeout)"]


class FieldSpecs(dict):
    """Annotation marker: a mapping of invoice field name -> extraction spec."""


@dataclass(frozen=True)
class Arg:
    name: str  # as written in YAML
    param: str  # Python keyword (else_ -> else)
    schema: dict[str, Any]
    required: bool
    default: Any
    doc: str
    kind: str  # "steps", "locator", "fields" or "value"


@dataclass(frozen=True)
class StepSpec:
    name: str
    func: Callable[..., Any]
    group: str
    doc: str
    args: dict[str, Arg]
    shorthand: str | None  # the argument a scalar form fills: `- click: "#go"`


def _type_schema(tp: Any) -> tuple[dict[str, Any], str]:
    if tp is StepList:
        return {"$ref": "#/$defs/steps"}, "steps"
    if tp is Locator:
        return {"type": "string", "minLength": 1}, "locator"
    if tp is FieldSpecs:
        return {"$ref": "#/$defs/fields"}, "fields"
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}, "value"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return _type_schema(options[0])
        schemas = [_type_schema(a)[0] for a in options]
        return {"anyOf": schemas}, "value"
    if origin in (list, tuple):
        (item,) = get_args(tp) or (Any,)
        return {"type": "array", "items": _type_schema(item)[0] if item is not Any else {}}, "value"
    if origin is dict or tp is dict:
        return {"type": "object"}, "value"
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if tp in simple:
        return ({"type": ["number"]} if tp is float else {"type": simple[tp]}), "value"
    return {}, "value"


def describe(name: str, func: Callable[..., Any], group: str, shorthand: str | None = None) -> StepSpec:
    hints = typing.get_type_hints(func, include_extras=True)
    args: dict[str, Arg] = {}
    for pname, param in list(inspect.signature(func).parameters.items())[1:]:
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"step {name}: argument {pname} must be keyword-only")
        hint = hints[pname]
        doc = ""
        if get_origin(hint) is typing.Annotated:
            hint, *meta = get_args(hint)
            doc = next((m for m in meta if isinstance(m, str)), "")
        schema, kind = _type_schema(hint)
        required = param.default is inspect.Parameter.empty
        default = None if required else param.default
        yaml_name = pname.rstrip("_")
        args[yaml_name] = Arg(yaml_name, pname, schema, required, default, doc, kind)
    if shorthand and shorthand not in args:
        raise TypeError(f"step {name}: shorthand {shorthand} is not an argument")
    doc = inspect.cleandoc(func.__doc__ or "").strip()
    return StepSpec(name, func, group, doc, args, shorthand)
