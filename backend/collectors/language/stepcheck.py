"""Check a provider's steps: known step names, their arguments, and what the schema can't say.

Each step is checked on its own so that one mistake yields one clear message at its exact
place: an unknown step (with "did you mean"), an unknown or missing argument, a value of the
wrong type, a condition step without a condition, a regular expression that doesn't compile,
a `wait_for_any` case or an `invoices` field spec that can't work. Nested steps (then, else,
steps, cases, detail) are checked the same way.
"""

from __future__ import annotations

import re
from typing import Any

from backend.collectors.language.schema import (
    CASE_ACTION_KEYS,
    CONDITION_KEYS,
    arg_schema,
    build_schema,
    condition_step,
)
from backend.collectors.language.schemaerrors import SchemaReporter, did_you_mean, key_position, value_position
from backend.collectors.model import TEMPLATE, Position, RecipeError
from backend.collectors.steps import STEPS
from backend.collectors.steps.filters import SOURCE_KEYS
from backend.collectors.steps.registry import StepSpec

# Nested step lists are checked by recursion, so the schemas used here stop at them.
SHALLOW_DEFS = build_schema()["$defs"] | {"steps": {"type": "array"}}
_REPORTERS: dict[tuple[str, str], SchemaReporter] = {}


def _reporter(spec: StepSpec, arg: str) -> SchemaReporter:
    key = (spec.name, arg)
    if key not in _REPORTERS:
        _REPORTERS[key] = SchemaReporter(arg_schema(spec.name, spec.args[arg]), SHALLOW_DEFS)
    return _REPORTERS[key]


def check_regex(value: Any, file: str, default: Position, where: str) -> list[RecipeError]:
    """A regex (templates stand for plain text) must compile; point at the faulty character."""
    if not isinstance(value, str):
        return []
    has_template = bool(TEMPLATE.search(value))
    try:
        re.compile(TEMPLATE.sub("x", value))
    except re.error as exc:
        pos = getattr(value, "pos", default)
        if not has_template and exc.pos is not None and hasattr(value, "pos_at"):
            pos = value.pos_at(exc.pos)
        return [RecipeError(file, pos.line, pos.column, f"{where}: invalid regular expression '{value}': {exc.msg}")]
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
        if args is not None:
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
        for arg in spec.args.values():  # nested steps are checked even when something else is wrong
            if arg.kind == "steps" and isinstance(args.get(arg.name), list):
                self.steps(args[arg.name], key_position(args, arg.name, value_pos))
        return args

    # ---- what the schema can't express ---------------------------------------------------
    def _semantics(self, spec: StepSpec, args: dict, name_pos: Position, clean: bool) -> None:
        """Runs even after other errors (all problems at once), so it tolerates wrong types."""
        name = spec.name
        if condition_step(spec):
            if clean and not any(args.get(k) for k in CONDITION_KEYS):
                self.add(name_pos, f"{name}: needs a condition: one of {', '.join(CONDITION_KEYS)}")
            self.errors.extend(check_regex(args.get("url"), self.file, name_pos, f"{name}: url"))
        if "regex" in args:
            self.errors.extend(check_regex(args["regex"], self.file, name_pos, f"{name}: regex"))
        if name == "switch_tab" and args.get("to") not in ("new", "main"):
            self.errors.extend(check_regex(args.get("to"), self.file, name_pos, f"{name}: to"))
        if name == "wait_for_any" and isinstance(args.get("cases"), list):
            for n, case in enumerate(args["cases"]):
                if isinstance(case, dict):
                    self._case(case, n, name_pos)
        if name == "invoices":
            self._invoices(args, name_pos)

    def _case(self, case: dict, n: int, default: Position) -> None:
        pos = getattr(case, "pos", default)
        if case.get("fail") and "then" in case:
            self.add(key_position(case, "then", pos), f"wait_for_any: cases[{n}]: use either fail or then, not both")
        for key in ("message", "message_from"):
            if key in case and not case.get("fail"):
                self.add(key_position(case, key, pos), f"wait_for_any: cases[{n}]: {key} only goes with fail")
        self.errors.extend(check_regex(case.get("url"), self.file, pos, f"wait_for_any: cases[{n}].url"))
        if isinstance(case.get("then"), list):
            self.steps(case["then"], key_position(case, "then", pos))

    def _invoices(self, args: dict, pos: Position) -> None:
        mode = "html" if args.get("items") else "json" if args.get("from") else None
        if ("items" in args) == ("from" in args):
            self.add(pos, "invoices: give exactly one of `items` (a locator: one element per invoice in the page) "
                          "or `from` (a JSON list read by fetch_json)")
        if mode == "json":
            for key in ("next_page", "empty_marker"):
                if key in args:
                    self.add(key_position(args, key, pos), f"invoices: {key} only works with `items` (HTML)")
        self._fields(args.get("fields"), mode, key_position(args, "fields", pos), "invoices")
        detail = args.get("detail")
        if isinstance(detail, dict):
            detail_pos = key_position(args, "detail", pos)
            self._fields(detail.get("fields"), "detail", detail_pos, "invoices: detail")
            if isinstance(detail.get("steps"), list):
                self.steps(detail["steps"], key_position(detail, "steps", detail_pos))

    def _fields(self, fields: Any, mode: str | None, pos: Position, where: str) -> None:
        if not isinstance(fields, dict):
            return
        for field, spec in fields.items():
            if not isinstance(spec, dict):
                continue
            at = key_position(fields, field, pos)
            sources = [k for k in SOURCE_KEYS if k in spec]
            if mode == "json" and any(k in spec for k in ("css", "xpath", "attr", "scope")):
                self.add(at, f"{where}: field '{field}': css, xpath, attr and scope read HTML; with `from` (JSON) "
                             f"use path (or value)")
            if mode == "html" and "path" in spec:
                self.add(at, f"{where}: field '{field}': path reads JSON; with `items` (HTML) use css or xpath "
                             f"(or nothing to read the item itself)")
            if not sources and "default" not in spec and mode in ("json", "detail"):
                self.add(at, f"{where}: field '{field}' needs a source: "
                             f"{'path or value' if mode == 'json' else 'css, xpath, path or value'}")
            if mode != "json" and any(k in spec for k in ("attr", "scope")) and any(k in spec for k in ("path", "value")):
                self.add(at, f"{where}: field '{field}': attr and scope go with css or xpath, not path or value")
            self.errors.extend(check_regex(spec.get("regex"), self.file, at, f"{where}: field '{field}': regex"))
            if isinstance(spec.get("replace"), dict):
                for pattern in spec["replace"]:
                    self.errors.extend(check_regex(pattern, self.file, at, f"{where}: field '{field}': replace"))
            date = spec.get("date")
            if isinstance(date, str) and date != "auto" and "%" not in date:
                self.add(value_position(spec, "date", at), f"{where}: field '{field}': date takes 'auto' (or true) "
                                                          f"or a format such as '%d/%m/%Y', not '{date}'")


def _signature(spec: StepSpec) -> str:
    parts = [a.name if a.required else f"[{a.name}]" for a in spec.args.values()]
    return "{" + ", ".join(parts) + "}"


def check_steps(steps: Any, file: str, parent: Position) -> list[RecipeError]:
    checker = StepChecker(file)
    checker.steps(steps, parent)
    return list(dict.fromkeys(checker.errors))


assert set(CASE_ACTION_KEYS) <= set(SHALLOW_DEFS["case"]["properties"])
