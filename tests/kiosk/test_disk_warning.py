"""A journal disk running low is announced long before it fills: on the screen's status
and on the retained status topic, through a real Mosquitto, while the gate works as usual."""

from __future__ import annotations

import json
import threading
import urllib.request

import paho.mqtt.client as mqtt

from kiosk import config
from kiosk.runtime import KioskRuntime
from sync import topics
from tests.waiting import wait_until

SCENARIO = """
[defaults]
start_s = 1.0
[[person]]
code = "RES-1"
temperature_c = 36.6
"""


def test_low_disk_is_on_the_screen_and_the_status_topic_while_the_gate_works(tmp_path, small_disk, broker):
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "registry.json").write_text('{"version": 2, "known_codes": {"RES-1": {}}}')
    # The 1 MiB disk is below the 5 MB warning from the start, and far from full.
    cfg = config.from_dict({
        "kiosk": {"site": "s1", "gate": "g1", "state_dir": str(small_disk)},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0, "language": "en"}, "mqtt": {"port": broker.port, "linger_ms": 10},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
        "disk": {"warn_free_mb": 5, "critical_free_mb": 0.1},
    })
    statuses: list[dict] = []
    got = threading.Event()

    def on_message(client, userdata, msg):
        statuses.append(json.loads(msg.payload))
        if statuses[-1].get("disk", {}).get("level") == "warn":
            got.set()

    watcher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="status-watcher")
    watcher.on_message = on_message
    watcher.on_connect = lambda c, *a: c.subscribe(topics.STATUS.format("s1", "g1"), qos=1)
    watcher.connect("127.0.0.1", broker.port)
    watcher.loop_start()
    rt = KioskRuntime(cfg)
    rt.start()
    try:
        assert got.wait(20), statuses
        disk = next(s["disk"] for s in statuses if s.get("disk", {}).get("level") == "warn")
        assert disk["held"] == 0 and 0 < disk["free_mb"] <= 1
        with urllib.request.urlopen(rt.ui_url + "api/status", timeout=5) as r:
            screen = json.loads(r.read())
        item = next(i for i in screen["items"] if i["key"] == "disk")
        assert not item["ok"] and "low:" in item["text"] and "MB free" in item["text"]

        wait_until(lambda: rt.journal.last_seq() >= 1, 30, "the entry journaled")
        assert [e["decision"] for e in rt.journal.iter_all()] == ["admit"]    # journaled, not held
        assert len(rt.devices.relay.pulses) == 1
    finally:
        rt.stop()
        watcher.loop_stop()
        watcher.disconnect()
