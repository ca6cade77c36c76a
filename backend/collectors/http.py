"""HTTP with the browser's cookies: JSON APIs behind a login, and fast PDF downloads."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import requests
from selenium.common.exceptions import WebDriverException

from backend.collectors.context import Context
from backend.collectors.model import CollectionError
from backend.collectors.steps.navigation import Timeout

MAX_JSON_BYTES = 20_000_000


def session(ctx: Context) -> requests.Session:
    """A requests session carrying the browser's current cookies and user agent."""
    if ctx._http is None:
        ctx._http = requests.Session()
        ctx._http.headers["User-Agent"] = ctx.driver.execute_script("return navigator.userAgent")
        ctx._http.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.8"
    for cookie in ctx.driver.get_cookies():
        ctx._http.cookies.set(cookie["name"], cookie["value"], domain=cookie.get("domain", ""),
                              path=cookie.get("path", "/"))
    return ctx._http


def keep_cookies(ctx: Context, response: requests.Response) -> None:
    """Cookies an API answer sets go back into the browser: the next call (which starts from the
    browser's cookies) and the next page must see them, as the portal's own script would."""
    for cookie in response.cookies:
        params = {"url": response.url, "name": cookie.name, "value": cookie.value, "path": cookie.path or "/",
                  "secure": bool(cookie.secure), "httpOnly": cookie.has_nonstandard_attr("HttpOnly")}
        if cookie.expires:
            params["expires"] = cookie.expires
        try:
            ctx.driver.execute_cdp_cmd("Network.setCookie", params)
        except (WebDriverException, AttributeError):  # a remote browser without CDP
            ctx.driver.add_cookie({k: v for k, v in params.items() if k not in ("url", "expires")})


def map_status(status: int, fail_on: dict | None, what: str) -> None:
    table = {int(k): v for k, v in (fail_on or {}).items()}
    if status in table:
        raise CollectionError(table[status], f"{what} answered HTTP {status}")
    if status in (502, 503, 504) or status >= 500:
        raise CollectionError("PROVIDER_DOWN", f"{what} answered HTTP {status}")
    if status >= 400:
        raise CollectionError("RECIPE_BROKEN", f"{what} answered HTTP {status}")


def fetch_json(ctx: Context, *, url: Annotated[str, "the endpoint; templates allowed"],
               save_as: Annotated[str, "variable that receives the decoded JSON"],
               method: Annotated[Literal["GET", "POST", "PUT"], "HTTP method"] = "GET",
               body: Annotated[dict | None, "a JSON body; string values may be templates"] = None,
               headers: Annotated[dict | None, "extra headers; values may be templates"] = None,
               fail_on: Annotated[dict | None, "HTTP status -> outcome code, e.g. {'401': LOGIN_FAILED} (quote the status)"] = None,
               timeout: Timeout = None) -> None:
    """Call a JSON endpoint with the browser's cookies and keep the answer in a variable."""
    http = session(ctx)
    rendered_body = _render_tree(ctx, body) if body is not None else None
    rendered_headers = {k: str(ctx.render(v)) for k, v in (headers or {}).items()}
    rendered_headers.setdefault("Accept", "application/json")
    rendered_headers.setdefault("Referer", ctx.current_url)
    ctx.note(f"{method} {url}")
    try:
        response = http.request(method, url, json=rendered_body, headers=rendered_headers,
                                timeout=ctx.timeout(timeout), stream=True)
        content = response.raw.read(MAX_JSON_BYTES + 1, decode_content=True)
    except requests.Timeout:
        raise CollectionError("TIMEOUT", f"{url} did not answer in time") from None
    except requests.ConnectionError:
        raise CollectionError("PROVIDER_DOWN", f"cannot reach {url}") from None
    keep_cookies(ctx, response)
    map_status(response.status_code, fail_on, url)
    if len(content) > MAX_JSON_BYTES:
        raise CollectionError("RECIPE_BROKEN", f"{url} answered more than {MAX_JSON_BYTES} bytes")
    try:
        ctx.vars[save_as] = json.loads(content.decode(response.encoding or "utf-8"))
    except ValueError:
        raise CollectionError("RECIPE_BROKEN", f"{url} did not answer JSON (HTTP {response.status_code})") from None


def _render_tree(ctx: Context, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _render_tree(ctx, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_tree(ctx, v) for v in value]
    return ctx.render(value)
