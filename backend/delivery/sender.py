"""Delivering one outbox row to its destination and recording the result.

Libeo: one SMTP connection per batch (a login per message would look like abuse to mail
providers); the row is marked "sending" (committed) after RCPT and just before DATA, and "sent"
as soon as the server answers 250. Folder: an idempotent atomic write.
"""

from __future__ import annotations

import logging
import smtplib
import sqlite3
from pathlib import Path

from backend.core.store import Store
from backend.delivery import folder, message, outbox, smtp
from backend.delivery.facts import InvoiceFacts, file_name, message_id
from backend.delivery.settings import FolderSettings, KeyringUnavailable, LibeoSettings, get_password, pause_libeo

log = logging.getLogger("invoice_collector.delivery")


class DestinationUnavailable(Exception):
    """Nothing more can go to this destination in this batch (paused, or its server is unreachable)."""

    def __init__(self, text: str, retry_later: bool):
        super().__init__(text)
        self.text = text
        self.retry_later = retry_later  # True: the waiting rows get a retry time; False: paused


def _read_pdf(store: Store, row: sqlite3.Row, facts: InvoiceFacts, attempt: int,
              backoff: outbox.Backoff) -> bytes | None:
    try:
        return facts.pdf_path.read_bytes()
    except OSError as exc:
        outbox.mark_failed_attempt(store, row["id"], attempt, f"the invoice PDF cannot be read "
                                   f"({facts.pdf_path}: {exc.strerror or exc})", True, backoff)
        return None


class LibeoBatch:
    """Sends due rows to the Libeo inbox over one SMTP session; call close() at the end."""

    def __init__(self, store: Store, settings: LibeoSettings, backoff: outbox.Backoff,
                 timeout: float = smtp.DEFAULT_TIMEOUT):
        self.store, self.settings, self.backoff, self.timeout = store, settings, backoff, timeout
        self._session: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._session is None:
            try:
                password = get_password() if self.settings.smtp_username else None
            except KeyringUnavailable as exc:  # e.g. the desktop keyring is locked: try again later
                raise DestinationUnavailable(str(exc), retry_later=True) from None
            self._session = smtp.connect(self.settings, password, self.timeout)
        return self._session

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def close(self) -> None:
        if self._session is not None:
            smtp.close(self._session)
            self._session = None

    def deliver(self, row: sqlite3.Row, facts: InvoiceFacts) -> str:
        """Returns the row's new status. Raises DestinationUnavailable (this row untouched) to stop the batch."""
        attempt = row["attempts"] + 1
        pdf = _read_pdf(self.store, row, facts, attempt, self.backoff)
        if pdf is None:
            return "failed"
        mid = message_id(facts)
        data = message.to_bytes(message.build(facts, pdf, self.settings.sender, self.settings.inbox))
        try:
            session = self._connect()
        except smtp.SmtpFailure as failure:
            if failure.permanent:  # login refused, TLS broken: the same for every message
                pause_libeo(self.store, failure.text)
                outbox.hold(self.store, "libeo", f"sending paused: {failure.text}")
            raise DestinationUnavailable(failure.text, retry_later=not failure.permanent) from None
        try:
            reply = smtp.send(session, self.settings.sender, self.settings.inbox, data,
                              before_data=lambda: outbox.mark_sending(self.store, row["id"], attempt, mid))
        except smtp.SmtpFailure as failure:
            self._drop()
            status = outbox.mark_failed_attempt(self.store, row["id"], attempt, failure.text,
                                                failure.permanent, self.backoff)
            log.warning("invoice %s to Libeo: %s (%s)", facts.id, failure.text, status)
            return status
        outbox.mark_sent(self.store, row["id"], attempt, mid)
        log.info("invoice %s sent to the Libeo inbox (%s)", facts.id, reply)
        return "sent"

    def fail_remaining(self, rows: list[sqlite3.Row], error: str) -> None:
        """The server could not be reached: every waiting message gets the same retry schedule."""
        for row in rows:
            outbox.mark_failed_attempt(self.store, row["id"], row["attempts"] + 1, error, False, self.backoff)


def deliver_to_folder(store: Store, settings: FolderSettings, row: sqlite3.Row, facts: InvoiceFacts,
                      backoff: outbox.Backoff) -> str:
    attempt = row["attempts"] + 1
    pdf = _read_pdf(store, row, facts, attempt, backoff)
    if pdf is None:
        return "failed"
    try:
        path = folder.write_invoice(Path(settings.path), file_name(facts), pdf)
    except OSError as exc:
        error = f"cannot write to {settings.path}: {exc.strerror or exc}"
        return outbox.mark_failed_attempt(store, row["id"], attempt, error, False, backoff)
    outbox.mark_sent(store, row["id"], attempt, None)
    log.info("invoice %s copied to %s", facts.id, path)
    return "sent"
