"""The payload checks: a table of good and bad batches, acks and statuses."""

from __future__ import annotations

import json

import pytest

from sync.entry import GENESIS_HASH, entry_hash
from sync import schema


def entry(seq: int = 1, **over) -> dict:
    e = {"v": 1, "seq": seq, "id": f"id{seq}", "ts": "2026-11-25T06:00:00.000Z", "clock_synced": True,
         "site": "s1", "gate": "g1", "direction": "in", "decision": "admit", "reasons": [],
         "credential": {"kind": "pass", "household": "1-2-3"}, "temperature": {"value_c": 36.5},
         "operator": None, "visitor": None, "prev_hash": GENESIS_HASH}
    e.update(over)
    e["hash"] = entry_hash(e)
    return e


def batch(entries=None, **over) -> bytes:
    data = {"v": 1, "site": "s1", "gate": "g1", "entries": entries if entries is not None else [entry()]}
    data.update(over)
    return json.dumps(data).encode()


def test_a_good_batch_parses():
    b = schema.parse_batch(batch([entry(1), entry(2)]), "s1", "g1")
    assert (b.site, b.gate, b.first_seq, b.last_seq) == ("s1", "g1", 1, 2)


def test_a_pass_end_is_carried_and_older_entries_without_it_stay_valid():
    until = entry(2, credential={"kind": "day_pass", "role": "visitor", "valid_until": "2026-03-02T12:00:00Z"})
    b = schema.parse_batch(batch([entry(1), until]), "s1", "g1")
    assert b.entries[1]["credential"]["valid_until"] == "2026-03-02T12:00:00Z"


def test_raw_encoding_is_the_same_batch():
    e = [entry(1), entry(2)]
    raw = schema.encode_batch_raw("s1", "g1", [json.dumps(x) for x in e])
    assert json.loads(raw) == json.loads(schema.encode_batch("s1", "g1", e))


BAD_BATCHES = [
    (b"", "not JSON"),
    (b"{", "not JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[]", "expected an object"),
    (b'"text"', "expected an object"),
    (b"null", "expected an object"),
    (batch(v=2), "version"),
    (batch(v="1"), "version"),
    (batch(v=True), "version"),
    (batch(gate="g2"), "arrived on the topic of s1/g1"),
    (batch(site="s2"), "arrived on the topic of s1/g1"),
    (batch([]), "non-empty list"),
    (batch(entries={"seq": 1}), "non-empty list"),
    (batch(["x"]), "expected an object"),
    (batch([entry(seq=0)]), "positive integer"),
    (batch([entry(seq=-5)]), "positive integer"),
    (batch([entry(seq=1.0)]), "positive integer"),
    (batch([entry(seq="1")]), "positive integer"),
    (batch([entry(seq=True)]), "positive integer"),
    (batch([entry(gate="g2")]), "but the batch is from s1/g1"),
    (batch([entry(id="")]), "id must be"),
    (batch([entry(id="a/b")]), "id must be"),
    (batch([entry(ts=5)]), "ts must be"),
    (batch([{**entry(), "hash": "XYZ"}]), "hash must be 64"),
    (batch([entry(prev_hash="0")]), "prev_hash must be 64"),
    (batch([entry(decision="maybe")]), "decision"),
    (batch([entry(direction="sideways")]), "direction"),
    (batch([entry(reasons="fever")]), "reasons must be"),
    (batch([entry(reasons=[1])]), "reasons must be"),
    (batch([entry(credential=[1, 2])]), "credential must be"),
    (batch([entry(credential={"kind": "pass", "valid_until": 1767225600})]), "valid_until must be"),
    (batch([entry(credential={"kind": "pass", "valid_until": "2026-03-02 20:00"})]), "valid_until must be"),
    (batch([entry(credential={"kind": "pass", "valid_until": "2026-03-02T20:00:00+08:00"})]), "valid_until must be"),
    (batch([entry(2), entry(1)]), "oldest first"),
    (batch([entry(1), entry(1)]), "oldest first"),
    (b"[" * 100000, "not JSON"),
    (b" " * (schema.MAX_BATCH_BYTES + 1), "over the limit"),
]


@pytest.mark.parametrize("payload, words", BAD_BATCHES)
def test_bad_batches_are_refused_with_a_reason(payload, words):
    with pytest.raises(schema.SchemaError, match=words):
        schema.parse_batch(payload, "s1", "g1")


def test_a_topic_with_an_invalid_gate_is_refused():
    with pytest.raises(schema.SchemaError, match="invalid site/gate"):
        schema.parse_batch(batch(gate="g 1"), "s1", "g 1")


@pytest.mark.parametrize("payload, seq", [(b'{"v":1,"seq":0}', 0), (b'{"v":1,"seq":17}', 17)])
def test_acks(payload, seq):
    assert schema.parse_ack(payload) == seq
    assert schema.parse_ack(schema.encode_ack(seq)) == seq


@pytest.mark.parametrize("payload", [b'{"v":1}', b'{"v":1,"seq":-1}', b'{"v":1,"seq":"3"}', b"3", b'{"seq":3}'])
def test_bad_acks(payload):
    with pytest.raises(schema.SchemaError):
        schema.parse_ack(payload)


def test_status_round_trip_and_checks():
    assert schema.parse_status(schema.encode_status({"state": "online", "backlog": 3}))["backlog"] == 3
    with pytest.raises(schema.SchemaError, match="state"):
        schema.parse_status(b'{"v":1,"state":"dancing"}')
    with pytest.raises(schema.SchemaError, match="backlog"):
        schema.parse_status(b'{"v":1,"state":"online","backlog":-1}')
