"""Load the provider catalog: bundled providers.yaml plus the user's providers.d/*.yaml.

Every file is validated before anything runs: the provider header against the JSON Schema
(schema.py), each step (stepcheck.py), then templates and names (semantics.py). All errors
are reported at once as FILE:LINE:COL: message, and one broken provider never stops the
others from loading. A user file's provider replaces a bundled one with the same id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend import paths
from backend.collectors.language import trust, yamlpos
from backend.collectors.language.schema import build_schema
from backend.collectors.language.schemaerrors import SchemaReporter, describe_value, key_position, locate
from backend.collectors.language.semantics import check_provider
from backend.collectors.language.stepcheck import check_steps
from backend.collectors.model import Catalog, CredentialField, OptionField, Position, Provider, RecipeError, Terms

_DEFS = build_schema()["$defs"]
_HEADER_SCHEMA = dict(_DEFS["provider"])
_HEADER_SCHEMA["properties"] = dict(_HEADER_SCHEMA["properties"]) | {"steps": {}}  # steps: stepcheck.py
_HEADER = SchemaReporter(_HEADER_SCHEMA, _DEFS)
TOP_LEVEL_KEYS = ("version", "providers")

__all__ = ["Catalog", "load_catalog", "load_file", "load_text", "locate"]


def _error(pos: Position, message: str) -> RecipeError:
    return RecipeError(pos.file, pos.line, pos.column, message)


def _build(data: dict, file: str) -> Provider:
    provider = _provider(data, file)
    provider.trust = {"origins": trust.origins(provider), "fingerprint": trust.fingerprint(provider)}
    return provider


def _provider(data: dict, file: str) -> Provider:
    pos = getattr(data, "pos", Position(file, 1, 1))
    terms = data["terms"]
    return Provider(
        id=str(data["id"]), name=str(data["name"]), homepage=str(data["homepage"]),
        category=str(data["category"]),
        terms=Terms(str(terms["version"]), terms.get("url"), terms.get("text"), terms.get("text_en")),
        credentials=[CredentialField(c["name"], c["label_fr"], c["label_en"], c.get("type", "text"),
                                     bool(c.get("required", True)), c.get("help_fr", ""), c.get("help_en", ""))
                     for c in data["credentials"]],
        options=[OptionField(o["name"], o["label_fr"], o["label_en"], bool(o.get("required", False)),
                             o.get("default")) for o in data.get("options", [])],
        steps=data["steps"], urls={str(k): str(v) for k, v in (data.get("urls") or {}).items()},
        origins=[str(o) for o in data.get("origins") or []], http_auth=data.get("http_auth"),
        interval_hours=float(data.get("interval_hours", 24)), status=data.get("status", "stable"),
        status_note=data.get("status_note"), logo=data.get("logo"), description=data.get("description"),
        description_en=data.get("description_en"), status_note_en=data.get("status_note_en"),
        expect_invoices=bool(data.get("expect_invoices", True)), source=pos)


def _read(path: Path) -> str:
    """The file's text; a UnicodeDecodeError or OSError says what is wrong with it."""
    with open(path, "rb") as handle:
        data = handle.read(yamlpos.MAX_BYTES + 1)
    if len(data) > yamlpos.MAX_BYTES:
        return data.decode("utf-8", "replace")  # yamlpos refuses it with a clear message
    return data.decode("utf-8")


def _entries(data: Any, file: str) -> tuple[list[tuple[Any, Position]], list[RecipeError]]:
    """The provider mappings of a file: `providers: [...]`, or a single provider (user files)."""
    top = getattr(data, "pos", Position(file, 1, 1))
    if data is None:
        return [], [_error(top, "the file is empty: expected `providers:` followed by a list of providers")]
    if isinstance(data, dict) and "providers" not in data and "id" in data:
        return [(data, top)], []
    if not isinstance(data, dict) or "providers" not in data:
        what = "a mapping without `providers:`" if isinstance(data, dict) else f"{_kind(data)}"
        return [], [_error(top, f"expected `providers:` followed by a list of providers (or a single provider "
                                f"with id:, name:…), not {what}")]
    errors = []
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            errors.append(_error(key_position(data, key, top), f"unknown top-level key '{key}'; "
                                                               f"a file holds `providers:` (and `version: 1`)"))
    if "version" in data and data["version"] != 1:
        errors.append(_error(locate(data, ["version"]) or top, "version must be 1"))
    entries = data["providers"]
    if not isinstance(entries, list):
        errors.append(_error(locate(data, ["providers"]) or top,
                             f"`providers:` must be a list (each provider starts with '- '), not {_kind(entries)}"))
        return [], errors
    return list(zip(entries, getattr(entries, "item_pos", [top] * len(entries)), strict=True)), errors


def _kind(value: Any) -> str:
    return "a text" if isinstance(value, str) else describe_value(value)


def load_file(path: Path) -> tuple[list[Provider], list[RecipeError]]:
    """Every valid provider of one file, and every error found in it (sorted by position)."""
    file = str(path)
    try:
        text = _read(Path(path))
    except OSError as exc:
        return [], [RecipeError(file, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        line, col = _byte_position(Path(path), exc.start)
        return [], [RecipeError(file, line, col, "the file is not UTF-8 text; save it as UTF-8")]
    return load_text(text, file)


def load_text(text: str, file: str) -> tuple[list[Provider], list[RecipeError]]:
    """load_file() for a text not (yet) in a file, such as a draft recorded in the panel: errors
    name `file` as if the text were in it."""
    try:
        data, problems = yamlpos.load_tolerant(text, file)
    except yamlpos.YamlLoadError as exc:
        return [], [exc.error]
    pairs, errors = _entries(data, file)
    starts = [pos.line for _, pos in pairs]
    for problem in problems:  # a duplicate key spoils only the provider holding it
        if _owner(starts, problem.line) is None:
            errors.append(problem)
    providers: list[Provider] = []
    seen: dict[str, Position] = {}
    for n, (entry, epos) in enumerate(pairs):
        if not isinstance(entry, dict):
            errors.append(_error(epos, f"a provider must be a mapping (id:, name:, steps:…), not {_kind(entry)}"))
            continue
        found = _HEADER.errors(entry, file, epos)
        found += [p for p in problems if _owner(starts, p.line) == n]
        found += check_steps(entry.get("steps"), file, key_position(entry, "steps", epos)) if "steps" in entry else []
        found += check_provider(entry, file)
        pid = entry.get("id")
        if isinstance(pid, str) and pid in seen:
            at = getattr(pid, "pos", epos)
            found.append(_error(at, f"provider '{pid}' is defined twice in this file (first at line {seen[pid].line})"))
        elif isinstance(pid, str):
            seen[pid] = getattr(pid, "pos", epos)
        if found:
            name = str(pid) if isinstance(pid, str) else None
            errors.extend(RecipeError(e.file, e.line, e.column, e.message, name) for e in found)
            continue
        providers.append(_build(entry, file))
    return providers, sorted(set(errors), key=lambda e: (e.line, e.column, e.message))


def _owner(starts: list[int], line: int) -> int | None:
    """Which provider (by index) a line belongs to, given the line where each one starts."""
    return max((n for n, start in enumerate(starts) if start <= line), default=None)


def _byte_position(path: Path, offset: int) -> tuple[int, int]:
    data = path.read_bytes()[:offset]
    return data.count(b"\n") + 1, offset - (data.rfind(b"\n") + 1) + 1


user_files = paths.recipe_files


def load_catalog(files: list[Path] | None = None, user_dir: Path | None = None,
                 bundled: Path | None = None) -> Catalog:
    """Bundled catalog then user files (sorted by name): a later file overrides a provider of the
    first file (the base catalog) by id. Two later files defining the same id is an error (which
    one should win?): the first is kept."""
    if files is None:
        folder = user_dir if user_dir is not None else paths.user_recipes_dir()
        files = [bundled or paths.bundled_catalog()] + user_files(folder)
    catalog = Catalog(files=[Path(f) for f in files])
    origin: dict[str, Position] = {}
    for n, path in enumerate(catalog.files):
        providers, errors = load_file(path)
        catalog.errors.extend(errors)
        for provider in providers:
            earlier = origin.get(provider.id)
            if earlier is not None and n > 0 and earlier.file != str(catalog.files[0]):
                pos = provider.source or Position(str(path), 1, 1)
                catalog.errors.append(RecipeError(pos.file, pos.line, pos.column,
                                                  f"provider '{provider.id}' is already defined in {earlier}; "
                                                  f"keep one of the two", provider.id))
                continue
            if earlier is not None:
                catalog.overridden[provider.id] = earlier
            origin[provider.id] = provider.source or Position(str(path), 1, 1)
            provider.local = n > 0
            catalog.providers[provider.id] = provider
    return catalog
