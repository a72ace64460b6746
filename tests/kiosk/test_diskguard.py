import errno
import os
import sqlite3

import pytest

from kiosk.diskguard import DiskGuard, is_disk_full, level_for
from kiosk.journal import Journal

MB = 1024 * 1024


@pytest.mark.parametrize("free, held, level", [
    (500 * MB, 0, "ok"),
    (200 * MB, 0, "warn"),
    (150 * MB, 0, "warn"),
    (20 * MB, 0, "critical"),
    (0, 0, "critical"),
    (500 * MB, 3, "full"),      # entries waiting in memory: the disk refused a write
])
def test_level_for(free, held, level):
    assert level_for(free, 200 * MB, 20 * MB, held) == level


@pytest.mark.parametrize("exc, full", [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EACCES, "Permission denied"), False),
    (sqlite3.OperationalError("database or disk is full"), True),
    (sqlite3.OperationalError("disk I/O error"), True),
    (sqlite3.OperationalError("database is locked"), False),
    (ValueError("disk is full"), False),
])
def test_is_disk_full(exc, full):
    assert is_disk_full(exc) is full


def fields(n):
    return {"direction": "in", "decision": "admit", "reasons": [], "credential": {"kind": "test", "n": n}}


def test_full_disk_still_decides_then_writes_held_entries_in_order(small_disk, fill_disk):
    journal = Journal(small_disk / "journal.sqlite3", site="s", gate="g")
    changes = []
    guard = DiskGuard(journal, warn_free_mb=0.5, critical_free_mb=0.1, check_every_s=0, on_change=changes.append)
    try:
        assert guard.append(fields(0))["seq"] == 1
        assert guard.level == "ok"
        filler = fill_disk()

        held = [guard.append(fields(n)) for n in range(1, 6)]
        assert all(e["seq"] is None and e["held"] for e in held)
        assert [e["credential"]["n"] for e in held] == [1, 2, 3, 4, 5]
        assert guard.status()["level"] == "full" and guard.status()["held"] == 5
        assert changes and changes[-1]["level"] == "full"
        assert journal.last_seq() == 1

        guard.tick()                            # still full: nothing lost, nothing written
        assert len(guard.held) == 5

        os.unlink(filler)
        guard.tick()
        assert guard.held == type(guard.held)() and guard.level == "ok"
        rows = list(journal.iter_all())
        assert [r["credential"]["n"] for r in rows] == [0, 1, 2, 3, 4, 5]
        # Written later, but with the time and id they were decided with.
        assert [r["id"] for r in rows[1:]] == [e["id"] for e in held]
        assert [r["ts"] for r in rows[1:]] == [e["ts"] for e in held]
        assert journal.verify() is None
        assert guard.append(fields(6))["seq"] == 7
    finally:
        journal.close()


def test_buffer_is_bounded_and_counts_what_it_drops(small_disk, fill_disk):
    journal = Journal(small_disk / "journal.sqlite3", site="s", gate="g")
    guard = DiskGuard(journal, held_max=3, check_every_s=0)
    try:
        guard.append(fields(0))
        filler = fill_disk()
        for n in range(1, 6):
            guard.append(fields(n))
        assert len(guard.held) == 3 and guard.dropped == 2
        os.unlink(filler)
        guard.tick()
        assert [r["credential"]["n"] for r in journal.iter_all()] == [0, 3, 4, 5]
        assert guard.status()["dropped"] == 2
    finally:
        journal.close()


def test_other_journal_errors_are_not_swallowed(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3", site="s", gate="g")
    guard = DiskGuard(journal)
    journal.close()
    with pytest.raises(sqlite3.ProgrammingError):
        guard.append(fields(0))
