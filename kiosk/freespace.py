"""How much room the journal's file system has left, said long before it runs out.

The level (ok, warn, critical, full) goes to the screen and the status topic. "full"
means the disk has already refused a write and entries wait in the holding journal
(kiosk/holding.py), whatever the free space reads.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any, Callable

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


class FreeSpaceMonitor:
    """Watches the free space of ``directory``'s file system and calls ``on_change``
    with the new status whenever the level or the held entries' counts change."""

    def __init__(self, directory: str | Path, *, warn_free_mb: float = 200, critical_free_mb: float = 20,
                 check_every_s: float = 5.0, on_change: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.path = Path(directory)
        self.warn_bytes = int(warn_free_mb * 1024 * 1024)
        self.critical_bytes = int(critical_free_mb * 1024 * 1024)
        self.check_every_s = check_every_s
        self.on_change = on_change or (lambda status: None)
        self.held = self.dropped = 0
        self._checked_at = float("-inf")
        self.free_bytes = self._free()
        self.level = self._level()

    def due(self) -> bool:
        """Whether it is time to measure again (at most once every ``check_every_s``)."""
        now = time.monotonic()
        if now - self._checked_at < self.check_every_s:
            return False
        self._checked_at = now
        return True

    def update(self, held: int = 0, dropped: int = 0) -> None:
        """Measure now, with ``held`` entries waiting and ``dropped`` lost for want of space."""
        before = (self.level, self.held, self.dropped)
        self.held, self.dropped = held, dropped
        self.free_bytes = self._free()
        self.level = self._level()
        if (self.level, self.held, self.dropped) != before:
            if self.level != before[0]:
                log.log(logging.INFO if self.level == "ok" else logging.WARNING,
                        "journal disk: %s, %.1f MB free", self.level, self.free_bytes / 1024 / 1024)
            self.on_change(self.status())

    def status(self) -> dict[str, Any]:
        return {"level": self.level, "free_mb": round(self.free_bytes / 1024 / 1024, 1),
                "held": self.held, "dropped": self.dropped}

    def _free(self) -> int:
        try:
            return shutil.disk_usage(self.path).free
        except OSError:
            return 0

    def _level(self) -> str:
        return level_for(self.free_bytes, self.warn_bytes, self.critical_bytes, self.held)
