"""A full disk, recognised wherever it strikes (a PDF being written, SQLite growing, Chromium's
profile) and told the same way: « disque plein », and which folder's disk to clear."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

from backend.i18n import Said, say

# Below this, a failed sync is put down to the disk (doctor FAILs there too); doctor warns below WARN.
FULL_BYTES = 50 * 1024 ** 2
WARN_BYTES = 500 * 1024 ** 2


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT from the OS, or SQLite's SQLITE_FULL (read by name: the engine may not import sqlite3)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "database or disk is full" in str(exc)


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk holding `folder` (its nearest existing parent); None if unknown."""
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def nearly_full(folder: Path) -> bool:
    free = free_bytes(folder)
    return free is not None and free < FULL_BYTES


def full_message(folder: Path) -> Said:
    """What the user reads; `folder_in` finds the folder again in the English text (the one stored)."""
    free = free_bytes(folder)
    left = f" ({free / 1024 ** 2:.0f} MB free)" if free is not None else ""
    left_fr = f" ({free / 1024 ** 2:.0f} Mo libres)" if free is not None else ""
    return say(f"the disk holding {folder} is full{left}: free some space on it, then sync again; nothing was "
               "lost, the invoices not saved will be collected then",
               f"disque plein{left_fr} : libérez de la place sur le disque qui contient {folder}, puis "
               "synchronisez à nouveau ; rien n'est perdu, les factures non enregistrées seront collectées alors")


def folder_in(message: str | None) -> Path | None:
    """The folder a full_message() names, or None."""
    found = re.search(r"the disk holding (.+?) is full", message or "")
    return Path(found.group(1)) if found else None


def where_full(exc: BaseException) -> Path | None:
    """The folder an OSError was writing into, when it says."""
    name = getattr(exc, "filename", None)
    return Path(name).parent if isinstance(name, str) and name else None
