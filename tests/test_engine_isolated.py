"""Collections run in a child process (backend/collectors/run/isolated.py), as the server runs them:
same results as in process, callbacks answered by the parent, and no process or browser left
behind whether the child dies, the run hangs, or the parent is killed."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backend.collectors import load_catalog
from backend.collectors.language.catalog import load_file
from backend.collectors.model import RunRequest
from backend.collectors.run.isolated import load_catalog_isolated, run_collection_isolated
from backend.demo import DEMO_LOGIN, DEMO_PASSWORD
from backend.demo.portal import start_demo_portal
from tests.helpers import wait_for

STUCK_RECIPE = """\
version: 1
providers:
  - id: stuck
    name: Portail figé
    homepage: https://stuck.example
    category: autre
    terms: {version: "1", text: "Conditions de test."}
    credentials:
      - {name: login, label_fr: Identifiant, label_en: Login}
    urls: {portal: "http://127.0.0.1:9"}
    steps:
      - open: "{{ urls.portal }}/connexion?ref=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"
      # Nested quantifiers on a URL that almost matches: hours for a backtracking engine.
      - wait_for: {url: "(a+)+$"}
"""
WAITING_RECIPE = STUCK_RECIPE.replace('      - wait_for: {url: "(a+)+$"}',
                                      '      - wait_for: {present: "#never-there", timeout: 600}')


@pytest.fixture()
def demo_portal(tmp_path):
    portal = start_demo_portal(tmp_path / "portal")
    yield portal
    portal.close()


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains text (Chromium's profile sits under tmp_dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def demo_request(portal, tmp_path, browser_config, **hooks) -> RunRequest:
    provider = load_catalog().get("demo-energie")
    return RunRequest(provider=provider, credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD},
                      out_dir=tmp_path / "out", url_overrides={"portal": portal.url}, browser=browser_config,
                      **hooks)


def recipe_request(tmp_path, browser_config, text: str, portal_url: str, **options) -> RunRequest:
    path = tmp_path / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    providers, errors = load_file(path)
    assert not errors, errors
    return RunRequest(provider=providers[0], credentials={"login": "x"}, out_dir=tmp_path / "out",
                      url_overrides={"portal": portal_url}, browser=browser_config, **options)


def test_a_child_collects_what_the_engine_collects_and_the_parent_stores_each_invoice(
        demo_portal, tmp_path, browser_config):
    stored, progress, asked_pdf = [], [], []

    def want_pdf(invoice):
        asked_pdf.append(invoice.key)
        return invoice.key.endswith(("5", "6"))  # only the two newest, as a baseline would

    def on_invoice(invoice):
        assert invoice.pdf_path is None or Path(invoice.pdf_path).is_file()  # readable by the parent
        stored.append((invoice.key, invoice.pdf_path is not None))

    request = demo_request(demo_portal, tmp_path, browser_config, on_invoice=on_invoice,
                           on_progress=progress.append, want_pdf=want_pdf)
    result = run_collection_isolated(request, tmp_path / "tmp")
    assert result.outcome == "OK", result.message
    assert [i.key for i in result.invoices] == [key for key, _ in stored] == sorted(asked_pdf, reverse=True)
    assert [has_pdf for _, has_pdf in stored] == [True, True, False, False, False, False]
    assert progress[0].step_name == "open" and progress[-1].listed == 6
    assert processes_mentioning(str(tmp_path / "tmp")) == []


def test_an_error_in_the_parents_callback_is_the_runs_outcome(demo_portal, tmp_path, browser_config):
    def disk_full(invoice):
        raise OSError(28, "No space left on device")

    request = demo_request(demo_portal, tmp_path, browser_config, on_invoice=disk_full)
    result = run_collection_isolated(request, tmp_path / "tmp")
    assert (result.outcome, result.message) == ("DISK_FULL", "no space left on the disk while saving an invoice")


def test_a_child_killed_mid_run_ends_internal_with_its_browser(demo_portal, tmp_path, browser_config):
    def kill_own_collector(invoice):
        # The first invoice arrives: kill the collection process (as the OOM killer would).
        browsers = processes_mentioning(str(tmp_path / "tmp"))
        assert browsers
        os.kill(os.getsid(browsers[0]), signal.SIGKILL)  # the collection process leads the browser's session

    request = demo_request(demo_portal, tmp_path, browser_config, on_invoice=kill_own_collector)
    result = run_collection_isolated(request, tmp_path / "tmp")
    assert result.outcome == "INTERNAL"
    assert result.message == "the collection process stopped unexpectedly (killed by signal 9)"
    wait_for(lambda: not processes_mentioning(str(tmp_path / "tmp")), 15, "the browser to be gone")


def test_a_pattern_that_would_backtrack_for_hours_is_just_a_wait_that_does_not_match(
        demo_portal, tmp_path, browser_config):
    """Recipe expressions run on RE2 (linear time): `(a+)+$` on an almost-matching URL once held a
    worker at 100 % CPU until the hard deadline killed it, and the user read "the provider's site
    did not answer". Now it is an ordinary wait that never matches: RECIPE_BROKEN, naming it."""
    request = recipe_request(tmp_path, browser_config, STUCK_RECIPE, demo_portal.url, run_timeout=120.0,
                             default_step_timeout=2.0)
    result = run_collection_isolated(request, tmp_path / "tmp", hard_grace=3.0)
    assert (result.outcome, result.message) == ("RECIPE_BROKEN", "gave up waiting for url '(a+)+$'")
    wait_for(lambda: not processes_mentioning(str(tmp_path / "tmp")), 15, "the browser to be gone")


def test_a_killed_parent_takes_its_collection_and_browser_with_it(demo_portal, tmp_path, browser_config):
    (tmp_path / "recipe.yaml").write_text(WAITING_RECIPE, encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from backend.collectors.language.catalog import load_file
        from backend.collectors.run.isolated import run_collection_isolated
        from backend.collectors.model import BrowserConfig, RunRequest
        if __name__ == "__main__":
            providers, _ = load_file(Path({str(tmp_path / 'recipe.yaml')!r}))
            request = RunRequest(provider=providers[0], credentials={{"login": "x"}}, out_dir=Path({str(tmp_path)!r}),
                                 url_overrides={{"portal": {demo_portal.url!r}}},
                                 browser=BrowserConfig(chrome_binary={browser_config.chrome_binary!r},
                                                       chromedriver={browser_config.chromedriver!r}))
            run_collection_isolated(request, Path({str(tmp_path / 'tmp')!r}))
        """)
    (tmp_path / "parent.py").write_text(script, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], cwd=Path(__file__).parent.parent)
    try:
        wait_for(lambda: any("chrom" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
                               for pid in processes_mentioning(str(tmp_path / "tmp"))), 60, "Chromium to start")
    finally:
        parent.kill()
        parent.wait()
    wait_for(lambda: not processes_mentioning(str(tmp_path / "tmp")), 15,
               "the collection process and its browser to end")


def test_child_logs_reach_the_parent_without_selenium_payloads(demo_portal, tmp_path, browser_config, caplog):
    def broken_store(invoice):
        raise RuntimeError("the store refused it")

    request = demo_request(demo_portal, tmp_path, browser_config, on_invoice=broken_store)
    with caplog.at_level(logging.DEBUG):
        result = run_collection_isolated(request, tmp_path / "tmp")
    assert (result.outcome, result.message) == ("INTERNAL", "RuntimeError: the store refused it")
    engine = [r for r in caplog.records if r.name == "invoice_collector.engine"]
    assert [(r.levelname, r.getMessage()) for r in engine] == [("ERROR", "engine error in demo-energie")]
    assert "RuntimeError: the store refused it" in engine[0].exc_text  # the child's traceback
    assert not [r for r in caplog.records if r.name.startswith(("selenium", "urllib3"))]
    assert DEMO_PASSWORD not in caplog.text


def test_the_catalog_loads_in_a_child_with_its_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("INVOICE_COLLECTOR_HOME", str(tmp_path / "home"))
    user = tmp_path / "home" / "config" / "providers.d"
    user.mkdir(parents=True)
    (user / "mine.yaml").write_text("providers:\n  - id: mine\n    name: [oops\n", encoding="utf-8")
    in_process, isolated = load_catalog(), load_catalog_isolated(tmp_path / "tmp")
    assert sorted(isolated.providers) == sorted(in_process.providers)
    assert [str(e) for e in isolated.errors] == [str(e) for e in in_process.errors] != []


def test_loading_the_catalog_in_a_child_keeps_the_engine_out_of_the_caller(tmp_path):
    code = ("import sys, pathlib; from backend.collectors.run.isolated import load_catalog_isolated\n"
            "catalog = load_catalog_isolated(pathlib.Path(sys.argv[1]))\n"
            "print(len(catalog.providers), [m for m in ('selenium', 'jsonschema', 'requests') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "tmp")], capture_output=True, text=True,
                         env=dict(os.environ, INVOICE_COLLECTOR_HOME=str(tmp_path / "home")),
                         cwd=Path(__file__).parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(None, 1) == [str(len(load_catalog().providers)), "[]\n"]


def test_a_recipe_draft_is_checked_in_a_child_as_in_process(tmp_path):
    """The server checks the panel's drafts this way (server/recipes.py): same providers, same errors."""
    from backend.collectors.language.catalog import load_text
    from backend.collectors.run.isolated import check_recipe_isolated
    from tests.server.test_server_recipes import DRAFT
    for text in (DRAFT, DRAFT.replace("- click:", "- clik:")):
        providers, errors = check_recipe_isolated(text, "draft.yaml", tmp_path / "tmp")
        expected_providers, expected_errors = load_text(text, "draft.yaml")
        assert errors == expected_errors
        assert [p.id for p in providers] == [p.id for p in expected_providers]
    assert errors and str(errors[0]).startswith("draft.yaml:15:5: unknown step 'clik'")
