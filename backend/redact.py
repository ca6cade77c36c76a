"""Secrets out of every text the program shows or keeps: logs, traces, job messages, API answers.

One function for the whole program: a secret is masked as typed, as a page spells it in HTML
(named or numeric entities, which browsers mix), URL-encoded (quote and quote_plus) and
JSON-escaped. The longest secret goes first, so one that contains another leaves no tail."""

from __future__ import annotations

import functools
import json
import logging
import re
import urllib.parse
from collections.abc import Iterable

MASK = "••••••"  # what a secret looks like in logs, traces and messages
ENTITY_NAMES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos", "\u00a0": "nbsp"}


def _char_pattern(char: str) -> str:
    """A character, or any HTML entity that spells it (browsers differ in what they escape)."""
    forms = [re.escape(char), f"&#0*{ord(char)};", f"&#[xX]0*(?i:{ord(char):x});"]
    if char in ENTITY_NAMES:
        forms.append(f"&{ENTITY_NAMES[char]};")
    return "(?:" + "|".join(forms) + ")"


def _compile(secret: str) -> re.Pattern[str]:
    """Matches a secret as typed, as HTML spells it, URL-encoded, JSON-escaped, or as a list of its
    characters."""
    literal = {urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret, safe=""),
               json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    options = ["".join(_char_pattern(c) for c in secret)]
    if len(secret) > 1:  # one character per item, as WebDriver's send_keys payload lists them
        options.append(r"""['"]""" + r"""['"]\s*,\s*['"]""".join(re.escape(c) for c in secret) + r"""['"]""")
    # Percent-encoding's hex digits come in either case (%2F, %2f): both are the secret.
    options += [re.sub(r"%([0-9A-F]{2})", r"%(?i:\1)", re.escape(v))
                for v in sorted(literal, key=len, reverse=True) if v]
    return re.compile("|".join(options))


# Compiled once per secret. The cache wraps a plain function (not a decorator on it) so that the
# mutation run (bench/mutation.py), which skips decorated functions, mutates the pattern itself.
secret_pattern = functools.lru_cache(maxsize=64)(_compile)


_HANDLED: set[str] = set()  # every secret this process has handled: masked in each log line


def remember(*secrets: str) -> None:
    """Secrets the log filter below masks from now on, in this process."""
    _HANDLED.update(s for s in secrets if s)


class MaskSecrets(logging.Filter):
    """For a log handler: every record, whatever library wrote it (Selenium logs each WebDriver
    command's payload at DEBUG, urllib3 each URL), with the secrets this process handled masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _HANDLED:
            text = record.getMessage()
            masked = redact(text, _HANDLED)
            if masked != text:
                record.msg, record.args = masked, None
        return True


def mask_logs(logger: logging.Logger | None = None) -> None:
    """MaskSecrets on every handler of `logger` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskSecrets) for f in handler.filters):
            handler.addFilter(MaskSecrets())


# The password part of an address's userinfo (https://user:PASSWORD@host/): masked whoever wrote it.
URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)", re.I)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, in every spelling above, and any password written in an
    address's userinfo, replaced by MASK."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = secret_pattern(secret).sub(MASK, text)
    return URL_USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
