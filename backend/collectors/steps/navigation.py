"""Navigation: open a URL, follow a link, frames and tabs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from selenium.common.exceptions import NoSuchFrameException, UnexpectedAlertPresentException, WebDriverException

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.locators import describe_locator
from backend.collectors.steps.registry import Locator, Reporter, Timeout

NETWORK_ERRORS = ("ERR_CONNECTION_REFUSED", "ERR_NAME_NOT_RESOLVED", "ERR_CONNECTION_RESET",
                  "ERR_CONNECTION_CLOSED", "ERR_ADDRESS_UNREACHABLE", "ERR_INTERNET_DISCONNECTED",
                  "ERR_EMPTY_RESPONSE", "ERR_CONNECTION_TIMED_OUT")


LITERAL_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def check_web_address(args: Mapping[str, Any], report: Reporter) -> None:
    """A written address must be http(s): file:, data:, javascript:, chrome: … are refused here,
    as at run time (run/origins.py), where a template's value is checked too."""
    url = args.get("url")
    scheme = LITERAL_SCHEME.match(url) if isinstance(url, str) else None
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        report.problem(("url",), f"url: '{scheme.group(1)}:' addresses are not allowed: recipes may only open "
                                 "http and https addresses, on the provider's origins", at_value=True)


def load(ctx: Context, url: str) -> None:
    """driver.get with network failures mapped to PROVIDER_DOWN and slow loads to TIMEOUT."""
    try:
        ctx.driver.get(url)
    except UnexpectedAlertPresentException as exc:  # the page said something in an alert() while loading
        ctx.alert_noted(exc)
    except WebDriverException as exc:
        text = str(exc)
        if "timeout" in type(exc).__name__.lower() or "Timed out receiving message" in text:
            raise CollectionError("TIMEOUT", f"the page {url} did not finish loading") from None
        if any(code in text for code in NETWORK_ERRORS):
            raise CollectionError("PROVIDER_DOWN", f"cannot reach {url}") from None
        raise


def open_url(ctx: Context, *, url: Annotated[str, "address to open; templates allowed, e.g. {{ urls.portal }}/login"]) -> None:
    """Open a URL in the current tab and wait for the page to load."""
    ctx.gate.request(url, "open")
    ctx.note(f"open {url}")
    load(ctx, url)


def follow(ctx: Context, *, locator: Annotated[Locator, "the link to follow"], timeout: Timeout = None) -> None:
    """Follow a link: open its href in the current tab (no click, so no new tab or popup)."""
    element = ctx.find(locator, timeout)
    href = element.get_attribute("href")
    if not href:
        raise CollectionError("RECIPE_BROKEN", f"{describe_locator(locator)} has no href to follow")
    ctx.gate.carrying(href, what="follow")
    ctx.note(f"follow {href}")
    load(ctx, href)


def back(ctx: Context) -> None:
    """Go back one page in history."""
    ctx.driver.back()


def reload(ctx: Context) -> None:
    """Reload the current page."""
    ctx.driver.refresh()


def switch_frame(ctx: Context, *, frame: Annotated[Locator, "an iframe locator, or 'parent' / 'top' to leave frames"],
                 timeout: Timeout = None) -> None:
    """Switch into an iframe (waiting for it), or back out to its parent or the top page."""
    if frame == "top":
        ctx.driver.switch_to.default_content()
        return
    if frame == "parent":
        ctx.driver.switch_to.parent_frame()
        return
    element = ctx.find(frame, timeout)

    def entered(driver: object) -> bool:
        try:
            ctx.driver.switch_to.frame(element)
            return True
        except NoSuchFrameException:
            return False
    ctx.wait_until(entered, timeout, f"frame {describe_locator(frame)}")


def switch_tab(ctx: Context, *, to: Annotated[str, "'new' (the most recent tab), 'main', or a regular expression the tab's URL must match"],
               timeout: Timeout = None) -> None:
    """Switch to another tab or window, waiting for it to open."""
    driver = ctx.driver
    if ctx.main_window is None:
        ctx.main_window = driver.window_handles[0]
    if to == "main":
        driver.switch_to.window(ctx.main_window)
        return
    if to == "new":
        current = driver.current_window_handle
        handle = ctx.wait_until(lambda d: next((h for h in reversed(d.window_handles) if h != current), False),
                                timeout, "a new tab")
        driver.switch_to.window(handle)
        return
    pattern = ctx.pattern(to, "switch_tab: to")

    def matching(d: object) -> bool:
        for handle in driver.window_handles:
            driver.switch_to.window(handle)
            if pattern.search(driver.current_url or ""):
                return True
        return False
    ctx.wait_until(matching, timeout, f"a tab whose URL matches '{to}'")


def check_switch_tab(args: Mapping[str, Any], report: Reporter) -> None:
    """`to` is a regular expression unless it names a tab."""
    if args.get("to") not in ("new", "main"):
        report.regex(None, args.get("to"), "to")


def close_tab(ctx: Context, *, then: Annotated[Literal["main", "new"], "the tab to switch to afterwards"] = "main") -> None:
    """Close the current tab and switch back to the main one."""
    ctx.driver.close()
    handles = ctx.driver.window_handles
    main = ctx.main_window
    ctx.driver.switch_to.window(main if then == "main" and main is not None and main in handles else handles[-1])
