"""The delivery worker: a thread that sends due outbox rows, then sleeps until the next retry is
due or notify() says something new was queued (or a setting changed). No polling, except a look
every minute while deliveries wait for a destination that cannot send (see HELD_RECHECK).

One worker per database: at start it puts rows left "sending" by a crash back in the queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from backend.core.clock import utcnow
from backend.core.locks import Claim
from backend.core.store import Store
from backend.delivery import facts as facts_mod
from backend.delivery import outbox, settings
from backend.delivery.sender import DestinationUnavailable, LibeoBatch, deliver_to_folder
from backend.delivery.smtp import DEFAULT_TIMEOUT

log = logging.getLogger("invoice_collector.delivery")
HELD_RECHECK = 60.0  # seconds; only while deliveries wait for a destination that cannot send


def catalog_names() -> Callable[[str], str]:
    """provider id -> display name, from the recipe catalog (read once, again for unknown ids)."""
    names: dict[str, str] = {}

    def lookup(provider_id: str) -> str:
        if provider_id not in names:
            from backend.collectors import load_catalog
            names.update({p.id: p.name for p in load_catalog().providers.values()})
        return names.get(provider_id, provider_id)
    return lookup


class DeliveryWorker:
    def __init__(self, store: Store, backoff: outbox.Backoff = outbox.Backoff(),
                 provider_name: Callable[[str], str] | None = None, smtp_timeout: float = DEFAULT_TIMEOUT):
        self.store = store
        self.backoff = backoff
        self.provider_name = provider_name or catalog_names()
        self.smtp_timeout = smtp_timeout
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # one worker per database, or the start-up recovery of one would resend what another is sending
        self._claim = Claim(self.store.path.parent / "delivery.lock")

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> DeliveryWorker:
        if not self._claim.take():
            log.info("another invoice-collector process delivers for this database: not starting a worker here")
            return self
        resent = outbox.recover_interrupted(self.store)
        if resent:
            log.warning("%d delivery(ies) were cut off by a stop while sending: sending them again "
                        "with the same Message-ID", resent)
        self._thread = threading.Thread(target=self._loop, name="delivery-worker", daemon=True)
        self._thread.start()
        return self

    def notify(self) -> None:
        """New deliveries were queued, or settings changed: look now."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._claim.release()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.run_once()
                wait = self._seconds_to_next_due()
            except Exception:  # a bug or a broken database must not kill deliveries for good
                log.exception("delivery pass failed; trying again in %.0f s", self.backoff.first)
                wait = self.backoff.first
            self._wake.wait(wait)

    def _seconds_to_next_due(self) -> float | None:
        active, held = self._active_destinations()
        moment = outbox.next_due(self.store, active)
        wait = None if moment is None else max(0.0, (moment - utcnow()).total_seconds())
        if held and outbox.next_due(self.store, list(held)) is not None:
            # Rows wait for a destination to be set up. The panel's changes call notify(), but
            # `invoice-collector libeo set` runs in another process: look again now and then.
            wait = min(wait if wait is not None else HELD_RECHECK, HELD_RECHECK)
        return wait

    # ---- one pass ----------------------------------------------------------------------
    def _active_destinations(self) -> tuple[list[str], dict[str, str]]:
        """Destinations that can send now, and why the others cannot."""
        active, held = [], {}
        libeo = settings.load_libeo(self.store)
        paused = settings.paused_reason(self.store)
        if not libeo.enabled:
            held["libeo"] = "the Libeo destination is turned off: turn it on to send"
        elif libeo.missing():
            held["libeo"] = "the Libeo settings are incomplete: " + ", ".join(libeo.missing())
        elif paused:
            held["libeo"] = f"sending paused: {paused}"
        else:
            active.append("libeo")
        folder = settings.load_folder(self.store)
        if folder.enabled and folder.path:
            active.append("folder")
        else:
            held["folder"] = "the folder destination is turned off"
        return active, held

    def run_once(self) -> int:
        """Deliver every due row once. Returns how many were sent."""
        active, held = self._active_destinations()
        for destination, reason in held.items():
            outbox.hold(self.store, destination, reason)
        rows = outbox.due(self.store, active, utcnow())
        sent = 0
        libeo_rows = [r for r in rows if r["destination"] == "libeo"]
        folder_rows = [r for r in rows if r["destination"] == "folder"]
        if folder_rows:
            folder = settings.load_folder(self.store)
            for row in folder_rows:
                if self._stopping.is_set():
                    return sent
                facts = self._facts(row)
                if facts is not None:
                    sent += deliver_to_folder(self.store, folder, row, facts, self.backoff) == "sent"
        if libeo_rows:
            sent += self._send_libeo(libeo_rows)
        return sent

    def _facts(self, row) -> facts_mod.InvoiceFacts | None:
        facts = facts_mod.load(self.store, row["invoice_id"], self.provider_name)
        if facts is None:  # normally removed with its invoice (ON DELETE CASCADE)
            outbox.mark_failed_attempt(self.store, row["id"], row["attempts"] + 1,
                                       "the invoice no longer exists", True, self.backoff)
        return facts

    def _send_libeo(self, rows: list) -> int:
        batch = LibeoBatch(self.store, settings.load_libeo(self.store), self.backoff, self.smtp_timeout)
        sent = 0
        try:
            for index, row in enumerate(rows):
                if self._stopping.is_set():
                    break
                facts = self._facts(row)
                if facts is None:
                    continue
                try:
                    sent += batch.deliver(row, facts) == "sent"
                except DestinationUnavailable as exc:
                    if exc.retry_later:
                        batch.fail_remaining(rows[index:], exc.text)
                    log.warning("Libeo destination unavailable: %s", exc.text)
                    break
        finally:
            batch.close()
        return sent
