"""A thermometer cable pulled mid-shift: the kiosk shows it absent, keeps deciding (a
volunteer looks at whoever comes meanwhile), and reads again within seconds of it coming back."""

from __future__ import annotations

import json
import time
import urllib.request

from drivers.sim.scenario import Scenario
from kiosk import config
from kiosk.runtime import KioskRuntime

SCENARIO = """
[defaults]
show_s = 1.2

[[person]]
code = "RES-1"
temperature_c = 36.6
at_s = 0.5

[[person]]
code = "RES-2"
temperature_c = 36.6
at_s = 2.8

[[person]]
code = "RES-3"
temperature_c = 36.7
at_s = 6.5
"""
UNPLUG_AT, REPLUG_AT = 2.0, 4.5


def _thermometer_state(rt) -> str:
    """The thermometer's state as the touchscreen's status bar gets it (a fault is amber;
    ok, or grey while the port reopens)."""
    with urllib.request.urlopen(rt.ui_url + "api/status", timeout=2) as resp:
        status = json.load(resp)
    state = status["devices"]["thermometer"]
    (item,) = [i for i in status["items"] if i["key"] == "thermometer"]
    assert item["ok"] == (state in ("ok", "starting")), item
    return state


def _until(scene_t: float, t0: float) -> None:
    time.sleep(max(0.0, t0 + scene_t - time.monotonic()))


def test_pulled_thermometer_shows_absent_and_is_back_within_seconds(tmp_path):
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "registry.json").write_text(
        '{"version": 1, "known_codes": {"RES-1": {}, "RES-2": {}, "RES-3": {}}}')
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"},
        "thermometer": {"type": "sim"},
        "relay": {"type": "sim"},
        "ui": {"port": 0},
        "mqtt": {"enabled": False},
        "policy": {"pairing_window_s": 1.0},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
    })
    scenario = Scenario.load(cfg.sim.scenario)
    rt = KioskRuntime(cfg)
    rt.start()
    sim, t0 = rt.devices.thermometer_sim, rt.devices.sim_world.t0
    states_while_out = []
    try:
        _until(UNPLUG_AT, t0)
        assert _thermometer_state(rt) == "ok"
        sim.unplug()
        pulled = time.monotonic()
        while time.monotonic() < t0 + REPLUG_AT:
            states_while_out.append((round(time.monotonic() - pulled, 2), _thermometer_state(rt)))
            time.sleep(0.1)
        sim.replug()
        back = time.monotonic()
        while _thermometer_state(rt) != "ok" and time.monotonic() - back < 10:
            time.sleep(0.05)
        reopened_s = time.monotonic() - back
        deadline = t0 + scenario.duration_s + 5
        while rt.journal.last_seq() < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()

    # Absent within a second of the pull, and for as long as it stayed out.
    assert all(state == "absent" for t, state in states_while_out if t >= 1.0), states_while_out
    assert reopened_s < 5, f"thermometer back after {reopened_s:.1f} s"
    assert [e["decision"] for e in entries] == ["admit", "refer", "admit"]
    assert "no_temperature" in entries[1]["reasons"]
    assert entries[1]["temperature"]["sensor_state"] == "absent"
    assert 36.4 < entries[2]["temperature"]["value_c"] < 36.9
