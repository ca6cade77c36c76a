"""Cross-process locks on files beside the database, with filelock (fcntl on POSIX, msvcrt on
Windows), so that the guarantees below hold on every OS the README supports:

- `Claim`: held for as long as a process does a job only one process may do for a database
  (run its jobs, deliver its outbox); another process asking gets False at once;
- `exclusive()`: a short critical section shared by every process (the pairing file).

Each use opens its own lock file handle: two threads of one process exclude each other too."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import filelock


class Claim:
    def __init__(self, path: Path):
        self.path = path
        self._lock: filelock.FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def take(self) -> bool:
        """True if this process now holds the claim (or already did), False if another one does."""
        if self._lock is not None:
            return True
        # thread_local=False: the claim belongs to the process, and may be released from another thread.
        lock = filelock.FileLock(self.path, mode=0o600, thread_local=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        self._lock = lock
        return True

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release(force=True)
            self._lock = None


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Wait for, then hold, the lock at `path` for the duration of the block."""
    with filelock.FileLock(path, mode=0o600, thread_local=False):
        yield
