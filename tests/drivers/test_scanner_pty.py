"""The real serial scanner driver (pyserial) against the simulated module behind a pty."""

from __future__ import annotations

import queue

from drivers.scanner.lines import LineFramer
from drivers.scanner.serial_scanner import SerialScanner
from drivers.sim.scanner import PtyScannerSim
from drivers.state import DeviceState
from tests.waiting import wait_until


def test_codes_shown_to_the_module_reach_the_kiosk_with_their_reader_name():
    sim = PtyScannerSim(prefix=b"\x02", suffix=b"\x03", terminator=b"\r\n")
    reader = SerialScanner("gate-scanner", sim.port, LineFramer(b"\r\n", b"\x02", b"\x03"))
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    try:
        wait_until(lambda: reader.state == DeviceState.OK, 10, "the scanner port opened")
        sim.show("CP1:ABC123")
        sim.show("RES-0042")
        first, second = got.get(timeout=10), got.get(timeout=10)
    finally:
        reader.stop()
        sim.stop()
    assert (first.text, first.source, first.code_type) == ("CP1:ABC123", "gate-scanner", "SCANNER")
    assert second.text == "RES-0042"
    assert reader.stats()["codes"] == 2


def test_a_missing_port_is_absent_and_found_when_it_appears(tmp_path):
    link = tmp_path / "usb-scanner"
    reader = SerialScanner("s", str(link), LineFramer(), backoff_s=(0.05, 0.2))
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    sim = None
    try:
        wait_until(lambda: reader.state == DeviceState.ABSENT, 10, "the scanner shown absent")
        sim = PtyScannerSim(link_path=link)
        wait_until(lambda: reader.state == DeviceState.OK, 10, "the scanner found on its stable path")
        sim.show("RES-1")
        assert got.get(timeout=10).text == "RES-1"
    finally:
        reader.stop()
        if sim:
            sim.stop()
