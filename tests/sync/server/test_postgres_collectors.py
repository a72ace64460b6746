"""Two collector processes share the load through the shared subscription, against one
PostgreSQL store; one is SIGKILLed mid-stream. Every entry is still stored exactly once."""

from __future__ import annotations

import pytest

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync.outbox import Outbox
from tests.sync.procs import ServerProcess, journal_entries, write_server_config
from tests.waiting import wait_until

pytestmark = pytest.mark.postgres

GATES = ("g1", "g2", "g3")


def test_two_collectors_one_postgres_each_entry_once(tmp_path, broker, postgres_dsn):
    import psycopg

    collectors = []
    for name in ("a", "b"):
        cfg = write_server_config(tmp_path / name / "server.toml", broker.port,
                                  extra=f'[storage]\ntype = "postgres"\npostgres_dsn = "{postgres_dsn}"\n'
                                        f'[registry]\nkey_file = "{tmp_path / "registry-key.pem"}"\n')
        cfg.write_text(cfg.read_text().replace("[http]\n", "[http]\nenabled = false\n"))
        collectors.append(ServerProcess(cfg, tmp_path / f"{name}.log").start())
    journals, outboxes = {}, []
    for gate in GATES:
        journals[gate] = Journal(tmp_path / f"{gate}.sqlite3", site="s1", gate=gate)
        journal_entries(2000, journals[gate], chunk=100)
        mqtt_cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "batch_size": 50, "linger_ms": 5,
                                                     "ack_timeout_s": 2.0}}).mqtt
        outboxes.append(Outbox(mqtt_cfg, site="s1", gate=gate, journal_path=tmp_path / f"{gate}.sqlite3"))
    for ob in outboxes:
        ob.start()
    try:
        wait_until(lambda: sum(j.acked_seq() for j in journals.values()) > 1500, 60, "1500 entries acked")
        collectors[0].kill()
        for gate in GATES:
            journal_entries(500, journals[gate], chunk=100)
        collectors[0].start()
        wait_until(lambda: all(j.backlog() == 0 for j in journals.values()), 90,
                   lambda: f"every backlog to drain {({g: j.backlog() for g, j in journals.items()})}")
    finally:
        for ob in outboxes:
            ob.stop()
        for c in collectors:
            c.stop()
    with psycopg.connect(postgres_dsn) as db:
        for gate in GATES:
            rows = db.execute("SELECT seq, hash FROM entries WHERE site='s1' AND gate=%s ORDER BY seq",
                              (gate,)).fetchall()
            assert rows == [(e["seq"], e["hash"]) for e in journals[gate].iter_all()]
            assert len(rows) == 2500
        assert db.execute("SELECT COUNT(*) FROM chain_issues").fetchone()[0] == 0
        assert db.execute("SELECT SUM(entry_count) FROM gates").fetchone()[0] == 7500


def test_the_shared_subscription_splits_the_batches_between_collectors(tmp_path, broker, postgres_dsn):
    """Each batch goes to one collector of the group, not to both: the load is shared."""
    from sync.server import config as server_config
    from sync.server.collector import Collector
    from sync.server.storage.postgres import PostgresStorage

    mqtt_cfg = server_config.from_dict({"mqtt": {"port": broker.port}}).mqtt
    collectors = [Collector(mqtt_cfg, PostgresStorage(postgres_dsn), client_id=f"collector-{n}") for n in "ab"]
    for c in collectors:
        c.start()
    wait_until(lambda: all(c.link.connected for c in collectors), 30, "every collector to connect")
    journals, outboxes = [], []
    for gate in GATES:
        journals.append(Journal(tmp_path / f"{gate}.sqlite3", site="s1", gate=gate))
        journal_entries(1000, journals[-1])
        # No re-sends: a long ack timeout and no faults, so each batch is published once.
        cfg = kiosk_config.from_dict({"mqtt": {"port": broker.port, "batch_size": 20, "linger_ms": 5,
                                                "ack_timeout_s": 120}}).mqtt
        outboxes.append(Outbox(cfg, site="s1", gate=gate, journal_path=tmp_path / f"{gate}.sqlite3"))
    try:
        for ob in outboxes:
            ob.start()
        wait_until(lambda: all(j.backlog() == 0 for j in journals), 90, "every backlog to drain")
    finally:
        for ob in outboxes:
            ob.stop()
        for c in collectors:
            c.stop()
            c.storage.close()
    sent = sum(ob.sent_batches for ob in outboxes)
    got = [c.received_batches for c in collectors]
    assert sent == 150 and sum(got) == sent, got
    assert min(got) > 0.2 * sent, got
