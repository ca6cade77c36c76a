"""Routes: a recipe recorded in the panel — check the draft, try it, save it into providers.d/.

The draft is YAML text, as a person would write it: what is saved is what was checked, and it
stays editable by hand. It is checked by the catalog's own validator (every problem as
FILE:LINE:COL: message), in a child process like the catalog load: the server never imports the
validator or the engine. A saved recipe is a local recipe like any other: the catalog reads it
again on its own (catalog_watch.py), and the panel shows its origins before any password is
typed (approval.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, jsonify

from backend import paths
from backend.i18n import french, say
from backend.server import validation
from backend.server.draft_trials import DraftTrials
from backend.server.errors import ApiError, bad_request, json_body, not_found, reject_unknown
from backend.server.providers import provider_entry
from backend.server.services import current as services

if TYPE_CHECKING:
    from backend.collectors.model import Provider, RecipeError

bp = Blueprint("recipes", __name__)
DRAFT_FILE = "draft.yaml"  # the name a draft's problems are reported under until it is saved
MAX_DRAFT_CHARS = 200_000  # a recorded recipe is a few kilobytes
TRIALS_KEY = "invoice_collector.draft_trials"

_DRAFT_BODY = {"type": "object", "required": ["yaml"], "properties": {"yaml": {"type": "string"}}}
OPENAPI_PATHS = {
    "/api/recipes/draft/check": {"post": {
        "summary": "Check a recipe draft (one provider, YAML): 200 with the provider, or 400 RECIPE_INVALID "
                   "listing every problem as FILE:LINE:COL",
        "requestBody": {"content": {"application/json": {"schema": _DRAFT_BODY}}},
        "responses": {"200": {"description": "The draft is valid"}, "400": {"description": "Its problems"}}}},
    "/api/recipes/draft/try": {"post": {
        "summary": "Test-run a draft headless with the given credentials (kept in memory for the run only)",
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["yaml", "credentials"],
            "properties": {"yaml": {"type": "string"}, "credentials": {"type": "object"}}}}}},
        "responses": {"202": {"description": "The trial started: poll GET /api/recipes/draft/try/{trial_id}"}}}},
    "/api/recipes/draft/try/{trial_id}": {"get": {
        "summary": "A trial: its state, then its outcome and the invoices found (number, date, amount)",
        "parameters": [{"name": "trial_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The trial"}, "404": {"description": "Unknown or forgotten"}}}},
    "/api/recipes/draft/try/{trial_id}/code": {"post": {
        "summary": "The one-time code a trial waits for (state waiting_for_code, its prompt says what for)",
        "parameters": [{"name": "trial_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
        "responses": {"200": {"description": "The trial goes on"}, "409": {"description": "Not waiting"}}}},
    "/api/recipes": {"post": {
        "summary": "Save a checked draft as providers.d/<id>.yaml; 409 when the id exists (overwrite: true "
                   "to replace it, even a bundled provider)",
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["yaml"],
            "properties": {"yaml": {"type": "string"}, "overwrite": {"type": "boolean"}}}}}},
        "responses": {"201": {"description": "Saved"}, "409": {"description": "The id exists"}}}},
}


def trials() -> DraftTrials:
    return current_app.extensions.setdefault(TRIALS_KEY, DraftTrials(services()))


def run_validator(text: str, file: str) -> tuple[list[Provider], list[RecipeError]]:
    """The catalog's validator on a text; in a child process unless this process already has it
    (tests, a host application), as app.load_recipes does for the catalog."""
    if "backend.collectors.language.catalog" in sys.modules:
        from backend.collectors.language.catalog import load_text
        return load_text(text, file)
    from backend.collectors.run.isolated import check_recipe_isolated
    answer = check_recipe_isolated(text, file, paths.data_dir() / "tmp")
    if answer is None:
        raise ApiError(503, say("the recipe checker could not start: see the invoice-collector log",
                                "le vérificateur de recettes n'a pas pu démarrer : voyez le journal "
                                "d'invoice-collector"), code="UNAVAILABLE")
    return answer


def draft_text(data: dict[str, Any]) -> str:
    text = data.get("yaml")
    if not isinstance(text, str) or not text.strip():
        raise bad_request({"yaml": say("required: the recipe's YAML text", "obligatoire : le texte YAML de la recette")})
    if len(text) > MAX_DRAFT_CHARS:
        raise bad_request({"yaml": say(f"too long (at most {MAX_DRAFT_CHARS} characters)",
                                       f"trop long ({MAX_DRAFT_CHARS} caractères au plus)")})
    return text


def checked_provider(text: str, file: str = DRAFT_FILE) -> Provider:
    """The draft's one provider, or a 400 RECIPE_INVALID naming every problem at its line and column."""
    providers, problems = run_validator(text, file)
    if not problems and len(providers) != 1:
        raise bad_request({"yaml": say(f"a draft holds exactly one provider, not {len(providers)}",
                                       f"un brouillon contient un seul fournisseur, pas {len(providers)}")})
    if problems:
        first = problems[0]
        count = len(problems)
        raise ApiError(400, say(f"the recipe has {count} problem(s); the first: {first}",
                                f"la recette a {count} problème(s) ; le premier : {first}"),
                       {"yaml": say(str(first), str(first))}, code="RECIPE_INVALID",
                       extra={"problems": [{"file": p.file, "line": p.line, "column": p.column,
                                            "message": p.message, "text": str(p)} for p in problems]})
    return providers[0]


def draft_json(provider: Provider) -> dict[str, Any]:
    return provider.public() | {"origins": provider.trust.get("origins", [])}


@bp.post("/api/recipes/draft/check")
def check_draft() -> Response:
    data = json_body()
    reject_unknown(data, ("yaml",))
    return jsonify({"ok": True, "provider": draft_json(checked_provider(draft_text(data)))})


@bp.post("/api/recipes/draft/try")
def try_draft() -> tuple[Response, int]:
    data = json_body()
    reject_unknown(data, ("yaml", "credentials"))
    provider = checked_provider(draft_text(data))
    credentials = validation.credentials(provider, data.get("credentials"))
    trial = trials().start(provider, credentials)
    return jsonify({"trial": trial.to_json()}), 202


@bp.get("/api/recipes/draft/try/<id:trial_id>")
def get_trial(trial_id: int) -> Response:
    trial = trials().get(trial_id)
    if trial is None:
        raise not_found(say(f"test run {trial_id}", f"Essai {trial_id}"))
    return jsonify({"trial": trial.to_json()})


@bp.post("/api/recipes/draft/try/<id:trial_id>/code")
def post_trial_code(trial_id: int) -> Response:
    data = json_body()
    reject_unknown(data, ("code",))
    code = validation.one_time_code(data)
    if trials().get(trial_id) is None:
        raise not_found(say(f"test run {trial_id}", f"Essai {trial_id}"))
    trials().answer_code(trial_id, code)
    trial = trials().get(trial_id)
    assert trial is not None  # trials are forgotten only when a newer one starts, never while one runs
    return jsonify({"trial": trial.to_json()})


def _conflict(provider: Provider, existing: Provider, target: Path) -> ApiError | None:
    """Why saving over an existing provider of the same id needs the user's word (or cannot be)."""
    source = Path(existing.source.file) if existing.source else None
    if existing.local and source is not None and source.resolve() != target.resolve():
        return ApiError(409, say(f"the provider '{provider.id}' is already defined in {source}: choose another "
                                 f"name, or edit that file",
                                 f"le fournisseur « {provider.id} » est déjà défini dans {source} : choisissez un "
                                 f"autre nom, ou modifiez ce fichier"), {"id": say("taken", "déjà pris")},
                        code="CONFLICT")
    what = say(f"the recipe '{existing.name}' you saved before", f"la recette « {existing.name} » enregistrée avant") \
        if existing.local else say(f"the bundled provider '{existing.name}'", f"le fournisseur fourni « {existing.name} »")
    return ApiError(409, say(f"'{provider.id}' would replace {what}; confirm to replace it",
                             f"« {provider.id} » remplacerait {french(what)} ; "
                             f"confirmez pour la remplacer"),
                    {"id": say("already exists", "existe déjà")}, code="PROVIDER_EXISTS",
                    extra={"existing": {"id": existing.id, "name": existing.name, "local": existing.local}})


@bp.post("/api/recipes")
def save_recipe() -> tuple[Response, int]:
    data = json_body()
    reject_unknown(data, ("yaml", "overwrite"))
    overwrite = validation.boolean(data.get("overwrite", False), "overwrite")
    text = draft_text(data)
    folder = paths.user_recipes_dir()
    provider = checked_provider(text)
    target = folder / f"{provider.id}.yaml"
    existing = services().catalog.get(provider.id)
    if existing is not None:
        conflict = _conflict(provider, existing, target)
        if conflict is not None and (not overwrite or conflict.code == "CONFLICT"):
            raise conflict
    elif target.exists() and not overwrite:  # a file of that name that does not load: still the user's
        raise ApiError(409, say(f"{target} exists; confirm to replace it", f"{target} existe ; confirmez pour le "
                                                                           f"remplacer"),
                       {"id": say("already exists", "existe déjà")}, code="PROVIDER_EXISTS")
    provider = checked_provider(text, str(target))  # positions name the file it now lives in
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    os.replace(temporary, target)  # never a half-written recipe in the folder the catalog reads
    provider.local = True
    return jsonify({"provider": provider_entry(provider), "file": str(target)}), 201
