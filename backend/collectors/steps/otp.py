"""One-time codes: ask the user through the caller, or compute them from a TOTP secret."""

from __future__ import annotations

from typing import Annotated, Literal

from selenium.webdriver.remote.webelement import WebElement

from backend import totp
from backend.collectors.model import CollectionError
from backend.collectors.run.context import Context
from backend.collectors.steps.inputs import guard_secret, use
from backend.collectors.steps.registry import Locator, Timeout


def one_time_code(ctx: Context, *, locator: Annotated[Locator, "the field where the code goes"],
                  prompt: Annotated[str, "what the user is told, e.g. 'Code received by SMS'"] = "",
                  kind: Annotated[Literal["sms", "email", "app", "totp"], "how the user gets the code"] = "sms",
                  totp_secret: Annotated[str | None, "a template giving a TOTP secret, e.g. {{ totp_secret }}: "
                                         "the code is computed, nobody is asked"] = None,
                  submit: Annotated[Locator | None, "a button to click once the code is typed"] = None,
                  timeout: Timeout = None) -> None:
    """Enter a one-time code: computed from a TOTP secret when the account has one, else asked."""
    ctx.find(locator, timeout, visible=True)  # the code page is there before anyone is asked
    secret = ctx.render(totp_secret) if totp_secret else ""
    if secret:
        try:
            code = totp.code(secret)
        except ValueError:  # the account's saved key, not a code the portal refused: the user must fix it
            raise CollectionError("LOGIN_FAILED", "the saved TOTP key is not one an authenticator app would "
                                                  "accept: enter it again in the account's credentials") from None
        ctx.note("one-time code computed from the TOTP secret")
    else:
        if ctx.request.ask_code is None:
            raise CollectionError("OTP_REQUIRED", "the portal asks for a one-time code and nobody can type it")
        ctx.progress("waiting for a one-time code")
        answer = ctx.request.ask_code(ctx.render(prompt) or "One-time code", kind)
        if not answer:
            raise CollectionError("OTP_REQUIRED", "no one-time code was entered in time")
        code = answer.strip()
        ctx.note("one-time code received")
    ctx.add_secret(code)

    def type_code(field: WebElement) -> None:
        guard_secret(ctx, field, code)
        field.clear()
        field.send_keys(code)
    use(ctx, locator, timeout, type_code, "typed into")
    if submit:
        use(ctx, submit, timeout, lambda button: button.click(), "clickable")
