"""Is the wall clock trustworthy yet, and which boot and monotonic instant is this?

A Raspberry Pi has no real-time clock: until NTP has set the time, the wall clock shows
whatever was saved at the last shutdown (fake-hwclock) or 1970. Every journal entry
therefore carries ``clock_synced``, the ``boot_id`` and the monotonic ``mono_s``, so the
server can later place an unsynchronised entry from a synchronised one of the same boot
(see ``sync/clockfix.py``).

Whether the clock is synchronised is asked of sync/clocksync.py, as the status the
kiosk publishes asks it.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sync import clocksync

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


@lru_cache(maxsize=1)
def boot_id() -> str:
    """This boot's id (a new one each boot), or '' where the kernel does not offer one."""
    try:
        return BOOT_ID_PATH.read_text().strip().replace("-", "")
    except OSError:
        return ""


def mono_s() -> float:
    """Seconds since boot, the same for every process of this boot, counting suspend."""
    clock = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)
    return time.clock_gettime(clock)


class ClockState:
    """The stamp each journal entry carries. Caches the synchronised verdict briefly so a
    burst of entries costs one system call."""

    def __init__(self, probe=clocksync.is_synchronised, recheck_s: float = 1.0) -> None:
        self._probe = probe
        self._recheck_s = recheck_s
        self._value: bool | None = None
        self._at = float("-inf")

    def synced(self) -> bool:
        now = time.monotonic()
        if now - self._at >= self._recheck_s:
            self._value, self._at = self._probe(), now
        # Unknown counts as not synchronised: a flagged entry can be corrected, a wrong
        # time that claims to be right cannot.
        return bool(self._value)

    def stamp(self) -> dict[str, Any]:
        return {"clock_synced": self.synced(), "boot_id": boot_id(), "mono_s": round(mono_s(), 3)}


_default = ClockState()


def stamp() -> dict[str, Any]:
    """``clock_synced``, ``boot_id`` and ``mono_s`` for an entry made now."""
    return _default.stamp()


def synced() -> bool:
    """What the next entry's stamp will say."""
    return _default.synced()


def trust_host_clock() -> None:
    """Count this process's clock as synchronised from now on (``[sim] clock_synced``)."""
    global _default
    _default = ClockState(probe=lambda: True)
