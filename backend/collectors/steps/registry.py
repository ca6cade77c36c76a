"""The one table of step handlers.

A handler is a small function `handler(ctx, *, arg=…)`: its keyword arguments are its YAML
arguments. Their annotations (typing.Annotated[type, "doc", Schema(…)]) feed the JSON Schema that
validates recipes and the generated reference in docs/recipes.md, so the three cannot drift.
Whatever else is true of a step (the arguments it needs one of, the rules its `check` enforces,
its example in the docs) is declared with it in describe(), never by its name elsewhere.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args, get_origin

from backend.collectors.run.locators import locator_problems

# Where the recipe schema (language/schema.py) defines the shapes that several places share.
STEPS_REF = {"$ref": "#/$defs/steps"}
FIELDS_REF = {"$ref": "#/$defs/fields"}
CASE_REF = {"$ref": "#/$defs/case"}
STATE_REF = {"$ref": "#/$defs/state"}
DETAIL_REF = {"$ref": "#/$defs/detail"}
OUTCOME_REF = {"$ref": "#/$defs/outcome"}
LOCATOR_REF = {"$ref": "#/$defs/locator"}
CONDITION_REF = {"$ref": "#/$defs/condition"}

# A page state: an element present, visible or gone, a URL, a text. wait_for, if and fail_if take
# these as arguments, login and hand_over as a mapping (Condition), wait_for_any in each case.
LOCATOR_CONDITIONS = ("present", "visible", "absent")  # the ones that name an element
CONDITION_KEYS = (*LOCATOR_CONDITIONS, "url", "text")


class StepList(list):
    """Annotation marker: an argument that holds nested steps."""


class Locator(str):
    """Annotation marker: an element locator (css by default; xpath=, id=, name=, link=, text=),
    or a list of alternatives tried in order (run/locators.py)."""


class Condition(dict):
    """Annotation marker: a page state as a mapping of CONDITION_KEYS, e.g. {present: 'a.logout'}."""


class Regex(str):
    """Annotation marker: a regular expression (templates allowed); validation checks it compiles."""


class Outcome(str):
    """Annotation marker: an outcome code (backend.errors.CODES)."""


class FieldSpecs(dict):
    """Annotation marker: a mapping of invoice field name -> extraction spec."""


class Cases(list):
    """Annotation marker: wait_for_any's page states, each with its conditions and `then` steps."""


class States(list):
    """Annotation marker: until_done's page states: wait_for_any's cases, each ending the step
    (`done`, `fail`) or acting (`then`) before the page is looked at again."""


class Detail(dict[str, Any]):
    """Annotation marker: invoices' detail page, {fields: …, steps: […]}."""


class Schema:
    """Annotation marker: JSON Schema keywords the Python type cannot say (limits, key patterns…),
    added to the type's schema: Annotated[int, "doc", Schema(minimum=1)]."""

    def __init__(self, **keywords: Any):
        self.keywords = keywords


TIMEOUT_LIMITS = Schema(minimum=0, maximum=600)  # seconds, for every argument that waits

# The optional `timeout:` argument of every step that waits.
Timeout = typing.Annotated[float | None, "seconds to wait before giving up (default: the run's step timeout)",
                           TIMEOUT_LIMITS]

# Where a step's `check` points: None is the step's name, "key" one of its arguments, and a path
# such as ("cases", 2, "then") a key inside them (an index: that item of a list).
Place = str | tuple[str | int, ...] | None


class Reporter(Protocol):
    """What a step's `check` reports to. language/stepcheck.py implements it: each place becomes
    FILE:LINE:COL and each message starts with the step's name."""

    def problem(self, place: Place, message: str, *, at_value: bool = False) -> None:
        """A problem where `place` is written (at its value rather than its key with at_value)."""

    def regex(self, place: Place, value: Any, what: str) -> None:
        """`value`, when text, must compile as a regular expression; the message names it `what` and
        points into the value (at `place` when the value has no position of its own)."""


def check_locator(report: Reporter, at: tuple[str | int, ...], value: Any,
                  kind: Literal["locator", "css", "xpath"] = "locator", name: str | None = None) -> None:
    """Each alternative of a locator (one text, or a list tried in order) must work: a problem
    points at the alternative that has it, and its message names it (`name`, by default its
    place: cases[2].present), with its index in a list (present[1])."""
    name = name or "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at).lstrip(".")
    options = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for n, option in options:
        if not isinstance(option, str):
            continue  # the schema reports a wrong type
        place, shown = (at, name) if n is None else ((*at, n), f"{name}[{n}]")
        for problem in locator_problems(option, kind):
            report.problem(place, f"{shown}: {problem}", at_value=True)


# A step's rules across its arguments, beyond what the schema says: check(args, reporter).
Check = Callable[[Mapping[str, Any], Reporter], None]


@dataclass(frozen=True)
class AnyOf:
    """At least one of these arguments must be given (the JSON Schema's anyOf of required keys)."""
    keys: tuple[str, ...]
    what: str  # how the error names them: "wait_for: needs a condition: one of present, …"


@dataclass(frozen=True)
class Arg:
    name: str  # as written in YAML
    param: str  # Python keyword (else_ -> else)
    schema: dict[str, Any]
    required: bool
    default: Any
    doc: str
    kind: str  # "steps", "locator", "condition", "regex", "fields", "cases", "detail" or "value"


@dataclass(frozen=True)
class StepSpec:
    name: str
    func: Callable[..., Any]
    group: str
    doc: str
    args: dict[str, Arg]
    shorthand: str | None  # the argument a scalar form fills: `- click: "#go"`
    any_of: AnyOf | None = None
    check: Check | None = None
    example: str = ""  # YAML steps shown in docs/recipes.md (and checked by its tests)


# Marker types: the schema and kind of an argument they annotate.
_MARKERS: dict[type, tuple[dict[str, Any], str]] = {
    StepList: (STEPS_REF, "steps"), Locator: (LOCATOR_REF, "locator"), Condition: (CONDITION_REF, "condition"),
    Regex: ({"type": "string"}, "regex"), Outcome: (OUTCOME_REF, "value"), FieldSpecs: (FIELDS_REF, "fields"),
    Cases: ({"type": "array", "minItems": 1, "items": CASE_REF}, "cases"),
    States: ({"type": "array", "minItems": 1, "items": STATE_REF}, "cases"), Detail: (DETAIL_REF, "detail")}


def _type_schema(tp: Any) -> tuple[dict[str, Any], str]:
    if tp in _MARKERS:
        schema, kind = _MARKERS[tp]
        return dict(schema), kind
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


def describe(name: str, func: Callable[..., Any], group: str, shorthand: str | None = None, *,
             any_of: AnyOf | None = None, check: Check | None = None, example: str = "") -> StepSpec:
    hints = typing.get_type_hints(func, include_extras=True)
    args: dict[str, Arg] = {}
    for pname, param in list(inspect.signature(func).parameters.items())[1:]:
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"step {name}: argument {pname} must be keyword-only")
        hint = hints[pname]
        meta: list[Any] = []  # what Annotated adds: the doc, Schema markers
        if get_origin(hint) is typing.Annotated:
            hint, *meta = get_args(hint)
        doc = next((m for m in meta if isinstance(m, str)), "")
        schema, kind = _type_schema(hint)
        for extra in (m for m in meta if isinstance(m, Schema)):
            schema |= extra.keywords
        required = param.default is inspect.Parameter.empty
        default = None if required else param.default
        yaml_name = pname.rstrip("_")
        args[yaml_name] = Arg(yaml_name, pname, schema, required, default, doc, kind)
    if shorthand and shorthand not in args:
        raise TypeError(f"step {name}: shorthand {shorthand} is not an argument")
    if any_of and not set(any_of.keys) <= set(args):
        raise TypeError(f"step {name}: any_of names {', '.join(k for k in any_of.keys if k not in args)}, "
                        f"which it does not take")
    doc = inspect.cleandoc(func.__doc__ or "").strip()
    return StepSpec(name, func, group, doc, args, shorthand, any_of, check, example)


def as_arguments(spec: StepSpec, args: Any) -> dict[str, Any] | None:
    """A step's value as a mapping of its arguments: `- click: "#go"` is {locator: "#go"}, `- back:`
    is {}; None when the value is neither (the validator reports it)."""
    if args is None:
        return {}
    if isinstance(args, dict):
        return args
    return {spec.shorthand: args} if spec.shorthand else None


def nested_steps(spec: StepSpec, args: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], list]]:
    """The step lists inside one step's mapping of arguments, in the order written, each with its
    place: ("then",), ("cases", 2, "then"), ("detail", "steps"). What is not a list holds no steps
    (a wrong type is the schema's to report)."""
    for key, value in args.items():
        kind = spec.args[key].kind if key in spec.args else None
        if kind == "steps" and isinstance(value, list):
            yield (key,), value
        elif kind == "cases" and isinstance(value, list):
            for n, case in enumerate(value):
                if isinstance(case, dict) and isinstance(case.get("then"), list):
                    yield (key, n, "then"), case["then"]
        elif kind == "detail" and isinstance(value, dict) and isinstance(value.get("steps"), list):
            yield (key, "steps"), value["steps"]
