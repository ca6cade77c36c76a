"""Lockout safety with the real `invoice-collector serve`: a wrong password is tried exactly once —
whatever the scheduler does, however often the user presses "sync now", across clean and
kill -9 restarts after the machine was off for a day — until the credentials change, and then
exactly once more. The portal counts the login POSTs of each e-mail address.

A second account (right password) is the witness that the scheduler really ran after each restart."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.harness import FIGURES, PROVIDER, Server, prepare_home, require_keyring, wait_for
from tests.faults.portal import LOGIN, FaultPortal
from tests.helpers import free_port, serve

pytestmark = [pytest.mark.keyring, pytest.mark.browser]
WITNESS = "bob@example.com"
TODAY = dt.date.today()


@pytest.fixture
def lockout_world(home, tmp_path):
    require_keyring()
    portal = FaultPortal(password="Lockout-Right-Pw!2", other_users={WITNESS: "Witness-Pw!7"})
    portal.publish("L1", TODAY - dt.timedelta(days=3))
    with serve(portal.app()) as url:
        port = free_port()
        prepare_home(home, port, url)
        server = Server(home, port)
        try:
            yield portal, server
        finally:
            portal.released.set()
            server.cleanup()


def account(server: Server, account_id: int) -> dict:
    return server.api("GET", f"/api/accounts/{account_id}", expect=200).json()["account"]


def create(server: Server, email: str, password: str) -> int:
    body = {"provider": PROVIDER, "terms_accepted": True, "credentials": {"email": email, "password": password}}
    return server.api("POST", "/api/accounts", body, expect=201).json()["account"]["id"]


def settled(server: Server, account_id: int) -> dict | None:
    shown = account(server, account_id)
    return shown if shown["state"] not in ("new", "syncing") else None


def test_a_wrong_password_is_tried_once_across_ticks_restarts_and_sync_spam(lockout_world):
    portal, server = lockout_world
    server.start()
    server.pair()
    witness = create(server, WITNESS, "Witness-Pw!7")
    victim = create(server, LOGIN, "Wrong-Password-Once!9")
    shown = wait_for(lambda: settled(server, victim), 60, "the first sync with the wrong password")
    assert shown["blocked"] and shown["last_outcome"]["code"] == "LOGIN_FAILED" and shown["next_run_at"] is None
    assert portal.hits[f"login_post:{LOGIN}"] == 1
    wait_for(lambda: settled(server, witness), 60, "the witness's first sync")

    # "Sync now", pressed 20 times at once: refused with the reason, nothing reaches the portal.
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: server.api("POST", f"/api/accounts/{victim}/sync"), range(20)))
    assert {a.status_code for a in answers} == {409}
    assert all(a.json()["outcome"]["code"] == "LOGIN_FAILED" for a in answers)
    # Settings that are not the credentials do not unblock it either.
    server.api("PATCH", f"/api/accounts/{victim}", {"interval_hours": 1}, expect=200)
    server.api("PATCH", f"/api/accounts/{victim}", {"enabled": False}, expect=200)
    server.api("PATCH", f"/api/accounts/{victim}", {"enabled": True}, expect=200)
    assert account(server, victim)["blocked"]

    for restart in ("sigterm", "kill -9"):
        if restart == "sigterm":
            assert server.stop() == 0
        else:
            server.kill()
        last_job = server.query("SELECT MAX(id) AS id FROM jobs")[0]["id"]
        # The machine was off for a day: the witness is overdue, the scheduler catches up at start.
        yesterday = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn = sqlite3.connect(server.db_path)
        with conn:
            conn.execute("UPDATE accounts SET next_run_at = ? WHERE id = ?", (yesterday, witness))
        conn.close()
        server.start()
        wait_for(lambda last_job=last_job: server.query("SELECT 1 FROM jobs WHERE account_id = ? AND id > ? AND trigger = 'schedule' "
                                      "AND state = 'succeeded'", (witness, last_job)), 60,
                 f"the scheduler to catch up after a {restart} restart", explain=server.diagnose)
        assert not server.query("SELECT 1 FROM jobs WHERE account_id = ? AND id > ?", (victim, last_job))
        assert server.api("POST", f"/api/accounts/{victim}/sync").status_code == 409
        assert portal.hits[f"login_post:{LOGIN}"] == 1, f"a login was retried after a {restart} restart"
    assert portal.hits[f"login_post:{WITNESS}"] >= 3  # the witness did sync after every restart

    # New credentials: exactly one more attempt (the scheduler takes them at once), and it works.
    server.api("PUT", f"/api/accounts/{victim}/credentials", {"credentials": {"password": portal.password}},
               expect=200)
    shown = wait_for(lambda: portal.hits[f"login_post:{LOGIN}"] == 2 and settled(server, victim), 60,
                     "one attempt with the new password", explain=server.diagnose)
    FIGURES["lockout: 'sync now' presses, restarts and settings changes that sent no login"] += 20 + 2 + 3
    assert shown["state"] == "ok" and not shown["blocked"]
    assert portal.hits[f"login_post:{LOGIN}"] == 2


def test_a_server_that_dies_during_the_login_retries_it_once_then_backs_off(lockout_world):
    """A crash while the portal checks the password leaves the outcome unknown: the login is tried
    again once at the next start. A server that keeps dying there (a crash loop under systemd's
    Restart=on-failure) must not hammer the portal: the next tries back off (15 min, 30 min…)."""
    portal, server = lockout_world
    server.start()
    server.pair()
    reached, release = threading.Event(), threading.Event()

    def hold_alice_login(event: str, key: str) -> None:
        if event == "login" and key == LOGIN and not release.is_set():
            reached.set()
            release.wait(30)
    portal.hook = hold_alice_login
    try:
        victim = create(server, LOGIN, "Wrong-Password-Once!9")
        for attempt in (1, 2):
            wait_for(reached.is_set, 60, f"login attempt {attempt} to reach the portal")
            server.kill()  # while the portal holds the answer to the login POST
            reached.clear()
            release.set()
            release = threading.Event()
            server.start()  # the first start retries the cut-off sync at once, the second backs off
    finally:
        release.set()
        portal.hook = None
    # Interrupted jobs are recovered before the server listens, so the plan is already in the database.
    shown = account(server, victim)
    next_run = dt.datetime.fromisoformat(shown["next_run_at"].replace("Z", "+00:00"))
    assert next_run - dt.datetime.now(dt.timezone.utc) > dt.timedelta(minutes=10)
    assert shown["state"] == "error" and not shown["blocked"] and "interrupted" in shown["last_outcome"]["message"]
    assert not server.query("SELECT 1 FROM jobs WHERE account_id = ? AND state IN ('queued', 'running')", (victim,))
    assert portal.hits[f"login_post:{LOGIN}"] == 2  # the attempt cut off, and one retry
