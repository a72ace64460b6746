"""The real serial driver against the pty simulator: each protocol, each fault, a pulled cable."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.sim.thermometer import PtyThermometerSim
from drivers.state import DeviceState
from drivers.thermometer import SerialThermometer
from drivers.thermometer.protocols import build
from tests.waiting import holds_for, wait_until

PROTOCOLS = ["gy-mcu90614", "gy-query", "modbus-rtu", "ascii"]


def _protocol(name: str):
    if name == "gy-query":
        from drivers.thermometer.protocols.gy_mcu90614 import GYMCU90614

        return GYMCU90614("query")
    return build(name)


class StatesSeen(SerialThermometer):
    """The real driver, remembering every state it took: one held for a single read is
    over before a test looking at ``state`` would see it."""

    @property
    def state(self) -> DeviceState:
        return self._state

    @state.setter
    def state(self, value: DeviceState) -> None:
        self._state = value
        self.__dict__.setdefault("states", []).append(value)


class Bench:
    """A simulated module and the real driver reading it, with what arrived."""

    def __init__(self, name: str, tmp_path, **driver_kw) -> None:
        proto = _protocol(name)
        self.sim = PtyThermometerSim(protocol=proto, rate_hz=20, seed=1, link_path=tmp_path / "by-id-thermo",
                                     gy_autostart=name != "gy-query")
        self.sim.hold(36.6)
        self.sim.start()
        kw = {"poll_hz": 20, "stale_after_s": 0.6, "backoff_s": (0.1, 1.0)} | driver_kw
        self.driver = SerialThermometer(self.sim.port, proto, **kw)
        self.readings = []
        self._lock = threading.Lock()

    def _on(self, r) -> None:
        with self._lock:
            self.readings.append(r)

    def count(self) -> int:
        with self._lock:
            return len(self.readings)

    def since(self, n: int) -> list:
        with self._lock:
            return self.readings[n:]

    def wait_readings(self, n: int = 5, timeout: float = 20.0) -> list:
        start = self.count()
        wait_until(lambda: self.count() >= start + n, timeout,
                   lambda: f"{n} readings (got {self.count() - start}; state {self.driver.state}, "
                           f"stats {self.driver.stats()})")
        return self.since(start)

    def expect_state(self, state: DeviceState, timeout: float = 20.0) -> None:
        wait_until(lambda: self.driver.state == state, timeout, lambda: f"state {state} (it is {self.driver.state})")

    def recovers(self) -> None:
        """Faults cleared: readings flow again and the state says so."""
        self.sim.faults.clear()
        self.wait_readings(3)
        assert self.driver.state == DeviceState.OK

    def start(self) -> "Bench":
        self.driver.start(self._on)
        return self

    def stop(self) -> None:
        self.driver.stop()
        self.sim.stop()


@pytest.fixture
def bench(request, tmp_path):
    b = Bench(request.param, tmp_path).start()
    yield b
    b.stop()


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_driver_reads_the_person_in_front(bench):
    got = bench.wait_readings(5)
    assert all(abs(r.object_c - 36.6) <= 0.06 for r in got)
    if bench.driver.protocol.name != "ascii":
        assert all(r.ambient_c == 25.0 for r in got)
    assert bench.driver.state == DeviceState.OK
    n = bench.count()
    bench.sim.hold(None)            # the person walks away: the sensor sees the room
    wait_until(lambda: any(abs(r.object_c - 25.0) <= 0.25 for r in bench.since(n)), 20, "a reading of the room")


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_garbage_and_split_frames_do_not_stop_readings(bench):
    bench.wait_readings(2)
    before = bench.driver.stats()
    bench.sim.faults |= {"garbage", "split"}
    got = bench.wait_readings(8)
    assert all(abs(r.object_c - 36.6) <= 0.06 for r in got)
    assert bench.driver.stats()["skipped_bytes"] > before["skipped_bytes"]
    assert bench.driver.state == DeviceState.OK


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_split_frames_are_joined_with_not_a_byte_lost(bench):
    bench.wait_readings(2)
    before = bench.driver.stats()
    bench.sim.faults.add("split")
    got = bench.wait_readings(6)
    assert all(abs(r.object_c - 36.6) <= 0.06 for r in got)
    after = bench.driver.stats()
    assert after["bad_frames"] == before["bad_frames"] and after["skipped_bytes"] == before["skipped_bytes"], after


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_bad_checksums_are_counted_never_believed(bench):
    bench.wait_readings(2)
    bench.sim.faults.add("bad_checksum")
    # Once corrupted frames reach the driver, every good one sent before them has too.
    wait_until(lambda: bench.driver.stats()["bad_frames"] >= 2, 20, lambda: f"bad frames ({bench.driver.stats()})")
    n = bench.count()
    bench.expect_state(DeviceState.ERROR)
    holds_for(lambda: bench.count() == n, 0.3, "no corrupted frame getting through")
    assert bench.driver.stats()["bad_frames"] >= 3
    bench.recovers()


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_silence_shows_stale_then_recovers(bench):
    bench.wait_readings(2)
    bench.sim.faults.add("silence")
    bench.expect_state(DeviceState.STALE)
    bench.recovers()


@pytest.mark.parametrize("bench", PROTOCOLS, indirect=True)
def test_pulled_cable_shows_absent_and_is_reopened_by_its_stable_path(bench):
    bench.wait_readings(2)
    bench.sim.unplug()
    bench.expect_state(DeviceState.ABSENT)
    holds_for(lambda: bench.driver.state == DeviceState.ABSENT, 1.0, "absent while out")   # it keeps retrying
    bench.sim.replug()
    bench.wait_readings(3)
    assert bench.driver.state == DeviceState.OK
    assert bench.driver.stats()["losses"] >= 1


@pytest.mark.parametrize("protocol", ["gy-mcu90614", "ascii"])
def test_a_missing_port_is_absent_retried_with_growing_back_off_then_found(tmp_path, protocol):
    link = tmp_path / "usb-later"
    driver = SerialThermometer(str(link), protocol, backoff_s=(0.1, 0.4))
    got = []
    started = time.monotonic()
    driver.start(got.append)
    sim = None
    try:
        # Tries at 0, 0.1, 0.3, 0.7, 1.1 s at the earliest (a loaded machine only spaces them
        # more): not giving up on the path, and never faster than the growing back-off.
        wait_until(lambda: driver.stats()["failed_opens"] >= 5, 30, lambda: f"five tries ({driver.stats()})")
        assert time.monotonic() - started >= 1.1, f"{driver.stats()['failed_opens']} tries: hammering the path"
        assert driver.state == DeviceState.ABSENT
        sim = PtyThermometerSim(protocol=protocol, link_path=link, seed=9)
        sim.hold(38.2)
        sim.start()
        failed = driver.stats()["failed_opens"]
        wait_until(lambda: len(got) >= 3, 20, "three readings once the port is there")
        assert abs(got[-1].object_c - 38.2) <= 0.06
        # Found by its next try (one more may have been under way as the port appeared).
        assert driver.stats()["opens"] == 1 and driver.stats()["failed_opens"] <= failed + 1, driver.stats()
    finally:
        driver.stop()
        if sim:
            sim.stop()


def test_a_module_set_to_stay_quiet_is_told_to_stream_at_open_and_after_a_power_cut(tmp_path):
    # Stored "no output after power-up" (A5 52 F7): only A5 45 EA starts the frames.
    sim = PtyThermometerSim(protocol="gy-mcu90614", link_path=tmp_path / "usb-thermo", seed=10, gy_autostart=False)
    sim.hold(36.6)
    sim.start()
    driver = StatesSeen(sim.port, "gy-mcu90614", stale_after_s=0.3)
    got = []
    driver.start(got.append)
    try:
        wait_until(lambda: len(got) >= 3, 20, "three readings")
        seen = len(driver.states)
        sim.power_cycle()
        # Stale only until the driver tells the module again: too short a while to catch by looking.
        wait_until(lambda: DeviceState.STALE in driver.states[seen:], 20, "the power cut seen as stale")
        n = len(got)
        wait_until(lambda: len(got) >= n + 3, 20, "readings again after the power cut")
        assert driver.state == DeviceState.OK
        assert driver.stats()["opens"] == 1                  # told again on the open port, not reopened
    finally:
        driver.stop()
        sim.stop()


def test_a_loose_cable_is_not_hammered_nor_logged_at_each_contact(tmp_path, caplog):
    sim = PtyThermometerSim(protocol="gy-mcu90614", link_path=tmp_path / "usb-thermo", seed=11)
    sim.hold(36.6)
    sim.start()
    driver = SerialThermometer(sim.port, "gy-mcu90614", backoff_s=(0.1, 0.8))
    got = []
    with caplog.at_level("INFO", logger="drivers.thermometer.serial_port"):
        driver.start(got.append)
        try:
            wait_until(lambda: got, 20, "a first reading")
            before = len(got)
            flaps = 50
            for _ in range(flaps):                    # the contact makes and breaks every 40 ms
                sim.unplug()
                time.sleep(0.02)
                sim.replug()
                time.sleep(0.02)
            opens_while_loose = driver.stats()["opens"]
            messages = len(caplog.records)
            n = len(got)
            through = n - before        # a contact that held long enough for a reading
            wait_until(lambda: len(got) >= n + 3, 20, "readings once the cable is pushed home")
            assert driver.state == DeviceState.OK
        finally:
            driver.stop()
            sim.stop()
    # A handful of opens, not one per contact; the trouble is logged once, not at each
    # contact, and the return once. A spell of trouble ends with a reading, so on a busy
    # machine, where a contact can hold long enough for one, that reading's return and
    # the next loss are said too.
    # A reading resets the back-off, so each one that got through may start a new handful.
    assert opens_while_loose <= 10 + 3 * through and opens_while_loose <= flaps // 3, (opens_while_loose, through)
    assert messages <= 3 + 2 * through and messages <= flaps // 5, [r.getMessage() for r in caplog.records]
    assert caplog.records[-1].getMessage().endswith("is back")


def test_modbus_device_with_another_address_never_answers(tmp_path):
    from drivers.thermometer.protocols.modbus_rtu import ModbusRTU

    sim = PtyThermometerSim(protocol=ModbusRTU(unit=7), link_path=tmp_path / "rs485", seed=3)
    sim.hold(36.6)
    sim.start()
    driver = SerialThermometer(sim.port, ModbusRTU(unit=1), poll_hz=20, stale_after_s=0.5)
    got = []
    driver.start(got.append)
    try:
        wait_until(lambda: driver.state == DeviceState.STALE, 20, lambda: f"stale (it is {driver.state})")
        holds_for(lambda: got == [], 0.5, "no reading from a device with another address")
    finally:
        driver.stop()
        sim.stop()


def test_a_second_reader_on_the_same_port_is_refused_as_an_error(tmp_path):
    sim = PtyThermometerSim(protocol="gy-mcu90614", link_path=tmp_path / "usb-thermo", seed=6)
    sim.hold(36.6)
    sim.start()
    first = SerialThermometer(sim.port, "gy-mcu90614")
    second = SerialThermometer(sim.port, "gy-mcu90614", backoff_s=(0.1, 0.2))
    got = []
    first.start(got.append)
    try:
        wait_until(lambda: got, 20, "a reading from the first reader")
        second.start(lambda r: None)
        # There, but held by another program: a fault to fix, not a missing cable.
        wait_until(lambda: second.state == DeviceState.ERROR, 20, lambda: f"the second reader in error ({second.state})")
        assert first.state == DeviceState.OK
    finally:
        second.stop()
        first.stop()
        sim.stop()


def test_a_silent_module_is_reopened_and_logged_once(tmp_path, caplog):
    sim = PtyThermometerSim(protocol="gy-mcu90614", link_path=tmp_path / "usb-thermo", seed=7)
    sim.faults.add("silence")
    sim.start()
    driver = SerialThermometer(sim.port, "gy-mcu90614", stale_after_s=0.2, reopen_after_s=0.4)
    got = []
    with caplog.at_level("WARNING", logger="drivers.thermometer.serial_port"):
        driver.start(got.append)
        try:
            wait_until(lambda: driver.stats()["opens"] >= 3, 30, "the silent port reopened twice")  # tried afresh
            sim.faults.clear()
            wait_until(lambda: got, 20, "a reading once the module talks")
        finally:
            driver.stop()
            sim.stop()
    assert got and driver.state == DeviceState.OK
    assert sum("nothing readable" in r.getMessage() for r in caplog.records) == 1


# What Arduino builds of the GY-906 (MLX90614) print, as their sketches write it.
SKETCHES = {
    # Adafruit's mlxtest example: Celsius, then the same in Fahrenheit, then a blank line.
    "adafruit-mlxtest": "Ambient = {ambient:.2f}*C\tObject = {object:.2f}*C\r\n"
                        "Ambient = {ambient_f:.2f}*F\tObject = {object_f:.2f}*F\r\n",
    "ambient-line-first": "TA: {ambient:.2f}\r\nTO: {object:.2f}",
    "ambient-line-after": "Target:  {object:.2f} C\r\nAmbient: {ambient:.2f} C",
}


@pytest.mark.parametrize("sketch", list(SKETCHES))
def test_arduino_sketch_lines_give_the_body_and_the_ambient(tmp_path, sketch):
    from drivers.sim.thermometer import AMBIENT_C

    sim = PtyThermometerSim(protocol="ascii", rate_hz=20, seed=3, link_path=tmp_path / "arduino",
                            ascii_style=SKETCHES[sketch])
    sim.hold(37.4)
    sim.start()
    driver = SerialThermometer(sim.port, "ascii")
    got = []
    driver.start(got.append)
    try:
        wait_until(lambda: len(got) >= 8, 20, "eight readings")
        stats = driver.stats()
    finally:
        driver.stop()
        sim.stop()
    assert len(got) >= 8, stats
    # Never the Fahrenheit line read as Celsius (99.3 "°C"), never the ambient as a body.
    assert all(abs(r.object_c - 37.4) <= 0.06 for r in got), [r.object_c for r in got]
    # The ambient on a line of its own belongs to the reading beside it; only a reading
    # before the first ambient line can lack it.
    assert all(r.ambient_c is not None and abs(r.ambient_c - AMBIENT_C) <= 0.01 for r in got[1:]), got[:3]
