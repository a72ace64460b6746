"""The server places entries made before the kiosk's clock was synchronised, on both
storage back-ends."""

from __future__ import annotations

import pytest

from kiosk.journal import Journal
from sync.schema import Batch
from sync.server.storage import EntryQuery

BOOT, OTHER_BOOT = "1" * 32, "2" * 32


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "kiosk.sqlite3", site="s1", gate="g1")
    yield j
    j.close()


def make(journal, ts, synced, mono, boot=BOOT):
    return journal.append({"direction": "in", "decision": "admit", "reasons": [],
                           "ts": ts, "clock_synced": synced, "boot_id": boot, "mono_s": mono})


def stored_ts(storage) -> dict[int, str]:
    return {e["seq"]: e["ts"] for e in storage.iter_entries(EntryQuery(site="s1", gate="g1"))}


def test_a_later_synced_entry_corrects_earlier_ones_in_another_batch(storage, journal):
    # Booted offline with the clock at the last shutdown's time; NTP came 100 s later.
    early = [make(journal, "2026-03-01T08:00:00.000Z", False, 20.0),
             make(journal, "2026-03-01T08:00:30.000Z", False, 50.5),
             make(journal, "2026-03-01T08:00:31.000Z", False, 40.0, OTHER_BOOT)]
    storage.store([Batch("s1", "g1", early)])
    assert stored_ts(storage) == {1: "2026-03-01T08:00:00.000Z", 2: "2026-03-01T08:00:30.000Z",
                                  3: "2026-03-01T08:00:31.000Z"}

    later = [make(journal, "2026-11-25T06:01:40.000Z", True, 120.0)]
    acks = storage.store([Batch("s1", "g1", later)])
    assert acks == {("s1", "g1"): 4}
    assert stored_ts(storage) == {1: "2026-11-25T06:00:00.000Z", 2: "2026-11-25T06:00:30.500Z",
                                  3: "2026-03-01T08:00:31.000Z",      # another boot: nothing to go by
                                  4: "2026-11-25T06:01:40.000Z"}
    assert storage.chain_issues() == []                               # the bodies are untouched


def test_same_batch_and_a_synced_status_both_place_entries(storage, journal):
    entries = [make(journal, "2000-01-01T00:00:00.000Z", False, 10.0),
               make(journal, "2026-11-25T06:00:00.000Z", True, 70.0),
               make(journal, "2000-01-01T00:00:01.000Z", False, 5.0, OTHER_BOOT)]
    storage.store([Batch("s1", "g1", entries)])
    assert stored_ts(storage)[1] == "2026-11-25T05:59:00.000Z"
    assert stored_ts(storage)[3] == "2000-01-01T00:00:01.000Z"
    storage.record_status("s1", "g1", {"v": 1, "state": "online", "clock_synced": True, "boot_id": OTHER_BOOT,
                                       "mono_s": 65.0, "ts": "2026-11-25T07:00:00.000Z"})
    assert stored_ts(storage)[3] == "2026-11-25T06:59:00.000Z"
