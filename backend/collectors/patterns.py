"""The regular expressions a recipe writes (store_text, the regex and replace filters, url
conditions, switch_tab, store_url) run on RE2 (google-re2, Google's kept engine): linear time
in the text whatever the pattern, so a shared recipe's `(a+)+$` cannot hold a worker at 100 %
CPU. What only a backtracking engine can do is refused, with the construct named, by
`recipe check` and at run time. (The engine's own fixed expressions stay on Python's `re`.)"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2  # type: ignore[import-untyped]  # no stubs published

# What RE2 refuses that people write, and how a recipe author would call it.
UNSUPPORTED = (
    (re.compile(r"\(\?<?[=!]"), "lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…))"),
    (re.compile(r"\\[1-9]|\(\?P=|\\g<"), "backreferences (\\1, (?P=name))"),
    (re.compile(r"\(\?>"), "atomic groups ((?>…))"),
    (re.compile(r"(?<!\\)[*+?}]\+"), "possessive quantifiers (a++, a*+)"),
    (re.compile(r"\(\?\("), "conditionals ((?(1)…|…))"),
)


class PatternError(ValueError):
    """Why a pattern cannot run: a construct RE2 does not have, or a syntax error."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the error is ours to report, not a line on stderr
    return options


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern (its search/sub/group API is re's), or PatternError saying why not."""
    for construct, name in UNSUPPORTED:
        if construct.search(pattern):
            raise PatternError(f"{name} are not supported: recipe expressions run in linear time, without "
                               "backtracking; rewrite it without them (often a capture group is enough)")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(detail) from None


def xpath_problem(expression: str) -> str | None:
    """Why an XPath 1.0 expression (what Chromium evaluates) does not parse, or None; `{{ … }}`
    templates stand for a plain name. elementpath is a kept XPath parser (only recipe check uses it)."""
    import elementpath
    try:
        elementpath.XPath1Parser().parse(re.sub(r"\{\{[^}]*\}\}", "x", expression))
    except elementpath.ElementPathError as exc:
        return f"'{expression}' is not a valid XPath ({exc.message})"
    return None
