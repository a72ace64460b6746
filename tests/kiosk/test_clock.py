import re
import subprocess
import sys

from kiosk import clock
from kiosk.journal import Journal
from sync import clocksync


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
        assert e["clock_synced"] is clocksync.is_synchronised()
        assert e["boot_id"] == clock.boot_id()
    assert 0 < a["mono_s"] <= b["mono_s"]


def test_the_demo_can_trust_its_host_clock(monkeypatch):
    # [sim] clock_synced: the simulated gate's entries and status count as synchronised.
    monkeypatch.setattr(clock, "_default", clock.ClockState(probe=lambda: False))
    assert clock.synced() is False and clock.stamp()["clock_synced"] is False
    clock.trust_host_clock()
    assert clock.synced() is True and clock.stamp()["clock_synced"] is True
