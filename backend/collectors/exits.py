"""Exit statuses of `invoice-collector recipe run`: one per outcome, so that scripts can tell them
apart. The CLI returns them; docs/recipes.md (language/docgen.py) lists them."""

from __future__ import annotations

from backend.errors import CODES

# Exit status of `recipe run`: one per outcome, so that scripts can tell them apart.
EXIT_INVALID_RECIPE = 1
EXIT_USAGE = 2
EXIT_CODES: dict[str, int] = {
    "OK": 0, "LOGIN_FAILED": 10, "ACTION_NEEDED": 11, "OTP_REQUIRED": 12, "OTP_WRONG": 13, "CAPTCHA": 14,
    "PROVIDER_DOWN": 15, "RECIPE_BROKEN": 16, "DOWNLOAD_FAILED": 17, "TIMEOUT": 18, "INTERNAL": 19,
    "RECIPE_UNSAFE": 20, "RECIPE_CHANGED": 21, "DISK_FULL": 22,
    "GRID_UNAVAILABLE": 23,
}
assert set(EXIT_CODES) == {"OK"} | set(CODES), "every outcome code needs its exit status"


def exit_status_help() -> str:
    codes = ", ".join(f"{code} {status}" for code, status in EXIT_CODES.items() if code != "OK")
    return (f"Exit status: 0 OK; {EXIT_INVALID_RECIPE} the recipe has errors; {EXIT_USAGE} bad arguments "
            f"(unknown provider, option or url name); per outcome: {codes}.")
