"""Texts a user reads, in both languages: `say(en, fr)` is the English text (a str, as logs and
the CLI use it) carrying its French twin. The API answers in the language the request asks for
(Accept-Language; the panel sends its own), with both in the error body."""

from __future__ import annotations


class Said(str):
    """English text with its French twin (`.fr`)."""

    fr: str

    def __new__(cls, en: str, fr: str) -> Said:
        text = super().__new__(cls, en)
        text.fr = fr
        return text


def say(en: str, fr: str) -> Said:
    return Said(en, fr)


def french(text: str) -> str:
    """The French twin of a text, or the text itself when it has none."""
    return text.fr if isinstance(text, Said) else str(text)


def in_language(text: str, lang: str) -> str:
    return french(text) if lang == "fr" else str(text)
