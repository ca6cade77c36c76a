"""What the portal's own pages hold: the answers its script fetched (wait_for_response) and the
values it keeps in the browser's storage (store_storage), read into variables like fetch_json's."""

from __future__ import annotations

import json
import urllib.parse
from typing import Annotated, Any, Literal

from backend.collectors.model import TEMPLATE, CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.session import map_status
from backend.collectors.steps.filters import json_path
from backend.collectors.steps.http import STATUS_TO_OUTCOME
from backend.collectors.steps.registry import Regex, Timeout

# ---- wait_for_response --------------------------------------------------------------------------

ANY_TEXT = ".*"


def watch_pattern(ctx: Context, url: str) -> str:
    """The pattern the run watches from its start for a wait_for_response `url`: its templates
    filled when they can be already ({{ urls.api }}), a wildcard where a later step sets them
    ({{ contract.id }}); the step itself matches the whole pattern once it runs."""
    def filled(match: Any) -> str:
        try:
            return str(ctx.render(match.group(0)))
        except CollectionError:
            return ANY_TEXT
    return TEMPLATE.sub(filled, url)


def shown_url(ctx: Context, url: str) -> str:
    """A URL as the step log and messages name it: no query (it may carry personal data)."""
    parts = urllib.parse.urlsplit(url)
    return ctx.redact(urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
                      + ("?…" if parts.query else ""))


def wait_for_response(ctx: Context, *,
                      url: Annotated[Regex, "a regular expression the answer's URL matches, e.g. '/api/v2/bills'"],
                      save_as: Annotated[str, "variable that receives the answer: decoded JSON, or text"],
                      method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None,
                                        "only an answer to a request with this method"] = None,
                      as_: Annotated[Literal["json", "text"], "json: decode the answer; text: keep it as "
                                                             "text"] = "json",
                      fail_on: Annotated[dict | None, "HTTP status -> outcome code, e.g. {'401': LOGIN_FAILED} "
                                         "(quote the status)", STATUS_TO_OUTCOME] = None,
                      timeout: Timeout = None) -> None:
    """Wait for an answer the portal's own page fetched, and keep it in a variable.

    Watched from the start of the run: an answer that came while an earlier step ran (the bill
    list a page loads as it opens) is found too. Each step takes the oldest successful matching
    answer not taken by an earlier one, so a loop that clicks one contract after another gets each
    its own. An error answer (a 401 before the login) is used only when no successful one comes
    within `timeout`: its status then ends the run as in fetch_json (fail_on first). Only answers
    from the provider's origins can be read."""
    watcher = ctx.responses
    if watcher is None:
        raise CollectionError("INTERNAL", "the portal's answers are not being watched in this run")
    pattern = ctx.pattern(url, "wait_for_response: url")
    wanted = f"the page's own request to a URL matching '{url}'" + (f" ({method})" if method else "")
    try:
        response = ctx.wait_until(lambda driver: watcher.take(pattern, method) or False, timeout, wanted)
    except CollectionError as exc:
        error = watcher.take_error(pattern, method) if exc.code == "RECIPE_BROKEN" else None
        if error is None:
            raise
        response = error  # no successful answer came: the portal's error decides (fail_on)
    shown = shown_url(ctx, response.url)
    if not response.approved:
        ctx.gate.request(response.url, "reading the answer of")  # raises RECIPE_UNSAFE, naming the origins
    if response.failed:
        raise CollectionError("PROVIDER_DOWN", f"the page's request to {shown} failed: no answer came")
    size = len(response.body or b"")
    ctx.note(f"answer {shown}: HTTP {response.status}, {size} bytes")
    if ctx.diagnosis:
        ctx.diagnosis.status(ctx, response.status)
    map_status(response.status, fail_on, shown)
    if response.too_large or response.body is None:
        raise CollectionError("RECIPE_BROKEN", f"{shown} answered more than the 5 MB an answer may hold")
    text = response.body.decode("utf-8", "replace")
    if as_ == "text":
        ctx.vars[save_as] = text
        return
    try:
        ctx.vars[save_as] = json.loads(text) if text.strip() else None
    except ValueError:
        raise CollectionError("RECIPE_BROKEN", f"{shown} did not answer JSON (HTTP {response.status}): "
                                               "use as: text to keep it as text") from None


# ---- store_storage ----------------------------------------------------------------------------------

STORAGE_JS = "const area = window[arguments[0]]; return area ? area.getItem(arguments[1]) : null;"


def store_storage(ctx: Context, *,
                  key: Annotated[str, "the storage key, e.g. a360-access_token"],
                  save_as: Annotated[str, "variable name, then {{ NAME }}"],
                  area: Annotated[Literal["session", "local"], "sessionStorage or localStorage"] = "session",
                  path: Annotated[str | None, "the value is JSON: keep what is at this dotted path, e.g. "
                                  "token.access"] = None,
                  secret: Annotated[bool, "the value is a secret (a token): masked in logs and traces, and "
                                          "sent only to the provider's origins"] = False,
                  timeout: Timeout = None) -> None:
    """Read a value the portal keeps in the browser's sessionStorage or localStorage (a token after
    its login, a customer id), once it is there. Only a page of the provider's origins is read."""
    storage = f"{area}Storage"
    ctx.gate.request(ctx.current_url, f"reading the {storage} of")
    raw = ctx.wait_until(lambda driver: driver.execute_script(STORAGE_JS, storage, key) or False, timeout,
                         f"{storage} to hold '{key}'")
    value: Any = raw
    if path:
        try:
            value = json_path(json.loads(raw), path)
        except ValueError:
            raise CollectionError("RECIPE_BROKEN", f"{storage} '{key}' is not JSON: leave out path") from None
        if value is None:
            raise CollectionError("RECIPE_BROKEN", f"{storage} '{key}' has nothing at '{path}'")
    if secret:
        if isinstance(value, (dict, list)):
            raise CollectionError("RECIPE_BROKEN", f"{storage} '{key}': a secret must be a text; give the path "
                                                   "to it")
        ctx.add_secret(str(value))
    ctx.vars[save_as] = value
    ctx.note(f"{save_as} read from {storage}")
