"""The folder destination: copy each invoice PDF as YYYY-MM-DD_provider_number.pdf.

Writes a temporary file, fsyncs it, then links it into place: a crash never leaves half a PDF
under the final name, and an existing different file is never overwritten (a suffix is added).
Writing the same invoice twice (a resend after a crash) finds its own file and does nothing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

MAX_SUFFIX = 1000


def _same_content(path: Path, digest: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def _candidates(name: str):
    stem, ext = os.path.splitext(name)
    yield name
    for n in range(2, MAX_SUFFIX):
        yield f"{stem}_{n}{ext}"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some systems cannot open a directory; the file itself is synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _place(tmp: Path, target: Path) -> bool:
    """Move tmp to target only if target does not exist. False if it does."""
    try:
        os.link(tmp, target)  # atomic and never overwrites
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if target.exists():  # no hard links here (FAT, some shares): check, then rename
            return False
        os.replace(tmp, target)
        return True
    tmp.unlink()
    return True


def write_invoice(folder: Path, name: str, pdf: bytes) -> Path:
    """Write pdf under `name` (or name_2, name_3… when a different file has it). Returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pdf).hexdigest()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".pdf")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        for candidate in _candidates(name):
            target = folder / candidate
            if _same_content(target, digest):
                return target  # already there (a resend): nothing to do
            if not target.exists() and _place(tmp, target):
                _fsync_dir(folder)
                return target
        raise FileExistsError(f"too many different files named like {name} in {folder}")
    finally:
        if tmp.exists():
            tmp.unlink()
