"""Waiting and deciding: wait for a page state, branch on it, fail with an outcome code."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Annotated, Any

from selenium.common.exceptions import WebDriverException

from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context, page_changed
from backend.collectors.run.locators import describe_locator
from backend.collectors.steps.filters import json_path
from backend.collectors.steps.registry import (
    CONDITION_KEYS,
    LOCATOR_CONDITIONS,
    TIMEOUT_LIMITS,
    AnyOf,
    Cases,
    Locator,
    Outcome,
    Regex,
    Reporter,
    Schema,
    States,
    StepList,
    Timeout,
)
from backend.errors import CODES

Present = Annotated[Locator | None, "true when this element is in the page"]
Visible = Annotated[Locator | None, "true when this element is visible"]
Absent = Annotated[Locator | None, "true when no such element is in the page"]
UrlMatch = Annotated[Regex | None, "true when the current URL matches this regular expression"]
TextMatch = Annotated[str | None, "true when the page's visible text contains this (case-insensitive)"]

CONDITIONS = AnyOf(CONDITION_KEYS, "a condition")  # what wait_for, if and fail_if need


def holds(ctx: Context, present: str | list[str] | None = None, visible: str | list[str] | None = None,
          absent: str | list[str] | None = None, url: str | None = None, text: str | None = None) -> bool:
    """Every condition given must hold (an AND); at least one must be given. A list of locators
    is found by its first alternative that matches: present when any is, absent when none is."""
    if present and not ctx.find_all(present):
        return False
    if visible and not any(e.is_displayed() for e in ctx.find_all(visible)):
        return False
    if absent and ctx.find_all(absent):
        return False
    if url and not ctx.pattern(ctx.render(url), "url").search(ctx.current_url):
        return False
    if text:
        body = ctx.driver.execute_script("return document.body ? document.body.innerText : ''") or ""
        if ctx.render(text).lower() not in body.lower():
            return False
    return True


def describe_condition(conditions: dict[str, Any]) -> str:
    return " and ".join(f"{key} {_shown(key, value)}" for key, value in conditions.items() if value)


def _shown(key: str, value: Any) -> str:
    return describe_locator(value) if key in LOCATOR_CONDITIONS else f"'{value}'"


def _describe(**conditions: Any) -> str:
    return describe_condition(conditions)


def _conditions(present, visible, absent, url, text) -> dict[str, Any]:
    given = {"present": present, "visible": visible, "absent": absent, "url": url, "text": text}
    if not any(given.values()):
        raise CollectionError("RECIPE_BROKEN", "a condition needs one of: " + ", ".join(CONDITION_KEYS))
    return given


def wait_for(ctx: Context, *, present: Present = None, visible: Visible = None, absent: Absent = None,
             url: UrlMatch = None, text: TextMatch = None, timeout: Timeout = None) -> None:
    """Wait until the page is in a state: an element present/visible/gone, a URL, a text."""
    given = _conditions(present, visible, absent, url, text)
    ctx.wait_for_state(lambda: holds(ctx, **given), timeout, _describe(**given))


def pause(ctx: Context, *, seconds: Annotated[float, "how long; at most 10 seconds",
                                              Schema(type="number", exclusiveMinimum=0, maximum=10)],
          reason: Annotated[str, "why the portal needs it (shown in the step log)"]) -> None:
    """Wait a fixed time. Only for portals that truly need it: prefer wait_for."""
    if not 0 < seconds <= 10:
        raise CollectionError("RECIPE_BROKEN", "pause must be between 0 and 10 seconds")
    ctx.note(f"pause {seconds}s: {reason}")
    time.sleep(min(seconds, max(0.0, ctx.deadline - time.monotonic())))


def if_(ctx: Context, *, then: Annotated[StepList, "steps run when the condition holds"],
        else_: Annotated[StepList | None, "steps run otherwise"] = None,
        present: Present = None, visible: Visible = None, absent: Absent = None, url: UrlMatch = None,
        text: TextMatch = None,
        timeout: Annotated[float, "how long the condition may take to become true", TIMEOUT_LIMITS] = 0.0) -> None:
    """Run steps depending on the page's state."""
    given = _conditions(present, visible, absent, url, text)
    result = ctx.alert_safe(lambda: holds(ctx, **given))
    if not result and timeout > 0:
        try:
            ctx.wait_for_state(lambda: holds(ctx, **given), timeout, _describe(**given))
            result = True
        except CollectionError as exc:
            if exc.code == "TIMEOUT":
                raise
    ctx.note(f"if {_describe(**given)}: {result}")
    ctx.run_steps(then if result else (else_ or []))


# A banner's close button ("Votre mot de passe est invalide ! ×") is not part of its message.
CLOSE_GLYPHS = re.compile(r"^[\s×✕✖✗❌]+|[\s×✕✖✗❌]+$")


def _message_from(ctx: Context, locator: str | None, fallback: str) -> str:
    if locator:
        found = ctx.find_all(locator)
        if found:
            text = " ".join((found[0].text or found[0].get_attribute("textContent") or "").split())
            text = CLOSE_GLYPHS.sub("", text)
            if text:
                return ctx.redact(text)
    return fallback


def fail_if(ctx: Context, *, code: Annotated[Outcome, "the outcome code to end the run with"],
            message: Annotated[str | None, "what to tell the user"] = None,
            message_from: Annotated[Locator | None, "read the message from this element (the portal's own "
                                                    "words; a close button's × is left out)"] = None,
            present: Present = None, visible: Visible = None, absent: Absent = None, url: UrlMatch = None,
            text: TextMatch = None) -> None:
    """End the run with an outcome code when the page is in a given state (wrong password, maintenance…)."""
    given = _conditions(present, visible, absent, url, text)
    if ctx.alert_safe(lambda: holds(ctx, **given)):
        raise CollectionError(code, _message_from(ctx, message_from, message or CODES[code].en))


def _case_conditions(case: Mapping[str, Any]) -> dict[str, Any]:
    return {key: case.get(key) for key in CONDITION_KEYS}


def first_case(ctx: Context, cases: list[dict]) -> dict | None:
    """The first case written whose conditions all hold now."""
    return next((case for case in cases if holds(ctx, **_case_conditions(case))), None)


def _cases_described(cases: list[dict]) -> str:
    return " or ".join(_describe(**_case_conditions(case)) for case in cases)


def _state_name(case: Mapping[str, Any]) -> str:
    return str(case.get("name") or _describe(**_case_conditions(case)))


def await_case(ctx: Context, cases: list[dict], timeout: float | None) -> dict:
    """Wait until the conditions of one of the cases hold, all read on one page; the first
    written wins when several do (first_case, which until_done's rounds use too)."""
    case = ctx.wait_for_state(lambda: first_case(ctx, cases) or False, timeout, _cases_described(cases))
    ctx.note(f"state: {_state_name(case)}")
    if ctx.diagnosis:
        ctx.diagnosis.state(ctx.step_index, _state_name(case))
    return case


def fail_with_case(ctx: Context, case: Mapping[str, Any]) -> None:
    """A case with `fail`: end the run with its code and its message (or the portal's own words)."""
    code = case["fail"]
    raise CollectionError(code, _message_from(ctx, case.get("message_from"), case.get("message") or CODES[code].en))


def wait_for_any(ctx: Context, *, cases: Annotated[Cases, "a list of states; each has its condition keys "
                 "(present, visible, absent, url, text) and either `fail` (an outcome code, with optional "
                 "message / message_from) or `then` (steps) or nothing (just go on)"],
                 timeout: Timeout = None) -> None:
    """Wait until one of several states shows, then act on the first that holds.

    The usual end of a login: the account page (go on), an error banner (LOGIN_FAILED),
    a code page (enter a one-time code) or a maintenance page (PROVIDER_DOWN)."""
    case = await_case(ctx, cases, timeout)
    if case.get("fail"):
        fail_with_case(ctx, case)
    ctx.run_steps(case.get("then") or [])


ROUNDS_LIMITS = Schema(minimum=1, maximum=30)


def until_done(ctx: Context, *, cases: Annotated[States, "the page states the portal may show; each has its "
               "condition keys (present, visible, absent, url, text), an optional `name`, and one of: `then` "
               "(steps, then look again), `fail` (an outcome code, with optional message / message_from) or "
               "`done: true` (the step ends)"],
               rounds: Annotated[int, "at most this many looks at the page; past it the run ends RECIPE_BROKEN "
                                      "naming the state seen each round", ROUNDS_LIMITS] = 8,
               timeout: Annotated[float | None, "seconds each look waits for one of the states (default: the run's "
                                                "step timeout)", TIMEOUT_LIMITS] = None) -> None:
    """Drive a page by its state: look which state it shows, act, look again, until a `done` state.

    For logins that are not a fixed sequence: a remembered account, « rester connecté », a consent
    page, a code to choose where to receive, a captcha to hand over, then the account page. Each
    round waits until one state holds (the first written wins), runs its `then` steps and looks
    again. After a state's steps, that same state counts again only once the page has moved on (a
    new page, or the state stopped holding for a moment), or when it still holds unchanged after
    `timeout`. A `done` state ends the step, a `fail` state ends the run."""
    seen: list[str] = []
    acted: tuple[dict, Any] | None = None  # the state the last round acted on, and the page it was seen on
    this_step, index = (ctx.step_name, ctx.step_line), ctx.step_index
    for _ in range(rounds):
        ctx.step_name, ctx.step_line = this_step  # a look that fails is this step's, not its last nested one's
        try:
            case, document = _next_state(ctx, cases, timeout, acted)
        except CollectionError as exc:
            if exc.code != "RECIPE_BROKEN" or not seen:
                raise
            raise CollectionError(exc.code, f"{exc.message}, after {_rounds(seen)}") from None
        seen.append(_state_name(case))
        ctx.note(f"round {len(seen)}: {seen[-1]}")
        if ctx.diagnosis:
            ctx.diagnosis.state(index, seen[-1])
        if case.get("done"):
            return
        if case.get("fail"):
            fail_with_case(ctx, case)
        acted = case, document
        ctx.run_steps(case.get("then") or [])
    ctx.step_name, ctx.step_line = this_step
    raise CollectionError("RECIPE_BROKEN", f"the page went round {rounds} times without a done state: "
                                           f"{', '.join(seen)}{_stuck(seen)}")


DOCUMENT_JS = "return document.documentElement"
SAME_DOCUMENT_JS = "return document.documentElement === arguments[0]"


def _next_state(ctx: Context, cases: list[dict], timeout: float | None,
                acted: tuple[dict, Any] | None) -> tuple[dict, Any]:
    """The state the page shows, with the page (its document) it was seen on. The state a round
    just acted on is not taken again on the page it was seen on while it holds there: a click
    that submits a form leaves the old page on screen for a moment, and acting on it twice would
    type into a page being replaced."""
    waiting_for_change = [acted]

    def look() -> tuple[dict, Any] | bool:
        case = first_case(ctx, cases)
        if case is None:
            waiting_for_change[0] = None  # the state stopped holding: the page moved on
            return False
        document = ctx.driver.execute_script(DOCUMENT_JS)
        before = waiting_for_change[0]
        if before and case is before[0] and _same_document(ctx, before[1]):
            return False
        waiting_for_change[0] = None
        return case, document
    try:
        return ctx.wait_for_state(look, timeout, _cases_described(cases))
    except CollectionError as exc:
        if exc.code != "RECIPE_BROKEN" or waiting_for_change[0] is None:
            raise
        ctx.note(f"still {_state_name(waiting_for_change[0][0])} after its steps: met again")
        return waiting_for_change[0]


def _same_document(ctx: Context, document: Any) -> bool:
    try:
        return bool(ctx.driver.execute_script(SAME_DOCUMENT_JS, document))
    except WebDriverException as exc:
        if page_changed(exc):
            return False  # that document is gone
        raise


def _rounds(seen: list[str]) -> str:
    return f"{len(seen)} round{'s' * (len(seen) != 1)}: {', '.join(seen)}"


def _stuck(seen: list[str]) -> str:
    """Say it when the last rounds all met the same state: its steps do not move the page on."""
    repeats = next((n for n in range(len(seen), 0, -1) if len(set(seen[-n:])) == 1), 1)
    if repeats < 2:
        return ""
    return f" (the last {repeats} rounds all met '{seen[-1]}': its steps did not change the page)"


def _check_case(report: Reporter, at: tuple[str, int], case: Mapping[str, Any], actions: tuple[str, ...]) -> None:
    """One case: at most (until_done: exactly) one action, a message only with fail, a url that compiles."""
    where = f"{at[0]}[{at[1]}]"
    given = [key for key in actions if key in case]
    if len(given) > 1:
        choice = " or ".join(actions) if len(actions) == 2 else f"{', '.join(actions[:-1])} or {actions[-1]}"
        report.problem((*at, given[1]), f"{where}: use either {choice}, not {' and '.join(given)}"
                       if len(actions) > 2 else f"{where}: use either {choice}, not both")
    if "done" in actions and not given:
        report.problem(at, f"{where}: say what to do in this state: then (steps), fail (an outcome code) "
                           "or done: true", at_value=True)
    for key in ("message", "message_from"):
        if key in case and not case.get("fail"):
            report.problem((*at, key), f"{where}: {key} only goes with fail")
    report.regex(at, case.get("url"), f"{where}.url")


def check_cases(args: Mapping[str, Any], report: Reporter) -> None:
    """What the case schema cannot say: a case fails or goes on (then), a message goes with fail."""
    cases = args.get("cases")
    for n, case in enumerate(cases if isinstance(cases, list) else []):
        if isinstance(case, dict):
            _check_case(report, ("cases", n), case, ("fail", "then"))


def check_states(args: Mapping[str, Any], report: Reporter) -> None:
    """until_done's states: each does exactly one of then, fail, done; a message goes with fail."""
    cases = args.get("cases")
    for n, case in enumerate(cases if isinstance(cases, list) else []):
        if isinstance(case, dict):
            _check_case(report, ("cases", n), case, ("then", "fail", "done"))


def store_text(ctx: Context, *, locator: Locator, save_as: Annotated[str, "variable name, then {{ NAME }}"],
               attribute: Annotated[str | None, "read this attribute instead of the text"] = None,
               regex: Annotated[Regex | None, "keep the first group (or the whole match) of this expression"] = None,
               timeout: Timeout = None) -> None:
    """Read an element's text (or attribute) into a variable."""
    element = ctx.find(locator, timeout)
    value = element.get_attribute(attribute) if attribute else (element.text or element.get_attribute("textContent"))
    value = " ".join((value or "").split())
    if regex:
        match = ctx.pattern(regex, "store_text: regex").search(value)
        if not match:
            raise CollectionError("RECIPE_BROKEN", f"'{regex}' does not match the text of {describe_locator(locator)}")
        value = match.group(1) if match.groups() else match.group(0)
    ctx.vars[save_as] = value


def set_(ctx: Context, *, name: Annotated[str, "variable name"], value: Annotated[str, "value; templates allowed"]) -> None:
    """Set a variable."""
    ctx.vars[name] = ctx.render(value)


def log(ctx: Context, *, message: Annotated[str, "text for the step log; templates allowed (secrets stay masked)"]) -> None:
    """Write a line to the step log (kept in traces), shown as the run goes (`recipe run` prints it)."""
    ctx.note(message)
    ctx.progress(ctx.redact(message))


def for_each(ctx: Context, *, in_: Annotated[str, "a variable holding a JSON list, with an optional path: bills or account.contracts"],
             steps: Annotated[StepList, "steps run for each element, which is {{ item }} / {{ item.FIELD }}"],
             limit: Annotated[int, "at most this many elements", Schema(minimum=1, maximum=10_000)] = 100) -> None:
    """Repeat steps for each element of a list read from JSON (contracts, lines, sub-accounts)."""
    items = json_path(ctx.vars, in_)
    if not isinstance(items, list):
        raise CollectionError("RECIPE_BROKEN", f"'{in_}' is not a list")
    outer = ctx.item
    try:
        for element in items[:limit]:
            ctx.item = element if isinstance(element, dict) else {"value": element}
            ctx.run_steps(steps)
    finally:
        ctx.item = outer
