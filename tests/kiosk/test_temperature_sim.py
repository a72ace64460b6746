"""Scenario people in front of the simulated module, through the real driver, into the tracker:
what the checkpoint gets for each of them."""

from __future__ import annotations

import time

import pytest

from drivers.sim.scenario import Scenario
from drivers.sim.thermometer import AMBIENT_C, PtyThermometerSim
from drivers.thermometer import SerialThermometer
from kiosk import config
from kiosk.temperature import TemperatureTracker
from tests.waiting import wait_until

SCENARIO = {
    "defaults": {"gap_s": 0.4, "show_s": 1.3, "start_s": 0.3},
    "person": [
        {"code": "A", "temperature_c": 36.6},
        {"code": "B", "temperature_c": 38.2},
        {"code": "C", "temperature_c": 36.8, "temperature_noise_c": 3.0},
        {"code": "D", "temperature_c": "none"},
    ],
}
WINDOW = 1.1


def _settled(result):
    """The tracker's result for a scan, once it is no longer pending."""
    return wait_until(lambda: (r := result()).status != "pending" and r, 20, "the measurement to settle")


@pytest.mark.parametrize("protocol", ["gy-mcu90614", pytest.param("modbus-rtu", marks=pytest.mark.slow)])
def test_each_kind_of_person_gets_the_right_result(tmp_path, protocol):
    cfg = config.from_dict({"thermometer": {"protocol": protocol, "offset_c": 0.4}})
    scenario = Scenario.from_dict(SCENARIO)
    t0 = time.monotonic()
    sim = PtyThermometerSim(scenario, t0, protocol=protocol, rate_hz=14, skin_offset_c=0.4, seed=5,
                            link_path=tmp_path / "usb-thermo")
    sim.start()
    driver = SerialThermometer(sim.port, protocol, poll_hz=14)
    tracker = TemperatureTracker.from_config(cfg.thermometer, sensor_state=lambda: driver.state)
    driver.start(tracker.add)
    results = []
    try:
        for who in scenario.arrivals:
            scan_t = t0 + who.at_s                     # the code is read as they arrive
            results.append(_settled(lambda: tracker.for_scan(scan_t, time.monotonic(), WINDOW)))
            time.sleep(max(0.0, t0 + who.leaves_s - time.monotonic()))
    finally:
        driver.stop()
        sim.stop()

    healthy, fever, noisy, nobody = results
    assert healthy.status == "ok" and abs(healthy.value_c - 36.6) <= 0.1
    assert fever.status == "ok" and abs(fever.value_c - 38.2) <= 0.1
    assert (noisy.status, noisy.detail) == ("misread", "unstable")
    assert (nobody.status, nobody.detail) == ("none", "nobody")
    assert healthy.ambient_c == 25.0


@pytest.mark.parametrize("protocol", [pytest.param("gy-mcu90614", marks=pytest.mark.slow),
                                      pytest.param("modbus-rtu", marks=pytest.mark.slow), "ascii"])
def test_reading_quality_and_sensor_state_on_each_protocol(tmp_path, protocol):
    """One module held to by one person after another, as the checkpoint asks about each,
    then left silent and then unplugged: the result and the sensor state it reports."""
    from drivers.state import DeviceState
    from drivers.thermometer import build_protocol

    # Stale after 2 s without a reading (the default): a loaded machine can starve the driver for 0.5 s.
    cfg = config.from_dict({"thermometer": {"protocol": protocol, "offset_c": 0.4, "stale_after_s": 2.0}})
    t = cfg.thermometer
    sim = PtyThermometerSim(protocol=build_protocol(protocol, t), rate_hz=20, skin_offset_c=0.4, seed=8,
                            link_path=tmp_path / "usb-thermo")
    sim.start()
    driver = SerialThermometer(sim.port, build_protocol(protocol, t), poll_hz=20, stale_after_s=t.stale_after_s,
                               backoff_s=(0.1, 0.4))
    tracker = TemperatureTracker.from_config(t, sensor_state=lambda: driver.state)
    heard = []
    driver.start(lambda r: (tracker.add(r), heard.append(r)))

    def sensor_becomes(state):
        wait_until(lambda: tracker.sensor(time.monotonic()) == state, 20,
                   lambda: f"the sensor {state} (it is {tracker.sensor(time.monotonic())})")
        return state

    def measure(body_c):
        sensor_becomes(DeviceState.OK)      # each one measured while the module is heard from
        sim.hold(body_c)
        scan_t = time.monotonic()
        r = _settled(lambda: tracker.for_scan(scan_t, time.monotonic(), 2.0))
        sim.hold(None)                      # they step away: the next one comes once the room is read
        wait_until(lambda: abs(heard[-1].object_c - AMBIENT_C) <= 0.3, 20, "a reading of the empty room")
        return r

    try:
        assert sensor_becomes(DeviceState.OK) == DeviceState.OK
        healthy, fever = measure(36.6), measure(38.2)
        too_cold, too_hot, barely_warm, nobody = measure(33.0), measure(44.0), measure(26.9), measure(None)
        sim.faults.add("silence")
        stale = sensor_becomes(DeviceState.STALE)
        stale_result = tracker.for_scan(time.monotonic(), time.monotonic(), 0.0)
        sim.unplug()
        absent = sensor_becomes(DeviceState.ABSENT)
    finally:
        driver.stop()
        sim.stop()

    # The skin reads 0.4 below the body; the offset puts it back.
    assert healthy.status == "ok" and abs(healthy.value_c - 36.6) <= 0.1
    assert abs(healthy.object_c - 36.2) <= 0.1 and healthy.sensor == DeviceState.OK
    assert fever.status == "ok" and abs(fever.value_c - 38.2) <= 0.1
    # Outside 34.0-43.0 after the offset: measure again, neither a pass nor a fever.
    assert (too_cold.status, too_cold.detail) == ("misread", "out_of_range")
    assert (too_hot.status, too_hot.detail) == ("misread", "out_of_range")
    # Warmer than the room but not by the presence margin (with an ambient), or far below
    # the body range (without one): nobody is there.
    assert (barely_warm.status, barely_warm.detail) == ("none", "nobody")
    assert (nobody.status, nobody.detail) == ("none", "nobody")
    assert stale == DeviceState.STALE
    assert (stale_result.status, stale_result.sensor, stale_result.detail) == ("none", DeviceState.STALE, "no_sensor")
    assert absent == DeviceState.ABSENT
