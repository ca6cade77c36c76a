"""Steps for portals that speak JSON behind the page, and for a few page patterns.

fetch_api: an API call with query parameters, key headers, paging, base64 files and error
codes read from the answer (GetMyInvoices, the JSON behind Orange, EDF, Bouygues…).
store_url / jwt_claims: values a portal only puts in its URL or in a token (OAuth fragments).
flatten: one flat list out of nested JSON lists (contracts → accounts → bills).
load_more: a "more invoices" button that appends rows to the same page.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from typing import Annotated, Any, Literal

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.download import MAX_PDF_BYTES
from backend.collectors.run.locators import describe_locator
from backend.collectors.run.session import MAX_JSON_BYTES, map_status, request
from backend.collectors.steps.filters import FilterError, json_path, parse_date
from backend.collectors.steps.registry import OUTCOME_REF, Locator, Regex, Schema, Timeout

# ---- fetch_api ---------------------------------------------------------------------------------

# pages: {param: page, items: data, …}; fail_on: {"401": LOGIN_FAILED, "403:429": PROVIDER_DOWN}
PAGES = Schema(additionalProperties=False, required=["param", "items"],
               properties={"param": {"type": "string", "minLength": 1}, "items": {"type": "string"},
                           "first": {"type": "integer"}, "total": {"type": "string"},
                           "size": {"type": "integer", "minimum": 1}, "max": {"type": "integer", "minimum": 1}})
STATUS_TO_OUTCOME = Schema(additionalProperties=OUTCOME_REF,
                           propertyNames={"pattern": "^[1-5][0-9][0-9](:.+)?$",
                                          "patternErrorMessage": "an HTTP status such as 401, or STATUS:CODE"})


def _query(ctx: Context, params: dict | None) -> dict[str, str]:
    """Render query parameters; an empty value drops the parameter (an optional filter left blank)."""
    out: dict[str, str] = {}
    for name, spec in (params or {}).items():
        if isinstance(spec, dict):
            value = ctx.render(spec.get("value", ""))
            if value not in (None, "") and spec.get("date"):
                try:
                    value = parse_date(value).strftime(spec["date"])
                except FilterError as exc:
                    raise CollectionError("RECIPE_BROKEN", f"query parameter {name}: {exc}") from None
        else:
            value = ctx.render(spec)
        if value not in (None, ""):
            out[str(name)] = str(value)
    return out


class _Empty(Exception):
    """An error answer the recipe declared as "nothing here" (`empty_on`)."""


def _refuse(status: int, content: bytes, fail_on: dict | None, empty_on: list | None, error_code: str,
            error_message: str, url: str) -> None:
    """Turn an HTTP error into an outcome: 'STATUS:CODE' (CODE read from the JSON answer) wins over 'STATUS'."""
    code = detail = None
    try:
        data = json.loads(content.decode("utf-8", "replace"))
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = json_path(data, error_code)
        detail = json_path(data, error_message)
    keys = (f"{status}:{code}", str(status))
    if any(k in {str(e) for e in (empty_on or [])} for k in keys):
        raise _Empty()
    table = {str(k): v for k, v in (fail_on or {}).items()}
    what = f"{url} answered HTTP {status}" + (f" (code {code})" if code not in (None, "") else "") + \
        (f": {' '.join(str(detail).split())[:200]}" if detail else "")
    for key in keys:
        if key in table:
            raise CollectionError(table[key], what)
    try:
        map_status(status, None, url)
    except CollectionError as exc:
        raise CollectionError(exc.code, what) from None


def _call(ctx: Context, method: str, url: str, query: dict, headers: dict,
          body: Any, limit: int, timeout: float | None, fail: dict) -> bytes:
    ctx.note(f"{method} {url}" + (f"?{urllib.parse.urlencode(query)}" if query else ""))
    response, content = request(ctx, method, url, limit, timeout, params=query, json=body, headers=headers)
    if response.status_code >= 400:
        _refuse(response.status_code, content, url=url, **fail)
    if len(content) > limit:
        raise CollectionError("RECIPE_BROKEN" if limit == MAX_JSON_BYTES else "DOWNLOAD_FAILED",
                              f"{url} answered more than {limit} bytes")
    return content


def _decode(content: bytes, url: str) -> Any:
    if not content.strip():
        return None  # some portals answer an empty body when there is nothing
    try:
        return json.loads(content.decode("utf-8"))
    except ValueError:
        raise CollectionError("RECIPE_BROKEN", f"{url} did not answer JSON") from None


def fetch_api(ctx: Context, *,
              url: Annotated[str, "the endpoint; templates allowed"],
              save_as: Annotated[str, "variable that receives the answer (with `pages`: every page's items, "
                                 "in one list)"],
              method: Annotated[Literal["GET", "POST", "PUT"], "HTTP method"] = "GET",
              params: Annotated[dict | None, "query parameters, values may be templates; an empty value leaves "
                                "the parameter out. A value may be {value: TEMPLATE, date: STRFTIME} to "
                                "rewrite a date, e.g. {value: '{{ options.since }}', date: '%Y-%m-%d %H:%M:%S'}"] = None,
              headers: Annotated[dict | None, "extra headers, values may be templates, e.g. "
                                 "{X-API-KEY: '{{ api_key }}'} (never written to logs)"] = None,
              body: Annotated[dict | None, "a JSON body; string values may be templates"] = None,
              pages: Annotated[dict | None, "page through the answers: {param: NAME (the page-number query "
                               "parameter), items: PATH (the list in each answer), first: 1, total: PATH (the "
                               "total count, optional), size: N (a short page is the last, optional), max: 50}. "
                               "Stops at an empty page, at `total` items or at a short page", PAGES] = None,
              as_: Annotated[Literal["json", "base64"], "json: decode the answer; base64: keep the raw file as "
                             "base64 text (for a `pdf_base64` field: PDFs that need headers to download)"] = "json",
              fail_on: Annotated[dict | None, "HTTP status -> outcome code; 'STATUS:CODE' matches an error "
                                 "answer whose `error_code` field holds CODE, e.g. {'403': LOGIN_FAILED, "
                                 "'403:429': PROVIDER_DOWN} (quote the keys)", STATUS_TO_OUTCOME] = None,
              empty_on: Annotated[list[str] | None, "HTTP statuses ('412', or 'STATUS:CODE') that mean "
                                  "'nothing here': the variable is set to null and the recipe goes on"] = None,
              error_code: Annotated[str, "path of the error code inside a JSON error answer"] = "code",
              error_message: Annotated[str, "path of the error text inside a JSON error answer (shown "
                                       "with the outcome)"] = "detail",
              timeout: Timeout = None) -> None:
    """Call a JSON API (with the browser's cookies): query parameters, key headers, paging, files as base64."""
    target = ctx.render(url)
    sent_headers = {str(k): str(ctx.render(v)) for k, v in (headers or {}).items()}
    sent_headers.setdefault("Accept", "application/json" if as_ == "json" else "application/pdf,*/*")
    sent_body = ctx.render_tree(body) if body is not None else None
    query = _query(ctx, params)
    fail = {"fail_on": fail_on, "empty_on": empty_on, "error_code": error_code, "error_message": error_message}
    limit = MAX_PDF_BYTES if as_ == "base64" else MAX_JSON_BYTES
    if not pages:
        try:
            content = _call(ctx, method, target, query, sent_headers, sent_body, limit, timeout, fail)
        except _Empty:
            ctx.vars[save_as] = None
            ctx.note(f"{target}: nothing here")
            return
        if as_ == "base64":
            if not content:
                raise CollectionError("DOWNLOAD_FAILED", f"{target} answered an empty file")
            ctx.vars[save_as] = base64.b64encode(content).decode("ascii")
        else:
            ctx.vars[save_as] = _decode(content, target)
        return
    if not pages.get("param") or not pages.get("items"):
        raise CollectionError("RECIPE_BROKEN", "fetch_api: `pages` needs `param` and `items`")
    first, size, most = int(pages.get("first", 1)), pages.get("size"), int(pages.get("max", 50))
    collected: list[Any] = []
    for number in range(first, first + most):
        try:
            data = _decode(_call(ctx, method, target, query | {str(pages["param"]): str(number)},
                                 sent_headers, sent_body, limit, timeout, fail), target)
        except _Empty:
            break
        chunk = json_path(data, str(pages["items"]))
        if chunk is None and number > first:
            break  # some APIs drop the list once past the end
        if not isinstance(chunk, list):
            raise CollectionError("RECIPE_BROKEN", f"{target} page {number}: '{pages['items']}' is not a list")
        collected.extend(chunk)
        total = json_path(data, str(pages["total"])) if pages.get("total") else None
        ctx.progress(f"page {number}: {len(chunk)} items")
        if not chunk or (total is not None and len(collected) >= int(total)) or (size and len(chunk) < int(size)):
            break
    else:
        ctx.note(f"stopped after {most} pages")
    ctx.vars[save_as] = collected


# ---- values in URLs and tokens ---------------------------------------------------------------

def store_url(ctx: Context, *,
              save_as: Annotated[str, "variable name, then {{ NAME }}"],
              regex: Annotated[Regex, "waits until the current URL (fragment included) matches; keeps the first "
                               "group, URL-decoded, e.g. 'access_token=([^&]+)'"],
              secret: Annotated[bool, "the value is a secret (a token): masked in logs and traces"] = False,
              timeout: Timeout = None) -> None:
    """Read a value from the current URL, such as an OAuth token a portal returns in the fragment."""
    pattern = ctx.pattern(regex, "store_url: regex")
    match = ctx.wait_until(lambda d: pattern.search(ctx.current_url) or False, timeout,
                           f"a URL matching '{regex}'")
    value = urllib.parse.unquote(match.group(1) if match.groups() else match.group(0))
    if secret:
        ctx.add_secret(value)
    ctx.vars[save_as] = value
    ctx.note(f"{save_as} read from the URL")


def jwt_claims(ctx: Context, *,
               token: Annotated[str, "the token, usually a template such as {{ id_token }}"],
               save_as: Annotated[str, "variable that receives the claims, e.g. {{ claims.sub }}"]) -> None:
    """Read the claims of a JSON Web Token (ids a portal puts there). The signature is not checked:
    the token comes from the portal itself, over its own connection."""
    parts = str(ctx.render(token)).split(".")
    if len(parts) != 3:
        raise CollectionError("RECIPE_BROKEN", "jwt_claims: the value is not a JSON Web Token")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        raise CollectionError("RECIPE_BROKEN", "jwt_claims: the token's claims cannot be read") from None
    if not isinstance(claims, dict):
        raise CollectionError("RECIPE_BROKEN", "jwt_claims: the token's claims are not an object")
    ctx.vars[save_as] = claims


# ---- nested lists --------------------------------------------------------------------------------

def _pick(node: Any, parts: list[str], parents: list[Any], out: list[tuple[Any, list[Any], bool]]) -> None:
    if not parts:
        out.append((node, parents, True))
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        children = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
        for child in children:
            if rest:
                _pick(child, rest, parents + [child], out)
            else:
                out.append((child, parents, True))
        return
    child = json_path(node, head)
    if child is not None:
        if rest:
            _pick(child, rest, parents, out)
        else:
            out.append((child, parents, False))


def flatten(ctx: Context, *,
            path: Annotated[str, "a variable and a dotted path where * takes every element of a list or every "
                            "value of a mapping, e.g. docs.*.accounts.*.bills.*"],
            save_as: Annotated[str, "variable that receives the flat list (for `invoices: from:`)"]) -> None:
    """Make one flat list out of nested JSON lists (contracts → accounts → bills, or bills by year).

    Each element that is a mapping gains `parents`: the elements matched by the earlier *s,
    outermost first (parents.0.bpNumber…). A single mapping (no *) becomes a one-element list."""
    parts = [p for p in path.split(".") if p]
    if not parts or parts[0] == "*":
        raise CollectionError("RECIPE_BROKEN", "flatten: the path must start with a variable name")
    found: list[tuple[Any, list[Any], bool]] = []
    if parts[0] not in ctx.vars:
        raise CollectionError("RECIPE_BROKEN", f"flatten: no variable '{parts[0]}'")
    _pick(ctx.vars[parts[0]], parts[1:], [], found)
    result: list[Any] = []
    for node, parents, leaf in found:
        if leaf and "*" in parts:
            result.append({**node, "parents": parents} if isinstance(node, dict) else node)
        elif isinstance(node, list):
            result.extend(node)
        elif isinstance(node, dict):
            result.append(node)
    ctx.vars[save_as] = result
    ctx.note(f"flatten {path}: {len(result)} elements")


# ---- "more invoices" buttons ---------------------------------------------------------------------

def load_more(ctx: Context, *,
              locator: Annotated[Locator, "the 'more' button or link"],
              items: Annotated[Locator, "the rows it adds (to know when they have arrived)"],
              max_clicks: Annotated[int, "stop after this many clicks"] = 50,
              timeout: Timeout = None) -> None:
    """Click a "show more" button until it is gone, waiting each time for new rows to arrive."""
    def button() -> Any:
        return next((e for e in ctx.find_all(locator) if e.is_displayed() and e.is_enabled()), None)

    for _ in range(max_clicks):
        found = button()
        if found is None:
            return
        before = len(ctx.find_all(items))
        ctx.note(f"click {describe_locator(locator)} ({before} rows so far)")
        ctx.driver.execute_script("arguments[0].click();", found)

        def grown(d: object, before: int = before) -> bool:
            return len(ctx.find_all(items)) > before or button() is None
        ctx.wait_until(grown, timeout, f"more rows after clicking {describe_locator(locator)}")
    ctx.note(f"stopped after {max_clicks} clicks on {describe_locator(locator)}")
