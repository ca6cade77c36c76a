"""When the scheduler runs an account: the interval and its jitter, the backoff after failures and
its caps, which accounts are due, how long the loop sleeps, and the loop itself (woken, stopped,
surviving a failed tick). A real database; the jobs are a recording stand-in, the clock is fixed."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from types import SimpleNamespace

import pytest

from backend.core.clock import iso
from backend.core.store import Store
from backend.errors import CODES, message
from backend.server.scheduler import Scheduler, after_failure, after_success

NOW = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.timezone.utc)


class Extreme:
    """A random source that always draws one end of the range asked (or its middle), and keeps the ranges."""

    def __init__(self, end: str):
        self.end, self.asked = end, []

    def uniform(self, low: float, high: float) -> float:
        self.asked.append((low, high))
        return {"low": low, "high": high, "middle": (low + high) / 2}[self.end]


@pytest.mark.parametrize("hours, jitter", [(24, dt.timedelta(hours=1)),  # 10 % is 2.4 h: capped at an hour
                                           (2, dt.timedelta(minutes=12)),  # 10 % of 2 h
                                           (10, dt.timedelta(hours=1))])  # exactly at the cap
def test_after_a_success_the_interval_with_up_to_10_percent_of_jitter_at_most_an_hour(hours, jitter):
    late, early = Extreme("high"), Extreme("low")
    assert after_success(NOW, hours, late) == NOW + dt.timedelta(hours=hours) + jitter
    assert after_success(NOW, hours, early) == NOW + dt.timedelta(hours=hours) - jitter
    assert late.asked == [(-jitter.total_seconds(), jitter.total_seconds())]


@pytest.mark.parametrize("failures, wait", [(0, dt.timedelta(minutes=15)), (1, dt.timedelta(minutes=15)),
                                            (2, dt.timedelta(minutes=30)), (3, dt.timedelta(hours=1)),
                                            (5, dt.timedelta(hours=4)), (7, dt.timedelta(hours=16)),
                                            (8, dt.timedelta(hours=24)), (1000, dt.timedelta(hours=24))])
def test_after_failures_the_wait_doubles_from_15_minutes_up_to_the_interval(failures, wait):
    assert after_failure(NOW, failures, 24, Extreme("middle")) == NOW + wait


def test_the_backoff_stops_doubling_after_16_doublings_whatever_the_interval():
    longest = dt.timedelta(minutes=15) * 2 ** 16  # 16,384 h
    for failures in (17, 18, 60, 10_000):
        assert after_failure(NOW, failures, 10 ** 6, Extreme("middle")) == NOW + longest
    assert after_failure(NOW, 16, 10 ** 6, Extreme("middle")) == NOW + longest / 2


def test_the_backoff_has_its_own_jitter():
    assert after_failure(NOW, 1, 24, Extreme("high")) == NOW + dt.timedelta(minutes=16, seconds=30)
    assert after_failure(NOW, 3, 0.5, Extreme("low")) == NOW + dt.timedelta(minutes=27)  # 30 min, the interval


def test_an_outcome_message_is_french_unless_english_is_asked():
    entry = CODES["LOGIN_FAILED"]
    assert entry.fr != entry.en
    assert message("LOGIN_FAILED") == message("LOGIN_FAILED", "fr") == message("LOGIN_FAILED", "fr-BE") == entry.fr
    assert message("LOGIN_FAILED", "en") == message("LOGIN_FAILED", "en-GB") == entry.en


class Jobs:
    """The job queue's contract as the scheduler sees it: one job per account at a time."""

    def __init__(self):
        self.submitted: list[tuple[int, str]] = []
        self.active: set[int] = set()
        self.called = threading.Event()
        self.fail_next = False
        self.calls = 0
        self.counted = threading.Condition()
        self.stuck: threading.Event | None = None  # set: each call waits for it

    def wait_calls(self, count: int, timeout: float = 10.0) -> bool:
        with self.counted:
            return self.counted.wait_for(lambda: self.calls >= count, timeout)

    def submit(self, account_id: int, trigger: str) -> tuple[dict, bool]:
        with self.counted:
            self.calls += 1
            self.counted.notify_all()
        self.called.set()
        if self.stuck is not None:
            self.stuck.wait(30)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the queue is broken")
        if account_id in self.active:
            return {"id": 1000 + account_id}, False
        self.active.add(account_id)
        self.submitted.append((account_id, trigger))
        return {"id": 1000 + account_id}, True


@pytest.fixture
def scheduler(tmp_path):
    store = Store(tmp_path / "db.sqlite3", tmp_path / "pdf")
    services = SimpleNamespace(store=store, jobs=Jobs(), clock=lambda: NOW)
    made = Scheduler(services, poll_seconds=60.0)  # type: ignore[arg-type]
    yield made
    made.stop()


def add(scheduler: Scheduler, next_run: dt.datetime | None, enabled: bool = True, blocked: str | None = None) -> int:
    with scheduler.services.store.transaction() as conn:
        return conn.execute(
            "INSERT INTO accounts(provider, terms_version, terms_accepted_at, created_at, enabled, blocked_code, "
            "next_run_at) VALUES ('water', '1', ?, ?, ?, ?, ?)",
            (iso(NOW), iso(NOW), int(enabled), blocked, iso(next_run) if next_run else None)).lastrowid


def test_due_accounts_are_the_enabled_unblocked_ones_whose_time_has_come_oldest_first(scheduler):
    minute = dt.timedelta(minutes=1)
    late = add(scheduler, NOW - 60 * minute)
    on_time = add(scheduler, NOW)
    add(scheduler, NOW + minute)  # not yet
    add(scheduler, NOW - minute, enabled=False)
    add(scheduler, NOW - minute, blocked="LOGIN_FAILED")
    add(scheduler, None)  # waits for the user
    later_id_same_time = add(scheduler, NOW - 60 * minute)
    assert scheduler.due_accounts(NOW) == [late, later_id_same_time, on_time]
    assert scheduler.due_accounts(NOW - 61 * minute) == []


def test_a_tick_starts_one_job_per_due_account_and_leaves_a_running_one_alone(scheduler):
    first, second = add(scheduler, NOW), add(scheduler, NOW - dt.timedelta(hours=1))
    add(scheduler, NOW + dt.timedelta(hours=1))
    assert scheduler.tick() == [1000 + second, 1000 + first]  # the clock's now when none is given
    assert scheduler.services.jobs.submitted == [(second, "schedule"), (first, "schedule")]
    assert scheduler.tick() == []  # both still running
    assert scheduler.tick(NOW + dt.timedelta(hours=2)) == [1000 + 3]


def test_the_loop_sleeps_until_the_next_due_time_within_1_second_and_the_poll_interval(scheduler):
    assert scheduler.seconds_to_next() == 60.0  # nothing scheduled
    add(scheduler, NOW + dt.timedelta(hours=1), enabled=False)
    add(scheduler, NOW + dt.timedelta(seconds=5), blocked="CAPTCHA")
    assert scheduler.seconds_to_next() == 60.0
    add(scheduler, NOW + dt.timedelta(hours=1))
    assert scheduler.seconds_to_next() == 60.0  # never longer than a poll: the wall clock may jump
    add(scheduler, NOW + dt.timedelta(seconds=42))
    assert scheduler.seconds_to_next() == 42.0
    add(scheduler, NOW + dt.timedelta(seconds=1))
    assert scheduler.seconds_to_next() == 1.0
    add(scheduler, NOW)
    assert scheduler.seconds_to_next() == 1.0  # due now: not a busy loop
    add(scheduler, NOW - dt.timedelta(days=3))
    assert scheduler.seconds_to_next() == 1.0


def test_the_loop_ticks_when_started_and_when_woken_and_stops(scheduler, caplog):
    jobs = scheduler.services.jobs
    first = add(scheduler, NOW)
    scheduler.start()
    thread = scheduler._thread
    assert jobs.called.wait(10) and jobs.submitted == [(first, "schedule")]
    scheduler.start()  # already running: the same thread
    assert scheduler._thread is thread
    jobs.called.clear()
    jobs.fail_next = True  # the next tick fails: logged, and the loop goes on
    scheduler.wake()
    assert jobs.called.wait(10)
    second = add(scheduler, NOW)
    jobs.called.clear()
    scheduler.wake()
    assert jobs.called.wait(10)
    scheduler.stop()
    assert not thread.is_alive() and scheduler._thread is None
    assert jobs.submitted == [(first, "schedule"), (second, "schedule")]
    failed = [r for r in caplog.records if r.name == "invoice_collector.scheduler"]
    assert [r.getMessage() for r in failed] == ["scheduler tick failed"] and failed[0].exc_info
    assert failed[0].levelno == logging.ERROR


def test_the_loop_looks_again_on_its_own_after_each_poll_even_after_a_failed_tick(scheduler):
    scheduler.poll_seconds = 0.05  # a due account that stays running: every tick asks the queue again
    jobs = scheduler.services.jobs
    jobs.active.add(add(scheduler, NOW))
    jobs.fail_next = True
    scheduler.start()
    assert jobs.wait_calls(4), jobs.calls  # the failed first tick, then one per poll, never woken


def test_the_scheduler_thread_never_keeps_the_program_alive(scheduler):
    scheduler.start()
    assert scheduler._thread is not None and scheduler._thread.daemon


def test_stopping_does_not_wait_forever_for_a_stuck_tick(scheduler):
    jobs = scheduler.services.jobs
    jobs.stuck = threading.Event()
    add(scheduler, NOW)
    scheduler.start()
    thread = scheduler._thread
    assert jobs.called.wait(10)
    scheduler.stop(timeout=0.1)  # returns though the tick is stuck in the queue
    assert scheduler._thread is None and thread.is_alive()
    jobs.stuck.set()
    thread.join(10)
    assert not thread.is_alive()  # the tick ended and the loop saw it was stopped


def test_a_stopped_scheduler_starts_again(scheduler):
    scheduler.start()
    scheduler.stop()
    add(scheduler, NOW)
    scheduler.services.jobs.called.clear()
    scheduler.start()
    assert scheduler.services.jobs.called.wait(10)
    assert scheduler._thread is not None and scheduler._thread.is_alive()
