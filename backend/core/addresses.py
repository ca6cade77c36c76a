"""E-mail addresses, with one meaning for the whole program: a portal login of type `email`, the
Libeo inbox and the sender all pass the same check.

An address is a local part without spaces or RFC 5322 specials, "@", and a domain of one or more
labels (letters, digits, hyphens; internationalised names too). A dotless domain is accepted:
`user@localhost` or an intranet host is a real mailbox a portal or an SMTP server may use."""

from __future__ import annotations

import re

_LOCAL = r"[^@\s\"(),:;<>\[\\\]]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*")


def is_email(text: str) -> bool:
    return len(text) <= 254 and EMAIL.fullmatch(text) is not None
