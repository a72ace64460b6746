"""The collector's limits: an entry over MAX_ENTRY_BYTES, a seq past MAX_SEQ or one that
jumps beyond the window are refused and recorded, and the collector goes on storing the
good batches that come with them."""

from __future__ import annotations

import pytest

from kiosk.entry import entry_hash
from sync import schema, topics
from sync.server.storage import EntryQuery
from tests.sync.server.consolekit import entry_fields, journal_entries

TOPIC = topics.ENTRIES.format("demo-site", "gate-1")


def _rehashed(entry: dict, **changes) -> dict:
    e = {**entry, **changes}
    e["hash"] = entry_hash({k: v for k, v in e.items() if k != "hash"})
    return e


def _bad(entries: list[dict]) -> dict[str, dict]:
    last = entries[-1]
    big = _rehashed(last, seq=last["seq"] + 1, id="big", prev_hash=last["hash"],
                    visitor={"coming_from": "x" * (1024 * 1024)})
    return {
        "1 MB entry": big,
        "seq 2^62": _rehashed(last, seq=2**62, id="huge"),
        "seq jump": _rehashed(last, seq=last["seq"] + schema.SEQ_WINDOW + 1, id="jump"),
    }


@pytest.mark.parametrize("case, words", [("1 MB entry", "over the limit of 65536 for one entry"),
                                         ("seq 2^62", "positive integer up to"),
                                         ("seq jump", f"more than {schema.SEQ_WINDOW} past seq 3")])
def test_an_entry_past_the_limits_is_refused_and_recorded(collector, tmp_path, case, words):
    entries = journal_entries(tmp_path, "gate-1", [entry_fields() for _ in range(5)])
    bad = _bad(entries[:3])[case]
    assert collector.handle([(TOPIC, schema.encode_batch("demo-site", "gate-1", entries[:3]))]) == {
        ("demo-site", "gate-1"): 3}
    acks = collector.handle([(TOPIC, schema.encode_batch("demo-site", "gate-1", [bad])),
                             (TOPIC, schema.encode_batch("demo-site", "gate-1", entries[3:]))])
    assert acks == {("demo-site", "gate-1"): 5}, "the good batch after the bad one is stored"
    assert collector.rejected == 1
    (rejection,) = collector.storage.rejections()
    assert words in rejection["reason"] and rejection["topic"] == TOPIC
    assert collector.storage.count_entries(EntryQuery(site="demo-site", gate="gate-1")) == 5
