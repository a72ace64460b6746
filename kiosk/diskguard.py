"""A full disk must not stop the gate from deciding.

Two jobs: watch the free space of the journal's file system and say so long before it
runs out (``level``: ok, warn, critical, full), and stand between the checkpoint and
``Journal.append`` so that when a write fails for want of space the person is still
decided, shown and let through. Such entries wait in a bounded memory buffer, keeping
their own id, time and clock stamp, and are written, in order, as soon as space returns.
The buffer is bounded so a disk that stays full cannot exhaust memory; what falls out
of it is counted and reported, never silent.
"""

from __future__ import annotations

import collections
import errno
import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from kiosk import clock
from sync.entry import new_entry

log = logging.getLogger(__name__)

LEVELS = ("ok", "warn", "critical", "full")


def level_for(free_bytes: int, warn_bytes: int, critical_bytes: int, held: int) -> str:
    """The disk's level for the screen and the status topic (pure, table-tested)."""
    if held:
        return "full"
    if free_bytes <= critical_bytes:
        return "critical"
    if free_bytes <= warn_bytes:
        return "warn"
    return "ok"


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


class DiskGuard:
    def __init__(self, journal, *, warn_free_mb: float = 200, critical_free_mb: float = 20,
                 held_max: int = 5000, check_every_s: float = 5.0,
                 on_change: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.journal = journal
        self.path = Path(journal.path).parent
        self.warn_bytes = int(warn_free_mb * 1024 * 1024)
        self.critical_bytes = int(critical_free_mb * 1024 * 1024)
        self.held: collections.deque[dict[str, Any]] = collections.deque(maxlen=held_max)
        self.dropped = 0
        self.check_every_s = check_every_s
        self.on_change = on_change or (lambda status: None)
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self.free_bytes = self._free()
        self.level = self._level()

    # -- the checkpoint's side -------------------------------------------------------

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
        self._update()
        return {**entry, "seq": None, "held": True}

    def tick(self) -> None:
        """Call often from the checkpoint's loop: re-measures now and then and writes
        held entries once there is room again."""
        now = time.monotonic()
        if now - self._checked_at < self.check_every_s:
            return
        self._checked_at = now
        if self.held:
            with self._lock:
                self._flush_locked()
        self._update()

    def status(self) -> dict[str, Any]:
        return {"level": self.level, "free_mb": round(self.free_bytes / 1024 / 1024, 1),
                "held": len(self.held), "dropped": self.dropped}

    # -- inside --------------------------------------------------------------------------

    def _flush_locked(self) -> None:
        try:
            written = self.journal.append_made(list(self.held))
        except (sqlite3.Error, OSError) as exc:
            if not is_disk_full(exc):
                raise
            return
        self.held.clear()
        log.warning("disk has room again: wrote %d held entries (seq %d..%d)",
                    len(written), written[0]["seq"], written[-1]["seq"])

    def _free(self) -> int:
        try:
            return shutil.disk_usage(self.path).free
        except OSError:
            return 0

    def _level(self) -> str:
        return level_for(self.free_bytes, self.warn_bytes, self.critical_bytes, len(self.held))

    def _update(self) -> None:
        before = (self.level, len(self.held), self.dropped)
        self.free_bytes = self._free()
        self.level = self._level()
        if (self.level, len(self.held), self.dropped) != before:
            if self.level != before[0]:
                log.log(logging.INFO if self.level == "ok" else logging.WARNING,
                        "journal disk: %s, %.1f MB free", self.level, self.free_bytes / 1024 / 1024)
            self.on_change(self.status())
