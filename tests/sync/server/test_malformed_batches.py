"""Malformed batches sent through real Mosquitto to a running collector: each is
rejected, logged and counted; the collector keeps running; no entry is stored."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from sync import topics
from sync.server import config as server_config
from sync.server.runtime import ServerRuntime
from tests.sync.test_schema import BAD_BATCHES, batch, entry
from tests.waiting import wait_until

TOPIC = topics.ENTRIES.format("s1", "g1")
MAX_BYTES = 256 * 1024

MORE = [
    (TOPIC, b" " * (MAX_BYTES + 1)),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[' + b"[" * 50000 + b"]"),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[{"seq":NaN}]}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[{"seq":1e400}]}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[{"seq":99999999999999999999999}]}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":null}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1"}'),
    (TOPIC, b'{"v":1,"site":null,"gate":"g1","entries":[]}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[1,2,3]}'),
    (TOPIC, b'{"v":1,"site":"s1","gate":"g1","entries":[{}]}'),
    (TOPIC, b"\x00\x01\x02\x03"),
    (TOPIC, "{\"v\":1,\"site\":\"s1\",\"gate\":\"g1\",\"entries\":\"\u95e8\"}".encode()),
    (TOPIC, batch([entry(1, site="s2")])),
    (TOPIC, batch([entry(1), entry(2, gate="g9")])),
    (TOPIC, batch([entry(1, decision=None)])),
    (TOPIC, batch([entry(1, direction=["in"])])),
    (TOPIC, batch([entry(1, ts=None)])),
    (TOPIC, batch([entry(1, id=12)])),
    (TOPIC, batch([{**entry(1), "hash": None}])),
    (TOPIC, batch([entry(1)] * 5001)),
    (topics.ENTRIES.format("s 1", "g1"), batch(site="s 1")),
    (topics.ENTRIES.format("s1", "g1.x"), batch(gate="g1.x")),
    (topics.ENTRIES.format("s1", "g2"), batch()),      # names g1 but came on g2's topic
    (topics.STATUS.format("s1", "g1"), b'{"v":1,"state":"sleeping"}'),
    (topics.STATUS.format("s1", "g1"), b"not json"),
]
CASES = [(TOPIC, payload) for payload, _ in BAD_BATCHES if len(payload) <= MAX_BYTES] + MORE


def test_there_are_at_least_fifty_cases():
    assert len(CASES) >= 50


@pytest.fixture
def server(tmp_path, broker):
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                   "mqtt": {"port": broker.port, "max_batch_bytes": MAX_BYTES},
                                   "http": {"enabled": False}})
    rt = ServerRuntime(cfg)
    rt.start()
    wait_until(lambda: rt.collector.link.connected, 30, "the collector to connect")
    yield rt
    rt.stop()


def snapshot(db) -> list:
    with closing(sqlite3.connect(db)) as conn:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("entries", "chain_issues")]


def test_malformed_batches_leave_the_collector_running_and_the_database_unchanged(tmp_path, broker, server):
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="fuzzer")
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    try:
        good = batch([entry(1)])
        c.publish(TOPIC, good, qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: server.storage.contiguous_seq("s1", "g1") == 1, 30, "entry 1 stored")
        before = snapshot(server.cfg.sqlite_path)
        for topic, payload in CASES:
            c.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: server.collector.rejected == len(CASES), 30,
                   lambda: f"every bad batch rejected ({server.collector.rejected} of {len(CASES)})")
        assert snapshot(server.cfg.sqlite_path) == before
        assert server.storage.rejection_count() == len(CASES)
        reasons = {r["reason"] for r in server.storage.rejections(limit=500)}
        assert any("arrived on the topic of s1/g2" in r for r in reasons)
        # Still alive: the next good batch is stored and acked.
        e2 = entry(2, prev_hash=json.loads(good)["entries"][0]["hash"])
        c.publish(TOPIC, batch([e2]), qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: server.storage.contiguous_seq("s1", "g1") == 2, 30, "entry 2 stored")
        assert server.storage.chain_issues() == []
    finally:
        c.loop_stop()
        c.disconnect()


def test_an_edited_entry_is_stored_but_flagged(tmp_path, broker, server):
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="editor")
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    try:
        e1 = entry(1)
        edited = {**entry(2, prev_hash=e1["hash"]), "decision": "deny"}  # hash no longer matches
        unlinked = entry(3, prev_hash="f" * 64)
        c.publish(TOPIC, batch([e1, edited, unlinked]), qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: server.storage.contiguous_seq("s1", "g1") == 3, 30, "entry 3 stored")
        kinds = [(i["seq"], i["kind"]) for i in server.storage.chain_issues("s1", "g1")]
        assert kinds == [(2, "hash"), (3, "link")]
        # A different entry re-using a stored seq is refused and flagged, not overwritten.
        c.publish(TOPIC, batch([entry(1, decision="refer")]), qos=1).wait_for_publish(timeout=5)
        wait_until(lambda: any(i["kind"] == "conflict" for i in server.storage.chain_issues()), 30,
                   "a conflict among the chain issues")
        with closing(sqlite3.connect(server.cfg.sqlite_path)) as db:
            assert db.execute("SELECT decision FROM entries WHERE seq=1").fetchone() == ("admit",)
        gate = server.storage.gates()[0]
        assert gate["chain_issues"] == 3 and not gate["gap"]
    finally:
        c.loop_stop()
        c.disconnect()
