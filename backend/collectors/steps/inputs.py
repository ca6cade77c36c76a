"""Input: fill fields, choose options, click, submit, press keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, get_args

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.run.locators import describe_locator
from backend.collectors.steps.registry import TIMEOUT_LIMITS, Locator, Timeout

Target = Annotated[Locator, "the element: CSS by default, or xpath=…, id=…, name=…, link=…, text=…"]


RETRY_ON = (ElementClickInterceptedException, ElementNotInteractableException, StaleElementReferenceException)


def use(ctx: Context, locator: str, timeout: float | None, action: Callable[[WebElement], None],
        verb: str) -> None:
    """Find a visible element and act on it. An element re-rendered meanwhile (single-page apps)
    is found again, and one still covered (an overlay fading out) is tried again, until the timeout."""
    seen, retried = [], []

    def done(driver: object) -> bool:
        for element in ctx.find_all(locator):
            try:
                if element.is_displayed():
                    seen.append(element)
                    action(element)
                    return True
            except TimeoutException:
                # chromedriver gave up waiting for the page the action started loading (a frame
                # that sends the whole page elsewhere can leave it waiting for good). The action
                # was delivered: doing it again could log in twice. The next steps check the page.
                ctx.note(f"the page was still loading after {describe_locator(locator)} was {verb}; going on")
                return True
            except RETRY_ON as exc:
                detail = (getattr(exc, "msg", "") or "").strip().splitlines()
                why = type(exc).__name__ + (f": {detail[0]}" if detail else "")
                if why not in retried:  # once per kind of refusal: the trace says why it waited
                    retried.append(why)
                    ctx.note(f"{describe_locator(locator)} not ready ({why}), trying again")
                return False
        return False
    try:
        ctx.wait_until(done, timeout, f"element {describe_locator(locator)} to be visible")
    except CollectionError as exc:
        if exc.code != "RECIPE_BROKEN" or not seen:
            raise
        raise CollectionError("RECIPE_BROKEN", f"gave up waiting for {describe_locator(locator)} to be {verb} "
                                               "(something covers it, or it is disabled)") from None


FORM_ACTION_JS = "return [location.href, arguments[0].form ? arguments[0].form.action : null]"


def guard_secret(ctx: Context, element: WebElement, value: str) -> None:
    """A secret goes only into a page, and a form posting, on the provider's approved origins."""
    if ctx.gate.holds_secret(value):
        page, action = ctx.driver.execute_script(FORM_ACTION_JS, element)
        ctx.gate.typing(page, action)


def fill(ctx: Context, *, locator: Target,
         value: Annotated[str, "text to type; templates such as {{ login }} or {{ password }} (masked in logs)"],
         clear: Annotated[bool, "empty the field first"] = True, timeout: Timeout = None) -> None:
    """Type a value into a field once it is visible."""
    def type_in(element: WebElement) -> None:
        guard_secret(ctx, element, value)
        if clear:
            element.clear()
        element.send_keys(value)
        # A single-page app that re-renders its form while we type (hydration) leaves the
        # keystrokes in a detached copy and half a password in the new one: type again.
        if not element.get_property("isConnected"):
            raise StaleElementReferenceException("the field was replaced while being typed into")
    use(ctx, locator, timeout, type_in, "typed into")
    ctx.note(f"fill {describe_locator(locator)} with {ctx.redact(value)}")


def select(ctx: Context, *, locator: Target,
           option: Annotated[str, "the visible text of the option (or value=… for its value)"],
           timeout: Timeout = None) -> None:
    """Choose an option in a <select>."""
    chooser = Select(ctx.find(locator, timeout, visible=True))
    try:
        if option.startswith("value="):
            chooser.select_by_value(option[len("value="):])
        else:
            chooser.select_by_visible_text(option)
    except NoSuchElementException:
        shown = ", ".join(f"'{o.text.strip()}'" for o in chooser.options[:20])
        raise CollectionError("RECIPE_BROKEN", f"{describe_locator(locator)} has no option '{option}' (it offers {shown})") from None


def check(ctx: Context, *, locator: Target, checked: Annotated[bool, "the state wanted"] = True,
          timeout: Timeout = None) -> None:
    """Tick (or untick) a checkbox; nothing happens if it is already in that state."""
    def toggle(driver: object) -> bool:
        element = ctx.find(locator, timeout)
        try:
            if element.is_selected() == checked:
                return True
            if element.is_displayed():
                element.click()
            else:  # a styled checkbox: the real input is hidden behind its label; click it as the label would
                ctx.driver.execute_script("arguments[0].click();", element)
        except RETRY_ON:  # re-rendered, or an overlay still fading out: look again
            return False
        return element.is_selected() == checked
    ctx.wait_until(toggle, timeout, f"{describe_locator(locator)} to be {'ticked' if checked else 'unticked'}")


def click_element(ctx: Context, element, locator: str, timeout: float | None) -> None:
    """Click an element already found, waiting out overlays (the next-page link of a list)."""
    def clicked(driver: object) -> bool:
        try:
            element.click()
            return True
        except (ElementClickInterceptedException, ElementNotInteractableException):
            return False  # an overlay (often a cookie banner) is still fading out
        except StaleElementReferenceException:
            raise CollectionError("RECIPE_BROKEN", f"{describe_locator(locator)} vanished before it could be clicked") from None
    ctx.wait_until(clicked, timeout, f"{describe_locator(locator)} to be clickable")


def click(ctx: Context, *, locator: Target, timeout: Timeout = None) -> None:
    """Click an element once it is visible and clickable."""
    ctx.note(f"click {describe_locator(locator)}")
    use(ctx, locator, timeout, lambda element: element.click(), "clickable")


# A page that has finished loading can still add a banner from a late script (consent managers
# wait for the load event, then a timer): absence counts once the page has been loaded this long.
LATE_SCRIPTS_SETTLE = 0.5  # seconds, by the page's own clock

# Seconds since the page's load event ended, or null while it loads (readyState turns 'complete'
# just before the load event runs its handlers).
LOADED_FOR_JS = """
if (document.readyState !== 'complete') return null;
const nav = performance.getEntriesByType('navigation')[0];
if (nav && !nav.loadEventEnd) return null;
return (performance.now() - (nav ? nav.loadEventEnd : 0)) / 1000;
"""


def click_if_present(ctx: Context, *, locator: Target,
                     timeout: Annotated[float, "how long to wait for the element while the page is still "
                                                "loading", TIMEOUT_LIMITS] = 2.0) -> None:
    """Click an element if it shows up (cookie banners, pop-ins); else go on.

    Gives up as soon as the page has finished loading (and LATE_SCRIPTS_SETTLE more seconds for
    the scripts that wait for the load event) without the element, or after `timeout`."""
    def shown_or_settled() -> str | bool:
        if any(element.is_displayed() for element in ctx.find_all(locator)):
            return "shown"
        loaded_for = ctx.driver.execute_script(LOADED_FOR_JS)
        return "absent" if loaded_for is not None and loaded_for >= LATE_SCRIPTS_SETTLE else False
    try:
        state = ctx.wait_for_state(shown_or_settled, timeout, f"element {describe_locator(locator)} to be visible")
    except CollectionError as exc:
        if exc.code == "TIMEOUT":
            raise
        state = "absent"
    if state == "absent":
        ctx.note(f"{describe_locator(locator)} not present, skipped")
        return
    ctx.note(f"click {describe_locator(locator)}")
    use(ctx, locator, max(timeout, 2.0), lambda element: element.click(), "clickable")


def submit(ctx: Context, *, locator: Annotated[Locator, "the form, or any field inside it"], timeout: Timeout = None) -> None:
    """Submit a form as pressing Enter would."""
    element = ctx.find(locator, timeout)
    ctx.driver.execute_script(
        "const f = arguments[0].form || arguments[0].closest('form') || arguments[0];"
        "if (f.requestSubmit) f.requestSubmit(); else f.submit();", element)


KEYS = {"enter": Keys.ENTER, "tab": Keys.TAB, "escape": Keys.ESCAPE, "space": Keys.SPACE,
        "backspace": Keys.BACKSPACE, "down": Keys.ARROW_DOWN, "up": Keys.ARROW_UP}
KeyName = Literal["enter", "tab", "escape", "space", "backspace", "down", "up"]  # the schema's enum, as in KEYS
if get_args(KeyName) != tuple(KEYS):
    raise RuntimeError(f"KeyName must list the KEYS in order: {', '.join(KEYS)}")


def press_key(ctx: Context, *, key: Annotated[KeyName, "enter, tab, escape, space, backspace, down or up"],
              locator: Annotated[Locator | None, "the element to send it to (default: the focused one)"] = None,
              timeout: Timeout = None) -> None:
    """Press a key in an element or in whatever has the focus."""
    if key.lower() not in KEYS:
        raise CollectionError("RECIPE_BROKEN", f"unknown key '{key}' (known: {', '.join(KEYS)})")
    target = ctx.find(locator, timeout) if locator else ctx.driver.switch_to.active_element
    target.send_keys(KEYS[key.lower()])
