"""What the journal writes for an entry: made at the write, or, for an entry held while
the disk was full, with the id, time and clock stamp it was decided with."""

from __future__ import annotations

import pytest

from kiosk.journal import Journal
from sync.entry import new_entry, utc_now_iso

FIELDS = {"direction": "in", "decision": "admit", "reasons": [], "credential": {"kind": "pass", "pass_id": "p1"}}
EARLIER = {"clock_synced": False, "boot_id": "1" * 32, "mono_s": 12.5}


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "journal.sqlite3", site="s1", gate="g1")
    yield j
    j.close()


def test_an_appended_entry_is_made_when_it_is_written(journal):
    before = utc_now_iso()
    entry = journal.append(FIELDS)
    assert len(entry["id"]) == 32 and before <= entry["ts"] <= utc_now_iso()
    assert {entry["site"], entry["gate"]} == {"s1", "g1"} and entry["seq"] == 1
    assert {"clock_synced", "boot_id", "mono_s"} <= entry.keys()
    assert journal.get(entry["id"]) == entry


def test_a_held_entry_keeps_the_id_time_and_stamp_it_was_made_with(journal):
    held = new_entry(FIELDS, site="s1", gate="g1", stamp=EARLIER, ts="2026-03-01T08:00:00.000Z")
    journal.append(FIELDS)
    [written] = journal.append_made([held])
    assert written["seq"] == 2
    assert (written["id"], written["ts"]) == (held["id"], "2026-03-01T08:00:00.000Z")
    assert {k: written[k] for k in EARLIER} == EARLIER
    assert journal.get(held["id"]) == written
    assert journal.verify() is None


@pytest.mark.parametrize("key", ["id", "ts", "clock_synced", "site", "seq", "hash"])
def test_decided_fields_cannot_set_what_is_made_with_the_entry(journal, key):
    journal.append(FIELDS)
    with pytest.raises(ValueError, match=key):
        journal.append({**FIELDS, key: "x"})
    assert journal.last_seq() == 1
