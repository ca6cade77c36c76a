"""Load the provider catalog: bundled providers.yaml plus the user's providers.d/*.yaml.

Every file is validated before anything runs: the JSON Schema (built from the step table),
then per-step argument checks and semantic checks. All errors are reported at once as
FILE:LINE:COL: message, and one broken provider never stops the others from loading.
A user file's provider replaces a bundled one with the same id."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from backend import paths
from backend.collectors import yamlpos
from backend.collectors.model import CredentialField, OptionField, Position, Provider, RecipeError, Terms
from backend.collectors.schema import build_schema
from backend.collectors.semantics import check_provider
from backend.collectors.steps import STEPS

_SCHEMA = build_schema()
_PROVIDER_SCHEMA = dict(_SCHEMA["$defs"]["provider"])
_PROVIDER_SCHEMA["properties"] = dict(_PROVIDER_SCHEMA["properties"]) | {"steps": {"type": "array"}}
_FIELD_DEFS = {"$defs": _SCHEMA["$defs"]}


@dataclass
class Catalog:
    providers: dict[str, Provider] = field(default_factory=dict)
    errors: list[RecipeError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def get(self, provider_id: str) -> Provider | None:
        return self.providers.get(provider_id)


def locate(root: Any, path: Iterable[Any], key_error: str | None = None) -> Position | None:
    """Position of the value at `path` (or of key `key_error` inside it) in a positioned tree."""
    node, best = root, getattr(root, "pos", None)
    for part in path:
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and hasattr(node, "key_pos") and part in node.key_pos:
            best = node.key_pos[part] if not hasattr(child, "pos") else child.pos
        node = child
        best = getattr(node, "pos", best)
    if key_error and isinstance(node, dict) and hasattr(node, "key_pos") and key_error in node.key_pos:
        return node.key_pos[key_error]
    return best


def _schema_errors(validator: jsonschema.Draft202012Validator, data: Any, file: str, base: Position,
                   prefix: str = "") -> list[RecipeError]:
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        key = None
        message = error.message
        if error.validator == "additionalProperties":
            extras = [k for k in error.instance if k not in error.schema.get("properties", {})]
            key = extras[0] if extras else None
            known = list(error.schema.get("properties", {}))
            hint = difflib.get_close_matches(key or "", known, n=1)
            message = f"unknown key '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else
                                                f"; expected one of: {', '.join(known)}")
        elif error.validator == "required":
            message = error.message.replace("is a required property", "is required")
        where = ".".join(map(str, error.absolute_path))
        pos = locate(data, error.absolute_path, key) or base
        text = f"{prefix}{where + ': ' if where and not key else ''}{message}"
        errors.append(RecipeError(pos.file if pos else file, pos.line, pos.column, text))
    return errors


def check_steps(steps: Any, file: str, parent: Position) -> list[RecipeError]:
    """Each step: one known name, arguments valid for that step; nested steps recursively."""
    errors: list[RecipeError] = []
    if not isinstance(steps, list):
        pos = getattr(steps, "pos", parent)
        return [RecipeError(file, pos.line, pos.column, "steps must be a list")]
    for step in steps:
        pos = getattr(step, "pos", parent)
        if not isinstance(step, dict) or len(step) != 1:
            errors.append(RecipeError(file, pos.line, pos.column,
                                      "a step is a mapping with exactly one step name, e.g. `- click: \"#login\"`"))
            continue
        (name, args), = step.items()
        if name not in STEPS:
            hint = difflib.get_close_matches(name, list(STEPS), n=1)
            errors.append(RecipeError(file, pos.line, pos.column, f"unknown step '{name}'" +
                                      (f" (did you mean '{hint[0]}'?)" if hint else "")))
            continue
        spec = STEPS[name]
        validator = jsonschema.Draft202012Validator(spec.schema() | _FIELD_DEFS)
        wrapper = {name: args}
        for error in _schema_errors(validator, args, file, pos, prefix=f"{name}: "):
            errors.append(error)
        if isinstance(args, dict):
            for arg in spec.args.values():
                if arg.kind == "steps" and arg.name in args and args[arg.name] is not None:
                    errors.extend(check_steps(args[arg.name], file, getattr(args[arg.name], "pos", pos)))
            if name == "wait_for_any" and isinstance(args.get("cases"), list):
                errors.extend(_check_cases(args["cases"], file, pos))
            if name == "invoices" and isinstance(args.get("detail"), dict) and "steps" in args["detail"]:
                errors.extend(check_steps(args["detail"]["steps"], file, pos))
        elif name == "wait_for_any" and isinstance(args, list):
            errors.extend(_check_cases(args, file, pos))
        del wrapper
    return errors


def _check_cases(cases: list, file: str, pos: Position) -> list[RecipeError]:
    errors = []
    for case in cases:
        if isinstance(case, dict) and isinstance(case.get("then"), list):
            errors.extend(check_steps(case["then"], file, getattr(case, "pos", pos)))
    return errors


def _build(data: dict, file: str) -> Provider:
    pos = getattr(data, "pos", Position(file, 1, 1))
    terms = data["terms"]
    return Provider(
        id=str(data["id"]), name=str(data["name"]), homepage=str(data["homepage"]),
        category=str(data["category"]),
        terms=Terms(str(terms["version"]), terms.get("url"), terms.get("text")),
        credentials=[CredentialField(c["name"], c["label_fr"], c["label_en"], c.get("type", "text"),
                                     bool(c.get("required", True)), c.get("help_fr", ""), c.get("help_en", ""))
                     for c in data["credentials"]],
        options=[OptionField(o["name"], o["label_fr"], o["label_en"], bool(o.get("required", False)),
                             o.get("default")) for o in data.get("options", [])],
        steps=data["steps"], urls={str(k): str(v) for k, v in (data.get("urls") or {}).items()},
        interval_hours=float(data.get("interval_hours", 24)), status=data.get("status", "stable"),
        status_note=data.get("status_note"), logo=data.get("logo"), description=data.get("description"),
        expect_invoices=bool(data.get("expect_invoices", True)), source=pos)


def load_file(path: Path) -> tuple[list[Provider], list[RecipeError]]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [RecipeError(file, 1, 1, f"cannot read the file: {exc}")]
    try:
        data = yamlpos.load(text, file)
    except yamlpos.YamlLoadError as exc:
        return [], [exc.error]
    top = getattr(data, "pos", Position(file, 1, 1))
    if isinstance(data, dict) and "id" in data and "providers" not in data:
        entries = [data]  # a user file may hold a single provider
    elif isinstance(data, dict) and isinstance(data.get("providers"), list):
        entries = data["providers"]
        extra = [k for k in data if k not in ("providers", "version")]
        if extra:
            p = data.key_pos[extra[0]]
            return [], [RecipeError(file, p.line, p.column, f"unknown top-level key '{extra[0]}'")]
    else:
        return [], [RecipeError(file, top.line, top.column,
                                "expected `providers:` followed by a list of providers (or a single provider)")]
    providers, errors = [], []
    validator = jsonschema.Draft202012Validator(_PROVIDER_SCHEMA)
    seen: dict[str, Position] = {}
    for entry in entries:
        epos = getattr(entry, "pos", top)
        if not isinstance(entry, dict):
            errors.append(RecipeError(file, epos.line, epos.column, "a provider must be a mapping"))
            continue
        found = _schema_errors(validator, entry, file, epos)
        if "steps" in entry:
            found += check_steps(entry["steps"], file, epos)
        pid = entry.get("id")
        if isinstance(pid, str) and pid in seen:
            found.append(RecipeError(file, epos.line, epos.column,
                                     f"provider '{pid}' is defined twice (first at line {seen[pid].line})"))
        if not found:
            found += check_provider(entry, file)
        if found:
            errors.extend(RecipeError(e.file, e.line, e.column, e.message, pid if isinstance(pid, str) else None)
                          for e in found)
            continue
        seen[pid] = epos
        providers.append(_build(entry, file))
    return providers, errors


def load_catalog(files: list[Path] | None = None, user_dir: Path | None = None) -> Catalog:
    """Bundled catalog then user files (sorted by name); later definitions override by id."""
    if files is None:
        files = [paths.bundled_catalog()]
        folder = user_dir if user_dir is not None else paths.user_recipes_dir()
        files += sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    catalog = Catalog(files=list(files))
    for path in files:
        providers, errors = load_file(Path(path))
        catalog.errors.extend(errors)
        for provider in providers:
            catalog.providers[provider.id] = provider
    return catalog
