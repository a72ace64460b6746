"""The proof that sync loses nothing: a kiosk process plays 2,000 people while the test
SIGKILLs the kiosk at random moments, restarts the broker (cleanly, and with kill -9 and
its persistence file gone), SIGKILLs the collector, and holds the network away. At the
end the server holds exactly what the kiosk journaled: same count, seqs and hashes."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from kiosk.journal import Journal
from sync.mosquitto import free_port
from tests.sync.kiosk_player import GATE, SITE
from tests.sync.netcut import NetCut
from tests.sync.procs import REPO, ServerProcess, write_server_config
from tests.waiting import wait_until

PEOPLE = 2000
RATE = 30.0          # people per second: the scenario lasts about 70 s


class KioskProcess:
    def __init__(self, journal, port: int, log) -> None:
        self.args = [sys.executable, "-m", "tests.sync.kiosk_player", str(journal), str(port), str(PEOPLE), str(RATE)]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONPATH": str(REPO)})

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_nothing_lost_nothing_doubled_through_every_fault(tmp_path, broker):
    rng = random.Random(int(os.environ.get("FAULT_SEED", "20261125")))
    net = NetCut(broker.port)
    server_cfg = write_server_config(tmp_path / "server" / "server.toml", broker.port, http_port=free_port())
    db = tmp_path / "server" / "server-state" / "server.sqlite3"
    server = ServerProcess(server_cfg, tmp_path / "server.log").start()
    journal_path = tmp_path / "kiosk" / "journal.sqlite3"
    journal_path.parent.mkdir()
    kiosk = KioskProcess(journal_path, net.port, tmp_path / "kiosk.log")
    kiosk.start()
    journal = Journal(journal_path, site=SITE, gate=GATE)
    log: list[str] = []

    def at(fraction: float) -> None:
        """Wait until the scenario is that far along (by entries journaled)."""
        wait_until(lambda: journal.last_seq() >= fraction * PEOPLE, 120, lambda: f"kiosk stalled: {log}")

    def kill_kiosk() -> None:
        time.sleep(rng.uniform(0, 1.5))
        kiosk.kill()
        log.append(f"kiosk SIGKILL at seq {journal.last_seq()}")
        time.sleep(rng.uniform(0.2, 1.5))
        kiosk.start()

    try:
        at(0.05)
        kill_kiosk()
        at(0.15)
        broker.restart()
        log.append("broker restarted cleanly")
        at(0.25)
        server.kill()
        log.append(f"collector SIGKILL, acked {journal.acked_seq()}")
        time.sleep(rng.uniform(0.5, 2))
        server.start()
        kill_kiosk()
        at(0.40)
        broker.restart(hard=True, wipe_persistence=True)
        log.append("broker kill -9, persistence file deleted")
        at(0.50)
        net.cut()
        log.append(f"network cut at seq {journal.last_seq()}")
        time.sleep(8)
        net.restore()
        log.append(f"network back at seq {journal.last_seq()}")
        kill_kiosk()
        at(0.70)
        server.kill()
        broker.restart(hard=True)
        log.append("collector SIGKILL and broker kill -9 together")
        server.start()
        at(0.85)
        kill_kiosk()
        at(1.0)
        wait_until(lambda: journal.backlog() == 0, 90, lambda: f"backlog {journal.backlog()} after {log}")
    finally:
        kiosk.stop()
        server.stop()
        net.close()

    journaled = [(e["seq"], e["hash"]) for e in journal.iter_all()]
    with closing(sqlite3.connect(db)) as conn:
        stored = conn.execute("SELECT seq, hash FROM entries WHERE site=? AND gate=? ORDER BY seq",
                              (SITE, GATE)).fetchall()
        inserted, contiguous = conn.execute("SELECT entry_count, contiguous_seq FROM gates").fetchone()
        issues = conn.execute("SELECT COUNT(*) FROM chain_issues").fetchone()[0]
    assert len(journaled) == PEOPLE
    assert stored == journaled, log
    assert inserted == PEOPLE and contiguous == PEOPLE, "an entry was inserted twice"
    assert issues == 0
    assert journal.verify() is None
