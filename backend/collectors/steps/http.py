"""HTTP with the browser's cookies: JSON APIs behind a login, and fast PDF downloads."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.session import MAX_JSON_BYTES, map_status, request
from backend.collectors.steps.registry import OUTCOME_REF, Schema, Timeout

# fail_on: {"401": LOGIN_FAILED, …}
STATUS_TO_OUTCOME = Schema(propertyNames={"pattern": "^[1-5][0-9][0-9]$",
                                          "patternErrorMessage": "an HTTP status such as 401"},
                           additionalProperties=OUTCOME_REF)


def fetch_json(ctx: Context, *, url: Annotated[str, "the endpoint; templates allowed"],
               save_as: Annotated[str, "variable that receives the decoded JSON"],
               method: Annotated[Literal["GET", "POST", "PUT"], "HTTP method"] = "GET",
               body: Annotated[dict | None, "a JSON body; string values may be templates"] = None,
               headers: Annotated[dict | None, "extra headers; values may be templates"] = None,
               fail_on: Annotated[dict | None, "HTTP status -> outcome code, e.g. {'401': LOGIN_FAILED} (quote the status)",
                                  STATUS_TO_OUTCOME] = None,
               timeout: Timeout = None) -> None:
    """Call a JSON endpoint with the browser's cookies and keep the answer in a variable."""
    rendered_body = ctx.render_tree(body) if body is not None else None
    rendered_headers = {k: str(ctx.render(v)) for k, v in (headers or {}).items()}
    rendered_headers.setdefault("Accept", "application/json")
    rendered_headers.setdefault("Referer", ctx.current_url)
    ctx.note(f"{method} {url}")
    response, content = request(ctx, method, url, MAX_JSON_BYTES, timeout, json=rendered_body,
                                headers=rendered_headers)
    map_status(response.status_code, fail_on, url)
    if len(content) > MAX_JSON_BYTES:
        raise CollectionError("RECIPE_BROKEN", f"{url} answered more than {MAX_JSON_BYTES} bytes")
    try:
        ctx.vars[save_as] = json.loads(content.decode(response.encoding or "utf-8"))
    except ValueError:
        raise CollectionError("RECIPE_BROKEN", f"{url} did not answer JSON (HTTP {response.status_code})") from None


