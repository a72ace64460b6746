"""Has NTP set this machine's clock yet? The one answer the kiosk's entries, its doctor
and the status it publishes all give.

A Raspberry Pi has no real-time clock: until NTP has set the time, the wall clock shows
whatever was saved at the last shutdown (fake-hwclock) or 1970.

Synchronised means what ``timedatectl``'s ``NTPSynchronized`` means: the kernel's
maximum error estimate, which any NTP client (timesyncd, chrony, ntpd) keeps low, is
under 16 s. adjtimex(2) with no modes only reads, needs no privilege and costs one
system call. A marker file of one NTP client (systemd-timesyncd's
/run/systemd/timesync/synchronized) is not the answer: a Pi kept by chrony has none.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
from functools import lru_cache

TIME_ERROR = 5                 # adjtimex return: the clock is not synchronised
STA_UNSYNC = 0x0040
MAXERROR_SYNCED_US = 16_000_000  # the kernel's NTP_PHASE_LIMIT-based ceiling; systemd's test


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
