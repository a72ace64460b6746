"""The kiosk's outbox against real Mosquitto: its window, its re-sends on reconnect, its
back-off, and the retained status topic with its last will."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from functools import partial

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import config as kiosk_config
from kiosk.journal import Journal
from sync import clocksync, topics
from sync.link import Backoff
from sync.mosquitto import free_port
from sync.outbox import Outbox
from sync.server import config as server_config
from sync.server.runtime import ServerRuntime
from tests.kiosk_toml import kiosk_toml
from tests.places import REPO
from tests.sync.netcut import NetCut
from tests.sync.procs import journal_entries
from tests.waiting import holds_for, wait_until

SITE, GATE = "s1", "g1"


def make_outbox(tmp_path, port: int, **mqtt_over) -> Outbox:
    cfg = kiosk_config.from_dict({"mqtt": {"port": port, "linger_ms": 5, **mqtt_over}})
    return Outbox(cfg.mqtt, site=SITE, gate=GATE,
                  open_journal=partial(Journal, tmp_path / "journal.sqlite3", site=SITE, gate=GATE))


def start_server(tmp_path, broker) -> ServerRuntime:
    cfg = server_config.from_dict({"server": {"state_dir": str(tmp_path / "srv")},
                                   "mqtt": {"port": broker.port}, "http": {"enabled": False}})
    rt = ServerRuntime(cfg)
    rt.start()
    wait_until(lambda: rt.collector.link.connected, 30, "the collector connected")
    return rt


class Retained:
    """The retained messages of a topic as a late subscriber sees them, kept current."""

    def __init__(self, port: int, topic: str) -> None:
        self.messages: list[bytes] = []
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"watch-{random.random()}")
        self.c.on_message = lambda c, u, m: self.messages.append(m.payload)
        self.c.connect("127.0.0.1", port)
        self.c.subscribe(topic, qos=1)
        self.c.loop_start()

    @property
    def last(self) -> dict:
        return json.loads(self.messages[-1]) if self.messages else {}

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


def test_the_window_bounds_what_is_unacknowledged(tmp_path, broker):
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    journal_entries(5000, journal)
    # No collector: nothing is acked, so the outbox stops at its window.
    ob = make_outbox(tmp_path, broker.port, batch_size=100, window_batches=4, ack_timeout_s=60)
    ob.start()
    try:
        wait_until(lambda: ob.sent_batches >= 4, 30, "the window's 4 batches sent")
        holds_for(lambda: ob.sent_batches == 4 and ob.backlog == 5000, 1.5,
                  lambda: f"4 batches sent, 5000 backlogged (sent {ob.sent_batches}, backlog {ob.backlog})")
    finally:
        ob.stop()


def test_what_is_unacked_is_sent_again_on_reconnect(tmp_path, broker):
    """Batches sent while no collector listened are gone; the broker acknowledged them
    all the same. The ack timeout is a minute, and the kiosk is cut off while the
    collector comes and announces itself: the reconnect alone sends them again at once."""
    journal = Journal(tmp_path / "journal.sqlite3", site=SITE, gate=GATE)
    journal_entries(300, journal)
    net = NetCut(broker.port)
    ob = make_outbox(tmp_path, net.port, batch_size=50, ack_timeout_s=60)
    ob.start()
    server = None
    try:
        wait_until(lambda: ob.sent_batches >= 6, 30, "the kiosk sent its window to nobody")
        net.cut()
        wait_until(lambda: not ob.link.connected, 30, "the kiosk cut off")
        server = start_server(tmp_path, broker)
        assert journal.acked_seq() == 0
        resends = ob.resends
        net.restore()
        wait_until(lambda: journal.acked_seq() == 300, 30,
                   lambda: f"the window sent again and acked ({journal.acked_seq()} acked, link {ob.state})")
        assert ob.resends > resends
    finally:
        ob.stop()
        net.close()
        if server:
            server.stop()


@pytest.mark.parametrize("seed", range(5))
def test_backoff_doubles_with_full_jitter_and_resets(seed):
    b = Backoff(base=0.5, cap=8.0, rng=random.Random(seed))
    delays = [b.next() for _ in range(8)]
    ceilings = [min(8.0, 0.5 * 2 ** n) for n in range(8)]
    assert all(0.5 <= d <= c for d, c in zip(delays, ceilings))
    assert max(delays) <= 8.0 and len(set(delays)) > 1
    b.reset()
    assert b.next() == 0.5


def test_backoff_spreads_a_fleet_reconnecting_at_once():
    # 200 kiosks that lost the broker together do not come back in lock-step.
    fleet = [Backoff(base=0.5, cap=30.0, rng=random.Random(k)) for k in range(200)]
    for b in fleet:
        for _ in range(4):
            b.next()
    delays = sorted(b.next() for b in fleet)
    assert delays[-1] - delays[0] > 4.0
    assert len({round(d, 1) for d in delays}) > 50


def kiosk_config_file(tmp_path, broker_port: int) -> tuple:
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"version": 3, "known_codes": {}}))
    (tmp_path / "scenario.toml").write_text("[defaults]\ngap_s = 1.0\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(kiosk_toml(kiosk={"site": SITE, "gate": GATE, "state_dir": "state"}, ui={"port": free_port()},
                               mqtt={"port": broker_port}, registry={"file": "registry.json"},
                               sim={"scenario": "scenario.toml"}))
    return path, tmp_path / "state" / "journal.sqlite3"


def test_status_is_retained_says_what_an_operator_needs_and_goes_offline_by_will(tmp_path, broker):
    """The real kiosk process: its retained status carries the fields the fleet screen
    shows; SIGKILLed, the broker publishes its last will, ``offline``, retained."""
    config, journal_path = kiosk_config_file(tmp_path, broker.port)
    config.write_text(config.read_text() + '[[reader]]\ntype = "sim"\nname = "lobby-scanner"\n')
    journal_path.parent.mkdir()
    journal = Journal(journal_path, site=SITE, gate=GATE)
    journal_entries(40, journal)   # a backlog: no server is running
    oldest_ts = journal.entries_after(0, 1)[0]["ts"]
    journal.close()
    with open(tmp_path / "kiosk.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config)],
                                cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    watch = Retained(broker.port, topics.STATUS.format(SITE, GATE))
    try:
        wait_until(lambda: watch.last.get("state") == "online", 60,
                   lambda: "the kiosk to say online; its log ends " + (tmp_path / "kiosk.log").read_text()[-2000:])
        s = watch.last
        assert s["v"] == 1 and (s["site"], s["gate"]) == (SITE, GATE)
        assert s["version"] and s["version"] != "unknown"
        assert s["backlog"] == 40 and s["oldest_unsynced_ts"] == oldest_ts
        assert set(s["devices"]) >= {"camera", "thermometer"}
        assert all(isinstance(v, str) and v for v in s["devices"].values())
        # The office sees a reader beside the camera, and any device that could not be built.
        assert list(s["readers"]) == ["lobby-scanner"] and s["readers"]["lobby-scanner"]
        assert s["absent"] == {}
        assert s["registry_version"] == 3
        assert isinstance(s["clock_synced"], bool)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        wait_until(lambda: watch.last.get("state") == "offline", 30, lambda: f"the last will, offline (last: {watch.last})")
        # Retained: whoever looks later sees the kiosk is offline.
        late = Retained(broker.port, topics.STATUS.format(SITE, GATE))
        try:
            wait_until(lambda: late.last.get("state") == "offline", 30, "the retained offline for a late subscriber")
        finally:
            late.close()
    finally:
        watch.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_status_says_the_clock_is_synchronised_when_the_kernel_says_so_without_timesyncd(tmp_path, broker,
                                                                                         monkeypatch):
    """A Pi kept by chrony has no systemd-timesyncd marker file; the status once said
    'not synchronised' (or unknown) there while the same kiosk's entries said synchronised.
    The status says what the entries say (sync/clocksync.py). Which NTP client sets the
    kernel's clock cannot be switched from a test; what adjtimex(2) reports can."""
    # chrony with rtcsync off: STA_UNSYNC left set, the kernel's maximum error small.
    monkeypatch.setattr(clocksync, "_adjtimex", lambda: (clocksync.TIME_ERROR, clocksync.STA_UNSYNC, 250_000))
    watch = Retained(broker.port, topics.STATUS.format(SITE, GATE))
    ob = make_outbox(tmp_path, broker.port)
    ob.start()
    try:
        wait_until(lambda: watch.last.get("state") == "online", 30, "the outbox to say online")
        assert watch.last["clock_synced"] is True
    finally:
        ob.stop()
        watch.close()
