"""Provider-wide checks the schema cannot express: names are unique, and every template
names something that exists where it is used.

Templates ({{ login }}, {{ options.contract }}, {{ urls.portal }}, {{ item.id }}, {{ bills | json }})
are checked in step order: a variable must be set (save_as, set) by an earlier step, `item`
exists only inside for_each steps and invoices fields/detail, and the only filters are url and json.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend.collectors.language.schemaerrors import did_you_mean, key_position
from backend.collectors.model import SECRET_FIELD_TYPES, TEMPLATE, Position, RecipeError
from backend.collectors.run.origins import OriginGate, declared_origins, origin_of
from backend.collectors.steps import STEPS, walk_steps
from backend.collectors.steps.registry import as_arguments, nested_steps

TEMPLATE_FILTERS = ("url", "json")
LIST_SOURCES = {("for_each", "in"), ("invoices", "from"), ("flatten", "path")}  # a variable, then a path
NAMESPACES = ("credentials", "options", "urls", "vars", "item")
ITEM_STEPS = ("for_each", "invoices")  # their nested steps see {{ item }}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _names(items: Any) -> list:
    """The `name` of each field of a credentials/options list (a wrong type is the schema's to report)."""
    if not isinstance(items, list):
        return []
    return [item["name"] for item in items if isinstance(item, dict) and "name" in item]


class TemplateChecker:
    def __init__(self, entry: dict, file: str):
        self.file = file
        self.errors: list[RecipeError] = []
        self.credentials = _names(entry.get("credentials"))
        self.options = _names(entry.get("options"))
        self.urls = list(entry.get("urls") or {}) if isinstance(entry.get("urls"), dict) else []
        self.variables: dict[str, int] = {}  # name -> line of the step that sets it
        self.all_variables: dict[str, int] = {}  # every variable the steps set, wherever they are
        for name, line in _defined(entry.get("steps")):
            self.all_variables.setdefault(name, line)

    def check_text(self, text: str, in_item: bool, default: Position) -> None:
        for match in TEMPLATE.finditer(text):
            problem = self._problem(match.group(1).split("."), match.group(2), in_item)
            if problem:
                pos = text.pos_at(match.start()) if hasattr(text, "pos_at") else getattr(text, "pos", default)
                self.errors.append(RecipeError(self.file, pos.line, pos.column, f"template '{match.group(0)}': {problem}"))

    def _problem(self, path: list[str], filt: str | None, in_item: bool) -> str | None:
        if filt and filt not in TEMPLATE_FILTERS:
            return f"unknown filter '{filt}' (use url or json){did_you_mean(filt, TEMPLATE_FILTERS)}"
        root, rest = path[0], path[1:]
        tables = {"credentials": ("credential field", self.credentials, ""), "options": ("option", self.options, ""),
                  "urls": ("url", self.urls, " under `urls:`"), "vars": ("variable", list(self.variables), "")}
        if root in tables:
            what, names, where = tables[root]
            if not rest:
                return f"name one {what}, e.g. {{{{ {root}.{names[0] if names else 'NAME'} }}}}"
            if rest[0] not in names:
                known = f"; known: {', '.join(names)}" if names else ""
                return f"no {what} '{rest[0]}'{where}{did_you_mean(rest[0], names) or known}{self._later(rest[0])}"
            return None
        if root == "item":
            return None if in_item else "`item` only exists inside for_each steps and invoices fields or detail"
        if root in self.credentials or root in self.variables:
            return None
        if root in self.all_variables:
            return self._later(root).strip()[1:-1]
        names = self.credentials + list(self.variables)
        return (f"'{root}' is not a credential field or a variable set by an earlier step (save_as, set)"
                f"{did_you_mean(root, names + list(NAMESPACES))}")

    def _later(self, name: str) -> str:
        line = self.all_variables.get(name)
        return f" ('{name}' is set later, at line {line}: move that step before this one)" if line else ""

    def steps(self, steps: Any, in_item: bool) -> None:
        if not isinstance(steps, list):
            return
        for step in steps:
            if isinstance(step, dict) and len(step) == 1:
                self.step(*next(iter(step.items())), in_item=in_item, pos=getattr(step, "pos", None))

    def step(self, name: str, args: Any, in_item: bool, pos: Position | None) -> None:
        spec = STEPS.get(name)
        if spec is None:
            return
        default = pos or Position(self.file, 1, 1)
        arguments = as_arguments(spec, args)  # the short form too: `- wait_for_any: [...]` has cases
        if arguments is None:
            for text in _strings(args):
                self.check_text(text, in_item, default)
            return
        args = arguments
        for key, value in args.items():
            kind = spec.args[key].kind if key in spec.args else None
            if kind == "steps":
                continue  # nested steps: below, once this step's own templates are checked
            if kind == "cases" and isinstance(value, list):
                for case in value:
                    if isinstance(case, dict):
                        for text in _strings({k: v for k, v in case.items() if k != "then"}):
                            self.check_text(text, in_item, default)
            elif kind in ("fields", "detail"):  # an invoice's fields and detail page see {{ item }}
                detail = value if kind == "detail" and isinstance(value, dict) else {}
                for text in _strings(value if kind == "fields" else detail.get("fields")):
                    self.check_text(text, True, default)
            elif (name, key) in LIST_SOURCES and isinstance(value, str):
                self._list_source(name, key, value, args, default)
            elif key != "save_as" and not (name == "set" and key == "name"):
                for text in _strings(value):
                    self.check_text(text, in_item, default)
        for _, inner in nested_steps(spec, args):
            self.steps(inner, in_item or name in ITEM_STEPS)
        for variable in _step_defines(name, args):
            self.variables.setdefault(variable, default.line)

    def _list_source(self, step: str, key: str, value: str, args: dict, default: Position) -> None:
        root = value.split(".")[0]
        if root not in self.variables:
            pos = getattr(value, "pos", key_position(args, key, default))
            hint = did_you_mean(root, self.variables) or (f"; variables so far: {', '.join(self.variables)}"
                                                          if self.variables else "")
            self.errors.append(RecipeError(self.file, pos.line, pos.column,
                                           f"{step}: {key} '{value}': no variable '{root}' set by an earlier step "
                                           f"(fetch_json save_as, store_text save_as, set){hint}"))


def _step_defines(name: str, args: Any) -> list[str]:
    """The variables a step sets: its save_as (and the name of a `set`)."""
    if not isinstance(args, dict):
        return []
    keys = ("save_as", "name") if name == "set" else ("save_as",)
    return [str(args[k]) for k in keys if isinstance(args.get(k), str)]


def _defined(steps: Any) -> Iterator[tuple[str, int]]:
    """Every (variable, line) set anywhere in a step tree, nested steps included."""
    for step in walk_steps(steps):
        (name, args), = step.items()
        for variable in _step_defines(name, args):
            yield variable, getattr(step, "pos", Position("", 0, 0)).line


def check_provider(entry: dict, file: str) -> list[RecipeError]:
    """Unique credential/option names, and templates that name what exists."""
    errors: list[RecipeError] = []
    base = getattr(entry, "pos", Position(file, 1, 1))
    for table in ("credentials", "options"):
        seen: dict[str, int] = {}
        items = entry.get(table)
        for item in items if isinstance(items, list) else []:  # a wrong type is reported by the schema
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                name, pos = item["name"], getattr(item["name"], "pos", base)
                if name in seen:
                    errors.append(RecipeError(file, pos.line, pos.column,
                                              f"{table}: '{name}' is listed twice (first at line {seen[name]})"))
                seen.setdefault(name, pos.line)
    checker = TemplateChecker(entry, file)
    http_auth = entry.get("http_auth")
    if isinstance(http_auth, dict):  # read before the first step: no variable exists yet
        for text in _strings(http_auth):
            checker.check_text(text, False, getattr(http_auth, "pos", base))
    checker.steps(entry.get("steps"), in_item=False)
    return errors + checker.errors + _addresses_outside_origins(entry, file, base) + _http_auth_problems(entry, file, base)


def _http_auth_problems(entry: dict, file: str, base: Position) -> list[RecipeError]:
    """http_auth's password comes from a secret field (so it is masked everywhere), and its
    origins are some of the provider's (the user approves those)."""
    http_auth, gate = entry.get("http_auth"), _provider_gate(entry)
    if not isinstance(http_auth, dict) or gate is None:
        return []  # the schema reports wrong types
    errors = []

    def problem(value: Any, message: str) -> None:
        pos = getattr(value, "pos", getattr(http_auth, "pos", base))
        errors.append(RecipeError(file, pos.line, pos.column, f"http_auth: {message}"))
    secret_fields = {c["name"] for c in entry.get("credentials") or []
                     if isinstance(c, dict) and c.get("type") in SECRET_FIELD_TYPES}
    password = http_auth.get("password")
    if isinstance(password, str) and not any(m.group(1).split(".")[-1] in secret_fields
                                             for m in TEMPLATE.finditer(password)):
        problem(password, "password must come from a secret credential field (type: password), e.g. "
                          f"{{{{ {sorted(secret_fields)[0] if secret_fields else 'password'} }}}}, so that it is "
                          "masked everywhere")
    for origin in http_auth.get("origins") or []:
        if isinstance(origin, str) and origin_of(origin) and not TEMPLATE.search(origin) and not _covered(gate, origin):
            problem(origin, f"{origin} is not one of this provider's origins ({', '.join(gate.origins)}): the "
                            "credentials may only answer those")
    return errors


def _covered(gate: OriginGate, pattern: str) -> bool:
    """An origin the provider allows, or one of its own `*.` patterns."""
    return pattern.lower().rstrip("/") in gate.origins or ("*" not in pattern and gate.allows(pattern))


def _provider_gate(entry: dict) -> OriginGate | None:
    """The provider's origins as written, or None when the header's types are wrong."""
    homepage, urls, extra = entry.get("homepage"), entry.get("urls"), entry.get("origins")
    if not (isinstance(homepage, str) and isinstance(urls or {}, dict) and isinstance(extra or [], list)):
        return None
    return OriginGate(declared_origins(homepage, {k: str(v) for k, v in (urls or {}).items()},
                                      [str(o) for o in extra or []]), set())


SENDING_STEPS = ("open", "fetch_json", "fetch_api")


def _addresses_outside_origins(entry: dict, file: str, base: Position) -> list[RecipeError]:
    """What the run would refuse, said before it runs: a written address of another origin than
    the provider's (homepage, urls, origins) in a step that sends a request."""
    gate = _provider_gate(entry)
    if gate is None:
        return []  # the schema reports wrong types
    errors = []
    for step in walk_steps(entry.get("steps")):
        (name, args), = step.items()
        url = args if isinstance(args, str) else args.get("url") if isinstance(args, dict) else None
        if name not in SENDING_STEPS or not isinstance(url, str) or TEMPLATE.match(url) or not origin_of(url):
            continue  # a template decides the address: checked at run time
        if not gate.allows(url):
            pos = getattr(url, "pos", getattr(step, "pos", base))
            errors.append(RecipeError(file, pos.line, pos.column,
                                      f"{name}: {origin_of(url)} is not one of this provider's origins "
                                      f"({', '.join(gate.origins)}): add it to `origins:` if the provider "
                                      "really uses it (the user approves that list)"))
    return errors
