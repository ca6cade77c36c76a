"""Logging in only when needed: each account has a persistent browser profile, so a portal that
remembers its visitors is often still logged in at the next sync. Typing the password again would
be a needless login (and, on many portals, a new one-time code to ask the user for)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from backend.collectors.run.context import Context
from backend.collectors.steps.flow import CONDITION_KEYS, describe_condition, holds
from backend.collectors.steps.registry import Locator, Reporter, Schema, StepList, Timeout

CONDITION = Schema(type="object", minProperties=1, additionalProperties=False,
                   properties={key: {"type": "string", "minLength": 1} for key in CONDITION_KEYS})


def condition_url_compiles(key: str) -> Callable[[Mapping[str, Any], Reporter], None]:
    """A step's check for its condition argument `key`: its url is a regular expression, as in
    wait_for, so it must compile."""
    def check(args: Mapping[str, Any], report: Reporter) -> None:
        condition = args.get(key)
        if isinstance(condition, dict):
            report.regex((key,), condition.get("url"), f"{key}.url")
    return check


check_login = condition_url_compiles("logged_in")


def login(ctx: Context, *,
          logged_in: Annotated[dict, "what the portal shows once you are logged in: a condition (present, "
                                     "visible, absent, url, text), e.g. {present: 'a.logout'}", CONDITION],
          form: Annotated[Locator, "what it shows when it wants you to log in: the login form or its first field"],
          steps: Annotated[StepList, "the login itself (fill, click, one-time code…), run only when `form` shows"],
          timeout: Timeout = None) -> None:
    """Log in, unless the account's browser profile is still logged in from an earlier sync.

    Waits until either the logged-in state or the login form shows. Logged in: the steps are
    skipped (no password typed, no code asked). Otherwise the steps run, and the logged-in state
    must show after them."""
    condition: dict[str, Any] = {k: logged_in.get(k) for k in CONDITION_KEYS}
    wanted = describe_condition(condition)

    def state() -> str | bool:
        if holds(ctx, **condition):
            return "logged in"
        return "login form" if ctx.find_all(form) else False
    found = ctx.wait_for_state(state, timeout, f"the login form '{form}' or {wanted}")
    if found == "logged in":
        ctx.note("still logged in (the account's browser profile kept the session): login skipped")
        ctx.session_reused = True
        return
    ctx.run_steps(steps)
    ctx.wait_for_state(lambda: holds(ctx, **condition), timeout, f"{wanted} after logging in")
