"""`invoice-collector recipe check|run|schema|docs`, in-process and as the real installed command.

`recipe run` goes against a tiny portal served on loopback, with real Chromium."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, abort, redirect, render_template_string, request, session

from backend import paths
from backend.cli import main
from backend.collectors.cli_run import EXIT_CODES
from backend.collectors.language.schema import schema_text
from tests.helpers import free_port, make_pdf, serve

REPO = Path(__file__).resolve().parent.parent
COMMAND = REPO / ".venv" / "bin" / "invoice-collector"
LOGIN, PASSWORD, OTP_LOGIN, CODE = "marie@example.com", "Tiny&Pw<42>", "otp@example.com", "493817"
INVOICES = {"C1": [("F-001", "05/06/2024", "44,20 €"), ("F-002", "5 juillet 2024", "1\u202f234,56 €")],
            "C2": [("F-900", "01/01/2024", "1,00 €")]}
PDFS = {key: make_pdf(f"tiny {key}") for rows in INVOICES.values() for key, *_ in rows}

RECIPE = """\
providers:
  - id: tinyportal
    name: Tiny Portal
    homepage: https://tiny.example
    category: autre
    terms: {version: "1", text: "Conditions de test."}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login, type: email}
      - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
    options:
      - {name: contract, label_fr: Contrat, label_en: Contract, required: true}
    urls: {portal: "http://127.0.0.1:9"}
    steps:
      - open: "{{ urls.portal }}/login"
      - fill: {locator: "#login", value: "{{ login }}"}
      - fill: {locator: "#password", value: "{{ password }}"}
      - click: "#go"
      - wait_for_any:
          - {present: "#account"}
          - {present: ".error", fail: LOGIN_FAILED, message_from: ".error"}
          - present: "#code"
            then:
              - one_time_code: {locator: "#code", prompt: "Code reçu par SMS", submit: "#verify"}
              - wait_for: {present: "#account"}
      - log: "logged in as {{ login }}, password {{ password }}"
      - open: "{{ urls.portal }}/factures?contrat={{ options.contract | url }}"
      - invoices:
          items: "tr.invoice"
          fields:
            id: {css: ".ref"}
            date: {css: ".date", date: auto}
            amount: {css: ".amount", amount: fr}
            pdf: {css: "a.pdf", attr: href}
"""


def tiny_portal() -> Flask:
    app = Flask("tinyportal")
    app.secret_key = "tiny"
    page = '<!doctype html><html><body>{{ body|safe }}</body></html>'

    @app.get("/login")
    def login_form():
        return render_template_string(page, body='<form method="post"><input id="login" name="login">'
                                                  '<input id="password" name="password" type="password">'
                                                  '<button id="go">OK</button></form>')

    @app.post("/login")
    def login():
        if request.form.get("password") != PASSWORD or request.form.get("login") not in (LOGIN, OTP_LOGIN):
            return render_template_string(page, body='<p class="error">Identifiant ou mot de passe incorrect</p>')
        session["user"] = request.form["login"]
        session["ok"] = request.form["login"] == LOGIN
        return redirect("/compte" if session["ok"] else "/code")

    @app.route("/code", methods=["GET", "POST"])
    def code():
        if request.method == "POST" and request.form.get("code") == CODE and "user" in session:
            session["ok"] = True
            return redirect("/compte")
        return render_template_string(page, body='<form method="post"><input id="code" name="code">'
                                                  '<button id="verify">Valider</button></form>')

    @app.get("/compte")
    def account():
        if not session.get("ok"):
            abort(403)
        return render_template_string(page, body='<nav id="account">Mon compte</nav>')

    @app.get("/factures")
    def invoices():
        if not session.get("ok"):
            abort(403)
        rows = "".join(f'<tr class="invoice"><td class="ref">{k}</td><td class="date">{d}</td>'
                       f'<td class="amount">{a}</td><td><a class="pdf" href="/pdf/{k}">PDF</a></td></tr>'
                       for k, d, a in INVOICES.get(request.args.get("contrat", ""), []))
        return render_template_string(page, body=f"<table>{rows}</table>")

    @app.get("/pdf/<key>")
    def pdf(key):
        if not session.get("ok") or key not in PDFS:
            abort(404)
        return PDFS[key], 200, {"Content-Type": "application/pdf"}

    return app


@pytest.fixture(scope="module")
def portal():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with serve(tiny_portal()) as url:
        yield url


@pytest.fixture
def recipe_home(home) -> Path:
    """A home whose providers.d holds the tiny portal's recipe."""
    (paths.user_recipes_dir() / "tiny.yaml").write_text(RECIPE, encoding="utf-8")
    return home


def browser_args() -> list[str]:
    return ["--chrome", os.environ.get("CHROME_BIN", "/usr/bin/chromium"),
            "--chromedriver", os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"), "--step-timeout", "5"]


def run_in_process(capsys, monkeypatch, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# ---- recipe check -----------------------------------------------------------------------------

def test_check_reports_every_error_with_its_position(tmp_path, capsys, monkeypatch, home):
    good = tmp_path / "good.yaml"
    good.write_text(RECIPE)
    bad = tmp_path / "bad.yaml"
    bad.write_text(RECIPE.replace("- click: \"#go\"", "- clik: \"#go\"").replace("{{ options.contract", "{{ options.contrat"))
    status, out, _ = run_in_process(capsys, monkeypatch, ["recipe", "check", str(good), str(bad)])
    assert status == 1
    assert out.splitlines() == [
        f"{bad}:17:9: unknown step 'clik' (did you mean 'click'?)",
        f"{bad}:26:51: template '{{{{ options.contrat | url }}}}': no option 'contrat' (did you mean 'contract'?)",
        "2 errors in 1 of 2 files (1 valid provider)",
    ]


def test_check_says_ok_with_counts(tmp_path, capsys, monkeypatch, home):
    good = tmp_path / "good.yaml"
    good.write_text(RECIPE)
    status, out, _ = run_in_process(capsys, monkeypatch, ["recipe", "check", str(good)])
    assert (status, out) == (0, "OK: 1 provider in 1 file\n")
    (tmp_path / "second.yml").write_text(RECIPE.replace("id: tinyportal", "id: tiny-two"))
    status, out, _ = run_in_process(capsys, monkeypatch, ["recipe", "check", str(tmp_path)])  # a folder
    assert (status, out) == (0, "OK: 2 providers in 2 files\n")


def test_check_without_files_reads_the_bundled_catalog_and_the_user_folder(capsys, monkeypatch, recipe_home):
    status, out, err = run_in_process(capsys, monkeypatch, ["recipe", "check"])
    from backend.collectors.language.catalog import load_file
    bundled_count = len(load_file(paths.bundled_catalog())[0])
    assert (status, out) == (0, f"OK: {bundled_count + 1} providers in 2 files\n")


def test_check_notes_a_user_recipe_that_overrides_a_bundled_one(capsys, monkeypatch, home):
    from backend.collectors.language.catalog import load_file
    bundled_id = load_file(paths.bundled_catalog())[0][0].id
    user = paths.user_recipes_dir() / "override.yaml"
    user.write_text(RECIPE.replace("id: tinyportal", f"id: {bundled_id}"), encoding="utf-8")
    status, out, err = run_in_process(capsys, monkeypatch, ["recipe", "check"])
    assert status == 0 and out.startswith("OK: ")
    assert f"note: {user}:2:5: provider '{bundled_id}' overrides the one at {paths.bundled_catalog()}:" in err


def test_schema_and_docs_commands_print_and_write(capsys, monkeypatch, tmp_path):
    status, out, _ = run_in_process(capsys, monkeypatch, ["recipe", "schema"])
    assert status == 0 and out == schema_text()
    monkeypatch.setattr("backend.collectors.language.schema.SCHEMA_FILE", tmp_path / "schema.json")
    monkeypatch.setattr("backend.collectors.language.docgen.DOCS_FILE", tmp_path / "docs" / "recipes.md")
    assert run_in_process(capsys, monkeypatch, ["recipe", "schema", "--write"])[:2] == (0, f"wrote {tmp_path / 'schema.json'}\n")
    assert (tmp_path / "schema.json").read_text() == schema_text()
    status, out, _ = run_in_process(capsys, monkeypatch, ["recipe", "docs", "--write"])
    assert (status, out) == (0, f"wrote {tmp_path / 'docs' / 'recipes.md'}\n")
    assert (tmp_path / "docs" / "recipes.md").read_text().startswith("# Writing provider recipes")


def test_recipe_without_action_shows_help(capsys, monkeypatch):
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe"])
    assert status == 2 and "check" in err and "run" in err


# ---- recipe run: argument problems (no browser) -----------------------------------------------

def test_run_unknown_provider_suggests_one(capsys, monkeypatch, recipe_home):
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe", "run", "tinyportl", "--login", LOGIN])
    assert status == 2
    assert "error: unknown provider 'tinyportl' (did you mean 'tinyportal'?)" in err


def test_run_unknown_option_or_url_name(capsys, monkeypatch, recipe_home):
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", LOGIN,
                                                          "--option", "contrat=C1", "--password-stdin"], "x\n")
    assert status == 2 and "error: tinyportal has no option 'contrat' (its options: contract)" in err
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", LOGIN,
                                                          "--url", "api=http://x", "--password-stdin"], "x\n")
    assert status == 2 and "error: tinyportal has no url 'api' (its urls: portal)" in err


def test_run_a_recipe_with_errors_lists_them_and_exits_1(capsys, monkeypatch, home, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(RECIPE.replace("- click: \"#go\"", "- clik: \"#go\""))
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", LOGIN,
                                                          "--file", str(broken), "--password-stdin"], "x\n")
    assert status == 1
    assert f"{broken}:17:9: unknown step 'clik' (did you mean 'click'?)" in err
    assert "error: the recipe of 'tinyportal' has errors" in err


def test_run_refuses_an_empty_required_password(capsys, monkeypatch, recipe_home):
    status, _, err = run_in_process(capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", LOGIN,
                                                          "--option", "contract=C1", "--password-stdin"], "\n")
    assert status == 2 and "error: Password (password) is required" in err


# ---- recipe run against the portal ------------------------------------------------------------

@pytest.mark.browser
def test_run_prints_a_table_asks_the_password_and_a_one_time_code(portal, capsys, monkeypatch, recipe_home, tmp_path):
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: prompts.append(prompt) or PASSWORD)
    out_dir = tmp_path / "pdf"
    status, out, err = run_in_process(
        capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", OTP_LOGIN, "--option", "contract=C1",
                              "--url", f"portal={portal}", "--out", str(out_dir), *browser_args()], f"{CODE}\n")
    assert status == 0, err
    assert prompts == ["Password: "]
    assert "Code reçu par SMS (sms): " in err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NUMBER", "DATE", "DUE", "AMOUNT", "CUR", "PDF"]
    assert [line.split()[:4] for line in lines[1:3]] == [["F-001", "2024-06-05", "44.20", "EUR"],
                                                          ["F-002", "2024-07-05", "1234.56", "EUR"]]
    assert lines[3] == "OK: 2 new, 0 known, 2 listed"
    saved = sorted(out_dir.glob("*.pdf"))
    assert [p.read_bytes() for p in saved] == [PDFS["F-001"], PDFS["F-002"]]
    assert "step 1 open (line 14)" in err and "saved F-001 -> " in err
    assert f"log (line 25): logged in as {OTP_LOGIN}, password ••••••" in err  # the recipe's log, as it runs
    assert PASSWORD not in out + err and CODE not in out


def _run_command(args: list[str], stdin: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, INVOICE_COLLECTOR_HOME=str(home), SE_OFFLINE="true")
    return subprocess.run([str(COMMAND), *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def test_the_installed_command_checks_recipes(tmp_path, recipe_home):
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers:\n  - id: xy\n    steps: [{clik: a}]\n")
    done = _run_command(["recipe", "check", str(bad)], "", tmp_path, recipe_home)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == f"{bad}:2:5: missing name, homepage, category, terms, credentials"
    assert f"{bad}:3:14: unknown step 'clik' (did you mean 'click'?)" in done.stdout.splitlines()
    done = _run_command(["recipe", "check"], "", tmp_path, recipe_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ") and done.stdout.endswith(" providers in 2 files\n")


@pytest.mark.browser
def test_the_installed_command_runs_a_recipe_with_json_output(portal, tmp_path, recipe_home):
    done = _run_command(["recipe", "run", "tinyportal", "--login", LOGIN, "--password-stdin", "--json",
                         "--option", "contract=C2", "--url", f"portal={portal}", *browser_args()],
                        PASSWORD + "\n", tmp_path, recipe_home)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["provider"], result["outcome"], result["exit_status"], result["listed"]) == ("tinyportal", "OK", 0, 1)
    (invoice,) = result["invoices"]
    assert (invoice["key"], invoice["date"], invoice["amount"], invoice["currency"]) == ("F-900", "2024-01-01", "1.00", "EUR")
    pdf = Path(invoice["pdf_path"])
    assert pdf.parent == tmp_path / "invoices"  # the default --out, under the working directory
    assert pdf.read_bytes() == PDFS["F-900"] and invoice["sha256"] == hashlib.sha256(PDFS["F-900"]).hexdigest()
    assert "OK: 1 new, 0 known, 1 listed" in done.stderr


@pytest.mark.browser
def test_the_installed_command_exits_with_the_login_failed_status(portal, tmp_path, recipe_home):
    wrong = "Wr0ng&Secret<7>"
    traces = tmp_path / "traces"
    done = _run_command(["recipe", "run", "tinyportal", "--login", LOGIN, "--password-stdin", "--json",
                         "--option", "contract=C1", "--url", f"portal={portal}", "--trace", str(traces),
                         *browser_args()], wrong + "\n", tmp_path, recipe_home)
    assert done.returncode == EXIT_CODES["LOGIN_FAILED"] == 10
    result = json.loads(done.stdout)
    assert (result["outcome"], result["message"], result["invoices"]) == (
        "LOGIN_FAILED", "Identifiant ou mot de passe incorrect", [])
    assert result["failed_line"] == 18
    trace = Path(result["trace"])
    assert trace.parent == traces and (trace / "screenshot.png").is_file() and (trace / "page.html").is_file()
    assert "LOGIN_FAILED at step 5 (line 18): Identifiant ou mot de passe incorrect" in done.stderr
    assert f"trace: {trace}" in done.stderr
    leaked = [p.name for p in trace.rglob("*") if p.is_file() and wrong.encode() in p.read_bytes()]
    assert leaked == [] and wrong not in done.stdout + done.stderr
    assert not (tmp_path / "invoices").exists() or not any((tmp_path / "invoices").iterdir())


@pytest.mark.browser
def test_verbose_output_shows_webdrivers_commands_but_never_a_secret(portal, tmp_path, recipe_home):
    from backend.redact import secret_pattern
    wrong = "Wr0ng&Verbose<8>"
    done = _run_command(["-v", "recipe", "run", "tinyportal", "--login", LOGIN, "--password-stdin",
                         "--option", "contract=C1", "--url", f"portal={portal}", *browser_args()],
                        wrong + "\n", tmp_path, recipe_home)
    assert done.returncode == EXIT_CODES["LOGIN_FAILED"]
    assert "no new invoice" not in done.stdout  # a failed run says its outcome, not an empty table
    assert "selenium.webdriver.remote.remote_connection" in done.stderr  # the debug lines are there…
    assert "/value" in done.stderr  # …the one that typed the password included
    assert secret_pattern(wrong).search(done.stderr + done.stdout) is None  # …masked in every spelling


@pytest.mark.browser
def test_state_remembers_what_a_run_found_as_the_server_does(portal, capsys, monkeypatch, recipe_home, tmp_path):
    argv = ["recipe", "run", "tinyportal", "--login", LOGIN, "--password-stdin", "--option", "contract=C1",
            "--url", f"portal={portal}", "--out", str(tmp_path / "pdf"), "--state", str(tmp_path / "state"),
            *browser_args()]
    first = run_in_process(capsys, monkeypatch, argv, PASSWORD + "\n")
    assert first[0] == 0 and "OK: 2 new, 0 known, 2 listed" in first[1], first
    second = run_in_process(capsys, monkeypatch, argv, PASSWORD + "\n")
    assert second[0] == 0 and "OK: 0 new, 2 known, 2 listed" in second[1], second
    assert "no new invoice" in second[1]


def test_run_with_the_grid_down_says_so_in_one_line(capsys, monkeypatch, recipe_home, tmp_path):
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: PASSWORD)
    grid = f"http://ops:grid-pw@127.0.0.1:{free_port()}/wd/hub"
    status, out, err = run_in_process(
        capsys, monkeypatch, ["recipe", "run", "tinyportal", "--login", "someone", "--option", "contract=C1",
                              "--url", "portal=http://127.0.0.1:9", "--out", str(tmp_path), "--remote-url", grid])
    assert status == EXIT_CODES["GRID_UNAVAILABLE"], out + err
    assert "Traceback" not in out + err and "grid-pw" not in out + err
    first = out.splitlines()[0]
    assert first.startswith(f"GRID_UNAVAILABLE: the Selenium Grid at {grid.replace('ops:grid-pw@', '')} cannot be "
                            "reached (NewConnectionError): check that it runs"), first
