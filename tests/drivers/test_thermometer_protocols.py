"""Each protocol's pure parser against frames taken from its public documentation."""

from __future__ import annotations

import pytest

from drivers.thermometer.protocols import PROTOCOLS, FrameError, build
from drivers.thermometer.protocols import ascii_line, gy_mcu90614 as gy, modbus_rtu as mb

# -- GY-MCU90614 --------------------------------------------------------------------------

# The sheet lays the frame out without a worked example; these follow its layout:
# 5A 5A | 45 = temperature | 04 data bytes | TO x100 | TA x100 | low byte of the sum of the eight before.
GY_FRAMES = [
    ("5A 5A 45 04 0E 4C 09 C4 24", 36.60, 25.00),      # 3660, 2500; 0x224 -> 0x24
    ("5A 5A 45 04 0E EC 09 C4 C4", 38.20, 25.00),      # 3820
    ("5A 5A 45 04 09 C4 09 C4 97", 25.00, 25.00),      # nobody: the room
    ("5A 5A 45 04 FF 9C 00 00 98", -1.00, 0.00),       # two's complement below zero
]


@pytest.mark.parametrize("hexframe, to, ta", GY_FRAMES)
def test_gy_documented_frames_decode(hexframe, to, ta):
    frame = bytes.fromhex(hexframe)
    assert gy.decode(frame) == (to, ta)
    assert gy.encode(to, ta) == frame
    readings = gy.GYParser().feed(frame)
    assert [(r.object_c, r.ambient_c) for r in readings] == [(to, ta)]


@pytest.mark.parametrize("hexframe, why", [
    ("5A 5A 45 04 0E 4C 09 C4 25", "checksum"),
    ("5A 5A 46 04 0E 4C 09 C4 25", "not a temperature frame"),
    ("5A 5A 45 04 0E 4C 09 C4", "9-byte"),
])
def test_gy_bad_frames_are_refused_with_a_reason(hexframe, why):
    with pytest.raises(FrameError, match=why):
        gy.decode(bytes.fromhex(hexframe))


def test_gy_commands_match_the_sheet():
    assert gy.CMD_CONTINUOUS == bytes.fromhex("A5 45 EA")
    assert gy.CMD_QUERY == bytes.fromhex("A5 15 BA")
    assert gy.command(0x51) == bytes.fromhex("A5 51 F6")
    assert gy.GYMCU90614("query").poll_command() == gy.CMD_QUERY
    assert gy.GYMCU90614("continuous").start_command() == gy.CMD_CONTINUOUS


def _gy(hexframe: str) -> bytes:
    return bytes.fromhex(hexframe)


GOOD, FEVER = _gy(GY_FRAMES[0][0]), _gy(GY_FRAMES[1][0])


@pytest.mark.parametrize("chunks, expect, bad", [
    ([GOOD + FEVER], [36.6, 38.2], 0),
    ([GOOD[:4], GOOD[4:]], [36.6], 0),                               # split frame
    ([b"\x00\x5a\x13" + GOOD], [36.6], 0),                           # garbage, a lone header byte
    ([GOOD[:6] + FEVER], [38.2], 1),                                 # partial frame, then a whole one
    ([GOOD[:-1] + b"\x25" + FEVER], [38.2], 1),                      # bad checksum counted, next frame read
    ([b"\x5a\x5a\x5a" + GOOD], [36.6], 0),                           # header bytes repeated
    ([bytes([b]) for b in GOOD + FEVER], [36.6, 38.2], 0),           # byte by byte
])
def test_gy_stream_resynchronises(chunks, expect, bad):
    p = gy.GYParser()
    got = [r.object_c for c in chunks for r in p.feed(c)]
    assert got == expect
    assert p.stats.bad_frames == bad


# -- Modbus RTU ---------------------------------------------------------------------------

@pytest.mark.parametrize("unit, function, start, count, hexframe", [
    (0x01, 3, 0x0000, 2, "01 03 00 00 00 02 C4 0B"),        # the read most Modbus tools show first
    (0x40, 3, 0x1006, 1, "40 03 10 06 00 01 6F DA"),        # Hukseflux SR05-D1A3 manual p. 55, body temperature
    (0x40, 3, 0x1028, 1, "40 03 10 28 00 01 0F D3"),        # same page, serial number
])
def test_modbus_requests_carry_the_documented_crc(unit, function, start, count, hexframe):
    assert mb.read_request(unit, function, start, count) == bytes.fromhex(hexframe)
    assert mb.parse_request(bytes.fromhex(hexframe)) == (unit, function, start, count)


def test_modbus_crc_is_the_catalogued_crc16_modbus():
    # CRC-16/MODBUS in the CRC catalogue: check value over the ASCII digits "123456789".
    assert mb.crc16(b"123456789") == 0x4B37


@pytest.mark.parametrize("hexframe, registers", [
    ("40 03 02 08 B1 43 FF", [2225]),                        # 22.25 deg C at 0.01 per count
    ("40 03 02 0A 29 43 35", [2601]),
])
def test_modbus_documented_responses_decode(hexframe, registers):
    assert mb.decode_response(bytes.fromhex(hexframe)) == registers


def test_modbus_documented_response_becomes_a_reading():
    proto = mb.ModbusRTU(unit=0x40, object_register=0x1006, ambient_register=None, scale=0.01)
    assert proto.poll_command() == bytes.fromhex("40 03 10 06 00 01 6F DA")
    (r,) = proto.parser().feed(bytes.fromhex("40 03 02 08 B1 43 FF"))
    assert (r.object_c, r.ambient_c) == (22.25, None)


def test_modbus_default_map_reads_object_and_ambient_in_one_request():
    proto = mb.ModbusRTU()        # 0x12 object, 0x14 sensor temperature, tenths of a degree
    assert proto.poll_command() == mb.read_request(1, 3, 0x12, 3)
    (r,) = proto.parser().feed(mb.encode_response(1, 3, [366, 367, 251]))
    assert (r.object_c, r.ambient_c) == (36.6, 25.1)
    (r,) = proto.parser().feed(mb.encode_response(1, 3, [-15, 0, -402]))
    assert (r.object_c, r.ambient_c) == (-1.5, -40.2)


RESP = mb.encode_response(1, 3, [366, 0, 250])
FEVER_RESP = mb.encode_response(1, 3, [382, 0, 250])


@pytest.mark.parametrize("chunks, expect, bad", [
    ([RESP], [36.6], 0),
    ([mb.read_request(1, 3, 0x12, 3) + RESP], [36.6], 0),              # our own request echoed back
    ([RESP[:4], RESP[4:]], [36.6], 0),                                 # split frame
    ([RESP[:-1] + bytes([RESP[-1] ^ 1]) + FEVER_RESP], [38.2], 1),     # CRC failure counted
    ([mb.encode_response(2, 3, [370, 0, 250]) + RESP], [36.6], 0),     # another unit's answer
    ([mb.encode_exception(1, 3, 2) + RESP], [36.6], 1),                # the device refuses once: counted
    ([b"\xff\x01\x00" + RESP[:7], RESP[7:]], [36.6], 0),
])
def test_modbus_stream_resynchronises(chunks, expect, bad):
    p = mb.ModbusRTU().parser()
    got = [r.object_c for c in chunks for r in p.feed(c)]
    assert got == expect
    assert p.stats.bad_frames == bad


def test_modbus_exception_is_counted():
    p = mb.ModbusRTU().parser()
    assert p.feed(mb.encode_exception(1, 3, 2)) == []
    assert p.exceptions == 1


# -- ASCII lines --------------------------------------------------------------------------

RX = ascii_line.compile_pattern(ascii_line.DEFAULT_PATTERN)


@pytest.mark.parametrize("line, parsed", [
    ("36.6", (36.6, None)),
    ("T:36.6", (36.6, None)),
    ("t = 36.6", (36.6, None)),
    ("36.6C", (36.6, None)),
    ("36.6 °C", (36.6, None)),
    ("TO:36.60 TA:25.12", (36.6, 25.12)),
    ("OBJ=36.6,AMB=25.1", (36.6, 25.1)),
    ("Temp: 38.2", (38.2, None)),
    ("  37  ", (37.0, None)),
    ("HI", None),
    ("Lo", None),
    ("T:36.6F", None),             # a unit it cannot read is not a reading
    ("Ambient = 25.13*C\tObject = 36.61*C", (36.61, 25.13)),     # Adafruit's MLX90614 example
    ("Ambient = 77.23*F\tObject = 97.90*F", None),               # ... and its Fahrenheit line
    ("TA:25.1 TO:36.6", (36.6, 25.1)),
    ("Target:  36.6 C", (36.6, None)),
    ("36.6 ºC", (36.6, None)),
    ("TO:36.6 TA:25.1*F", None),
    ("TA: 25.1", None),            # the ambient alone is no reading (the stream keeps it)
    ("36.6.6", None),
    ("", None),
])
def test_ascii_default_pattern(line, parsed):
    assert ascii_line.parse_line(line, RX) == parsed


# H-Tronic TSM 125 manual, "Serial interface": a five-character field and CR LF.
@pytest.mark.parametrize("hexline, value", [
    ("31 32 31 2E 31 0D 0A", 121.1),
    ("20 20 31 2E 35 0D 0A", 1.5),
    ("2D 31 31 2E 32 0D 0A", -11.2),
    ("45 72 72 2E 31 0D 0A", None),        # Err.1: the device's fault message, no reading
    ("45 72 72 2E 33 0D 0A", None),
])
def test_ascii_documented_lines(hexline, value):
    p = ascii_line.AsciiLine().parser()
    got = [(r.object_c, r.ambient_c) for r in p.feed(bytes.fromhex(hexline))]
    assert got == ([] if value is None else [(value, None)])
    assert p.stats.bad_frames == (value is None)


def test_ascii_ambient_on_its_own_line_joins_the_readings_of_the_next_two_seconds():
    p = ascii_line.AsciiLine().parser()
    assert p.feed(b"TA: 25.10\r\n", 100.0) == []
    near, late = p.feed(b"TO: 36.60\r\n", 101.0), p.feed(b"TO: 36.70\r\n", 102.5)
    assert [(r.object_c, r.ambient_c) for r in near + late] == [(36.6, 25.1), (36.7, None)]
    assert p.stats.bad_frames == 0 and p.stats.frames == 2


def test_ascii_custom_pattern():
    rx = ascii_line.compile_pattern(r"BT(?P<object>\d+\.\d)/RT(?P<ambient>\d+\.\d)")
    assert ascii_line.parse_line("BT36.4/RT24.0", rx) == (36.4, 24.0)
    assert ascii_line.parse_line("36.4", rx) is None


@pytest.mark.parametrize("pattern, why", [("(\\d+", "regular expression"), ("\\d+", "(?P<object>")])
def test_ascii_bad_pattern_says_why(pattern, why):
    with pytest.raises(ValueError, match=why.replace("(", "\\(").replace("?", "\\?")):
        ascii_line.compile_pattern(pattern)


@pytest.mark.parametrize("chunks, expect", [
    ([b"36.6\r\n37.1\n38.0\r"], [36.6, 37.1, 38.0]),
    ([b"T:3", b"6.6\r", b"\n"], [36.6]),                                       # split line
    ([b"\xff\xfe\x00garbage\r\nT:36.6\r\n"], [36.6]),                          # garbage line skipped
    ([b"x" * 200, b"y\r\n", b"T:36.6\r\n"], [36.6]),                           # overlong noise dropped
    ([b"READY\r\nT:36.6\r\n"], [36.6]),
])
def test_ascii_stream(chunks, expect):
    p = ascii_line.AsciiLine().parser()
    assert [r.object_c for c in chunks for r in p.feed(c)] == expect


@pytest.mark.parametrize("first_byte_after_s, data, expect", [
    (0.001, b"1\r\nT:38.21\r\n", [38.21]),        # came in mid-line: the tail "1" is no reading
    (0.001, b"6.6\r\nT:36.6\r\n", [36.6]),
    (0.001, b"\nT:36.6\r\n", [36.6]),              # between the CR and the LF: nothing lost
    (0.5, b"T:36.6\r\n", [36.6]),                   # the device was quiet at the open: a whole line
])
def test_ascii_a_line_begun_before_the_port_opened_is_not_read(first_byte_after_s, data, expect):
    p = ascii_line.AsciiLine().parser()
    p.opened(10.0)
    assert [r.object_c for r in p.feed(data, 10.0 + first_byte_after_s)] == expect
    assert p.stats.bad_frames == 0


def test_ascii_unreadable_line_is_counted():
    p = ascii_line.AsciiLine().parser()
    p.feed(b"T:3?.6\r\nT:36.6\r\n")
    assert p.stats.bad_frames == 1 and p.stats.frames == 1


# -- the registry -------------------------------------------------------------------------

def test_registry_names_every_protocol_and_refuses_unknown_ones():
    assert set(PROTOCOLS) == {"gy-mcu90614", "modbus-rtu", "ascii"}
    for name in PROTOCOLS:
        assert build(name).name == name
    with pytest.raises(ValueError, match="known: gy-mcu90614"):
        build("nonesuch")


def test_config_accepts_exactly_the_registered_protocols():
    from typing import get_args

    from kiosk.config import ThermometerSection

    assert set(get_args(ThermometerSection.model_fields["protocol"].annotation)) == set(PROTOCOLS)


@pytest.mark.parametrize("line, parsed", [
    ("\x8f\x12T:36.6", (36.6, None)),           # noise before a reading costs nothing
    ("\ufffdT:36.6", (36.6, None)),
    ("\ufffd5T:36.6", None),
    ("9536.6", None),                          # digits glued on are not the same number
    ("\x00TO:36.6 TA:25.0", (36.6, 25.0)),
    ("T:36?60", None),                         # a corrupted line is not read as "60"
    ("xT:36.6", None),
    ("36.6 junk", None),
    ("\u06f0", None),                          # noise that decodes to another script's digit
    ("T:\u0663\u0666.\u0666", None),
])
def test_ascii_noise_before_a_reading(line, parsed):
    assert ascii_line.parse_line(line, RX) == parsed


def test_modbus_register_map_from_config():
    from kiosk import config

    cfg = config.from_dict({"thermometer": {"protocol": "modbus-rtu", "modbus": {
        "unit": 0x40, "object_register": 0x1006, "ambient_register": -1, "scale": 0.01}}})
    proto = build("modbus-rtu", cfg.thermometer)
    assert proto.poll_command() == bytes.fromhex("40 03 10 06 00 01 6F DA")
    assert proto.ambient_register is None
