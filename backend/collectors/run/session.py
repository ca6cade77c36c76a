"""HTTP with the browser's cookies: a requests session that carries them, and cookies an
answer sets going back into the browser. Used by the HTTP steps and by PDF downloads."""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests
from selenium.common.exceptions import WebDriverException

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.httpauth import ChallengeAuth

MAX_JSON_BYTES = 20_000_000


def session(ctx: Context) -> requests.Session:
    """A requests session carrying the browser's current cookies and user agent."""
    if ctx.http_session is None:
        ctx.http_session = requests.Session()
        ctx.http_session.headers["User-Agent"] = ctx.driver.execute_script("return navigator.userAgent")
        ctx.http_session.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.8"
        if ctx.http_auth:  # the site's login prompt, answered for approved origins only
            ctx.http_session.auth = ChallengeAuth(ctx.http_auth)
    for cookie in ctx.driver.get_cookies():
        ctx.http_session.cookies.set(cookie["name"], cookie["value"], domain=cookie.get("domain", ""),
                              path=cookie.get("path", "/"))
    return ctx.http_session


def keep_cookies(ctx: Context, response: requests.Response) -> None:
    """Cookies an API answer sets go back into the browser: the next call (which starts from the
    browser's cookies) and the next page must see them, as the portal's own script would."""
    for cookie in response.cookies:
        params: dict[str, Any] = {"url": response.url, "name": cookie.name, "value": cookie.value, "path": cookie.path or "/",
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


def request(ctx: Context, method: str, url: str, limit: int, timeout: float | None,
            **kwargs: Any) -> tuple[requests.Response, bytes]:
    """One request with the browser's cookies; the body read up to limit + 1 bytes (the caller
    tells a body over the limit); network trouble as outcomes; cookies it sets go to the browser."""
    ctx.gate.request(url, f"{method} request to")

    def redirected(response: requests.Response, *args: Any, **kw: Any) -> None:
        # Called for each answer before requests follows it: a redirect (307 and 308 resend the
        # body) goes to an approved origin only, or the request stops here.
        if response.is_redirect:
            ctx.gate.request(urllib.parse.urljoin(response.url, response.headers["location"]), "a redirect to")
    try:
        response = session(ctx).request(method, url, timeout=ctx.timeout(timeout), stream=True,
                                         hooks={"response": redirected}, **kwargs)
        content = response.raw.read(limit + 1, decode_content=True)
    except requests.Timeout:
        raise CollectionError("TIMEOUT", f"{url} did not answer in time") from None
    except requests.ConnectionError:
        raise CollectionError("PROVIDER_DOWN", f"cannot reach {url}") from None
    keep_cookies(ctx, response)
    if ctx.diagnosis:
        ctx.diagnosis.status(ctx, response.status_code)
    return response, content
