"""`invoice-collector recipe verify`: a run on the user's account that writes a report for a bug
report, end to end (the command, real Chromium, a portal on loopback), and the report holds no
password, login, invoice number, amount or name from the portal."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from flask import Flask, redirect, render_template_string, request, session

from backend.cli import main
from backend.collectors.cli_run import EXIT_CODES
from tests.helpers import make_pdf, serve

LOGIN, PASSWORD, HOLDER = "marie.curie@example.com", "Ver1fy&Pw<77>", "Marie Curie"
INVOICES = [("FA-88412", "05/06/2024", "73,40 €"), ("FA-88501", "05/07/2024", "1\u202f208,15 €"),
            ("FA-88620", "05/08/2024", "66,06 €")]
PDFS = {number: make_pdf(f"verify {number}") for number, *_ in INVOICES}

RECIPE = """\
providers:
  - id: verified
    name: Énergie Vérifiée
    homepage: https://verified.example
    category: énergie
    terms: {version: "1", text: "t"}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login, type: email}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    urls: {portal: "http://127.0.0.1:9"}
    steps:
      - open: "{{ urls.portal }}/login"
      - fill: {locator: "#login", value: "{{ login }}"}
      - fill: {locator: "#password", value: "{{ password }}"}
      - click: "#go"
      - wait_for_any:
          - {present: "#account"}
          - {present: ".error", fail: LOGIN_FAILED, message_from: ".error"}
      - invoices:
          items: "tr.invoice"
          fields:
            id: {css: ".ref"}
            date: {css: ".date", date: auto}
            amount: {css: ".amount", amount: fr}
            holder: {css: ".holder", scope: page}
            pdf: {css: "a.pdf", attr: href}
"""
PAGE = "<!doctype html><html><head><title>{{ title }}</title></head><body>{{ body|safe }}</body></html>"


def portal_app() -> Flask:
    app = Flask("verified")
    app.secret_key = "verified"

    @app.get("/login")
    def login_form():
        return render_template_string(PAGE, title="Connexion", body='<form method="post"><input id="login" '
                                      'name="login"><input id="password" name="password" type="password">'
                                      '<button id="go">OK</button></form>')

    @app.post("/login")
    def login():
        if (request.form.get("login"), request.form.get("password")) != (LOGIN, PASSWORD):
            return render_template_string(PAGE, title="Connexion", body='<p class="error">Mot de passe incorrect</p>')
        session["ok"] = True
        return redirect("/compte")

    @app.get("/compte")
    def account():
        rows = "".join(f'<tr class="invoice"><td class="ref">{n}</td><td class="date">{d}</td><td class="amount">'
                       f'{a}</td><td><a class="pdf" href="/pdf/{n}">PDF</a></td></tr>' for n, d, a in INVOICES)
        return render_template_string(PAGE, title=f"Factures de {HOLDER} ({LOGIN})",
                                      body=f'<nav id="account">Bonjour <span class="holder">{HOLDER}</span></nav>'
                                           f"<table>{rows}</table>")

    @app.get("/pdf/<number>")
    def pdf(number: str):
        return (PDFS[number], 200, {"Content-Type": "application/pdf"}) if session.get("ok") else ("", 403)

    return app


@pytest.fixture(scope="module")
def portal():
    with serve(portal_app()) as url:
        yield url


def verify(tmp_path: Path, capsys, monkeypatch, portal: str, recipe: str) -> tuple[int, str, dict, str]:
    path = tmp_path / "verified.yaml"
    path.write_text(recipe, encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    status = main(["recipe", "verify", "verified", "--file", str(path), "--login", LOGIN, "--password-stdin",
                   "--url", f"portal={portal}", "--headless", "--report", str(tmp_path / "reports"),
                   "--chrome", "/usr/bin/chromium", "--chromedriver", "/usr/bin/chromedriver", "--step-timeout", "3"])
    out, err = capsys.readouterr()
    (markdown,) = (tmp_path / "reports").glob("verify-verified-*.md")
    (data,) = (tmp_path / "reports").glob("verify-verified-*.json")
    assert f"report written to {markdown}" in out
    return status, markdown.read_text(encoding="utf-8"), json.loads(data.read_text(encoding="utf-8")), out + err


def assert_nothing_personal(*texts: str) -> None:
    for text in texts:
        for personal in (PASSWORD, LOGIN, "marie.curie", "Marie", "Curie", *PDFS, "73,40", "73.40", "208,15",
                         "1208.15", "66,06", "66.06"):
            assert personal not in text, personal


@pytest.mark.browser
def test_a_recipe_that_works_gets_a_report_of_its_steps_pages_and_counts(portal, tmp_path, capsys, monkeypatch):
    status, markdown, report, output = verify(tmp_path, capsys, monkeypatch, portal, RECIPE)
    assert status == 0, output
    assert (report["outcome"], report["failed_step"]) == ("OK", None)
    assert [(s["index"], s["line"], s["name"], s["outcome"]) for s in report["steps"]] == [
        (1, 12, "open", "OK"), (2, 13, "fill", "OK"), (3, 14, "fill", "OK"), (4, 15, "click", "OK"),
        (5, 16, "wait_for_any", "OK"), (6, 19, "invoices", "OK")]
    assert report["steps"][5]["invoices_listed"] == 3
    assert report["invoices"] == {"listed": 3, "known": 0, "new": 3, "pdfs_saved": 2}  # at most two PDFs
    assert [(p["status"], p["title"]) for p in report["pages"]] == [(200, "Connexion"), (200, "Factures de • (•)")]
    assert report["http_statuses"] == [{"step": 6, "status": 200}, {"step": 6, "status": 200}]
    assert report["browser"].startswith("Chromium 1") and report["provider"]["recipe_file"] == "verified.yaml"
    assert len(report["provider"]["fingerprint"]) == 64
    assert report["steps"][4]["states"] == ["present '#account'"]
    assert "| 6 | 19 | `invoices` | OK |  | 3 |  |" in markdown
    assert_nothing_personal(markdown, json.dumps(report, ensure_ascii=False))


@pytest.mark.browser
def test_a_broken_recipe_gets_a_report_naming_the_locators_that_find_nothing(portal, tmp_path, capsys,
                                                                              monkeypatch):
    broken = RECIPE.replace('{present: "#account"}', '{present: ["#account-v2", "nav.account"]}')
    status, markdown, report, output = verify(tmp_path, capsys, monkeypatch, portal, broken)
    assert status == EXIT_CODES["RECIPE_BROKEN"], output
    assert (report["outcome"], report["failed_step"], report["failed_line"]) == ("RECIPE_BROKEN", 5, 16)
    failed = report["steps"][-1]
    assert (failed["name"], failed["outcome"]) == ("wait_for_any", "RECIPE_BROKEN")
    assert failed["missing_locators"] == ["#account-v2", "nav.account", ".error"]
    assert report["message"] == ("gave up waiting for present '#account-v2' or 'nav.account' or present '.error'")
    assert report["pages"][-1]["title"] == "Factures de • • (•)"  # the recipe never read the name: masked anyway
    assert "| 5 | 16 | `wait_for_any` | RECIPE_BROKEN |  |  | `#account-v2`, `nav.account`, `.error` |" in markdown
    assert_nothing_personal(markdown, json.dumps(report, ensure_ascii=False), output)


def test_verify_without_a_screen_says_so_before_asking_anything(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = tmp_path / "verified.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    status = main(["recipe", "verify", "verified", "--file", str(path), "--login", LOGIN])
    assert status == 2
    assert "this session has no screen (DISPLAY is not set): run it from your desktop session, or add --headless" \
        in capsys.readouterr().err


def test_a_portal_message_keeps_the_recipes_words_and_loses_names_numbers_and_secrets():
    from backend.collectors.run.diagnosis import COMMON_WORDS, mask
    from tests.helpers import make_context
    ctx = make_context(None)
    ctx.provider.steps = [{"wait_for": {"present": "#account-v2"}}]
    ctx.add_secret("S3cret!")
    text = ("gave up waiting for present '#account-v2'; the portal said: Bonjour Marie Curie, votre compte "
            "n° 12 345 est bloqué (S3cret!) marie@example.com 'Curie'")
    assert mask(ctx, text, {"Marie Curie"}, COMMON_WORDS) == (
        "gave up waiting for present '#account-v2'; the portal said: • •, votre compte n° • est bloqué (••••••) "
        "• '•'")
