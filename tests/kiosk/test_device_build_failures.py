"""A device that fails to build (a port that is not there, a missing library, an
exception in its constructor) does not stop the kiosk: it comes up with that device
shown absent, as one unplugged while running is, the failure logged naming the device's
config key, and the other devices working."""

from __future__ import annotations

import json
import logging
import urllib.request

import pytest

from drivers import factories
from drivers.state import DeviceState
from kiosk import config
from kiosk.runtime import KioskRuntime
from tests.waiting import wait_until

SCENARIO = """
[[person]]
code = "RES-1"
at_s = 0.5
show_s = 3

[[person]]
scanner = "RES-2"
at_s = 5
show_s = 1
"""
LIBRARY_MISSING = "libwltrs.so: cannot open shared object file: No such file or directory"


def _status(rt) -> dict:
    with urllib.request.urlopen(rt.ui_url + "api/status", timeout=10) as resp:
        return json.load(resp)


def _cfg(tmp_path, **sections) -> config.KioskConfig:
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "registry.json").write_text('{"version": 1, "known_codes": {"RES-1": {}, "RES-2": {}}}')
    return config.from_dict({
        "kiosk": {"state_dir": str(tmp_path / "state")},
        "camera": {"type": "sim"}, "thermometer": {"type": "sim"}, "relay": {"type": "sim"},
        "ui": {"port": 0}, "mqtt": {"enabled": False},
        "registry": {"file": str(tmp_path / "registry.json")},
        "sim": {"scenario": str(tmp_path / "scenario.toml")},
        **sections,
    })


def _library_missing(cfg, section, cache):
    raise OSError(LIBRARY_MISSING)


def test_kiosk_comes_up_without_a_missing_thermometer_and_a_reader_that_fails(tmp_path, monkeypatch, caplog):
    # The ID card reader's vendor library failing to load in its constructor: a fault no
    # simulator here can cause, so its factory raises it.
    monkeypatch.setitem(factories.READERS, "idcard-sim", _library_missing)
    cfg = _cfg(tmp_path, thermometer={"type": "serial", "port": str(tmp_path / "serial-by-id-not-there")},
               reader=[{"type": "sim", "name": "scanner"}, {"type": "idcard-sim", "name": "id-reader"}])
    with caplog.at_level(logging.ERROR, logger="drivers.factories"):
        rt = KioskRuntime(cfg)
    try:
        rt.start()
        # The camera and the scanner still let people through the checkpoint.
        wait_until(lambda: rt.journal.last_seq() >= 2, 60, "an entry from the camera and one from the scanner")
        status = wait_until(lambda: (s := _status(rt))["devices"]["thermometer"] == "absent" and s, 30,
                            "the thermometer on a port that is not there shown absent")
        entries = list(rt.journal.iter_all())
    finally:
        rt.stop()

    assert status["readers"] == {"scanner": "ok", "id-reader": "absent"}
    assert status["absent"] == {"reader.id-reader": LIBRARY_MISSING}
    items = {i["key"]: i for i in status["items"]}
    assert items["thermometer"]["level"] == "warn" and items["reader"]["level"] == "warn"
    assert "id-reader" in items["reader"]["text"] and "scanner" not in items["reader"]["text"]
    assert items["camera"]["ok"] and items["gate"]["ok"]
    assert sorted(e["credential"].get("reader", "camera") for e in entries) == ["camera", "scanner"]
    assert all("no_temperature" in e["reasons"] for e in entries)
    (logged,) = [r for r in caplog.records if "could not be built" in r.getMessage()]
    assert "[[reader]] name = 'id-reader'" in logged.getMessage() and "'idcard-sim'" in logged.getMessage()
    assert LIBRARY_MISSING in logged.getMessage()


@pytest.mark.parametrize("table, kind, key, shown", [
    ("CAMERAS", "sim", "camera", "camera"),
    ("DECODERS", "cascade", "decoder", "camera"),
    ("THERMOMETERS", "sim", "thermometer", "thermometer"),
    ("RELAYS", "sim", "relay", "relay"),
])
def test_each_device_that_fails_to_build_stands_in_absent(tmp_path, monkeypatch, table, kind, key, shown):
    def broken(cfg, cache):
        raise RuntimeError(f"{key} constructor failed")

    monkeypatch.setitem(getattr(factories, table), kind, broken)
    devices = factories.build_devices(_cfg(tmp_path))
    try:
        states = {"camera": devices.camera.state, "thermometer": devices.thermometer.state,
                  "relay": devices.relay.state}
        assert devices.absent == {key: f"{key} constructor failed"}
        assert states.pop(shown) is DeviceState.ABSENT
        assert DeviceState.ABSENT not in states.values()
    finally:
        devices.stop()
