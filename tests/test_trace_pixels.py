"""A trace's screenshot never shows a secret: a portal that echoes the refused password (and
keeps it in a field) is captured with that text masked, pixel for pixel as the same page showing
the mask instead would look."""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path

import pytest
from flask import Flask, request

from backend.collectors.language.catalog import load_file
from backend.collectors.run.browser import Browser
from backend.redact import MASK
from tests.helpers import run_recipe, serve

pytestmark = pytest.mark.browser

SECRET = "Ech0ed-P@ss-9917"
RECIPE = """providers:
  - id: echo
    name: Echo
    homepage: https://echo.example
    category: énergie
    terms: {version: "1", text: "t"}
    credentials:
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "http://127.0.0.1:9"}
    steps:
      - open: "{{ urls.portal }}/login"
      - fill: {locator: "#pw", value: "{{ password }}"}
      - fill: {locator: "#note", value: "{{ password }}"}
      - fail_if: {present: "#refused", code: LOGIN_FAILED, message_from: "#refused"}
"""


def echo_app() -> Flask:
    app = Flask("echo")

    @app.get("/login")
    def login() -> str:
        shown = request.args.get("shown", SECRET)
        # No blinking caret: two screenshots of one page must not differ by the caret's phase.
        return ("<style>* { caret-color: transparent; }</style><body style='font: 20px sans-serif'>"
                f"<p id='refused'>Mot de passe refusé : {html.escape(shown)}</p>"
                "<input id='pw' type='password'><input id='note' value=''></body>")

    return app


def test_the_trace_screenshot_is_the_page_with_the_secret_masked(tmp_path, browser_config):
    path = tmp_path / "echo.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    (provider,), errors = load_file(path)
    assert not errors
    with serve(echo_app()) as portal:
        result = run_recipe(provider, browser_config, {"password": SECRET}, {"portal": portal},
                            out_dir=tmp_path / "out", trace_dir=tmp_path / "traces", default_step_timeout=5.0)
        assert result.outcome == "LOGIN_FAILED"
        traced = (Path(result.trace_path) / "screenshot.png").read_bytes()
        with Browser(browser_config, tmp_path / "dl") as browser:  # the same page, showing the mask
            browser.driver.get(f"{portal}/login?shown={urllib.parse.quote(MASK)}")
            browser.driver.find_element("id", "note").send_keys(MASK)
            browser.driver.save_screenshot(str(tmp_path / "expected.png"))
    assert traced == (tmp_path / "expected.png").read_bytes()
