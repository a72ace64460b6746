"""A full disk must not stop the gate from deciding.

``HoldingJournal`` offers the journal's ``append``: when a write fails for want of
space, the person is still decided, shown and let through. Such entries are made at
once (id, time, clock stamp) and wait in a bounded memory buffer; ``flush`` writes them,
in order and as they were made, as soon as space returns. The buffer is bounded so a
disk that stays full cannot exhaust memory; what falls out of it is counted and
reported, never silent.
"""

from __future__ import annotations

import collections
import errno
import logging
import sqlite3
import threading
from typing import Any, Callable

from kiosk import clock
from kiosk.journal import Journal
from sync.entry import new_entry

log = logging.getLogger(__name__)


def is_disk_full(exc: BaseException) -> bool:
    """Whether a failed write failed for want of space (SQLite's or the OS's words)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return True
        # SQLite reports a full disk as an I/O error when the WAL or its index cannot
        # grow; a failing SD card says the same, and holding entries is right for both.
        return "database or disk is full" in str(exc) or "disk I/O error" in str(exc)
    return False


class HoldingJournal:
    """``journal``'s append, holding up to ``held_max`` entries while the disk is full.

    ``on_change(held, dropped)`` is called whenever either count changes.
    """

    def __init__(self, journal: Journal, *, held_max: int = 5000,
                 on_change: Callable[[int, int], None] | None = None) -> None:
        self.journal = journal
        self.held: collections.deque[dict[str, Any]] = collections.deque(maxlen=held_max)
        self.dropped = 0
        self.on_change = on_change or (lambda held, dropped: None)
        self._lock = threading.Lock()

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Journal an entry; if the disk is full, hold it and return it all the same.

        A held entry has ``seq`` None until it is written; everything else a decision
        needs (id, ts, clock stamp, the fields) is there at once.
        """
        with self._lock:
            if self.held:
                self._flush_locked()
            if not self.held:
                try:
                    return self.journal.append(fields)
                except (sqlite3.Error, OSError) as exc:
                    if not is_disk_full(exc):
                        raise
                    log.error("journal write failed, disk full: holding entries in memory (%s)", exc)
            entry = new_entry(fields, site=self.journal.site, gate=self.journal.gate, stamp=clock.stamp())
            if len(self.held) == self.held.maxlen:
                self.dropped += 1
                log.error("disk still full: %d entries held, dropped the oldest (%d dropped so far)",
                          len(self.held), self.dropped)
            self.held.append(entry)
        self.on_change(len(self.held), self.dropped)
        return {**entry, "seq": None, "held": True}

    def flush(self) -> None:
        """Write the held entries if the disk has room again."""
        if not self.held:
            return
        with self._lock:
            wrote = self._flush_locked()
        if wrote:
            self.on_change(len(self.held), self.dropped)

    def _flush_locked(self) -> bool:
        if not self.held:   # another thread's append wrote them first
            return False
        try:
            written = self.journal.append_made(list(self.held))
        except (sqlite3.Error, OSError) as exc:
            if not is_disk_full(exc):
                raise
            return False
        self.held.clear()
        log.warning("disk has room again: wrote %d held entries (seq %d..%d)",
                    len(written), written[0]["seq"], written[-1]["seq"])
        return True
