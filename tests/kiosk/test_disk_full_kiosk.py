"""The whole kiosk on a real, small file system that fills up: people are still decided,
shown and let through; their entries are written once there is room again."""

from __future__ import annotations

import queue

from drivers.sim.scenario import Scenario
from kiosk import config
from kiosk.runtime import KioskRuntime
from tests.waiting import wait_until
from tests.walkup import walk_through

PEOPLE = Scenario.from_dict({"person": [{"code": "RES-1", "temperature_c": 36.6},
                                        {"code": "RES-2", "temperature_c": 38.4},
                                        {"code": "STAFF-9", "temperature_c": 36.9}]}).arrivals


def test_kiosk_keeps_deciding_on_a_full_disk(tmp_path, small_disk, fill_disk):
    (tmp_path / "nobody.toml").write_text("")
    (tmp_path / "registry.json").write_text(
        '{"version": 3, "known_codes": {"RES-1": {}, "RES-2": {}, "STAFF-9": {"role": "staff"}}}')
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(small_disk)},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        # Nothing else may write to the small disk: a sound cached, or a failed write's
        # file removed, while it is being filled would give the journal room.
        "ui": {"port": 0, "sounds": False}, "speech": {"enabled": False}, "mqtt": {"enabled": False},
        "policy": {"pairing_window_s": 2.0},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "nobody.toml"), "inbox": str(tmp_path / "inbox")},
        "disk": {"warn_free_mb": 0.5, "critical_free_mb": 0.1},
    })
    rt = KioskRuntime(cfg)
    events = rt.events.subscribe()
    rt.start()
    decisions, disk_states = [], []
    try:
        filler = fill_disk()

        def decided() -> int:
            while True:
                try:
                    event = events.get_nowait()
                except queue.Empty:
                    return len(decisions)
                kind, data = event["type"], event["data"]
                if kind == "decision":
                    decisions.append(data)
                elif kind == "disk":
                    disk_states.append(data)

        walk_through(rt, PEOPLE, decided=decided)       # on the full disk, at the kiosk's pace
        assert [d["decision"] for d in decisions] == ["admit", "deny", "admit"], \
            [(d["decision"], d["reasons"], d["temperature"]) for d in decisions]
        assert all(d["seq"] is None for d in decisions)
        assert len(rt.devices.relay.pulses) == 2            # the gate still opened for both
        assert rt.journal.last_seq() == 0
        assert rt.status()["disk"]["level"] == "full" and rt.status()["disk"]["held"] == 3
        assert any(s["level"] == "full" for s in disk_states)
        assert rt._sync_status()["disk"]["level"] == "full"    # what the status topic carries

        filler.unlink()
        wait_until(lambda: rt.journal.last_seq() >= 3, 30, "the held entries written once there is room")
        entries = list(rt.journal.iter_all())
        assert [e["decision"] for e in entries] == ["admit", "deny", "admit"]
        assert [e["id"] for e in entries] == [d["id"] for d in decisions]
        assert rt.journal.verify() is None
        assert rt.status()["disk"]["level"] != "full"
    finally:
        rt.stop()
