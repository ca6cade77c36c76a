"""Check a provider's steps: known step names, their arguments, and what the schema can't say.

Each step is checked on its own so that one mistake yields one clear message at its exact
place: an unknown step (with "did you mean"), an unknown or missing argument, a value of the
wrong type, a condition step without a condition, a regular expression that doesn't compile,
and whatever the step's own `check` reports (a `wait_for_any` case or an `invoices` field spec
that can't work). Nested steps (then, else, steps, cases, detail) are checked the same way.
"""

from __future__ import annotations

import re
from typing import Any

from backend.collectors.language.schema import CASE_ACTION_KEYS, build_schema
from backend.collectors.language.schemaerrors import SchemaReporter, did_you_mean, key_position, locate, value_position
from backend.collectors.model import TEMPLATE, Position, RecipeError
from backend.collectors.patterns import PatternError, compile_pattern
from backend.collectors.steps import STEPS
from backend.collectors.steps.registry import LOCATOR_CONDITIONS, Place, StepSpec, check_locator, nested_steps

# Nested step lists are checked by recursion, so the schemas used here stop at them.
SHALLOW_DEFS = build_schema()["$defs"] | {"steps": {"type": "array"}}
_REPORTERS: dict[tuple[str, str], SchemaReporter] = {}


def _reporter(spec: StepSpec, arg: str) -> SchemaReporter:
    key = (spec.name, arg)
    if key not in _REPORTERS:
        _REPORTERS[key] = SchemaReporter(spec.args[arg].schema, SHALLOW_DEFS)
    return _REPORTERS[key]


def check_regex(value: Any, file: str, default: Position, where: str) -> list[RecipeError]:
    """A regex (templates stand for plain text) must compile; point at the faulty character."""
    if not isinstance(value, str):
        return []
    has_template = bool(TEMPLATE.search(value))
    try:
        re.compile(TEMPLATE.sub("x", value))  # Python's parser says where a syntax error is
        compile_pattern(TEMPLATE.sub("x", value))  # the engine the run uses: what it cannot do
    except re.error as exc:
        pos = getattr(value, "pos", default)
        if not has_template and exc.pos is not None and hasattr(value, "pos_at"):
            pos = value.pos_at(exc.pos)
        return [RecipeError(file, pos.line, pos.column, f"{where}: invalid regular expression '{value}': {exc.msg}")]
    except PatternError as exc:
        pos = getattr(value, "pos", default)
        return [RecipeError(file, pos.line, pos.column, f"{where}: '{value}': {exc}")]
    return []


class StepChecker:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[RecipeError] = []

    def add(self, pos: Position, message: str) -> None:
        self.errors.append(RecipeError(self.file, pos.line, pos.column, message))

    # ---- lists and single steps ---------------------------------------------------------
    def steps(self, steps: Any, parent: Position) -> None:
        if steps is None:
            return
        if not isinstance(steps, list):
            self.add(getattr(steps, "pos", parent), "steps must be a list, each item starting with '- '")
            return
        positions = getattr(steps, "item_pos", [])
        for n, step in enumerate(steps):
            self.step(step, getattr(step, "pos", positions[n] if n < len(positions) else parent))

    def step(self, step: Any, pos: Position) -> None:
        if not isinstance(step, dict) or not step:
            self.add(pos, "a step is a mapping with one step name, e.g. `- click: \"#login\"`")
            return
        names = [k for k in step if k in STEPS]
        if len(step) > 1:
            if len(names) == 1:
                misplaced = ", ".join(f"'{k}'" for k in step if k != names[0])
                self.add(key_position(step, next(k for k in step if k != names[0]), pos),
                         f"{misplaced} should be an argument of '{names[0]}': indent it under "
                         f"'{names[0]}:' (or write one step per list item)")
            elif len(names) > 1:
                self.add(key_position(step, names[1], pos),
                         f"one step per list item: put '- ' before '{names[1]}'")
            else:
                first = next(iter(step))
                self.add(key_position(step, first, pos), f"unknown step '{first}'{did_you_mean(first, STEPS)}")
            return
        (name, args), = step.items()
        name_pos = key_position(step, name, pos)
        if name not in STEPS:
            self.add(name_pos, f"unknown step '{name}'{did_you_mean(name, STEPS)}")
            return
        spec = STEPS[name]
        before = len(self.errors)
        args = self._arguments(spec, args, step, name_pos)
        if args is None:
            return
        for place, inner in nested_steps(spec, args):  # even when something else is wrong
            self.steps(inner, place_position(args, place, name_pos))
        self._semantics(spec, args, name_pos, clean=len(self.errors) == before)

    def _arguments(self, spec: StepSpec, args: Any, step: dict, name_pos: Position) -> dict | None:
        """Check the value under the step name; return it as a mapping of arguments (or None)."""
        name = spec.name
        required = [a.name for a in spec.args.values() if a.required]
        value_pos = value_position(step, name, name_pos)
        if args is None:
            if required:
                self.add(name_pos, f"{name}: missing argument{'s' if len(required) > 1 else ''} "
                                   f"{', '.join(required)}")
                return None
            return {}
        if not isinstance(args, dict):
            if not spec.shorthand:
                self.add(value_pos, f"{name}: write its arguments as a mapping: {_signature(spec)}")
                return None
            wrapper = {spec.shorthand: args}
            found = _reporter(spec, spec.shorthand).errors(args, self.file, value_pos, prefix=f"{name}: ",
                                                           path_prefix=(spec.shorthand,) if isinstance(args, list) else ())
            self.errors.extend(found)
            missing = [r for r in required if r != spec.shorthand]
            if missing:
                self.add(name_pos, f"{name}: missing argument {', '.join(missing)}; write a mapping: "
                                   f"{_signature(spec)}")
                return None
            return wrapper
        for key in args:
            if key not in spec.args:
                hint = did_you_mean(key, spec.args) or f"; {name} takes: {', '.join(spec.args) or 'no argument'}"
                self.add(key_position(args, key, value_pos), f"{name}: unknown argument '{key}'{hint}")
        missing = [r for r in required if r not in args]
        if len(missing) == 1:
            self.add(name_pos, f"{name}: missing argument '{missing[0]}': {spec.args[missing[0]].doc}")
        elif missing:
            self.add(name_pos, f"{name}: missing arguments {', '.join(missing)}; write {_signature(spec)}")
        for key, value in args.items():
            if key in spec.args:
                self.errors.extend(_reporter(spec, key).errors(value, self.file, value_position(args, key, value_pos),
                                                               prefix=f"{name}: ", path_prefix=(key,)))
        return args

    # ---- what the schema can't express ---------------------------------------------------
    def _semantics(self, spec: StepSpec, args: dict, name_pos: Position, clean: bool) -> None:
        """Runs even after other errors (all problems at once), so it tolerates wrong types."""
        report = StepReport(self, spec.name, args, name_pos)
        if spec.any_of and clean and not any(args.get(k) for k in spec.any_of.keys):
            report.problem(None, f"needs {spec.any_of.what}: one of {', '.join(spec.any_of.keys)}")
        for arg in spec.args.values():
            value = args.get(arg.name)
            if arg.kind == "regex":
                report.regex(None, value, arg.name)
            elif arg.kind == "locator":
                check_locator(report, (arg.name,), value)
            elif arg.kind == "condition" and isinstance(value, dict):
                _condition(report, (arg.name,), value)
            elif arg.kind == "cases" and isinstance(value, list):
                for n, case in enumerate(value):
                    if isinstance(case, dict):
                        _condition(report, (arg.name, n), case)
                        check_locator(report, (arg.name, n, "message_from"), case.get("message_from"))
        if spec.check:
            spec.check(args, report)


def _condition(report: StepReport, at: tuple[str | int, ...], condition: dict) -> None:
    """A page state's locators are locators; its url is a regular expression (a case's url is
    its step's own check: flow.check_cases)."""
    for key in LOCATOR_CONDITIONS:
        check_locator(report, (*at, key), condition.get(key))
    if len(at) == 1:
        report.regex(at, condition.get("url"), f"{at[0]}.url")


class StepReport:
    """The Reporter a step's `check` writes to: places become positions in the file, and every
    message starts with the step's name."""

    def __init__(self, checker: StepChecker, step: str, args: dict, name_pos: Position):
        self.checker, self.step, self.args, self.name_pos = checker, step, args, name_pos

    def problem(self, place: Place, message: str, *, at_value: bool = False) -> None:
        self.checker.add(place_position(self.args, place, self.name_pos, at_value), f"{self.step}: {message}")

    def regex(self, place: Place, value: Any, what: str) -> None:
        at = place_position(self.args, place, self.name_pos)
        self.checker.errors.extend(check_regex(value, self.checker.file, at, f"{self.step}: {what}"))


def place_position(args: dict, place: Place, step_name: Position, at_value: bool = False) -> Position:
    """Where a place in a step's arguments is written: the key named last (its value with
    at_value; an item of a list is where it starts), or the step's name for None."""
    if place is None:
        return step_name
    path = (place,) if isinstance(place, str) else place
    last = path[-1]
    if at_value or isinstance(last, int):
        return locate(args, path) or step_name
    return locate(args, path[:-1], last) or step_name


def _signature(spec: StepSpec) -> str:
    parts = [a.name if a.required else f"[{a.name}]" for a in spec.args.values()]
    return "{" + ", ".join(parts) + "}"


def check_steps(steps: Any, file: str, parent: Position) -> list[RecipeError]:
    checker = StepChecker(file)
    checker.steps(steps, parent)
    return list(dict.fromkeys(checker.errors))


assert set(CASE_ACTION_KEYS) <= set(SHALLOW_DEFS["case"]["properties"])
