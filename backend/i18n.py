"""Texts a user reads, in both languages: `say(en, fr)` is the English text (a str, as logs and
the CLI use it) carrying its French twin. The API answers in the language the request asks for
(Accept-Language; the panel sends its own), with both in the error body; the CLI in the user's
locale (cli_language)."""

from __future__ import annotations

import os
from collections.abc import Mapping


class Said(str):
    """English text with its French twin (`.fr`)."""

    fr: str

    def __new__(cls, en: str, fr: str) -> Said:
        text = super().__new__(cls, en)
        text.fr = fr
        return text

    def __reduce__(self) -> tuple[type[Said], tuple[str, str]]:  # copy and pickle (asdict deep-copies)
        return Said, (str(self), self.fr)


def say(en: str, fr: str) -> Said:
    return Said(en, fr)


def french(text: str) -> str:
    """The French twin of a text, or the text itself when it has none."""
    return text.fr if isinstance(text, Said) else str(text)


def in_language(text: str, lang: str) -> str:
    return french(text) if lang == "fr" else str(text)


# Read in this order, as gettext does: the first one set decides.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of command-line output: "fr" when the user's locale is French, else "en"."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        if env.get(name):
            return "fr" if env[name].lower().startswith("fr") else "en"
    return "en"
