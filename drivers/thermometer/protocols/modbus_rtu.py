"""Modbus RTU infrared thermometers on RS-485 (through a USB-RS485 adapter).

The frames are those of the Modbus over Serial Line Specification and Implementation
Guide V1.02 and the Modbus Application Protocol Specification V1.1b3 (function 03/04
request and response PDUs), https://www.modbus.org/specs.php:

    request   UNIT FC START_H START_L COUNT_H COUNT_L CRC_L CRC_H
    response  UNIT FC BYTES DATA... CRC_L CRC_H          (BYTES = 2 x COUNT)
    exception UNIT FC|0x80 CODE CRC_L CRC_H

CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF, no final XOR; the CRC
catalogue's check value for "123456789" is 0x4B37), sent low byte first. The Hukseflux
SR05-D1A3 manual (v1801, p. 55) works a request and its answer through byte by byte:
``40 03 10 06 00 01 6F DA`` -> ``40 03 02 08 B1 43 FF``, 2225 x 0.01 = 22.25 deg C.
Temperatures are signed 16-bit registers.

Which registers hold what differs by maker, so the register map is configuration. The
default follows the Calex PyroUSB operator's guide, "Modbus over serial line" (pp. 11-12:
unit 1, 9600 8N1, functions 03/04): 0x12 filtered object temperature, 0x13 unfiltered,
0x14 sensor (ambient) temperature, all in tenths of a degree C. One request reads the
span covering both.

RTU marks frame ends by silence, which a USB adapter blurs; the parser instead checks
the expected shape and the CRC, so an echo of our own request on a half-duplex bus,
noise, or a frame cut in two never pass as a reading.
"""

from __future__ import annotations

import time

from drivers.thermometer.base import Reading
from drivers.thermometer.protocols.base import FrameError, StreamParser, WireProtocol

READ_HOLDING = 0x03
READ_INPUT = 0x04


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _with_crc(body: bytes) -> bytes:
    return body + crc16(body).to_bytes(2, "little")


def read_request(unit: int, function: int, start: int, count: int) -> bytes:
    return _with_crc(bytes([unit, function]) + start.to_bytes(2, "big") + count.to_bytes(2, "big"))


def parse_request(frame: bytes) -> tuple[int, int, int, int]:
    """(unit, function, start, count) of a read request; FrameError otherwise (simulator side)."""
    if len(frame) != 8 or crc16(frame[:-2]).to_bytes(2, "little") != frame[-2:]:
        raise FrameError("not an 8-byte read request with a good CRC")
    return frame[0], frame[1], int.from_bytes(frame[2:4], "big"), int.from_bytes(frame[4:6], "big")


def encode_response(unit: int, function: int, registers: list[int]) -> bytes:
    data = b"".join((r & 0xFFFF).to_bytes(2, "big") for r in registers)
    return _with_crc(bytes([unit, function, len(data)]) + data)


def encode_exception(unit: int, function: int, code: int) -> bytes:
    return _with_crc(bytes([unit, function | 0x80, code]))


def decode_response(frame: bytes) -> list[int]:
    """Register values (signed) of one complete read response; FrameError when it cannot be believed."""
    if len(frame) < 5 or len(frame) != 5 + frame[2]:
        raise FrameError("length does not match the byte count")
    if crc16(frame[:-2]).to_bytes(2, "little") != frame[-2:]:
        raise FrameError("CRC mismatch")
    data = frame[3:-2]
    return [int.from_bytes(data[i:i + 2], "big", signed=True) for i in range(0, len(data), 2)]


class ModbusResponseParser(StreamParser):
    """Finds responses of one unit to one read (``count`` registers) in the byte stream."""

    def __init__(self, unit: int, function: int, count: int, to_reading) -> None:
        super().__init__()
        self.unit, self.function, self.count = unit, function, count
        self._to_reading = to_reading
        self._len = 5 + 2 * count
        self._buf = bytearray()
        self.exceptions = 0

    def _skip(self, n: int = 1) -> None:
        self.stats.skipped_bytes += n
        del self._buf[:n]

    def feed(self, data: bytes, t: float | None = None) -> list[Reading]:
        t = time.monotonic() if t is None else t
        self._buf += data
        out: list[Reading] = []
        while self._buf:
            if self._buf[0] != self.unit:
                i = self._buf.find(bytes([self.unit]))
                self._skip(len(self._buf) if i < 0 else i)
                continue
            if len(self._buf) < 3:
                return out
            fc = self._buf[1]
            if fc == self.function | 0x80:
                if len(self._buf) < 5:
                    return out
                frame = bytes(self._buf[:5])
                if crc16(frame[:3]).to_bytes(2, "little") == frame[3:]:
                    # The device is there but refuses (wrong register map?): counted, not a reading.
                    self.exceptions += 1
                    self.stats.bad_frames += 1
                    del self._buf[:5]
                else:
                    self._skip()
                continue
            if fc != self.function or self._buf[2] != 2 * self.count:
                self._skip()
                continue
            if len(self._buf) < self._len:
                return out
            try:
                registers = decode_response(bytes(self._buf[:self._len]))
            except FrameError:
                self.stats.bad_frames += 1
                self._skip()
                continue
            del self._buf[:self._len]
            self.stats.frames += 1
            out.append(self._to_reading(registers, t))
        return out


class ModbusRTU(WireProtocol):
    name = "modbus-rtu"
    reply_timeout_s = 0.3

    def __init__(self, unit: int = 1, function: int = READ_HOLDING, object_register: int = 0x12,
                 ambient_register: int | None = 0x14, scale: float = 0.1) -> None:
        if not 1 <= unit <= 247:
            raise ValueError("unit (slave address) must be 1-247")
        if function not in (READ_HOLDING, READ_INPUT):
            raise ValueError("function must be 3 (holding registers) or 4 (input registers)")
        self.unit, self.function, self.scale = unit, function, scale
        self.object_register, self.ambient_register = object_register, ambient_register
        regs = [object_register] + ([ambient_register] if ambient_register is not None else [])
        self.start = min(regs)
        self.count = max(regs) - self.start + 1
        if self.count > 125:
            raise ValueError("object and ambient registers must lie within 125 registers of each other")

    @classmethod
    def from_config(cls, section) -> "ModbusRTU":
        m = section.modbus
        ambient = m.ambient_register if m.ambient_register >= 0 else None
        return cls(m.unit, m.function, m.object_register, ambient, m.scale)

    def _reading(self, registers: list[int], t: float) -> Reading:
        obj = round(registers[self.object_register - self.start] * self.scale, 3)
        amb = None
        if self.ambient_register is not None:
            amb = round(registers[self.ambient_register - self.start] * self.scale, 3)
        return Reading(obj, amb, t)

    def parser(self) -> ModbusResponseParser:
        return ModbusResponseParser(self.unit, self.function, self.count, self._reading)

    def poll_command(self) -> bytes:
        return read_request(self.unit, self.function, self.start, self.count)
