"""Jobs and the scheduler with a scripted engine: code prompts, outcomes that block or back off,
catch-up, the bounded pool, and jobs cut off by a crash."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from backend.collectors.model import HandOver
from backend.config import Settings
from backend.core.clock import iso, parse
from backend.server import recovery
from backend.server.app import create_app
from backend.server.services import EXTENSION_KEY
from tests.helpers import assert_api_error
from tests.server.conftest import PORT, Api, ScriptedRunner, pair, wait_for

NOW = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731


def test_a_job_waits_for_a_code_and_goes_on_with_it(make_api, runner):
    runner.ask = ("Code reçu par SMS", "sms")
    api = make_api(runner=runner)
    job = api.create()["job"]
    waiting = wait_for(lambda: (j := api.job(job["id"]))["state"] == "waiting_for_code" and j, what="the prompt")
    assert waiting["prompt"] == {"text": "Code reçu par SMS", "kind": "sms"}
    assert api.account(job["account_id"])["state"] == "waiting_for_code"
    bad = api.post(f"/api/jobs/{job['id']}/code", {"code": ""})
    assert_api_error(bad, 400, field="code")
    answer = api.post(f"/api/jobs/{job['id']}/code", {"code": " 123456 "})
    assert answer.status_code == 200
    api.wait_idle()
    assert runner.codes == ["123456"]
    done = api.job(job["id"])
    assert done["state"] == "succeeded" and done["prompt"] is None
    assert api.post(f"/api/jobs/{job['id']}/code", {"code": "1"}).status_code == 409


def test_only_a_sync_the_user_started_shows_them_the_window(make_api, runner):
    runner.hand_over = HandOver("Cochez « Je ne suis pas un robot ».", "Tick “I am not a robot”.", 300)
    api = make_api(runner=runner)
    job = api.create()["job"]  # adding an account: the user is there
    waiting = wait_for(lambda: (j := api.job(job["id"]))["state"] == "waiting_for_user" and j, what="the hand-over")
    until = parse(waiting["prompt"].pop("until"))
    assert waiting["prompt"] == {"kind": "hand_over", "text_fr": "Cochez « Je ne suis pas un robot ».",
                                 "text_en": "Tick “I am not a robot”."}
    assert dt.timedelta(seconds=290) < until - NOW() <= dt.timedelta(seconds=300)
    assert api.account(job["account_id"])["state"] == "waiting_for_user"
    runner.handed_back.set()
    api.wait_idle()
    assert (api.job(job["id"])["state"], api.job(job["id"])["prompt"]) == ("succeeded", None)

    # Days later, the scheduler: nobody is there, nothing is shown; the account waits for the user.
    runner.handed_back.clear()
    assert len(api.services.scheduler.tick(NOW() + dt.timedelta(days=2))) == 1
    api.wait_idle()
    assert runner.requests[-1].on_hand_over is None
    state = api.account(job["account_id"])
    assert (state["state"], state["last_outcome"]["code"], state["next_run_at"]) == ("blocked", "CAPTCHA", None)
    # « Résoudre maintenant » is a sync the user starts: it may show the window again.
    runner.handed_back.set()
    assert api.post(f"/api/accounts/{job['account_id']}/sync").status_code == 202
    api.wait_idle()
    assert runner.requests[-1].on_hand_over is not None
    assert api.account(job["account_id"])["state"] == "ok"


def test_no_code_in_time_ends_with_otp_required_and_is_not_retried_alone(make_api, runner):
    runner.ask = ("Code reçu par e-mail", "email")
    api = make_api(runner=runner, code_timeout=0.3)
    account = api.create()["account"]
    api.wait_idle()
    state = api.account(account["id"])
    assert state["last_outcome"]["code"] == "OTP_REQUIRED" and state["blocked"] and state["state"] == "blocked"
    assert "Synchroniser maintenant" in state["last_outcome"]["message_fr"]
    assert state["next_run_at"] is None
    assert api.services.scheduler.tick(NOW() + dt.timedelta(days=10)) == []
    runner.ask = None
    assert api.post(f"/api/accounts/{account['id']}/sync").status_code == 202  # the user asks: allowed
    api.wait_idle()
    assert api.account(account["id"])["state"] == "ok"


def test_login_failed_blocks_everything_until_credentials_change(make_api, runner):
    runner.outcome, runner.message = "LOGIN_FAILED", "Identifiant ou mot de passe incorrect."
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    state = api.account(account["id"])
    assert state["blocked"] and state["last_outcome"]["message"] == "Identifiant ou mot de passe incorrect."
    assert state["last_outcome"]["message_en"].startswith("The provider rejected")
    for days in (1, 2, 40):
        assert api.services.scheduler.tick(NOW() + dt.timedelta(days=days)) == []
    refused = api.post(f"/api/accounts/{account['id']}/sync")
    assert refused.status_code == 409 and refused.get_json()["outcome"]["code"] == "LOGIN_FAILED"
    api.patch(f"/api/accounts/{account['id']}", {"interval_hours": 6, "enabled": True})  # not a fix
    assert api.services.scheduler.tick(NOW() + dt.timedelta(days=3)) == []
    assert len(runner.requests) == 1
    runner.outcome = "OK"
    api.put(f"/api/accounts/{account['id']}/credentials", {"credentials": {"password": "fixed"}})
    assert not api.account(account["id"])["blocked"]
    assert len(api.services.scheduler.tick()) == 1
    api.wait_idle()
    assert runner.requests[-1].credentials["password"] == "fixed" and api.account(account["id"])["state"] == "ok"


def test_changing_options_unblocks_action_needed(make_api, runner):
    runner.outcome = "ACTION_NEEDED"
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    assert api.services.scheduler.tick(NOW() + dt.timedelta(days=2)) == []
    api.patch(f"/api/accounts/{account['id']}", {"options": {"contract": "C-1"}})
    assert len(api.services.scheduler.tick()) == 1


def test_provider_down_backs_off_then_recovers(make_api, runner):
    runner.outcome = "PROVIDER_DOWN"
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    state = api.account(account["id"])
    assert state["state"] == "error" and not state["blocked"]
    first = parse(state["next_run_at"]) - parse(state["last_sync_at"])
    assert dt.timedelta(minutes=13) <= first <= dt.timedelta(minutes=17)
    assert api.services.scheduler.tick() == []  # not due yet
    assert len(api.services.scheduler.tick(NOW() + dt.timedelta(minutes=20))) == 1
    api.wait_idle()
    state = api.account(account["id"])
    second = parse(state["next_run_at"]) - parse(state["last_sync_at"])
    assert dt.timedelta(minutes=27) <= second <= dt.timedelta(minutes=33)
    runner.outcome = "OK"
    api.services.scheduler.tick(NOW() + dt.timedelta(hours=1))
    api.wait_idle()
    state = api.account(account["id"])
    regular = parse(state["next_run_at"]) - parse(state["last_sync_at"])
    assert dt.timedelta(hours=23) <= regular <= dt.timedelta(hours=25)
    assert api.services.store.query_one("SELECT failures FROM accounts")["failures"] == 0


def test_interval_with_jitter_and_catch_up_after_sleep(make_api, runner):
    api = make_api(runner=runner)
    account = api.create(interval_hours=2)["account"]
    api.wait_idle()
    state = api.account(account["id"])
    gap = parse(state["next_run_at"]) - parse(state["last_sync_at"])
    assert dt.timedelta(minutes=108) <= gap <= dt.timedelta(minutes=132) and gap != dt.timedelta(hours=2)
    assert api.services.scheduler.tick() == []
    # The machine slept three days: the first tick after waking runs it once.
    assert len(api.services.scheduler.tick(NOW() + dt.timedelta(days=3))) == 1
    assert api.services.scheduler.tick(NOW() + dt.timedelta(days=3)) == []  # already queued or running
    api.wait_idle()
    assert len(runner.requests) == 2


def test_the_scheduler_thread_wakes_on_its_own(make_api, runner):
    api = make_api(runner=runner, poll_seconds=0.2)
    account = api.create()["account"]
    api.wait_idle()
    with api.services.store.transaction() as conn:  # as if the interval had passed while the machine slept
        conn.execute("UPDATE accounts SET next_run_at = ?", (iso(NOW() - dt.timedelta(hours=1)),))
    api.services.start()
    wait_for(lambda: len(runner.requests) == 2, what="a scheduled run")
    api.wait_idle()
    jobs = [dict(r) for r in api.services.store.query("SELECT id, state, trigger, created_at FROM jobs")]
    assert api.account(account["id"])["state"] == "ok", jobs


def test_the_pool_runs_at_most_two_browsers(make_api):
    running, peak, release = [0], [0], threading.Event()
    lock = threading.Lock()

    def before(request):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(30)
        with lock:
            running[0] -= 1
    runner = ScriptedRunner(before=before)
    api = make_api(runner=runner)
    ids = [api.create(credentials={"email": f"u{n}@example.com", "password": "p"})["account"]["id"] for n in range(3)]
    wait_for(lambda: running[0] == 2, what="two running jobs")
    states = sorted(api.account(i)["job"]["state"] for i in ids)
    assert states == ["queued", "running", "running"]
    release.set()
    api.wait_idle()
    assert peak[0] == 2 and len(runner.requests) == 3


def test_jobs_cut_off_by_a_crash_are_failed_and_rescheduled(home, recipes, keyring_ready, runner):
    first = create_app(Settings(port=PORT), runner=runner)
    api = Api(first, pair(first))
    account = api.create()["account"]
    api.wait_idle()
    api.services.stop()
    with api.services.store.transaction() as conn:  # what a kill -9 in the middle of a run leaves behind
        job_id = conn.execute("INSERT INTO jobs(account_id, trigger, state, created_at, started_at) "
                              "VALUES (?, 'manual', 'running', ?, ?)", (account["id"], iso(NOW()), iso(NOW()))).lastrowid
        conn.execute("UPDATE accounts SET next_run_at = ?", (iso(NOW() + dt.timedelta(days=1)),))
    second = create_app(Settings(port=PORT), runner=runner)
    assert recovery.recover(second.extensions[EXTENSION_KEY])["interrupted_jobs"] == 1  # as `serve` does
    again = Api(second, api.token)
    try:
        job = again.job(job_id)
        assert job["state"] == "failed" and job["outcome"]["code"] == "INTERNAL"
        assert "interrupted" in job["outcome"]["message"]
        state = again.account(account["id"])
        assert state["job"] is None and state["state"] == "error" and not state["blocked"]
        assert parse(state["next_run_at"]) <= NOW()
        assert len(again.services.scheduler.tick()) == 1
        again.wait_idle()
        assert again.account(account["id"])["state"] == "ok"
    finally:
        again.services.stop()


def test_stopping_during_a_code_prompt_interrupts_without_blocking(make_api, runner):
    runner.ask = ("Code", "sms")
    api = make_api(runner=runner)
    job = api.create()["job"]
    wait_for(lambda: api.job(job["id"])["state"] == "waiting_for_code", what="the prompt")
    api.services.stop(timeout=10)
    done = api.services.jobs.get(job["id"])
    assert done["state"] == "failed" and done["outcome"]["code"] == "INTERNAL"
    assert not api.services.store.query_one("SELECT blocked_code FROM accounts")["blocked_code"]


@pytest.mark.parametrize("trigger_state", ["queued"])
def test_deleting_an_account_drops_its_queued_job(make_api, trigger_state):
    release = threading.Event()
    runner = ScriptedRunner(before=lambda request: release.wait(30))
    api = make_api(runner=runner, settings=Settings(port=PORT, workers=1))
    busy = api.create(credentials={"email": "busy@example.com", "password": "p"})["account"]
    queued = api.create(credentials={"email": "later@example.com", "password": "p"})["account"]
    assert api.account(queued["id"])["job"]["state"] == trigger_state
    assert api.delete(f"/api/accounts/{queued['id']}").status_code == 204
    release.set()
    api.wait_idle()
    assert len(runner.requests) == 1 and runner.requests[0].credentials["email"] == "busy@example.com"
    assert api.account(busy["id"])["state"] == "ok"


def test_a_second_process_does_not_fail_the_jobs_of_a_live_one(make_api):
    release = threading.Event()
    runner = ScriptedRunner(before=lambda request: release.wait(30))
    api = make_api(runner=runner)
    job = api.create()["job"]
    wait_for(lambda: api.job(job["id"])["state"] == "running", what="a running job")
    other = create_app(Settings(port=PORT), runner=runner)  # e.g. a second server on another port
    try:
        assert api.job(job["id"])["state"] == "running"
    finally:
        other.extensions["invoice_collector"].stop(5)
    release.set()
    api.wait_idle()
    assert api.job(job["id"])["state"] == "succeeded"
