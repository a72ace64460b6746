"""A thermometer cable pulled mid-shift: the kiosk shows it absent, keeps deciding (a
volunteer looks at whoever comes meanwhile), and reads again once it is back. (How fast
it is back is measured in bench/thermometer_bench.py, not here.)"""

from __future__ import annotations

import json
import urllib.request

from kiosk import config
from kiosk.runtime import KioskRuntime
from tests.waiting import holds_for, wait_until

# The first person walks up on the scenario's clock; the others are dropped into the
# simulator's inbox when the test has seen the state they are meant to meet, so a loaded
# machine that starts late or measures late cannot put them on the wrong side of the pull.
SCENARIO = """
[[person]]
code = "RES-1"
temperature_c = 36.6
at_s = 0.5
show_s = 3
"""


def _thermometer_state(rt) -> str:
    """The thermometer's state as the touchscreen's status bar gets it (a fault is amber;
    ok, or grey while the port reopens)."""
    with urllib.request.urlopen(rt.ui_url + "api/status", timeout=10) as resp:
        status = json.load(resp)
    state = status["devices"]["thermometer"]
    (item,) = [i for i in status["items"] if i["key"] == "thermometer"]
    assert item["ok"] == (state in ("ok", "starting")), item
    return state


def _walk_up(inbox, code: str, temperature_c: float) -> None:
    (inbox / f"{code}.toml").write_text(f'code = "{code}"\ntemperature_c = {temperature_c}\nshow_s = 3\n')


def test_pulled_thermometer_shows_absent_and_is_back(tmp_path):
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "registry.json").write_text(
        '{"version": 1, "known_codes": {"RES-1": {}, "RES-2": {}, "RES-3": {}}}')
    inbox = tmp_path / "inbox"
    cfg = config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"},
        "thermometer": {"type": "sim"},
        "relay": {"type": "sim"},
        "ui": {"port": 0},
        "mqtt": {"enabled": False},
        "policy": {"pairing_window_s": 1.0},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "scenario.toml"), "inbox": str(inbox)},
    })
    rt = KioskRuntime(cfg)
    rt.start()
    sim = rt.devices.thermometer_sim
    try:
        wait_until(lambda: rt.journal.last_seq() >= 1, 60, "the first person's entry")
        assert _thermometer_state(rt) == "ok"
        sim.unplug()
        wait_until(lambda: _thermometer_state(rt) == "absent", 30, lambda: f"absent (it is {_thermometer_state(rt)})")
        # Absent for as long as it stays out, not flickering back.
        holds_for(lambda: _thermometer_state(rt) == "absent", 1.0, "absent while unplugged")
        _walk_up(inbox, "RES-2", 36.6)          # a volunteer looks at whoever comes meanwhile
        wait_until(lambda: rt.journal.last_seq() >= 2, 60, "an entry for the person met while unplugged")
        holds_for(lambda: _thermometer_state(rt) == "absent", 0.2, "absent while unplugged")
        sim.replug()
        wait_until(lambda: _thermometer_state(rt) == "ok", 30, lambda: f"ok again (it is {_thermometer_state(rt)})")
        _walk_up(inbox, "RES-3", 36.7)
        wait_until(lambda: rt.journal.last_seq() >= 3, 60, "an entry for the person after the replug")
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()

    assert [e["decision"] for e in entries] == ["admit", "refer", "admit"]
    assert "no_temperature" in entries[1]["reasons"]
    assert entries[1]["temperature"]["sensor_state"] == "absent"
    assert 36.4 < entries[2]["temperature"]["value_c"] < 36.9
