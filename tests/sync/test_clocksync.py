"""Has NTP set the clock: the kernel's word through adjtimex(2), timedated's when that
is refused (sync/clocksync.py)."""

import pytest

from sync import clocksync


@pytest.mark.parametrize("ret, status, maxerror_us, synced", [
    (0, 0x0001, 120_000, True),                  # TIME_OK, NTP keeping the error small
    (clocksync.TIME_ERROR, clocksync.STA_UNSYNC, 16_000_000, False),  # fresh boot, nobody set the clock
    (clocksync.TIME_ERROR, clocksync.STA_UNSYNC, 250_000, True),      # chrony leaves STA_UNSYNC set (rtcsync off)
    (0, 0, 15_999_999, True),
    (0, 0, 16_000_000, False),                   # error grew to the ceiling: NTP gone for hours
    (-1, 0, 0, False),                           # the call failed
])
def test_synced_from_timex(ret, status, maxerror_us, synced):
    assert clocksync.synced_from_timex(ret, status, maxerror_us) is synced


def test_this_machine_answers():
    got = clocksync._adjtimex()
    assert got is not None, "adjtimex(2) should be reachable through libc on Linux"
    assert clocksync.is_synchronised() is clocksync.synced_from_timex(*got)


def test_a_refused_adjtimex_asks_timedated(monkeypatch):
    # A sandbox that refuses adjtimex(2) (systemd's ProtectClock= filter) cannot be set up
    # from a test; libc's answer to it, -1, can.
    class RefusingLibc:
        @staticmethod
        def adjtimex(_):
            return -1

    monkeypatch.setattr(clocksync, "_libc", lambda: RefusingLibc)
    monkeypatch.setattr(clocksync, "_timedatectl", lambda: True)
    assert clocksync._adjtimex() is None
    assert clocksync.is_synchronised() is True
