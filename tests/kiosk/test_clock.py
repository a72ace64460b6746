import re
import subprocess
import sys

import pytest

from kiosk import clock
from kiosk.journal import Journal


@pytest.mark.parametrize("ret, status, maxerror_us, synced", [
    (0, 0x0001, 120_000, True),                  # TIME_OK, NTP keeping the error small
    (clock.TIME_ERROR, clock.STA_UNSYNC, 16_000_000, False),  # fresh boot, nobody set the clock
    (clock.TIME_ERROR, clock.STA_UNSYNC, 250_000, True),      # chrony leaves STA_UNSYNC set (rtcsync off)
    (0, 0, 15_999_999, True),
    (0, 0, 16_000_000, False),                   # error grew to the ceiling: NTP gone for hours
    (-1, 0, 0, False),                           # the call failed
])
def test_synced_from_timex(ret, status, maxerror_us, synced):
    assert clock.synced_from_timex(ret, status, maxerror_us) is synced


def test_this_machine_answers():
    got = clock._adjtimex()
    assert got is not None, "adjtimex(2) should be reachable through libc on Linux"
    assert clock.is_synchronised() in (True, False)


def test_boot_id_is_the_kernels():
    bid = clock.boot_id()
    assert re.fullmatch(r"[0-9a-f]{32}", bid)
    assert clock.BOOT_ID_PATH.read_text().strip().replace("-", "") == bid


def test_mono_is_shared_by_processes_of_one_boot():
    before = clock.mono_s()
    other = float(subprocess.check_output(
        [sys.executable, "-c", "from kiosk import clock; print(clock.mono_s())"], text=True))
    after = clock.mono_s()
    assert before <= other <= after


def test_clock_state_probes_at_most_once_per_interval():
    answers = iter([None, True, False])
    calls = []

    def probe():
        calls.append(1)
        return next(answers)

    state = clock.ClockState(probe, recheck_s=3600)
    assert state.synced() is False          # unknown counts as not synchronised
    assert state.synced() is False
    assert len(calls) == 1
    state._at -= 3600
    assert state.synced() is True


def test_every_journal_entry_carries_the_clock_fields(tmp_path):
    j = Journal(tmp_path / "j.sqlite3", site="s", gate="g")
    try:
        a = j.append({"direction": "in", "decision": "admit", "reasons": []})
        b = j.append({"direction": "in", "decision": "admit", "reasons": []})
    finally:
        j.close()
    for e in (a, b):
        assert e["clock_synced"] is clock.is_synchronised()
        assert e["boot_id"] == clock.boot_id()
    assert 0 < a["mono_s"] <= b["mono_s"]


def test_a_refused_adjtimex_asks_timedated(monkeypatch):
    # A sandbox that refuses adjtimex(2) (systemd's ProtectClock= filter) cannot be set up
    # from a test; libc's answer to it, -1, can.
    class RefusingLibc:
        @staticmethod
        def adjtimex(_):
            return -1

    monkeypatch.setattr(clock, "_libc", lambda: RefusingLibc)
    monkeypatch.setattr(clock, "_timedatectl", lambda: True)
    assert clock._adjtimex() is None
    assert clock.is_synchronised() is True


def test_the_demo_can_trust_its_host_clock(monkeypatch):
    # [sim] clock_synced: the simulated gate's entries and status count as synchronised.
    monkeypatch.setattr(clock, "_default", clock.ClockState(probe=lambda: False))
    assert clock.synced() is False and clock.stamp()["clock_synced"] is False
    clock.trust_host_clock()
    assert clock.synced() is True and clock.stamp()["clock_synced"] is True
