"""A full disk, for real: the data folder on a small tmpfs filled to the last byte. The user is told
« disque plein » and which folder, nothing is lost, and once space is freed the invoice comes in
once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from backend import paths
from backend.core.store import DB_NAME

pytestmark = pytest.mark.keyring


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(parents=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, check=False).returncode == 0


@pytest.fixture
def home(tmp_path, monkeypatch):
    """INVOICE_COLLECTOR_HOME on its own 8 MB disk."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "8m"):
        pytest.skip("needs to mount a small tmpfs (root, or a container allowing it)")
    path = disk / "ic-home"
    path.mkdir()
    monkeypatch.setenv("INVOICE_COLLECTOR_HOME", str(path))
    yield path
    subprocess.run(["umount", "-l", str(disk)], check=False)


class Filler:
    """Takes the disk's free space, all of it or all but `leave` bytes."""

    def __init__(self, folder: Path):
        self.path = folder / "filler"

    def fill(self, leave: int = 0) -> None:
        with open(self.path, "ab") as out, contextlib.suppress(OSError):
            while os.statvfs(self.path).f_bavail * os.statvfs(self.path).f_frsize > leave:
                out.write(b"\0" * 4096)
                out.flush()

    def free(self) -> None:
        self.path.unlink(missing_ok=True)


def test_a_sync_on_a_full_disk_says_so_and_loses_nothing(api, runner, home):
    filler = Filler(home)
    account = api.create()["account"]
    api.wait_idle()
    runner.add("2026-11", dt.date(2026, 11, 5), pdf=os.urandom(1024 * 1024))  # does not fit in what is left

    # Room for the job's rows, not for the PDF: the sync ends DISK_FULL, naming the folder, in French.
    filler.fill(leave=256 * 1024)
    job = api.post(f"/api/accounts/{account['id']}/sync").get_json()["job"]
    api.wait_idle()
    finished = api.job(job["id"])
    assert finished["outcome"]["code"] == "DISK_FULL"
    assert finished["outcome"]["message_fr"].startswith("Disque plein") and str(paths.data_dir()) in finished["outcome"]["message_fr"]
    card = api.account(account["id"])
    assert card["last_outcome"]["code"] == "DISK_FULL" and not card["blocked"]  # retried on its own later
    assert str(paths.data_dir()) in card["last_outcome"]["message"]
    assert api.invoices() == []  # not recorded as known: the next sync finds it again

    # Not one byte left: « Synchroniser maintenant » answers 507 in the user's language, not a bare 500.
    with sqlite3.connect(paths.data_dir() / DB_NAME) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write needs new space
    filler.fill(leave=0)
    refused = api.post(f"/api/accounts/{account['id']}/sync", headers={"Accept-Language": "fr"})
    assert refused.status_code == 507
    error = refused.get_json()["error"]
    assert error["code"] == "DISK_FULL"
    assert error["message"].startswith("disque plein") and str(paths.data_dir()) in error["message"]

    # Space freed: the invoice comes in, once.
    filler.free()
    job = api.post(f"/api/accounts/{account['id']}/sync").get_json()["job"]
    api.wait_idle()
    assert api.job(job["id"])["outcome"]["code"] == "OK"
    assert [i["key"] for i in api.invoices()] == ["2026-11"]
