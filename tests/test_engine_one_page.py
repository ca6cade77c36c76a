"""A page state is read from one document: the real race behind a captcha taken for a wrong
password (the old login page's "no captcha" read together with the answer page's error banner)."""

from __future__ import annotations

import pytest
from flask import Flask

from backend.collectors.model import CollectionError
from backend.collectors.steps.flow import holds, wait_for_any
from tests.helpers import make_context, serve

pytestmark = pytest.mark.browser

LOGIN = '<form><input id="username"></form>'
ANSWER = ('<div id="erreur-login">Confirmez que vous n\'êtes pas un robot.</div>'
          '<div id="captcha">Je ne suis pas un robot</div>')


@pytest.fixture(scope="module")
def site():
    app = Flask(__name__)
    app.add_url_rule("/login", "login", lambda: LOGIN)
    app.add_url_rule("/answer", "answer", lambda: ANSWER)
    with serve(app) as url:
        yield url


def test_a_check_spanning_two_documents_is_no_answer(site, browser):
    """The page is replaced between two reads of one look: that look does not count."""
    driver = browser.driver
    ctx = make_context(driver)
    driver.get(f"{site}/login")

    def captcha_then_error():
        if holds(ctx, present="#captcha"):
            return "CAPTCHA"
        driver.get(f"{site}/answer")  # the form's answer arrives between two reads
        return "LOGIN_FAILED" if holds(ctx, present="#erreur-login") else False

    assert ctx.on_one_page(captcha_then_error) is False
    assert ctx.on_one_page(captcha_then_error) == "CAPTCHA"  # the next look sees one page


def test_wait_for_any_acts_on_the_first_state_of_the_page_it_read(site, browser):
    driver = browser.driver
    ctx = make_context(driver)
    driver.get(f"{site}/answer")
    with pytest.raises(CollectionError) as raised:
        wait_for_any(ctx, cases=[{"present": "#username"},
                                 {"visible": "#captcha", "fail": "CAPTCHA", "message_from": "#erreur-login"},
                                 {"visible": "#erreur-login", "fail": "LOGIN_FAILED"}], timeout=5)
    assert (raised.value.code, raised.value.message) == ("CAPTCHA", "Confirmez que vous n'êtes pas un robot.")
