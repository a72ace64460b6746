"""The whole system on one machine, as `make demo` runs it: a kiosk on simulated devices
plays the bundled 20-person scenario, real Mosquitto carries the entries, a real
community-server process stores them — and is SIGKILLed mid-run and started again.

What an operator would check afterwards: every person got the decision the scenario
expects, the kiosk journaled each once, the server holds exactly those entries (same
seqs, same hashes), none twice, and nothing is left waiting on the kiosk.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from drivers.sim.scenario import Scenario
from kiosk import config as kiosk_config
from kiosk.demo import DEMO_DIR
from kiosk.runtime import KioskRuntime
from sync.mosquitto import free_port
from tests.sync.procs import ServerProcess, write_server_config
from tests.waiting import wait_until
from tests.walkup import walk_through

pytestmark = pytest.mark.slow


def test_twenty_people_reach_the_server_once_despite_a_server_kill(tmp_path, broker):
    # The demo's people at the camera; those at its scanner and card readers are
    # tests/test_readers_end_to_end.py's (this kiosk has no readers).
    people = [a for a in Scenario.load(DEMO_DIR / "scenario.toml").arrivals if not (a.scanner or a.card or a.idcard)]
    assert len(people) == 20
    (tmp_path / "nobody.toml").write_text("")

    server_cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=free_port())
    server_db = tmp_path / "server" / "server-state" / "server.sqlite3"
    server = ServerProcess(server_cfg, tmp_path / "server.log").start()

    cfg = kiosk_config.from_dict({
        "kiosk": {"site": "demo-site", "gate": "gate-1", "state_dir": str(tmp_path / "kiosk")},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0},
        "mqtt": {"port": broker.port, "ack_timeout_s": 2.0},
        "policy": {"pairing_window_s": 3.0},
        "registry": {"file": str(DEMO_DIR / "registry.json")},
        # The demo's people, each walking up once the one before is decided (tests/walkup.py).
        "sim": {"scenario": str(tmp_path / "nobody.toml"), "inbox": str(tmp_path / "inbox")},
    })
    rt = KioskRuntime(cfg)
    rt.start()
    try:
        # Let a few entries through, then cut the server down without warning.
        walk_through(rt, people[:5])
        wait_until(lambda: rt.journal.acked_seq() >= 4, 60, "the first entries acknowledged")
        server.kill()
        walk_through(rt, people[5:8])
        assert rt.journal.backlog() > 0, "entries were acknowledged while the server was down"
        server.start()

        walk_through(rt, people[8:])
        wait_until(lambda: rt.journal.backlog() == 0, 60, lambda: f"the backlog to drain ({rt.journal.backlog()} left)")
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()
        server.stop()

    assert [e["decision"] for e in entries] == [a.expect for a in people]
    assert [e["seq"] for e in entries] == list(range(1, 21))
    with closing(sqlite3.connect(server_db)) as db:
        stored = db.execute("SELECT seq, hash FROM entries WHERE site='demo-site' AND gate='gate-1' "
                            "ORDER BY seq").fetchall()
    assert stored == [(e["seq"], e["hash"]) for e in entries]
