"""Collection jobs: a bounded pool of workers (one browser each), one job per account at a time.

A job lives in the `jobs` table (queued → running ⇄ waiting_for_code | waiting_for_user →
succeeded | failed), so
its progress survives the request that started it and a crash: at start-up, jobs left active
by a previous process are marked failed (interrupted) and their accounts rescheduled.

When a recipe needs a one-time code, the worker waits on the job's code slot; the panel posts
the code (POST /api/jobs/<id>/code). No answer within `code_timeout` → the engine gets None
and the run ends with OTP_REQUIRED.

A sync the user started themselves (adding the account, « Synchroniser maintenant », « Résoudre
maintenant ») may hand its browser window over to them (a captcha, a confirmation on their
phone): the job is `waiting_for_user` meanwhile, its prompt saying what to do and until when.
A scheduled sync never does: nobody is there to look."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend import paths
from backend.core.clock import iso
from backend.core.locks import Claim
from backend.i18n import Said, say
from backend.server import scheduler
from backend.server.errors import ApiError
from backend.server.records import ACTIVE_JOB_STATES, job_json

if TYPE_CHECKING:
    from backend.server.services import Services

log = logging.getLogger("invoice_collector.jobs")
ATTENDED_TRIGGERS = ("create", "manual", "check")  # runs the user started: they may be shown a window
CHECK_TRIGGER = "check"  # « Diagnostiquer la recette » (server/recipe_check.py): not a sync
INTERRUPTED = "the sync was interrupted: invoice-collector stopped while it ran; it will run again shortly"


@dataclass
class CodeSlot:
    answered: threading.Event = field(default_factory=threading.Event)
    code: str | None = None


def answer_slot(slot: CodeSlot | None, code: str, not_waiting: Said) -> None:
    """Hand the user's code to the run waiting on `slot` (under its owner's lock); a 409 when none waits."""
    if slot is None or slot.answered.is_set():
        raise ApiError(409, not_waiting)
    slot.code = code
    slot.answered.set()


class JobManager:
    def __init__(self, services: Services, workers: int = 2, code_timeout: float = 300.0):
        self.services = services
        self.code_timeout = code_timeout
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ic-job")
        self._lock = threading.Lock()
        self._slots: dict[int, CodeSlot] = {}
        self._futures: dict[int, Future] = {}
        self._interrupted: set[int] = set()  # code prompts cut short by a shutdown
        self._closed = False
        self._claim = Claim(paths.data_dir() / "jobs.lock")

    # ---- start-up --------------------------------------------------------------------------
    def claim(self) -> bool:
        """Hold data/jobs.lock while this process runs jobs: only a process that gets it may treat
        the jobs it finds active as interrupted (another live server's jobs are not)."""
        return self._claim.take()

    def fail_interrupted(self) -> list[int]:
        """Jobs a dead process left active can never finish: fail them and reschedule their accounts.
        Only for the process holding the claim (recovery.py)."""
        moment = self.services.clock()
        now = iso(moment)
        with self.services.store.transaction() as conn:
            rows = conn.execute(f"SELECT id, account_id FROM jobs WHERE state IN {ACTIVE_JOB_STATES}").fetchall()
            for row in rows:
                conn.execute("UPDATE jobs SET state = 'failed', finished_at = ?, outcome_code = 'INTERNAL', "
                             "outcome_message = ?, prompt = NULL WHERE id = ?", (now, INTERRUPTED, row["id"]))
                account = conn.execute("SELECT * FROM accounts WHERE id = ?", (row["account_id"],)).fetchone()
                failures = account["failures"] + 1
                # A first interruption (a reboot mid-sync) resumes at once. A server that keeps dying
                # mid-run (a crash loop) backs off like any failure: a login cut off before its answer
                # was recorded is tried again, but never in a loop that could lock the account.
                due = now if failures == 1 else iso(scheduler.after_failure(
                    moment, failures - 1, self.services.interval_hours(account), self.services.random))
                conn.execute("UPDATE accounts SET last_code = 'INTERNAL', last_message = ?, last_sync_at = ?, "
                             "failures = ?, next_run_at = CASE WHEN blocked_code IS NULL THEN ? ELSE NULL END "
                             "WHERE id = ?", (INTERRUPTED, now, failures, due, row["account_id"]))
        if rows:
            log.warning("marked %d interrupted job(s) as failed and rescheduled them", len(rows))
        return [row["id"] for row in rows]

    # ---- jobs ------------------------------------------------------------------------------
    def get(self, job_id: int) -> dict[str, Any] | None:
        return job_json(self.services.store.query_one("SELECT * FROM jobs WHERE id = ?", (job_id,)))

    def active_for(self, account_id: int) -> dict[str, Any] | None:
        return job_json(self.services.store.query_one(
            f"SELECT * FROM jobs WHERE account_id = ? AND state IN {ACTIVE_JOB_STATES} ORDER BY id DESC LIMIT 1",
            (account_id,)))

    def submit(self, account_id: int, trigger: str) -> tuple[dict[str, Any], bool]:
        """Queue a job for the account; if one is already active, return it with created=False."""
        with self._lock:
            if self._closed:
                raise ApiError(503, say("invoice-collector is shutting down", "invoice-collector s'arrête"),
                               code="UNAVAILABLE")
            with self.services.store.transaction() as conn:
                active: sqlite3.Row | None = conn.execute(
                    f"SELECT * FROM jobs WHERE account_id = ? AND state IN {ACTIVE_JOB_STATES}",
                    (account_id,)).fetchone()
                if active is not None:
                    return job_json(active), False
                cursor = conn.execute("INSERT INTO jobs(account_id, trigger, state, created_at) VALUES (?,?,?,?)",
                                      (account_id, trigger, "queued", iso(self.services.clock())))
                job_id = cursor.lastrowid
                assert job_id is not None  # set by the INSERT just made: the row below exists
                row: sqlite3.Row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            self._futures[job_id] = self._pool.submit(self._run, job_id, account_id, trigger)
        return job_json(row), True

    def _run(self, job_id: int, account_id: int, trigger: str) -> None:
        from backend.server import collect  # imports the engine: only once a job runs
        attended = self._hand_over(job_id) if trigger in ATTENDED_TRIGGERS else None
        check = trigger == CHECK_TRIGGER
        try:
            collect.run_job(self.services, job_id, account_id, self._asker(job_id), attended, check=check)
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            from backend.collectors.model import RunResult
            from backend.server import recipe_check
            try:
                (recipe_check.finish if check else collect.finish)(
                    self.services, job_id, account_id,
                    RunResult("INTERNAL", "unexpected error while recording the collection"))
            except Exception:
                log.exception("could not record the failure of job %s", job_id)
        finally:
            with self._lock:
                self._slots.pop(job_id, None)
                self._futures.pop(job_id, None)
                self._interrupted.discard(job_id)

    def _set_state(self, job_id: int, state: str, prompt: dict | None) -> None:
        with self.services.store.transaction() as conn:
            conn.execute("UPDATE jobs SET state = ?, prompt = ? WHERE id = ?",
                         (state, json.dumps(prompt, ensure_ascii=False) if prompt else None, job_id))

    def _asker(self, job_id: int):
        def ask_code(prompt: str, kind: str) -> str | None:
            slot = CodeSlot()
            with self._lock:
                if self._closed:
                    return None
                self._slots[job_id] = slot
            self._set_state(job_id, "waiting_for_code", {"text": prompt, "kind": kind})
            answered = slot.answered.wait(self.code_timeout)
            with self._lock:
                self._slots.pop(job_id, None)
                if self._closed and slot.code is None:
                    self._interrupted.add(job_id)
            self._set_state(job_id, "running", None)
            return slot.code if answered else None
        return ask_code

    def _hand_over(self, job_id: int):
        def on_hand_over(hand_over) -> None:
            if hand_over is None:
                self._set_state(job_id, "running", None)
                return
            until = self.services.clock() + dt.timedelta(seconds=hand_over.timeout)
            self._set_state(job_id, "waiting_for_user", {"kind": "hand_over", "text_fr": hand_over.message_fr,
                                                         "text_en": hand_over.message_en, "until": iso(until)})
        return on_hand_over

    def was_interrupted(self, job_id: int) -> bool:
        """True when a shutdown, not the user's silence, ended this job's wait for a code."""
        with self._lock:
            return job_id in self._interrupted

    def answer_code(self, job_id: int, code: str) -> None:
        with self._lock:
            answer_slot(self._slots.get(job_id), code, say(
                "this sync is not waiting for a code (it may have ended)",
                "cette synchronisation n'attend pas de code (elle est peut-être finie)"))

    def cancel_queued(self, account_id: int) -> bool:
        """Drop a job that has not started yet (account deletion). False if one is running."""
        with self._lock:
            active = self.active_for(account_id)
            if active is None:
                return True
            future = self._futures.get(active["id"])
            if active["state"] != "queued" or (future is not None and not future.cancel()):
                return False
            self._futures.pop(active["id"], None)
            with self.services.store.transaction() as conn:
                conn.execute("DELETE FROM jobs WHERE id = ?", (active["id"],))
            return True

    # ---- shutdown and tests ----------------------------------------------------------------
    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no job is queued or running in this process."""
        with self._lock:
            futures = list(self._futures.values())
        done, pending = wait(futures, timeout=timeout)
        return not pending

    def stop(self, timeout: float = 30.0) -> None:
        """Refuse new jobs, answer pending code prompts with nothing, and let running jobs end."""
        with self._lock:
            self._closed = True
            for slot in self._slots.values():
                slot.answered.set()
            futures = list(self._futures.values())
        for future in futures:
            future.cancel()
        wait(futures, timeout=timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._claim.release()
