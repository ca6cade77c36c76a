"""Handing the browser to the user: a captcha, a confirmation on their phone, new terms to
accept — what a portal asks of a person, no recipe should try to do. The run shows its window,
waits until the page says the person is done, and goes on by itself.

Only a sync someone started and attends (the panel's « Synchroniser maintenant », `recipe run`)
can hand over; a scheduled one ends with the step's outcome, and the panel offers to resolve it."""

from __future__ import annotations

import time
from typing import Annotated

from backend.collectors.model import CollectionError, HandOver
from backend.collectors.run.context import Context
from backend.collectors.steps.flow import describe_condition, holds
from backend.collectors.steps.registry import CONDITION_KEYS, Condition, Outcome, Schema

WAIT_LIMITS = Schema(type="number", minimum=10, maximum=1800)
NEEDS_YOU = Outcome("ACTION_NEEDED")


def hand_over(ctx: Context, *,
              until: Annotated[Condition, "what the portal shows once the person is done: a condition (present, "
                                          "visible, absent, url, text), e.g. {present: 'a.logout'}"],
              message_fr: Annotated[str, "what to do in the window, in French (shown in the panel)"],
              message_en: Annotated[str, "the same in English"],
              fail: Annotated[Outcome, "the outcome when nobody can do it (a scheduled sync, no screen, "
                                       "time out): CAPTCHA for a captcha, else ACTION_NEEDED"] = NEEDS_YOU,
              timeout: Annotated[float, "how long to wait for the person, in seconds (10 to 1800)",
                                 WAIT_LIMITS] = 300) -> None:
    """Show the browser window to the user and wait until they have done what the page asks.

    The run goes on by itself once `until` holds (nothing happens when it already does). Only a
    sync someone started can show its window (the panel's « Synchroniser maintenant » or
    « Résoudre maintenant », `recipe run`); a scheduled sync, a Grid or a machine without a
    display ends with `fail` and your message, and so does a person who does not finish in time."""
    condition = {key: until.get(key) for key in CONDITION_KEYS}
    wanted = describe_condition(condition)
    if ctx.alert_safe(lambda: ctx.on_one_page(lambda: holds(ctx, **condition))):
        ctx.note(f"hand-over not needed: {wanted} already")
        return
    told = ctx.request.on_hand_over
    if told is None:
        raise CollectionError(fail, f"{message_en} This sync ran without you: start it yourself "
                                    "(« Résoudre maintenant » in the panel) to do it in its window.")
    if ctx.window is None or not ctx.window.can_show:
        raise CollectionError(fail, f"{message_en} The portal needs you in the browser window, and this sync "
                                    "has none to show: it runs on a Selenium Grid or a machine without a "
                                    "display (DISPLAY is not set). Run it from your desktop session.")
    ctx.deadline += timeout  # the person's time is not the collection's
    started = time.monotonic()
    ctx.window.show()
    # The panel shows these: a template can put a secret in them, which must not reach the API.
    told(HandOver(message_fr=ctx.redact(ctx.render(message_fr)), message_en=ctx.redact(ctx.render(message_en)),
                  timeout=timeout))
    ctx.note(f"window shown to the user until {wanted}")
    try:
        ctx.wait_for_state(lambda: holds(ctx, **condition), timeout, wanted)
    except CollectionError as exc:
        raise CollectionError(fail, f"{message_en} Nobody finished it in the window within "
                                    f"{_duration(timeout)}.") from exc
    finally:
        told(None)
        waited = time.monotonic() - started
        ctx.deadline -= max(0.0, timeout - waited)
        ctx.alert_safe(ctx.window.hide)
    ctx.note(f"the user finished in the window after {waited:.0f} s")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
