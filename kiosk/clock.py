"""Is the wall clock trustworthy yet, and which boot and monotonic instant is this?

A Raspberry Pi has no real-time clock: until NTP has set the time, the wall clock shows
whatever was saved at the last shutdown (fake-hwclock) or 1970. Every journal entry
therefore carries ``clock_synced``, the ``boot_id`` and the monotonic ``mono_s``, so the
server can later place an unsynchronised entry from a synchronised one of the same boot
(see ``sync/clockfix.py``).

Synchronised means what ``timedatectl``'s ``NTPSynchronized`` means: the kernel's
maximum error estimate, which any NTP client (timesyncd, chrony, ntpd) keeps low, is
under 16 s. adjtimex(2) with no modes only reads, needs no privilege and costs one
system call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

TIME_ERROR = 5                 # adjtimex return: the clock is not synchronised
STA_UNSYNC = 0x0040
MAXERROR_SYNCED_US = 16_000_000  # the kernel's NTP_PHASE_LIMIT-based ceiling; systemd's test

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


class _Timex(ctypes.Structure):
    # The leading fields of struct timex; c_long follows the platform's word size, so
    # the offsets hold on 32-bit and 64-bit ARM alike. The tail is reserved room.
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("_rest", ctypes.c_byte * 256),
    ]


def synced_from_timex(ret: int, status: int, maxerror_us: int) -> bool:
    """The verdict from what adjtimex(2) reported (a pure function, for table tests).

    STA_UNSYNC alone is not trusted: some NTP clients leave it set on purpose so the
    kernel does not write the RTC. The maximum error is what systemd looks at.
    """
    if ret < 0:
        return False
    return 0 <= maxerror_us < MAXERROR_SYNCED_US


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    lib = ctypes.CDLL(name, use_errno=True)
    return lib if hasattr(lib, "adjtimex") else None


def _adjtimex() -> tuple[int, int, int] | None:
    lib = _libc()
    if lib is None:
        return None
    tx = _Timex()
    ret = lib.adjtimex(ctypes.byref(tx))
    if ret < 0:
        return None     # refused (a seccomp filter such as systemd's ProtectClock=): ask timedated
    return ret, tx.status, tx.maxerror


def _timedatectl() -> bool | None:
    try:
        out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = out.stdout.strip().lower()
    return {"yes": True, "no": False}.get(value) if out.returncode == 0 else None


def is_synchronised() -> bool | None:
    """True once NTP has set the clock; None when this system cannot tell."""
    got = _adjtimex()
    if got is not None:
        return synced_from_timex(*got)
    return _timedatectl()


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

    def __init__(self, probe=is_synchronised, recheck_s: float = 1.0) -> None:
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
