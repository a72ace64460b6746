"""GY-MCU90614 / GY-906 UART modules: an MLX90614 read by a small MCU that speaks binary frames.

As the module's published protocol sheet gives it (9600 8N1 by default, 115200 settable).
The sheet ships with the module and is reproduced on sellers' product pages, e.g.
https://www.as99shop.com/product/363/gy-mcu90614-bcc-serial-port-ir-non-contact-infrared-thermometry-module-mlx90614-bcc
(the GY-MCU90615's sheet has the same frames and commands, at 115200 by default).
Arduino sketches published for the module read it the same way: send A5 45 EA, sync on
5A, compare the low byte of the sum of bytes 0-7 with byte 8, divide by 100. The sheet
lays the frame out but gives no worked example, so the tests build theirs from it.

    module -> host, 9 bytes:  5A 5A 45 04 TO_H TO_L TA_H TA_L SUM
        45    frame type: temperature data
        04    number of data bytes that follow
        TO    object temperature x 100, big-endian
        TA    ambient (sensor) temperature x 100, big-endian
        SUM   low 8 bits of the sum of the eight bytes before it

    host -> module, 3 bytes:  A5 CMD SUM   (SUM = low 8 bits of A5 + CMD)
        A5 45 EA  continuous output (about 14 frames a second)
        A5 15 BA  query: answer with one temperature frame
        A5 51 F6 / A5 52 F7   stream / stay quiet after power-up (stored in the module)

The sheet does not state the sign convention (the sketches read unsigned); readings are
taken as two's complement so that the documented ambient range (-40 ... +125 deg C)
decodes. The two differ only above 327.67 deg C, far outside any body reading.
"""

from __future__ import annotations

import time
from typing import Literal

from drivers.thermometer.base import Reading
from drivers.thermometer.protocols.base import FrameError, StreamParser, WireProtocol

HEADER = b"\x5a\x5a"
TYPE_TEMPERATURE = 0x45
DATA_LEN = 4
FRAME_LEN = len(HEADER) + 2 + DATA_LEN + 1
# The MLX90614 datasheet's ranges (object -70 ... +380, sensor -40 ... +125 deg C).
OBJECT_RANGE_C = (-70.0, 380.0)
AMBIENT_RANGE_C = (-40.0, 125.0)


def command(code: int) -> bytes:
    return bytes([0xA5, code, (0xA5 + code) & 0xFF])


CMD_CONTINUOUS = command(0x45)
CMD_QUERY = command(0x15)


def _checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def encode(object_c: float, ambient_c: float) -> bytes:
    """The frame a module sends for these temperatures."""
    to = round(object_c * 100) & 0xFFFF
    ta = round(ambient_c * 100) & 0xFFFF
    body = HEADER + bytes([TYPE_TEMPERATURE, DATA_LEN]) + to.to_bytes(2, "big") + ta.to_bytes(2, "big")
    return body + bytes([_checksum(body)])


def decode(frame: bytes) -> tuple[float, float]:
    """(object_c, ambient_c) of one complete frame; FrameError when it cannot be believed."""
    if len(frame) != FRAME_LEN or frame[:2] != HEADER:
        raise FrameError("not a 9-byte frame starting 5A 5A")
    if frame[2] != TYPE_TEMPERATURE or frame[3] != DATA_LEN:
        raise FrameError(f"frame type {frame[2]:#04x} with {frame[3]} data bytes is not a temperature frame")
    if _checksum(frame[:-1]) != frame[-1]:
        raise FrameError(f"checksum {frame[-1]:#04x}, expected {_checksum(frame[:-1]):#04x}")
    to = int.from_bytes(frame[4:6], "big", signed=True) / 100
    ta = int.from_bytes(frame[6:8], "big", signed=True) / 100
    # A one-byte sum passes one shifted frame in 256: values the sensor cannot measure
    # catch most of those (see the tests' counterexample for the rest).
    if not OBJECT_RANGE_C[0] <= to <= OBJECT_RANGE_C[1] or not AMBIENT_RANGE_C[0] <= ta <= AMBIENT_RANGE_C[1]:
        raise FrameError(f"object {to} / ambient {ta} deg C is outside what an MLX90614 measures")
    return to, ta


def command_code(frame: bytes) -> int | None:
    """The command byte of a well-formed host command, else None (used by the simulator)."""
    if len(frame) == 3 and frame[0] == 0xA5 and (frame[0] + frame[1]) & 0xFF == frame[2]:
        return frame[1]
    return None


class GYParser(StreamParser):
    def __init__(self) -> None:
        super().__init__()
        self._buf = bytearray()

    def feed(self, data: bytes, t: float | None = None) -> list[Reading]:
        t = time.monotonic() if t is None else t
        self._buf += data
        out: list[Reading] = []
        while True:
            i = self._buf.find(HEADER)
            if i < 0:
                # A lone 5A at the end may be the first half of the next header.
                keep = 1 if self._buf.endswith(HEADER[:1]) else 0
                self.stats.skipped_bytes += len(self._buf) - keep
                del self._buf[: len(self._buf) - keep]
                return out
            self.stats.skipped_bytes += i
            del self._buf[:i]
            if len(self._buf) < 4:
                return out
            if self._buf[2] != TYPE_TEMPERATURE or self._buf[3] != DATA_LEN:
                # 5A 5A inside garbage or inside a temperature value: not a frame start.
                self.stats.skipped_bytes += 1
                del self._buf[:1]
                continue
            if len(self._buf) < FRAME_LEN:
                return out
            try:
                to, ta = decode(bytes(self._buf[:FRAME_LEN]))
            except FrameError:
                self.stats.bad_frames += 1
                # The real frame may start inside the rejected one: look again one byte on.
                del self._buf[:1]
                continue
            del self._buf[:FRAME_LEN]
            self.stats.frames += 1
            out.append(Reading(to, ta, t))


class GYMCU90614(WireProtocol):
    name = "gy-mcu90614"

    def __init__(self, mode: Literal["continuous", "query"] = "continuous") -> None:
        if mode not in ("continuous", "query"):
            raise ValueError(f"mode must be 'continuous' or 'query', not {mode!r}")
        self.mode = mode

    @classmethod
    def from_config(cls, section) -> "GYMCU90614":
        return cls(mode=section.gy.mode)

    def parser(self) -> GYParser:
        return GYParser()

    def start_command(self) -> bytes:
        # A module set to stay quiet after power-up only streams once told to.
        return CMD_CONTINUOUS if self.mode == "continuous" else b""

    def poll_command(self) -> bytes | None:
        return CMD_QUERY if self.mode == "query" else None
