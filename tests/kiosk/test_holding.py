"""A full disk holds entries in memory, bounded, and writes them as they were made once
there is room again; a write that fails for another reason is not swallowed."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from kiosk.freespace import FreeSpaceMonitor
from kiosk.holding import HoldingJournal, is_disk_full
from kiosk.journal import Journal


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
    # Wired as the checkpoint wires them.
    monitor = FreeSpaceMonitor(small_disk, warn_free_mb=0.5, critical_free_mb=0.1, check_every_s=0,
                               on_change=changes.append)
    holding = HoldingJournal(journal, on_change=monitor.update)
    try:
        assert holding.append(fields(0))["seq"] == 1
        assert monitor.level == "ok"
        filler = fill_disk()

        held = [holding.append(fields(n)) for n in range(1, 6)]
        assert all(e["seq"] is None and e["held"] for e in held)
        assert [e["credential"]["n"] for e in held] == [1, 2, 3, 4, 5]
        assert monitor.status()["level"] == "full" and monitor.status()["held"] == 5
        assert changes and changes[-1]["level"] == "full"
        assert journal.last_seq() == 1

        holding.flush()                         # still full: nothing lost, nothing written
        assert len(holding.held) == 5

        os.unlink(filler)
        holding.flush()
        monitor.update(len(holding.held), holding.dropped)
        assert not holding.held and monitor.level == "ok"
        rows = list(journal.iter_all())
        assert [r["credential"]["n"] for r in rows] == [0, 1, 2, 3, 4, 5]
        # Written later, but with the id, time and clock stamp they were decided with.
        stamps = ("id", "ts", "clock_synced", "boot_id", "mono_s")
        assert [[r[k] for k in stamps] for r in rows[1:]] == [[e[k] for k in stamps] for e in held]
        assert journal.verify() is None
        assert holding.append(fields(6))["seq"] == 7
    finally:
        journal.close()


def test_buffer_is_bounded_and_counts_what_it_drops(small_disk, fill_disk):
    journal = Journal(small_disk / "journal.sqlite3", site="s", gate="g")
    counts = []
    holding = HoldingJournal(journal, held_max=3, on_change=lambda held, dropped: counts.append((held, dropped)))
    try:
        holding.append(fields(0))
        filler = fill_disk()
        for n in range(1, 6):
            holding.append(fields(n))
        assert len(holding.held) == 3 and holding.dropped == 2
        os.unlink(filler)
        holding.flush()
        assert [r["credential"]["n"] for r in journal.iter_all()] == [0, 3, 4, 5]
        assert counts == [(1, 0), (2, 0), (3, 0), (3, 1), (3, 2), (0, 2)]
    finally:
        journal.close()


def test_other_journal_errors_are_not_swallowed(tmp_path):
    journal = Journal(tmp_path / "j.sqlite3", site="s", gate="g")
    holding = HoldingJournal(journal)
    journal.close()
    with pytest.raises(sqlite3.ProgrammingError):
        holding.append(fields(0))
