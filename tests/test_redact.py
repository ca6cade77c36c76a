"""The one redactor every log, trace, message and API answer goes through: each spelling of a
secret a page, a URL, JSON or WebDriver's payload may use is masked, and nothing else."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest

from backend.redact import MASK, MaskSecrets, redact, remember

SECRET = "p&ss/w<r>d é\"1'"


@pytest.mark.parametrize("spelling", [
    SECRET,
    "p&amp;ss/w&lt;r&gt;d é&quot;1&#39;",  # named entities (and a numeric one, as browsers mix them)
    "p&#38;ss/w&#60;r&#62;d &#233;&#34;1&#x27;",  # decimal and hexadecimal entities
    "p&#x26;ss/w&#X3C;r&#x3e;d é&#0034;1'",  # upper-case hex, leading zeros
    urllib.parse.quote(SECRET, safe=""),  # '/' encoded too
    urllib.parse.quote_plus(SECRET, safe=""),
    urllib.parse.quote(SECRET, safe="").lower(),  # lower-case hex (%2f) as some clients write it (the letters already are)
    json.dumps(SECRET)[1:-1],
    json.dumps(SECRET, ensure_ascii=False)[1:-1],
    str(list(SECRET))[1:-1],  # one character per item: WebDriver's send_keys payload, logged by Selenium
], ids=["typed", "named entities", "numeric entities", "hex entities", "quote", "quote_plus", "quote lower hex",
                 "json ascii",
        "json", "characters"])
def test_every_spelling_is_masked(spelling):
    assert redact(f"before {spelling} after", [SECRET]) == f"before {MASK} after"


def test_the_longest_secret_goes_first_so_no_tail_is_left():
    assert redact("pin 1234 and 123456", ["1234", "123456"]) == f"pin {MASK} and {MASK}"


def test_a_password_in_an_address_is_masked_whoever_wrote_it():
    text = "GET https://alice:s3cr%40t@portal.example/f.pdf and ftp://bob@host/x"
    assert redact(text, []) == f"GET https://alice:{MASK}@portal.example/f.pdf and ftp://bob@host/x"


def test_other_text_is_left_alone():
    assert redact("nothing secret here: 1234", ["5678", ""]) == "nothing secret here: 1234"


def test_every_log_line_masks_the_secrets_the_process_handled(caplog):
    logger = logging.getLogger("selenium.webdriver.remote.remote_connection")
    caplog.handler.addFilter(MaskSecrets())
    remember("Zq9-handled-secret")
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.debug("POST %s %s", "http://localhost/session/1/element/2/value",
                     {"text": "Zq9-handled-secret", "value": list("Zq9-handled-secret")})
    (line,) = [r.getMessage() for r in caplog.records]
    assert "Zq9" not in line and line.count(MASK) == 2
