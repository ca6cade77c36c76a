"""How a recipe names an element: one locator, or a list of alternatives tried in order.

A locator is a CSS selector by default, or a prefixed kind (xpath=, id=, name=, link=,
partial_link=, text=), and `host >> inner` reaches into open shadow roots. Wherever a step takes
a locator it also takes a list: portals get redesigned one hook at a time, and a recorder such as
Selenium IDE keeps several locators per target, so the first alternative that matches wins.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from selenium.webdriver.common.by import By

from backend.collectors.patterns import xpath_problem

LOCATOR_PREFIXES = {
    "css": By.CSS_SELECTOR, "xpath": By.XPATH, "id": By.ID, "name": By.NAME,
    "link": By.LINK_TEXT, "partial_link": By.PARTIAL_LINK_TEXT,
}
SHADOW_STEP = ">>"  # 'host >> inner': into a web component's open shadow root


def _xpath_literal(text: str) -> str:
    """An XPath string holding any text (XPath 1.0 has no escape for quotes)."""
    return "concat('" + text.replace("'", "', \"'\", '") + "', '')"


def parse_locator(locator: str) -> tuple[str, str]:
    """'xpath=//a' → (By.XPATH, '//a'); 'text=Payer' → an XPath on visible text; default CSS."""
    prefix, sep, rest = locator.partition("=")
    if sep and prefix in LOCATOR_PREFIXES:
        return LOCATOR_PREFIXES[prefix], rest
    if sep and prefix == "text":
        literal = _xpath_literal(rest)
        return By.XPATH, f"//*[contains(normalize-space(.), {literal}) and not(.//*[contains(normalize-space(.), {literal})])]"
    return By.CSS_SELECTOR, locator


def alternatives(locator: Any) -> list[str]:
    """The alternatives a locator value stands for, in the order written (one for a plain text)."""
    if isinstance(locator, (list, tuple)):
        return [str(option) for option in locator]
    return [str(locator)]


def describe_locator(locator: Any) -> str:
    """How messages name a locator: "'#go'", or every alternative: "'#go' or 'text=Go'"."""
    return " or ".join(f"'{option}'" for option in alternatives(locator))


def for_script(locator: str) -> list[str]:
    """One alternative as [kind, selector] for the page's own scripts, which know CSS and XPath:
    id=, name=, link= and text= are turned into one of those (a shadow chain keeps its CSS parts)."""
    first, *inner = [part.strip() for part in locator.split(SHADOW_STEP)]
    by, value = parse_locator(first)
    if by == By.ID:
        kind, value = "css", f"[id={json.dumps(value, ensure_ascii=False)}]"
    elif by == By.NAME:
        kind, value = "css", f"[name={json.dumps(value, ensure_ascii=False)}]"
    elif by == By.LINK_TEXT:
        kind, value = "xpath", f"//a[normalize-space(.)={_xpath_literal(value.strip())}]"
    elif by == By.PARTIAL_LINK_TEXT:
        kind, value = "xpath", f"//a[contains(normalize-space(.), {_xpath_literal(value.strip())})]"
    else:
        kind = "xpath" if by == By.XPATH else "css"
    return [kind, f" {SHADOW_STEP} ".join([value, *inner])]


NON_CSS = re.compile(r"^(xpath|id|name|link|partial_link|text)=")


def locator_problems(value: str, kind: Literal["locator", "css", "xpath"] = "locator") -> list[str]:
    """What `recipe check` can tell of one alternative: an XPath that does not parse, and in a
    'host >> inner' chain an empty part or a part inside a shadow root that is not CSS (WebDriver
    searches a shadow root with CSS only). `kind`: a step's locator, or an invoice field's css/xpath."""
    first, *inner = [part.strip() for part in value.split(SHADOW_STEP)]
    xpath = first if kind == "xpath" else first[len("xpath="):] if kind == "locator" and first.startswith("xpath=") else None
    if xpath is not None and (problem := xpath_problem(xpath.strip())):
        return [problem]
    if not inner:
        return []
    if not all([first, *inner]):
        return [f"'{value}': an empty part around '{SHADOW_STEP}'"]
    return [f"'{part}': inside a shadow root (after '{SHADOW_STEP}') only CSS selectors work"
            for part in inner if NON_CSS.match(part)]
