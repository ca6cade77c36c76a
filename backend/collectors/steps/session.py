"""Logging in only when needed: each account has a persistent browser profile, so a portal that
remembers its visitors is often still logged in at the next sync. Typing the password again would
be a needless login (and, on many portals, a new one-time code to ask the user for)."""

from __future__ import annotations

from typing import Annotated, Any

from backend.collectors.run.context import Context
from backend.collectors.run.locators import describe_locator
from backend.collectors.steps.flow import describe_condition, holds
from backend.collectors.steps.registry import CONDITION_KEYS, Condition, Locator, StepList, Timeout


def login(ctx: Context, *,
          logged_in: Annotated[Condition, "what the portal shows once you are logged in: a condition (present, "
                                          "visible, absent, url, text), e.g. {present: 'a.logout'}"],
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
    found = ctx.wait_for_state(state, timeout, f"the login form {describe_locator(form)} or {wanted}")
    if found == "logged in":
        ctx.note("still logged in (the account's browser profile kept the session): login skipped")
        ctx.session_reused = True
        return
    ctx.run_steps(steps)
    ctx.wait_for_state(lambda: holds(ctx, **condition), timeout, f"{wanted} after logging in")
