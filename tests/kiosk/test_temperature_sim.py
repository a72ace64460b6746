"""Scenario people in front of the simulated module, through the real driver, into the tracker:
what the checkpoint gets for each of them."""

from __future__ import annotations

import time

import pytest

from drivers.sim.scenario import Scenario
from drivers.sim.thermometer import PtyThermometerSim
from drivers.thermometer import SerialThermometer
from kiosk import config
from kiosk.temperature import TemperatureTracker

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
            while (r := tracker.for_scan(scan_t, time.monotonic(), WINDOW)).status == "pending":
                time.sleep(0.02)
            results.append(r)
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
