"""Entries journaled on a kiosk reach the server's database exactly once: real Mosquitto,
a real server process (killed with SIGKILL mid-stream), real SQLite on both sides."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from contextlib import closing
from functools import partial

import pytest

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync.mosquitto import free_port
from sync.outbox import Outbox
from sync.server import config as server_config
from sync.server.runtime import ServerRuntime
from tests.sync.procs import ServerProcess, journal_entries, write_server_config
from tests.waiting import wait_until

SITE, GATE = "s1", "g1"


def server_rows(db) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT seq, hash FROM entries WHERE site=? AND gate=? ORDER BY seq",
                            (SITE, GATE)).fetchall()


def journal_rows(journal: Journal) -> list[tuple[int, str]]:
    return [(e["seq"], e["hash"]) for e in journal.iter_all()]


def make_outbox(tmp_path, broker, **mqtt) -> Outbox:
    cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "linger_ms": 10, **mqtt}})
    return Outbox(cfg.mqtt, site=SITE, gate=GATE,
                  open_journal=partial(Journal, tmp_path / "journal.sqlite3", site=SITE, gate=GATE))


@pytest.fixture
def server(tmp_path, broker):
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                   "mqtt": {"port": broker.port}, "http": {"port": 0, "api_token": "t0ken"}})
    rt = ServerRuntime(cfg)
    rt.start()
    yield rt
    rt.stop()


def test_entries_reach_the_server_once_and_the_backlog_empties(tmp_path, broker, server):
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    journal_entries(1200, journal)
    outbox = make_outbox(tmp_path, broker, batch_size=100)
    outbox.start()
    try:
        wait_until(lambda: outbox.backlog == 0 and outbox.acked_seq == 1200, 60, "all 1200 entries acked")
        # Entries journaled while online follow, woken by the checkpoint's call.
        for _ in range(30):
            journal.append({"direction": "out", "decision": "deny", "reasons": ["fever"]})
            outbox.wake()
        wait_until(lambda: journal.acked_seq() == 1230, 30, "journal.acked_seq() == 1230")
    finally:
        outbox.stop()
    assert server_rows(server.cfg.sqlite_path) == journal_rows(journal)
    assert journal.backlog() == 0
    gate = server.storage.gates()[0]
    assert (gate["contiguous_seq"], gate["gap"], gate["chain_issues"]) == (1230, False, 0)
    # The kiosk said goodbye on its status topic, and the server kept it.
    wait_until(lambda: (server.storage.gates()[0]["status"] or {}).get("state") == "stopped", 30,
               "the kiosk's state stopped on the server")
    req = urllib.request.Request(server.http_url + "api/entries?limit=5&decision=deny",
                                 headers={"Authorization": "Bearer t0ken"})
    with urllib.request.urlopen(req) as r:
        body = json.load(r)
    assert body["count"] == 5 and all(e["decision"] == "deny" for e in body["entries"])


def test_kill_the_server_mid_stream_and_nothing_is_lost_or_doubled(tmp_path, broker):
    cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=free_port())
    db = tmp_path / "server" / "server-state" / "server.sqlite3"
    server = ServerProcess(cfg, tmp_path / "server.log").start()
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    outbox = make_outbox(tmp_path, broker, batch_size=50, ack_timeout_s=2.0)
    outbox.start()
    acks_seen: list[int] = []
    try:
        for round_ in range(3):
            journal_entries(3000, journal, chunk=100)
            outbox.wake()
            # Let part of the stream land, then pull the plug on the server.
            wait_until(lambda: journal.acked_seq() > round_ * 3000 + 200, 30, "server never acked")
            server.kill()
            acks_seen.append(journal.acked_seq())
            # An ack is a promise: everything acked is in the server's database.
            stored = {seq for seq, _ in server_rows(db)}
            assert set(range(1, acks_seen[-1] + 1)) <= stored
            server.start()
        wait_until(lambda: journal.backlog() == 0, 60, lambda: f"backlog left: {journal.backlog()}")
    finally:
        outbox.stop()
        server.stop()
    assert server_rows(db) == journal_rows(journal)
    assert len(server_rows(db)) == 9000


def test_acks_never_exceed_what_the_server_stored(tmp_path, broker, server):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from sync import topics

    seen: list[int] = []
    spy = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="spy")
    spy.on_message = lambda c, u, m: seen.append(json.loads(m.payload)["seq"])
    spy.connect("127.0.0.1", broker.port)
    spy.subscribe(topics.ACK.format(SITE, GATE), qos=1)
    spy.loop_start()
    try:
        journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
        journal_entries(2000, journal)
        outbox = make_outbox(tmp_path, broker, batch_size=64)
        outbox.start()
        wait_until(lambda: journal.backlog() == 0, 30, "journal.backlog() == 0")
        outbox.stop()
        wait_until(lambda: seen and seen[-1] == 2000, 30, "seen and seen[-1] == 2000")
    finally:
        spy.loop_stop()
        spy.disconnect()
    stored = [seq for seq, _ in server_rows(server.cfg.sqlite_path)]
    assert stored == list(range(1, 2001))
    assert max(seen) <= len(stored) and seen == sorted(seen)
