"""Collections through a real Selenium Grid (tests/grid.py): the same invoices and byte-identical PDFs
as a local Chromium, with the session's and the browser's downloads; a Grid that gives no browser (down,
full, refusing the credentials) is GRID_UNAVAILABLE naming it, never its password."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest
from cryptography.fernet import Fernet
from flask import Flask

from backend import config, doctor
from backend.collectors.model import BrowserConfig, RunRequest
from backend.collectors.run import cookie_jar, download
from backend.collectors.run import grid as grid_module
from backend.collectors.run.browser import Browser
from backend.collectors.run.isolated import run_collection_isolated
from backend.errors import CODES
from tests.grid import QUEUE_TIMEOUT, SLOTS, Link, node_config
from tests.helpers import free_port, serve, summary, wait_for
from tests.portals import classic, twostep
from tests.portals.common import load_recipe, run
from tests.test_engine_portals import CLASSIC_CREDENTIALS, CLASSIC_EXPECTED, assert_pdfs

pytestmark = pytest.mark.browser


def test_three_accounts_on_two_slots_all_collect_through_the_session(classic_portal, grid, grid_browser, tmp_path):
    # More syncs than slots (workers 3, one node of 2): the third waits in the Grid's queue, then runs.
    known = {number for number, *_ in classic.INVOICES[1:]}  # the newest PDF only: a short sync
    results: dict[int, object] = {}

    def sync(account: int) -> None:
        results[account] = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / str(account),
                               grid_browser, CLASSIC_CREDENTIALS, known_keys=known)
    threads = [threading.Thread(target=sync, args=(account,)) for account in range(SLOTS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(results) == list(range(SLOTS + 1))
    for result in results.values():
        assert result.outcome == "OK", result.message
        assert summary(result.invoices) == CLASSIC_EXPECTED[:1]
        assert_pdfs(result.invoices, classic.PDFS)


def test_browser_downloads_come_back_from_the_node_byte_identical(classic_portal, grid, grid_browser, tmp_path,
                                                                   monkeypatch):
    fetched = []  # through the Grid's API, never a folder this machine shares with the node
    monkeypatch.setattr(download, "_own_download_folder", lambda *args: pytest.fail("a local download folder"))
    real_via_grid = download.via_grid
    monkeypatch.setattr(download, "via_grid", lambda ctx, invoice, url: (fetched.append(invoice.key),
                                                                         real_via_grid(ctx, invoice, url)))
    result = run(load_recipe("classic", "classic-browser"), classic_portal.url, tmp_path, grid_browser,
                 CLASSIC_CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert_pdfs(result.invoices, classic.PDFS)
    assert fetched == [number for number, *_ in classic.INVOICES if number in classic.PDFS]


# ---- honest outcomes: a Grid that gives no browser says which Grid and what to check ----------------

def test_a_grid_with_no_free_slot_in_time_is_grid_unavailable_and_doctor_sees_the_queue(
        classic_portal, grid, tmp_path):
    # Both slots held, as two long syncs would; the Grid queues the third request, then gives up.
    held = [Browser(BrowserConfig(remote_url=grid.url), tmp_path / f"held-{n}") for n in range(SLOTS)]
    try:
        outcome: list = []
        started = time.monotonic()
        waiting = threading.Thread(target=lambda: outcome.append(run(
            load_recipe("classic", "classic"), classic_portal.url, tmp_path, BrowserConfig(remote_url=grid.url),
            CLASSIC_CREDENTIALS)))
        waiting.start()
        wait_for(lambda: grid_module.status(grid.url).queued == 1, 10, "the request to be queued")
        check = doctor.check_browser(config.Settings(remote_webdriver_url=grid.url))
        assert check.status == doctor.WARN, check.summary
        assert f"is full: 0 of {SLOTS} slots free, 1 session request(s) queued" in check.summary
        waiting.join(QUEUE_TIMEOUT + 30)
    finally:
        for browser in held:
            browser.close()
    result, = outcome
    assert result.outcome == "GRID_UNAVAILABLE", result.message
    assert result.message.startswith(f"the Selenium Grid at {grid.url} had no free slot in time"), result.message
    assert QUEUE_TIMEOUT - 1 < time.monotonic() - started < QUEUE_TIMEOUT + 20
    assert CODES["GRID_UNAVAILABLE"].auto_retry


def test_a_grid_that_is_down_is_grid_unavailable_at_once(classic_portal, tmp_path):
    down = f"http://ops:grid-pw@127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, BrowserConfig(remote_url=down),
                 CLASSIC_CREDENTIALS)
    assert result.outcome == "GRID_UNAVAILABLE", result.message
    assert result.message.startswith(f"the Selenium Grid at {down.replace('ops:grid-pw@', '')} cannot be reached")
    assert "grid-pw" not in result.message and time.monotonic() - started < 10


def test_a_grid_refusing_the_credentials_says_so(classic_portal, tmp_path):
    refusing = Flask("grid")  # what Selenium Grid answers (its --username/--password) to wrong credentials

    @refusing.route("/<path:anything>", methods=["GET", "POST", "DELETE"])
    def refuse(anything):
        return "Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="selenium-server"'}
    with serve(refusing) as url:
        result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path,
                     BrowserConfig(remote_url=url.replace("//", "//ops:wrong-pw@")), CLASSIC_CREDENTIALS)
    assert result.outcome == "GRID_UNAVAILABLE", result.message
    assert result.message == (f"the Selenium Grid at {url} refused the credentials (HTTP 401): check the user and "
                              "password of remote_webdriver_url")


def test_doctor_counts_the_grids_slots(grid):
    check = doctor.check_browser(config.Settings(remote_webdriver_url=grid.url))
    assert check.status == doctor.OK
    assert check.summary == f"the Selenium Grid at {grid.url} is ready: {SLOTS} of {SLOTS} slots free, " \
                            "0 session request(s) queued"


# ---- sessions never leak: a sync that dies frees its Grid slot at once ----------------------------

def test_a_collection_child_killed_mid_run_frees_its_grid_slot_at_once(classic_portal, grid, tmp_path):
    record = tmp_path / "grid-sessions" / "job-1.json"
    recorded = []

    def kill_own_collector(invoice):  # the first invoice arrives: the OOM killer strikes the collection process
        recorded.append(json.loads(record.read_text()))
        child, = [p for p in psutil.Process().children() if "backend.collectors.run.isolated" in p.cmdline()]
        child.send_signal(signal.SIGKILL)

    request = RunRequest(load_recipe("classic", "classic"), CLASSIC_CREDENTIALS, tmp_path / "pdf",
                         url_overrides={"portal": classic_portal.url}, default_step_timeout=5.0,
                         on_invoice=kill_own_collector,
                         browser=BrowserConfig(remote_url=grid.url, session_record=record))
    result = run_collection_isolated(request, tmp_path / "tmp")
    assert (result.outcome, result.message) == ("INTERNAL", "the collection process stopped unexpectedly "
                                                            "(killed by signal 9)")
    assert recorded == [{"grid": grid.url, "session": recorded[0]["session"]}]
    assert not record.exists()
    # The Grid's /status catches up with the DELETE within moments, not the node's 300 s session timeout.
    wait_for(lambda: grid.free_slots() == SLOTS, 5, "the slot to be free")
    assert recorded[0]["session"] not in grid.sessions()


# ---- sessions that last: the account's cookies travel from one remote sync to the next ---------------

def test_a_remote_sync_is_as_logged_in_as_a_local_one(classic_portal, grid, tmp_path, caplog):
    key = Fernet.generate_key().decode()
    config = BrowserConfig(remote_url=grid.url, profile_dir=tmp_path / "profile", cookie_key=key)
    known = {n for n, *_ in classic.INVOICES[1:]}
    before = set(classic_portal.state.remember_tokens)
    first = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / "1", config,
                CLASSIC_CREDENTIALS, known_keys=known)
    jar = tmp_path / "profile" / cookie_jar.JAR_NAME
    token, = set(classic_portal.state.remember_tokens) - before  # the portal's "remember me" cookie
    assert jar.exists() and token.encode() not in jar.read_bytes()  # encrypted at rest
    assert jar.stat().st_mode & 0o077 == 0
    second = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / "2", config,
                 CLASSIC_CREDENTIALS, known_keys=known)
    assert (first.outcome, second.outcome) == ("OK", "OK"), (first.message, second.message)
    assert [i.key for i in second.invoices] == ["FAC-2024-001"]
    hits = classic_portal.state.hits
    assert (hits["login"], hits["remembered"]) == (1, 1)  # the second remote sync skipped the login form
    assert (first.session_reused, second.session_reused) == (False, True)
    assert key not in caplog.text and token not in caplog.text


def test_kept_cookies_that_cannot_be_read_are_dropped_and_the_sync_logs_in(classic_portal, grid, tmp_path, caplog):
    profile = tmp_path / "profile"
    known = {n for n, *_ in classic.INVOICES[1:]}
    for key in (Fernet.generate_key().decode(), Fernet.generate_key().decode()):  # the key changed (restored keyring)
        result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path / key[:6], BrowserConfig(
            remote_url=grid.url, profile_dir=profile, cookie_key=key), CLASSIC_CREDENTIALS, known_keys=known)
        assert result.outcome == "OK", result.message
    assert classic_portal.state.hits["login"] == 2
    assert "the cookies kept for this account cannot be read (InvalidToken): this sync starts logged out" in caplog.text


# ---- a Grid lost mid-run: retried later, the invoices already stored kept -------------------------------

def test_a_grid_lost_mid_run_is_grid_unavailable_and_its_session_is_ended_when_it_is_back(
        twostep_portal, grid, tmp_path, caplog):
    link = Link(grid.url)
    record = tmp_path / "grid-sessions" / "job-1.json"
    stored = []

    def store_then_lose_the_grid(invoice):  # each invoice's PDF is on its own page: the browser is needed next
        stored.append(invoice.key)
        link.cut()  # the network to the Grid drops (or the Grid restarts) while the sync runs
    result = run(load_recipe("twostep"), twostep_portal.url, tmp_path, BrowserConfig(
        remote_url=link.url, session_record=record), {"login": twostep.LOGIN, "password": twostep.PASSWORD},
        on_invoice=store_then_lose_the_grid)
    assert result.outcome == "GRID_UNAVAILABLE", result.message
    assert result.message.startswith(f"the Selenium Grid at {link.url} stopped answering during the sync "), \
        result.message
    assert "the invoices stored so far are kept and the sync is tried again later" in result.message
    assert len(stored) == 1 and [i.key for i in result.invoices] == stored
    assert record.exists(), caplog.text[-3000:]
    assert grid.free_slots() == SLOTS - 1  # the session could not be ended: it is recorded
    link.mend()  # the Grid is back: whoever finds the record ends the session
    assert grid_module.release_recorded(record, link.url)
    wait_for(lambda: grid.free_slots() == SLOTS, 5, "the slot to be free")


def test_the_node_configuration_in_the_docs_is_the_one_the_tests_run():
    tomllib = pytest.importorskip("tomllib")
    text = (Path(__file__).resolve().parent.parent / "docs" / "grid.md").read_text(encoding="utf-8")
    documented = tomllib.loads(text.split("```toml\n")[1].split("```")[0])
    tested = tomllib.loads(node_config(4444, "/usr/bin/chromium", "/usr/bin/chromedriver"))
    assert documented["node"] == tested["node"]


def test_a_grid_with_credentials_gets_them_on_its_devtools_websocket_too():
    # se:cdp goes through the Grid's router, which asks for the same Basic credentials as its HTTP API.
    assert grid_module.websocket_header("http://ops:p%40ss@grid.lan:4444") == ["Authorization: Basic b3BzOnBAc3M="]
    assert grid_module.websocket_header("http://grid.lan:4444") == []
    assert grid_module.websocket_header(None) == []
