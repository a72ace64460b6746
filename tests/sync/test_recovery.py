"""The backlog drains the moment the broker and the server are back, not when a kiosk's
ack timeout runs out: the collector keeps a persistent session and announces itself on a
retained status topic, and a kiosk sends its unacked window again when it hears it.
Real Mosquitto, a real server process killed with SIGKILL, real SQLite on both sides."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from functools import partial

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync import schema, topics
from sync.mosquitto import free_port
from sync.outbox import Outbox
from tests.sync.procs import ServerProcess, journal_entries, write_server_config
from tests.waiting import wait_until

SITE, GATE = "s1", "g1"


def stored(db) -> list[tuple[int, str]]:
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT seq, hash FROM entries WHERE site=? AND gate=? ORDER BY seq",
                            (SITE, GATE)).fetchall()


def journaled(journal: Journal) -> list[tuple[int, str]]:
    return [(e["seq"], e["hash"]) for e in journal.iter_all()]


class Watcher:
    """A plain MQTT client that keeps the last message of each topic it subscribed to."""

    def __init__(self, port: int, topic: str) -> None:
        self.last: dict[str, bytes] = {}
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"watch-{random.random()}")
        self.c.on_message = lambda c, u, m: self.last.__setitem__(m.topic, m.payload)
        self.c.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def state(self, topic: str) -> str | None:
        payload = self.last.get(topic)
        return json.loads(payload)["state"] if payload else None

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


@pytest.fixture
def server(tmp_path, broker):
    cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=free_port())
    proc = ServerProcess(cfg, tmp_path / "server.log")
    yield proc
    proc.stop()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("broker_restart", ["clean", "kill -9, persistence file deleted"])
def test_the_backlog_drains_once_broker_and_server_are_back_without_the_ack_timeout(
        tmp_path, broker, server, broker_restart):
    db = tmp_path / "server" / "server-state" / "server.sqlite3"
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    journal_entries(200, journal)
    # The ack timeout is out of reach of this test: only the reconnect and the collector's
    # announcement can make the backlog drain in time.
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "linger_ms": 5, "batch_size": 100,
                                           "ack_timeout_s": 600}})
    outbox = Outbox(cfg.mqtt, site=SITE, gate=GATE, open_journal=partial(Journal, journal.path, site=SITE, gate=GATE))
    watcher = Watcher(broker.port, topics.COLLECTOR.wildcard())
    server.start()
    wait_until(lambda: "online" in {watcher.state(t) for t in list(watcher.last)}, 60, "the collector said online")
    watcher.close()
    outbox.start()
    try:
        wait_until(lambda: journal.acked_seq() == 200, 60, "the first 200 entries acked")
        server.kill()
        broker.kill() if broker_restart != "clean" else broker.stop()
        journal_entries(3000, journal)           # the backlog grows while both are away
        broker.start() if broker_restart == "clean" else broker.restart(hard=True, wipe_persistence=True)
        # The kiosk is back first and sends into a broker where no collector listens yet.
        sent = outbox.sent_batches
        wait_until(lambda: outbox.sent_batches > sent, 60, "the kiosk reconnected and sent its window")
        server.start()
        wait_until(lambda: journal.backlog() == 0, 90, "the backlog acked after broker and server came back")
    finally:
        outbox.stop()
    assert stored(db) == journaled(journal)
    assert journal.acked_seq() == 3200


@pytest.mark.timeout(120)
def test_batches_sent_while_the_collector_is_away_wait_for_it_at_the_broker(tmp_path, broker, server):
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    journal_entries(100, journal)
    bodies = [body for _, body in journal.bodies_after(0, 100)]
    db = tmp_path / "server" / "server-state" / "server.sqlite3"
    status_topic = topics.COLLECTOR.wildcard()
    watcher = Watcher(broker.port, status_topic)
    # A bare publisher: no outbox to send anything again, so what arrives was queued.
    kiosk = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bare-kiosk")
    kiosk.connect("127.0.0.1", broker.port)
    kiosk.loop_start()
    try:
        server.start()
        wait_until(lambda: "online" in {watcher.state(t) for t in list(watcher.last)}, 60, "the collector said online")
        (collector_topic,) = list(watcher.last)
        kiosk.publish(topics.ENTRIES.format(SITE, GATE), schema.encode_batch_raw(SITE, GATE, bodies[:50]),
                      qos=1).wait_for_publish(10)
        wait_until(lambda: len(stored(db)) == 50, 30, "the first batch stored")

        server.kill()
        wait_until(lambda: watcher.state(collector_topic) == "offline", 30, "the collector's will said offline")
        kiosk.publish(topics.ENTRIES.format(SITE, GATE), schema.encode_batch_raw(SITE, GATE, bodies[50:]),
                      qos=1).wait_for_publish(10)
        server.start()
        wait_until(lambda: watcher.state(collector_topic) == "online", 60, "the collector back online")
        wait_until(lambda: len(stored(db)) == 100, 30, "the batch sent while it was away stored")
    finally:
        kiosk.loop_stop()
        kiosk.disconnect()
        watcher.close()
    assert stored(db) == journaled(journal)
