"""Unit tests of the engine's browser context with a stand-in driver: answers chromedriver gives
under a navigation or an alert that a real page cannot be made to give on demand."""

from __future__ import annotations

import pytest

from backend.collectors.steps.flow import holds
from tests.helpers import make_context


class NavigatingDriver:
    """chromedriver answers `null` for the URL while a page is being replaced."""

    def __init__(self, urls):
        self.urls = list(urls)

    @property
    def current_url(self):
        return self.urls.pop(0) if self.urls else "http://portal.test/factures"


def test_a_url_condition_is_false_not_a_crash_while_the_url_is_unknown():
    ctx = make_context(NavigatingDriver([None]))
    assert holds(ctx, url="/factures") is False
    assert holds(ctx, url="/factures") is True


def test_current_url_is_always_a_string():
    ctx = make_context(NavigatingDriver([None, "http://portal.test/login"]))
    assert ctx.current_url == ""
    assert ctx.current_url == "http://portal.test/login"


class ReplacedElement:
    """An element whose document is replaced under it, then the new document's element."""

    def __init__(self, answers):
        self.answers = answers

    def is_displayed(self):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class ChangingPageDriver(NavigatingDriver):
    def __init__(self, element):
        super().__init__([])
        self.element = element

    def find_elements(self, by, value):
        return [self.element]

    def execute_script(self, script, *args):
        """One parsed document throughout: only the element's answers change."""
        return [self.element, "complete"] if not args else True


def test_an_element_of_a_replaced_document_is_looked_for_again_not_an_internal_error():
    from selenium.common.exceptions import WebDriverException

    from backend.collectors.steps.flow import wait_for
    inspector = WebDriverException('unknown error: unhandled inspector error: {"code":-32000,'
                                   '"message":"Node with given id does not belong to the document"}')
    element = ReplacedElement([inspector, True])
    wait_for(make_context(ChangingPageDriver(element)), visible="#bills", timeout=5)
    assert element.answers == []  # asked twice: the error, then the new document's answer


def test_other_browser_errors_still_stop_the_wait():
    from selenium.common.exceptions import WebDriverException

    from backend.collectors.steps.flow import wait_for
    element = ReplacedElement([WebDriverException("unknown error: session deleted because of page crash")])
    with pytest.raises(WebDriverException, match="page crash"):
        wait_for(make_context(ChangingPageDriver(element)), visible="#bills", timeout=5)


def test_a_key_that_is_a_file_name_gives_a_pdf_with_one_extension():
    from backend.collectors.run.download import safe_name
    assert safe_name("Facture_2024-03.PDF") == "Facture_2024-03"
    assert safe_name("FAC/2024 n°7") == "FAC_2024_n_7"
    assert safe_name("../..") == "invoice"
