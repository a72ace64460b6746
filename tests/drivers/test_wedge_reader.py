"""Keyboard-wedge readers on recorded and simulated input events (no /dev/uinput here):
the same translation a grabbed evdev device goes through."""

from __future__ import annotations

import os
import queue

import pytest

from drivers.scanner.keymap import type_text
from drivers.scanner.wedge import EVENT, EventStreamReader, EvdevReader, pack_events
from drivers.sim.wedge import FifoWedgeSim
from drivers.state import DeviceState
from tests.waiting import wait_until

EV_SYN, EV_KEY, EV_MSC, MSC_SCAN = 0, 1, 4, 4


def recording(text: str) -> bytes:
    """What `cat /dev/input/eventN` records from a USB wedge: each key as MSC_SCAN (its HID
    usage), EV_KEY and a SYN report, with timestamps."""
    out, usec = b"", 0
    for code, value in type_text(text):
        usec += 800
        out += EVENT.pack(1764745200, usec, EV_MSC, MSC_SCAN, 0x70000 + code)
        out += EVENT.pack(1764745200, usec, EV_KEY, code, value)
        out += EVENT.pack(1764745200, usec, EV_SYN, 0, 0)
    return out


def test_a_recorded_event_file_is_read_once_into_codes(tmp_path):
    rec = tmp_path / "wedge.events"
    rec.write_bytes(recording("CP1:ABC 123") + recording("RES-0042"))
    reader = EventStreamReader("desk", str(rec))
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    try:
        codes = [got.get(timeout=10), got.get(timeout=10)]
    finally:
        reader.stop()
    assert [(c.text, c.source, c.code_type) for c in codes] == [
        ("CP1:ABC 123", "desk", "KEYBOARD"), ("RES-0042", "desk", "KEYBOARD")]


def test_a_fifo_is_read_as_long_as_it_is_written_in_pieces(tmp_path):
    fifo = tmp_path / "wedge.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    reader = EventStreamReader("wedge", str(fifo))
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    try:
        data = recording("RES-1")
        os.write(writer, data[:37])         # a record split across writes
        os.write(writer, data[37:])
        assert got.get(timeout=10).text == "RES-1"
        os.write(writer, pack_events(type_text("RES-2")))
        assert got.get(timeout=10).text == "RES-2"
    finally:
        reader.stop()
        os.close(writer)


def test_the_simulated_wedge_types_through_the_same_reader():
    sim = FifoWedgeSim()
    reader = EventStreamReader("wedge", sim.path)
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    try:
        sim.show("CP1:XYZ")
        assert got.get(timeout=10).text == "CP1:XYZ"
    finally:
        reader.stop()
        sim.stop()


def test_a_missing_wedge_device_is_absent_and_retried(tmp_path):
    pytest.importorskip("evdev", reason="python-evdev is the keyboard extra (Linux only)")
    reader = EvdevReader("wedge", str(tmp_path / "usb-Scanner-event-kbd"), backoff_s=(0.05, 0.1))
    reader.start(lambda code: None)
    try:
        wait_until(lambda: reader.state == DeviceState.ABSENT and reader.stats()["failed_opens"] >= 2, 10,
                   "the missing wedge shown absent and retried")
    finally:
        reader.stop()

