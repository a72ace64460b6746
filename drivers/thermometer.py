"""Thermometer interface and the serial implementation.

A thermometer is a stream of readings. Protocols are pure parsers (bytes in, readings
out) registered by name; the serial transport feeds them whatever bytes arrive.
"""

from __future__ import annotations

import abc
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from drivers.state import DeviceState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    object_c: float                 # what the sensor sees (skin), deg C
    ambient_c: float | None         # the sensor's own temperature, deg C
    t: float = field(default_factory=time.monotonic)   # monotonic time of arrival


class FrameParser(Protocol):
    """Accumulates bytes and returns the readings completed by them."""

    def feed(self, data: bytes) -> list[Reading]: ...


class Thermometer(abc.ABC):
    state: DeviceState = DeviceState.STARTING

    @abc.abstractmethod
    def start(self, on_reading: Callable[[Reading], None]) -> None:
        """Begin delivering readings to ``on_reading`` from a thread of its own."""

    @abc.abstractmethod
    def stop(self) -> None: ...


class NoThermometer(Thermometer):
    state = DeviceState.DISABLED

    def start(self, on_reading):
        pass

    def stop(self):
        pass


# -- GY-MCU90614 / GY-906 UART module --------------------------------------------------
# Frame: 0x5A 0x5A 0x45 0x04 TO_H TO_L TA_H TA_L SUM, temperatures in 1/100 deg C,
# SUM = low byte of the sum of the first eight bytes. 9600 8N1.

GY_HEADER = b"\x5a\x5a\x45\x04"
GY_FRAME_LEN = 9
GY_CMD_CONTINUOUS = bytes([0xA5, 0x45, 0xEA])


def gy_frame(object_c: float, ambient_c: float) -> bytes:
    to, ta = round(object_c * 100), round(ambient_c * 100)
    body = GY_HEADER + bytes([to >> 8 & 0xFF, to & 0xFF, ta >> 8 & 0xFF, ta & 0xFF])
    return body + bytes([sum(body) & 0xFF])


class GYParser:
    def __init__(self) -> None:
        self._buf = bytearray()
        self.checksum_errors = 0

    def feed(self, data: bytes) -> list[Reading]:
        self._buf += data
        out = []
        while True:
            i = self._buf.find(GY_HEADER)
            if i < 0:
                # Keep a possible header prefix at the end for the next chunk.
                del self._buf[: max(0, len(self._buf) - len(GY_HEADER) + 1)]
                return out
            del self._buf[:i]
            if len(self._buf) < GY_FRAME_LEN:
                return out
            frame = bytes(self._buf[:GY_FRAME_LEN])
            if sum(frame[:8]) & 0xFF != frame[8]:
                self.checksum_errors += 1
                del self._buf[:1]          # resynchronise on the next header
                continue
            del self._buf[:GY_FRAME_LEN]
            to = int.from_bytes(frame[4:6], "big", signed=True) / 100
            ta = int.from_bytes(frame[6:8], "big", signed=True) / 100
            out.append(Reading(to, ta))


PROTOCOLS: dict[str, tuple[Callable[[], FrameParser], bytes]] = {
    # name: (parser factory, bytes to send after opening to start the stream)
    "gy-mcu90614": (GYParser, GY_CMD_CONTINUOUS),
}


class SerialThermometer(Thermometer):
    """Reads a protocol over pyserial; reopens the port with back-off if it vanishes."""

    def __init__(self, port: str, protocol: str = "gy-mcu90614", baudrate: int = 9600) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown thermometer protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
        self.port, self.protocol, self.baudrate = port, protocol, baudrate
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = DeviceState.STARTING

    def start(self, on_reading):
        self._thread = threading.Thread(target=self._run, args=(on_reading,), name="thermometer", daemon=True)
        self._thread.start()

    def _run(self, on_reading) -> None:
        import serial

        make_parser, start_cmd = PROTOCOLS[self.protocol]
        backoff = 0.2
        while not self._stop.is_set():
            try:
                port = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.2)
            except (serial.SerialException, OSError) as exc:
                self.state = DeviceState.ABSENT
                log.warning("thermometer port %s: %s; retrying in %.1f s", self.port, exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            parser = make_parser()
            last = time.monotonic()
            try:
                port.write(start_cmd)
                while not self._stop.is_set():
                    data = port.read(64)
                    for reading in parser.feed(data):
                        last = time.monotonic()
                        self.state = DeviceState.OK
                        on_reading(reading)
                    if time.monotonic() - last > 2.0:
                        self.state = DeviceState.STALE
            except (serial.SerialException, OSError) as exc:
                self.state = DeviceState.ABSENT
                log.warning("thermometer port %s lost: %s", self.port, exc)
            finally:
                port.close()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)
