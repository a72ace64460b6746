"""A corrupted byte never becomes a different temperature.

For every protocol: one byte of a valid frame or line changed, inserted or deleted, with
good frames before and after it in the stream, gives no reading for it or the original
one — never another value. Where the protocol itself cannot tell (no checksum in a text
line; a shifted frame whose checksum happens to hold), the property says exactly which
mutations it leaves out, and a counterexample test shows each limit is real.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from drivers.thermometer.protocols import FrameError, ascii_line, gy_mcu90614 as gy, modbus_rtu as mb

# PROPERTY_EXAMPLES=6000 searches harder by hand; CI runs a fixed sequence, so a landing
# never turns red on a counterexample drawn for the first time (search for them here).
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "400")), deadline=None,
                    derandomize=os.environ.get("CI") == "true",
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutation(draw, frame: bytes) -> tuple[str, int, int | None, bytes]:
    """(kind, position, byte, mutated frame) for one single-byte change, insertion or deletion."""
    kind = draw(st.sampled_from(["change", "insert", "delete"]))
    if kind == "insert":
        i, b = draw(st.integers(0, len(frame))), draw(st.integers(0, 255))
        return kind, i, b, frame[:i] + bytes([b]) + frame[i:]
    i = draw(st.integers(0, len(frame) - 1))
    if kind == "delete":
        return kind, i, None, frame[:i] + frame[i + 1:]
    b = draw(st.integers(0, 255).filter(lambda v: v != frame[i]))
    return kind, i, b, frame[:i] + bytes([b]) + frame[i + 1:]


def _readings(parser, data: bytes) -> list[tuple[float, float | None]]:
    return [(r.object_c, r.ambient_c) for r in parser.feed(data)]


def _assert_never_another_value(got, before, original, after):
    """The good frame before is read; then the mutated one gives nothing or the original
    (its ambient may be missing: noise right before a line's ``TO:`` leaves the object);
    the frame after may be lost with it (a deleted line end), but nothing else appears."""
    assert got[:1] == [before], got
    mutated = got[1:-1] if got[-1:] == [after] and len(got) > 1 else got[1:]
    assert mutated in ([], [original], [(original[0], None)]), (got, original)


# -- GY-MCU90614: a one-byte sum --------------------------------------------------------

centi = st.integers(min_value=-4000, max_value=12500).map(lambda v: v / 100)


def _gy_window_checks_out(kind: str, stream_from_mutated: bytes) -> bool:
    """An inserted byte shifts the frame: its last data byte lands where the sum goes, and
    one value in 256 of the inserted byte makes that sum hold. A lost byte pulls the next
    frame's first byte in as the sum, which holds for one frame in 256. The nine bytes
    then pass every check the sheet allows (header, type, length, sum, the sensor's
    range): a frame the module could have sent, which no parser can refuse."""
    try:
        return kind != "change" and bool(gy.decode(stream_from_mutated[:gy.FRAME_LEN]))
    except FrameError:
        return False


@SETTINGS
@given(st.data(), centi, centi, centi, centi)
def test_gy_a_corrupted_byte_never_gives_another_value(data, obj, amb, other_obj, other_amb):
    frame = gy.encode(obj, amb)
    kind, _, _, mutated = data.draw(mutation(frame))
    after = gy.encode(other_amb, other_obj)
    got = _readings(gy.GYParser(), gy.encode(other_obj, other_amb) + mutated + after)
    if _gy_window_checks_out(kind, mutated + after):
        return
    _assert_never_another_value(got, (other_obj, other_amb), (obj, amb), (other_amb, other_obj))


def test_gy_a_one_byte_sum_cannot_refuse_every_shifted_frame():
    # 20.91 / 57.12 deg C; a byte 0A inserted before TO_H: 0A 08 2B 16 reads 25.68 / 110.30,
    # and the frame's own ambient low byte 50 is exactly the sum of the shifted eight bytes.
    frame = gy.encode(20.91, 57.12)
    assert frame == bytes.fromhex("5A 5A 45 04 08 2B 16 50 96")
    shifted = frame[:4] + b"\x0a" + frame[4:]
    assert [(r.object_c, r.ambient_c) for r in gy.GYParser().feed(shifted)] == [(25.68, 110.3)]
    # 36.64 / 20.35 deg C with TO_L lost: the next frame's first byte 5A is the sum of the rest.
    frame, after = gy.encode(36.64, 20.35), gy.encode(36.6, 25.0)
    assert frame == bytes.fromhex("5A 5A 45 04 0E 50 07 F3 55")
    lost = frame[:5] + frame[6:]
    assert [(r.object_c, r.ambient_c) for r in gy.GYParser().feed(lost + after)][0] == (35.91, -32.43)


def test_gy_values_the_sensor_cannot_measure_are_bad_frames():
    # Checksum right, value impossible: -250 deg C (object) and 200 deg C (ambient).
    body = gy.HEADER + bytes([gy.TYPE_TEMPERATURE, gy.DATA_LEN]) + (-25000 & 0xFFFF).to_bytes(2, "big") + \
        (2500).to_bytes(2, "big")
    with pytest.raises(FrameError, match="outside what an MLX90614 measures"):
        gy.decode(body + bytes([sum(body) & 0xFF]))
    p = gy.GYParser()
    assert p.feed(gy.encode(36.6, 200.0)) == [] and p.stats.bad_frames == 1


# -- Modbus RTU: CRC-16 -------------------------------------------------------------------

tenths = st.integers(min_value=-400, max_value=1250).map(lambda v: v / 10)


def _modbus_frame(obj: float, amb: float) -> bytes:
    return mb.encode_response(1, 3, [round(obj * 10), 0, round(amb * 10)])


def _modbus_window_checks_out(kind: str, stream_from_mutated: bytes) -> bool:
    """CRC-16 catches every changed byte, but an inserted or lost byte shifts the frame onto
    other bytes as its CRC; for about one frame and position in 256, some inserted byte
    (or the next frame's first byte) makes that CRC hold, and the response is then
    well-formed in every respect."""
    window = stream_from_mutated[:len(_modbus_frame(0, 0))]
    try:
        return kind != "change" and window[:3] == b"\x01\x03\x06" and bool(mb.decode_response(window))
    except FrameError:
        return False


@SETTINGS
@given(st.data(), tenths, tenths, tenths, tenths)
def test_modbus_a_corrupted_byte_never_gives_another_value(data, obj, amb, other_obj, other_amb):
    frame = _modbus_frame(obj, amb)
    kind, _, _, mutated = data.draw(mutation(frame))
    after = _modbus_frame(other_amb, other_obj)
    got = _readings(mb.ModbusRTU().parser(), _modbus_frame(other_obj, other_amb) + mutated + after)
    if _modbus_window_checks_out(kind, mutated + after):
        return
    _assert_never_another_value(got, (other_obj, other_amb), (obj, amb), (other_amb, other_obj))


def test_modbus_crc16_cannot_refuse_every_shifted_frame():
    # Object 111.0, ambient 21.1; D4 inserted after the byte count: the CRC 29 60 is
    # replaced by the frame's own D3 29, which the shifted bytes happen to have.
    frame = _modbus_frame(111.0, 21.1)
    assert frame == bytes.fromhex("01 03 06 04 56 00 00 00 D3 29 60")
    shifted = frame[:3] + b"\xd4" + frame[3:]
    assert [r.object_c for r in mb.ModbusRTU().parser().feed(shifted)] == [-1126.0]


# -- ASCII lines: no checksum at all ------------------------------------------------------

NUMBER_BYTES = b"0123456789.+-"
LINE_ENDS = b"\r\n"
WHITESPACE = b" \t\x0b\x0c"
STYLES = [
    "{object:.1f}",
    "T:{object:.2f}",
    "TO:{object:.2f} TA:{ambient:.2f}",
    "TA:{ambient:.1f} TO:{object:.1f}",
    "OBJ={object:.1f},AMB={ambient:.1f}",
    "Ambient = {ambient:.2f}*C\tObject = {object:.2f}*C",      # Adafruit's MLX90614 sketch
    "Target: {object:.1f} °C",
    "{object:5.1f}",                                            # H-Tronic TSM 125's field
]


def _ascii_undetectable(kind: str, byte: int | None, removed: int | None) -> bool:
    """Digits, points and signs put for, or lost from, digits, points and signs make
    another number a device may well print (36.6 -> 37.6, 3.6, 366, -6.6; -0.1 -> " 0.1"
    when the sign becomes a blank), and a line end inside a number makes two good lines
    (36.6 -> 3 and 6.6). A line has no checksum to tell them apart."""
    lost = removed is not None and removed in NUMBER_BYTES
    if kind == "delete":
        return lost
    return byte in NUMBER_BYTES or byte in LINE_ENDS or (lost and byte in WHITESPACE)


@SETTINGS
@given(st.data(), st.sampled_from(STYLES), tenths, tenths, tenths)
def test_ascii_a_corrupted_byte_never_gives_another_value(data, style, obj, amb, other):
    line = (style.format(object=obj, ambient=amb) + "\r\n").encode("utf-8")
    kind, i, byte, mutated = data.draw(mutation(line))
    original = (obj, amb if "ambient" in style else None)
    parsed = _readings(ascii_line.AsciiLine().parser(), line)
    assert parsed == [original]
    if _ascii_undetectable(kind, byte, line[i] if kind != "insert" else None):
        return
    before, after = ascii_line.encode(other, None), ascii_line.encode(-other, None)
    got = _readings(ascii_line.AsciiLine().parser(), before + mutated + after)
    _assert_never_another_value(got, (other, None), original, (-other, None))


@pytest.mark.parametrize("sent, received, reads", [
    (b"36.6\r\n", b"37.6\r\n", [37.6]),               # a digit for a digit
    (b"T:36.6\r\n", b"T:3.6\r\n", [3.6]),             # a digit lost
    (b"T:36.6\r\n", b"T:366\r\n", [366.0]),           # the point lost
    (b"T: 36.6\r\n", b"T:136.6\r\n", [136.6]),        # a space turned into a digit
    (b"36.6\r\n", b"3\n6.6\r\n", [3.0, 6.6]),         # a line end inside the number
    (b"-0.1\r\n", b" 0.1\r\n", [0.1]),               # the sign turned into a blank
])
def test_ascii_lines_without_a_checksum_cannot_refuse_these(sent, received, reads):
    # Each corrupted line is itself a line the grammar must accept: the limit the property
    # above leaves out, shown to be real. The kiosk's range check (34-43 deg C, measured
    # twice) is what stands behind it.
    assert [r.object_c for r in ascii_line.AsciiLine().parser().feed(received)] == reads


@pytest.mark.parametrize("received", [
    b"T:16\xb040\r\n",                                      # read as 40.0 before
    b"TO:33\xb04\r\n",                                      # 4.0
    b"T:42.\xb08\r\n",                                      # 8.0
    b"Ambient = 24.55*C\tObject = 21.\x800*C\r\n",          # 0.0
    b"\x8f36.6\r\n",                                        # noise right before the number
    b"T:36.6\x8f\r\n",                                      # ... and right after it
    b"T:36.6*\r\n",                                         # a star is no unit without C
    b"36.6\xba\r\n",                                        # nor an ordinal sign
    b"\x1c0.1\r\n",                                         # -0.1's sign hit: 1C is no blank
])
def test_ascii_a_corrupted_byte_in_or_next_to_a_number_is_a_bad_frame(received):
    p = ascii_line.AsciiLine().parser()
    assert [r.object_c for r in p.feed(received + b"T:36.6\r\n")] == [36.6]
    assert p.stats.bad_frames == 1 and p.stats.frames == 1


@pytest.mark.parametrize("received, value", [
    (b"36.6\xb0C\r\n", 36.6),                     # a degree sign in Latin-1
    (b"36.6 \xc2\xb0C\r\n", 36.6),                # ... and in UTF-8
    (b"36.6\xc2\xb0\r\n", 36.6),                  # a degree sign alone is Celsius
    (b"36.6 \xc2\xbaC\r\n", 36.6),                # the ordinal sign some sketches use, with C
    (b"36.6*C\r\n", 36.6),
    (b"\x8fT:36.6\r\n", 36.6),                    # noise before a label costs nothing
])
def test_ascii_units_after_a_complete_number_are_read(received, value):
    assert [r.object_c for r in ascii_line.AsciiLine().parser().feed(received)] == [value]
